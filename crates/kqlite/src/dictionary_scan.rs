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
use datafusion::physical_expr::projection::ProjectionExprs;
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

use crate::dictionary_pruning::{column_tests, skip_rejected_row_groups, ColumnTest};

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

/// A Parquet scan, and what it reads.
pub(crate) struct Scan<'a> {
    config: &'a FileScanConfig,
    parquet: &'a ParquetSource,
    pub(crate) schema: SchemaRef,
}

impl<'a> Scan<'a> {
    /// `plan` as a Parquet scan whose columns can be read as dictionaries: not one that runs
    /// filters pushed down into it (they would read the dictionary column itself).
    pub(crate) fn of(plan: &'a Arc<dyn ExecutionPlan>) -> Option<Scan<'a>> {
        let scan = plan.downcast_ref::<DataSourceExec>()?;
        let (config, parquet) = scan.downcast_to_file_source::<ParquetSource>()?;
        if parquet.table_parquet_options().global.pushdown_filters {
            return None;
        }
        Some(Scan {
            config,
            parquet,
            schema: scan.schema(),
        })
    }

    /// The expressions the scan's columns are, over [`Scan::table_schema`].
    pub(crate) fn projection(&self) -> Option<&ProjectionExprs> {
        self.parquet.projection()
    }

    pub(crate) fn table_schema(&self) -> SchemaRef {
        Arc::clone(self.parquet.table_schema().table_schema())
    }

    /// The scan with `projection` instead of its own.
    pub(crate) fn with_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let table = self.parquet.table_schema().clone();
        let mut config = self.config.clone();
        config.file_source = rebuilt_source(self, table, self.parquet.filter(), Some(projection))?;
        Ok(DataSourceExec::from_data_source(config))
    }

    /// The bytes the dictionary pages of column `i` take over all files (None if some file
    /// is not known).
    pub(crate) fn dictionary_bytes(&self, layouts: &FileLayouts, i: usize) -> Option<u64> {
        let name = self.schema.field(i).name();
        let files = self.config.file_groups.iter().flat_map(|g| g.iter());
        files
            .map(|file| {
                let layout = layouts.get(&file.object_meta.location, file.object_meta.size)?;
                layout.dictionary_bytes_of(name)
            })
            .sum()
    }

    /// The scan's files, in its partitions.
    fn file_groups(&self) -> &[FileGroup] {
        &self.config.file_groups
    }

    /// The scan reading `groups` instead of its own files.
    fn with_file_groups(&self, groups: Vec<FileGroup>) -> Arc<dyn ExecutionPlan> {
        let mut config = self.config.clone();
        config.file_groups = groups;
        DataSourceExec::from_data_source(config)
    }

    /// Whether column `i` is a string column of the files (read as string views).
    fn string_file_column(&self, i: usize) -> bool {
        self.schema.field(i).data_type() == &DataType::Utf8View && file_column(self, i).is_some()
    }

    /// Whether column `i` is a string column of the files that every file stores as
    /// dictionary pages only.
    pub(crate) fn stored_as_dictionary(&self, layouts: &FileLayouts, i: usize) -> bool {
        let field = self.schema.field(i);
        if !self.string_file_column(i) {
            return false;
        }
        let files = self.config.file_groups.iter().flat_map(|g| g.iter());
        files.into_iter().all(|file| {
            layouts
                .get(&file.object_meta.location, file.object_meta.size)
                .is_some_and(|l| l.dictionary_columns.iter().any(|c| c == field.name()))
        })
    }
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
    /// dictionaries where the files allow and the row groups their dictionaries rule out
    /// skipped; None if neither applies.
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
        let Some(scan) = Scan::of(scan) else {
            return Ok(None);
        };
        let (conjuncts, selective) = conjuncts_of(predicate);
        let alone: Vec<usize> = (0..scan.schema.fields().len())
            .filter(|&i| alone_in_conjuncts(i, &conjuncts) && scan.string_file_column(i))
            .collect();
        // Some files may store a column as dictionaries where others do not: their row groups
        // are tested all the same, though the column is read as strings.
        let tests = column_tests(&conjuncts, &alone, &scan.schema);
        let columns: Vec<usize> = (alone.into_iter())
            .filter(|&i| scan.stored_as_dictionary(&self.layouts, i))
            .collect();
        let mut new_scan = match columns.is_empty() {
            true => match skip_rejected_row_groups(&self.layouts, scan.file_groups(), &tests) {
                Some(groups) => scan.with_file_groups(groups),
                None => return Ok(None),
            },
            false => read_as_dictionaries(&self.layouts, &scan, &columns, &tests)?,
        };
        if let Some(deal) = dealt {
            new_scan = replace_children_if_necessary(Arc::clone(deal), vec![new_scan])?;
        }
        let predicate = per_entry(conjuncts, &columns, selective, &new_scan.schema())?;
        let filtered = filter
            .with_input(new_scan)
            .with_predicate(predicate)
            .build()?;
        Ok(Some(Arc::new(filtered)))
    }
}

/// The scan with the `columns` (of its output) read as dictionaries, and the row groups
/// whose dictionaries fail one of `tests` skipped.
pub(crate) fn read_as_dictionaries(
    layouts: &FileLayouts,
    scan: &Scan,
    columns: &[usize],
    tests: &[ColumnTest],
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
    let predicate = (scan.parquet.filter())
        .map(|p| strings_in(p, &names))
        .transpose()?;
    let mut config = scan.config.clone();
    config.file_source = rebuilt_source(scan, table, predicate, scan.parquet.projection())?;
    config.file_groups = (config.file_groups.iter())
        .map(|group| with_file_schemas(layouts, group, &names))
        .collect();
    if let Some(groups) = skip_rejected_row_groups(layouts, &config.file_groups, tests) {
        config.file_groups = groups;
    }
    Ok(DataSourceExec::from_data_source(config))
}

/// The scan's Parquet source over `table`, with `predicate` and `projection`.
fn rebuilt_source(
    scan: &Scan,
    table: TableSchema,
    predicate: Option<Arc<dyn PhysicalExpr>>,
    projection: Option<&ProjectionExprs>,
) -> Result<Arc<dyn FileSource>> {
    let options = scan.parquet.table_parquet_options().clone();
    let mut source = ParquetSource::new(table).with_table_parquet_options(options.clone());
    if let Some(hint) = options.global.metadata_size_hint {
        source = source.with_metadata_size_hint(hint);
    }
    if let Some(predicate) = predicate {
        source = source.with_predicate(predicate);
    }
    if let Some(factory) = scan.parquet.parquet_file_reader_factory() {
        source = source.with_parquet_file_reader_factory(Arc::clone(factory));
    }
    Ok(match projection {
        Some(projection) => source
            .try_pushdown_projection(projection)?
            .unwrap_or_else(|| Arc::new(source)),
        None => Arc::new(source),
    })
}

/// `group` with each file told to read `names` as dictionaries.
fn with_file_schemas(layouts: &FileLayouts, group: &FileGroup, names: &[&str]) -> FileGroup {
    let mut group = group.clone();
    let mut files: Vec<PartitionedFile> = std::iter::from_fn(|| group.pop()).collect();
    while let Some(mut file) = files.pop() {
        let layout = layouts.get(&file.object_meta.location, file.object_meta.size);
        // Columns an earlier rewrite reads as dictionaries stay so.
        let schema = file
            .arrow_schema
            .take()
            .or(layout.map(|l| Arc::clone(&l.schema)));
        file.arrow_schema = schema.map(|schema| as_dictionaries(&schema, names));
        group.push(file);
    }
    group
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
