//! A physical optimizer rule: a filter over a Parquet scan reads the string columns it tests
//! as dictionary keys where every file stores them as dictionary pages only
//! ([`FileLayouts`]), and tests each dictionary entry once ([`DictionaryPredicate`]) instead
//! of each row. Decoding keys skips making a string view per row, and the rows that fail are
//! never turned into strings: above the filter the column is cast back to strings, so no
//! other operator sees a dictionary. A column any file holds in plain pages, or that a
//! conjunct reads together with another column, stays as it was.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::Result;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfig, FileSource, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::physical_expr::expressions::{CastExpr, Column};
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr::{conjunction, split_conjunction};
use datafusion::physical_expr_common::physical_expr::is_volatile;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::execution_plan::replace_children_if_necessary;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::Partitioning;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use kqlite_planner::{DictionaryPredicate, SelectiveAnd};
use kqlite_tables::file_layouts::FileLayouts;

#[derive(Debug)]
pub(crate) struct ReadDictionaries {
    pub layouts: Arc<FileLayouts>,
}

impl PhysicalOptimizerRule for ReadDictionaries {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|node| {
            let Some(filter) = node.downcast_ref::<FilterExec>() else {
                return Ok(Transformed::no(node));
            };
            Ok(match self.rewrite(filter)? {
                Some(plan) => Transformed::yes(plan),
                None => Transformed::no(node),
            })
        })
        .data()
    }

    fn name(&self) -> &str {
        "kql_read_dictionaries"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The scan below a filter, and what it reads.
struct Scan<'a> {
    config: &'a FileScanConfig,
    parquet: &'a ParquetSource,
    schema: SchemaRef,
}

impl ReadDictionaries {
    fn rewrite(&self, filter: &FilterExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        if let Some(projection) = filter.input().downcast_ref::<ProjectionExec>() {
            return self.rewrite_below(filter, projection);
        }
        let builder = FilterExecBuilder::from(filter);
        let Some(filtered) = self.over_dictionaries(builder, filter.predicate(), filter.input())?
        else {
            return Ok(None);
        };
        strings_again(filtered, &filter.schema()).map(Some)
    }

    /// A filter over a projection (of expressions it shares with the filter, as common
    /// subexpression elimination leaves them) filters below the projection instead, with the
    /// expressions in its predicate, when that reads some column as a dictionary.
    fn rewrite_below(
        &self,
        filter: &FilterExec,
        projection: &ProjectionExec,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        let inline = |e: &Arc<dyn PhysicalExpr>| {
            Arc::clone(e)
                .transform(|e| match e.downcast_ref::<Column>() {
                    Some(c) => Ok(Transformed::yes(Arc::clone(
                        &projection.expr()[c.index()].expr,
                    ))),
                    None => Ok(Transformed::no(e)),
                })
                .data()
        };
        // A conjunction's steps know their columns' types: it is built again over the input.
        let predicate = match filter.predicate().downcast_ref::<SelectiveAnd>() {
            Some(and) => Arc::new(SelectiveAnd::try_new(
                and.conjuncts().iter().map(inline).collect::<Result<_>>()?,
                projection.input().schema(),
            )?) as _,
            None => inline(filter.predicate())?,
        };
        let builder = FilterExecBuilder::from(filter).apply_projection(None)?;
        let Some(filtered) = self.over_dictionaries(builder, &predicate, projection.input())?
        else {
            return Ok(None);
        };
        let strings = strings_again(filtered, &projection.input().schema())?;
        let projected: Arc<dyn ExecutionPlan> = Arc::new(ProjectionExec::try_new(
            projection.expr().to_vec(),
            strings,
        )?);
        let Some(kept) = filter.projection() else {
            return Ok(Some(projected));
        };
        let columns = kept.iter().map(|&i| {
            let name = projected.schema().field(i).name().clone();
            (
                Arc::new(Column::new(&name, i)) as Arc<dyn PhysicalExpr>,
                name,
            )
        });
        Ok(Some(Arc::new(ProjectionExec::try_new(
            columns.collect::<Vec<_>>(),
            projected,
        )?)))
    }

    /// `filter` with `predicate` over `input`, with the columns it alone tests read as
    /// dictionaries where the files allow; None if it tests no such column.
    fn over_dictionaries(
        &self,
        filter: FilterExecBuilder,
        predicate: &Arc<dyn PhysicalExpr>,
        input: &Arc<dyn ExecutionPlan>,
    ) -> Result<Option<Arc<dyn ExecutionPlan>>> {
        // One file is read as one partition, dealt round robin to the filter's.
        let (scan, dealt) = match input.downcast_ref::<RepartitionExec>() {
            Some(deal) if matches!(deal.partitioning(), Partitioning::RoundRobinBatch(_)) => {
                (deal.input(), Some(input))
            }
            _ => (input, None),
        };
        let Some(scan) = scan.downcast_ref::<DataSourceExec>() else {
            return Ok(None);
        };
        let Some((config, parquet)) = scan.downcast_to_file_source::<ParquetSource>() else {
            return Ok(None);
        };
        // Pushed-down filters would run the conjuncts on the dictionary column itself.
        if parquet.table_parquet_options().global.pushdown_filters {
            return Ok(None);
        }
        let scan = Scan {
            config,
            parquet,
            schema: scan.schema(),
        };
        let (conjuncts, selective) = conjuncts_of(predicate);
        let columns: Vec<usize> = (0..scan.schema.fields().len())
            .filter(|&i| alone_in_conjuncts(i, &conjuncts) && self.stored_as_dictionary(&scan, i))
            .collect();
        if columns.is_empty() {
            return Ok(None);
        }
        let mut dictionary_scan = self.read_as_dictionaries(&scan, &columns)?;
        if let Some(deal) = dealt {
            dictionary_scan =
                replace_children_if_necessary(Arc::clone(deal), vec![dictionary_scan])?;
        }
        let predicate = per_entry(conjuncts, &columns, selective, &dictionary_scan.schema())?;
        let filtered = filter
            .with_input(dictionary_scan)
            .with_predicate(predicate)
            .build()?;
        Ok(Some(Arc::new(filtered)))
    }

    /// Whether scan column `i` is a string column of the files that every file stores as
    /// dictionary pages only.
    fn stored_as_dictionary(&self, scan: &Scan, i: usize) -> bool {
        let field = scan.schema.field(i);
        if field.data_type() != &DataType::Utf8View || file_column(scan, i).is_none() {
            return false;
        }
        let files = scan.config.file_groups.iter().flat_map(|g| g.iter());
        files.into_iter().all(|file| {
            file.arrow_schema.is_none()
                && self
                    .layouts
                    .get(&file.object_meta.location, file.object_meta.size)
                    .is_some_and(|l| l.dictionary_columns.iter().any(|c| c == field.name()))
        })
    }

    /// The scan with the `columns` (of its output) read as dictionaries.
    fn read_as_dictionaries(
        &self,
        scan: &Scan,
        columns: &[usize],
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let names: Vec<&str> = columns
            .iter()
            .map(|&i| scan.schema.field(i).name().as_str())
            .collect();
        let table = scan.parquet.table_schema();
        let file_schema = as_dictionaries(table.file_schema(), &names);
        let table = TableSchema::builder(file_schema)
            .with_table_partition_cols(table.table_partition_cols().to_vec())
            .with_virtual_columns(table.virtual_columns().clone())
            .build();
        let options = scan.parquet.table_parquet_options().clone();
        let mut source = ParquetSource::new(table).with_table_parquet_options(options.clone());
        if let Some(hint) = options.global.metadata_size_hint {
            source = source.with_metadata_size_hint(hint);
        }
        if let Some(predicate) = scan.parquet.filter() {
            source = source.with_predicate(strings_in(predicate, &names)?);
        }
        if let Some(factory) = scan.parquet.parquet_file_reader_factory() {
            source = source.with_parquet_file_reader_factory(Arc::clone(factory));
        }
        let source: Arc<dyn FileSource> = match scan.parquet.projection() {
            Some(projection) => source
                .try_pushdown_projection(projection)?
                .unwrap_or_else(|| Arc::new(source)),
            None => Arc::new(source),
        };
        let mut config = scan.config.clone();
        config.file_source = source;
        config.file_groups = (config.file_groups.iter())
            .map(|group| self.with_file_schemas(group, &names))
            .collect();
        Ok(DataSourceExec::from_data_source(config))
    }

    /// `group` with each file told to read `names` as dictionaries.
    fn with_file_schemas(&self, group: &FileGroup, names: &[&str]) -> FileGroup {
        let mut group = group.clone();
        let mut files: Vec<PartitionedFile> = std::iter::from_fn(|| group.pop()).collect();
        while let Some(mut file) = files.pop() {
            let layout = self
                .layouts
                .get(&file.object_meta.location, file.object_meta.size);
            if let Some(layout) = layout {
                file.arrow_schema = Some(as_dictionaries(&layout.schema, names));
            }
            group.push(file);
        }
        group
    }
}

/// The table column scan column `i` reads, if it is a plain column of the files (not a
/// partition value or an expression).
fn file_column(scan: &Scan, i: usize) -> Option<usize> {
    let projection = scan.parquet.projection()?;
    let expr = &projection.as_ref().get(i)?.expr;
    let column = expr.downcast_ref::<Column>()?;
    let files = scan.parquet.table_schema().file_schema();
    (column.index() < files.fields().len()
        && files.field(column.index()).name() == scan.schema.field(i).name())
    .then_some(column.index())
}

/// `schema` with the string columns `names` as `Dictionary(Int32, Utf8)`.
fn as_dictionaries(schema: &SchemaRef, names: &[&str]) -> SchemaRef {
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let fields: Vec<Field> = (schema.fields().iter())
        .map(|f| match names.contains(&f.name().as_str()) {
            true => f.as_ref().clone().with_data_type(dictionary.clone()),
            false => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The scan's own predicate (for pruning by statistics and bloom filters) with the columns
/// `names` read as strings again, as their statistics are.
fn strings_in(predicate: Arc<dyn PhysicalExpr>, names: &[&str]) -> Result<Arc<dyn PhysicalExpr>> {
    predicate
        .transform(|e| match e.downcast_ref::<Column>() {
            Some(c) if names.contains(&c.name()) => Ok(Transformed::yes(Arc::new(CastExpr::new(
                Arc::clone(&e),
                DataType::Utf8View,
                None,
            )) as _)),
            _ => Ok(Transformed::no(e)),
        })
        .data()
}

/// The conjuncts of a filter predicate, and whether they form a [`SelectiveAnd`].
fn conjuncts_of(predicate: &Arc<dyn PhysicalExpr>) -> (Vec<Arc<dyn PhysicalExpr>>, bool) {
    match predicate.downcast_ref::<SelectiveAnd>() {
        Some(and) => (and.conjuncts().to_vec(), true),
        None => (
            split_conjunction(predicate).into_iter().cloned().collect(),
            false,
        ),
    }
}

/// Whether column `i` is read by some conjunct, and only by conjuncts reading nothing else
/// and giving one answer per value (not `rand()`, which a row must draw for itself).
fn alone_in_conjuncts(i: usize, conjuncts: &[Arc<dyn PhysicalExpr>]) -> bool {
    let mut read = false;
    for conjunct in conjuncts {
        let columns = collect_columns(conjunct);
        if columns.iter().any(|c| c.index() == i) {
            if columns.len() > 1 || is_volatile(conjunct) {
                return false;
            }
            read = true;
        }
    }
    read
}

/// The predicate with each conjunct over one of `columns` run per dictionary entry.
fn per_entry(
    conjuncts: Vec<Arc<dyn PhysicalExpr>>,
    columns: &[usize],
    selective: bool,
    input: &SchemaRef,
) -> Result<Arc<dyn PhysicalExpr>> {
    let mut rewritten = Vec::with_capacity(conjuncts.len());
    for conjunct in conjuncts {
        let read = collect_columns(&conjunct);
        let over_dictionary = read.len() == 1 && read.iter().all(|c| columns.contains(&c.index()));
        let entry = match over_dictionary {
            true => DictionaryPredicate::try_new(&conjunct, &DataType::Utf8View)?,
            false => None,
        };
        rewritten.push(entry.map_or(conjunct, |e| Arc::new(e) as _));
    }
    Ok(match selective {
        true => Arc::new(SelectiveAnd::try_new(rewritten, Arc::clone(input))?),
        false => conjunction(rewritten),
    })
}

/// `plan` with its dictionary columns cast back to the types of `schema`.
fn strings_again(
    plan: Arc<dyn ExecutionPlan>,
    schema: &SchemaRef,
) -> Result<Arc<dyn ExecutionPlan>> {
    if plan.schema().fields() == schema.fields() {
        return Ok(plan);
    }
    let exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = (schema.fields().iter().enumerate())
        .map(|(i, field)| {
            let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new(field.name(), i));
            let read = plan.schema().field(i).data_type().clone();
            let expr = match &read == field.data_type() {
                true => column,
                false => Arc::new(CastExpr::new(column, field.data_type().clone(), None)),
            };
            (expr, field.name().clone())
        })
        .collect();
    Ok(Arc::new(ProjectionExec::try_new(exprs, plan)?))
}
