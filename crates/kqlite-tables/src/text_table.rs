//! A table read from text exports whose files are read when a query first needs them. Each
//! file's kept facts (see `text_facts.rs`) give its columns and the bounds of its datetime
//! columns, so a query's time filter (`Timestamp > ago(1d)`, `between`) passes by the files it
//! cannot reach, as Parquet statistics pass by row groups. Files read stay in memory for the
//! next query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::{Column, Result, ScalarValue};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::physical_plan::ExecutionPlan;
use rayon::prelude::*;

use crate::discover::OtherFile;
use crate::error::TableError;
use crate::formats::ExportZone;
use crate::load::{load_one, LoadedTable};
use crate::memtable::{conform, mem_table, merge_schema};
use crate::text_facts::{forget, Bounds, TableFacts};

/// A file not read at attach, with what its kept facts say of it for this table.
#[derive(Debug)]
pub(crate) struct WaitingFile {
    pub file: OtherFile,
    pub facts: TableFacts,
}

#[derive(Debug)]
pub(crate) struct TextTable {
    name: String,
    schema: SchemaRef,
    /// Rows read at attach (files with no kept facts, or with problems to report).
    read: Vec<RecordBatch>,
    /// The files not read, each after the number of `read` batches that come before it.
    waiting: Vec<(usize, WaitingFile)>,
    zone: ExportZone,
    /// The waiting files read so far, by position, brought to `schema`.
    fetched: Mutex<HashMap<usize, Arc<Vec<RecordBatch>>>>,
}

impl TextTable {
    /// The rows of `table` as a table of `schema`.
    pub(crate) fn new(
        name: &str,
        schema: &SchemaRef,
        table: LoadedTable,
        zone: ExportZone,
    ) -> Result<Self, TableError> {
        let read = table
            .batches
            .iter()
            .map(|b| conform(b, schema))
            .collect::<Result<_, _>>()?;
        Ok(TextTable {
            name: name.to_string(),
            schema: Arc::clone(schema),
            read,
            waiting: table.waiting,
            zone,
            fetched: Mutex::default(),
        })
    }

    /// The rows of waiting file `i`, read now if not yet.
    fn rows_of(&self, i: usize) -> Result<Arc<Vec<RecordBatch>>> {
        let (_, waiting) = &self.waiting[i];
        let path = &waiting.file.path;
        let (tables, warnings) = load_one(&waiting.file, self.zone).map_err(to_df)?;
        let (rows, batches) = tables
            .into_iter()
            .filter(|(def, _, _)| def.name == self.name)
            .fold((0, Vec::new()), |(n, mut all), (_, batches, rows)| {
                all.extend(batches);
                (n + rows, all)
            });
        // Its kept facts held at attach: a file that reads otherwise now changed since.
        let found = match warnings.first() {
            Some(problem) => Some(problem.to_string()),
            None => (rows != waiting.facts.rows).then(|| {
                let had = waiting.facts.rows;
                format!(
                    "{}: {rows} rows of {} where it had {had}",
                    path.display(),
                    self.name
                )
            }),
        };
        if let Some(found) = found {
            forget(&kqlite_storage::cache_dir(), path, self.zone);
            return Err(to_df(format!(
                "{found}; the file changed since kqlite last read it: run the query again to read it afresh"
            )));
        }
        let batches = batches
            .iter()
            .map(|b| conform(b, &self.schema).map_err(to_df))
            .collect::<Result<Vec<_>>>()?;
        Ok(Arc::new(batches))
    }

    /// The rows a query with `filters` may keep: those read at attach and those of every
    /// waiting file whose datetime bounds the filters can reach.
    fn rows_for(&self, filters: &[Expr]) -> Result<Vec<RecordBatch>> {
        let needed: Vec<usize> = (0..self.waiting.len())
            .filter(|&i| {
                filters
                    .iter()
                    .all(|f| may_keep(f, &self.waiting[i].1.facts))
            })
            .collect();
        let missing: Vec<usize> = {
            let fetched = self.fetched.lock().unwrap_or_else(|p| p.into_inner());
            needed
                .iter()
                .copied()
                .filter(|i| !fetched.contains_key(i))
                .collect()
        };
        let fresh = missing
            .par_iter()
            .map(|&i| self.rows_of(i).map(|rows| (i, rows)))
            .collect::<Result<Vec<_>>>()?;
        let mut fetched = self.fetched.lock().unwrap_or_else(|p| p.into_inner());
        fetched.extend(fresh);
        // In the order of the files, as if all had been read at attach.
        let mut rows = Vec::new();
        let mut next = 0;
        for i in needed {
            let at = self.waiting[i].0;
            rows.extend_from_slice(&self.read[next..at]);
            rows.extend(fetched[&i].iter().cloned());
            next = at;
        }
        rows.extend_from_slice(&self.read[next..]);
        Ok(rows)
    }
}

/// The columns of a table's text rows: `base`'s, then those of the rows read and of the
/// waiting files, in order.
pub(crate) fn text_schema(base: &Schema, table: &LoadedTable) -> SchemaRef {
    let waiting = table
        .waiting
        .iter()
        .map(|(_, w)| RecordBatch::new_empty(Arc::clone(&w.facts.schema)));
    let all: Vec<RecordBatch> = table.batches.iter().cloned().chain(waiting).collect();
    merge_schema(base, &all)
}

/// The provider of a table's text rows: in memory, or a [`TextTable`] when files wait.
pub(crate) fn text_provider(
    name: &str,
    schema: &SchemaRef,
    table: LoadedTable,
    zone: ExportZone,
) -> Result<Arc<dyn TableProvider>, TableError> {
    if table.waiting.is_empty() {
        return mem_table(schema, &table.batches);
    }
    Ok(Arc::new(TextTable::new(name, schema, table, zone)?))
}

fn to_df(e: impl std::fmt::Display) -> datafusion::error::DataFusionError {
    datafusion::error::DataFusionError::External(e.to_string().into())
}

#[async_trait]
impl TableProvider for TextTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let rows = self.rows_for(filters)?;
        let table = mem_table(&self.schema, &rows).map_err(to_df)?;
        table.scan(state, projection, &[], limit).await
    }
}

/// Whether a row of the file could pass `filter`, by the bounds of its datetime columns. Only
/// comparisons of a datetime column with a datetime constant decide; anything else may pass.
fn may_keep(filter: &Expr, facts: &TableFacts) -> bool {
    match filter {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => may_keep(left, facts) && may_keep(right, facts),
            Operator::Or => may_keep(left, facts) || may_keep(right, facts),
            _ => match (column_and_time(left, right), column_and_time(right, left)) {
                (Some((c, t)), _) => compared(bounds(facts, c), *op, t),
                (_, Some((c, t))) => op.swap().is_none_or(|op| compared(bounds(facts, c), op, t)),
                _ => true,
            },
        },
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) => match (column_and_time(expr, low), column_and_time(expr, high)) {
            (Some((c, lo)), Some((_, hi))) => {
                let b = bounds(facts, c);
                compared(b, Operator::GtEq, lo) && compared(b, Operator::LtEq, hi)
            }
            _ => true,
        },
        _ => true,
    }
}

/// The column and the nanoseconds of `column op constant`, when it is a datetime comparison.
fn column_and_time<'a>(column: &'a Expr, constant: &Expr) -> Option<(&'a Column, i64)> {
    let Expr::Column(c) = column else { return None };
    match constant {
        Expr::Literal(ScalarValue::TimestampNanosecond(Some(t), _), _) => Some((c, *t)),
        _ => None,
    }
}

/// What the file knows of column `c`: its bounds, None when it holds no value (as a column
/// the file lacks), or Unknown when the column is not one whose bounds were kept.
#[derive(Clone, Copy)]
enum Known {
    Bounds(Bounds),
    Empty,
    Unknown,
}

fn bounds(facts: &TableFacts, c: &Column) -> Known {
    if let Some(b) = facts.times.get(&c.name) {
        return Known::Bounds(*b);
    }
    match facts.schema.field_with_name(&c.name) {
        Err(_) => Known::Empty,
        Ok(f) if matches!(f.data_type(), DataType::Timestamp(..)) => Known::Empty,
        Ok(_) => Known::Unknown,
    }
}

/// Whether some value within the bounds satisfies `value op t`. A comparison with a null is
/// never true, so a file holding no value in the column keeps no row.
fn compared(known: Known, op: Operator, t: i64) -> bool {
    let (lo, hi) = match known {
        Known::Bounds(b) => b,
        Known::Empty => return !is_comparison(op),
        Known::Unknown => return true,
    };
    match op {
        Operator::Gt => hi > t,
        Operator::GtEq => hi >= t,
        Operator::Lt => lo < t,
        Operator::LtEq => lo <= t,
        Operator::Eq => lo <= t && t <= hi,
        _ => true,
    }
}

fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Gt | Operator::GtEq | Operator::Lt | Operator::LtEq | Operator::Eq
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, TimeUnit};
    use datafusion::prelude::{ident, lit};

    fn facts() -> TableFacts {
        let time = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
        let schema = Schema::new(vec![
            Field::new("Timestamp", time.clone(), true),
            Field::new("Seen", time, true),
            Field::new("Name", DataType::Utf8, true),
        ]);
        TableFacts {
            table: "AlertInfo".into(),
            schema: Arc::new(schema),
            rows: 3,
            times: HashMap::from([("Timestamp".to_string(), (100, 200))]),
        }
    }

    fn at(t: i64) -> Expr {
        lit(ScalarValue::TimestampNanosecond(
            Some(t),
            Some("UTC".into()),
        ))
    }

    #[test]
    fn a_file_is_read_when_its_bounds_meet_the_time_filter() {
        let f = facts();
        let keeps = |e: Expr| may_keep(&e, &f);
        assert!(keeps(ident("Timestamp").gt_eq(at(200))));
        assert!(!keeps(ident("Timestamp").gt(at(200))));
        assert!(keeps(ident("Timestamp").lt_eq(at(100))));
        assert!(!keeps(ident("Timestamp").lt(at(100))));
        assert!(keeps(ident("Timestamp").eq(at(150))));
        assert!(!keeps(ident("Timestamp").eq(at(201))));
        // constant first
        assert!(!keeps(at(200).lt(ident("Timestamp"))));
        assert!(keeps(at(150).lt(ident("Timestamp"))));
        assert!(keeps(ident("Timestamp").between(at(150), at(300))));
        assert!(!keeps(ident("Timestamp").between(at(201), at(300))));
        assert!(!keeps(
            ident("Timestamp")
                .gt(at(300))
                .and(ident("Name").eq(lit("x")))
        ));
        assert!(keeps(
            ident("Timestamp")
                .gt(at(300))
                .or(ident("Name").eq(lit("x")))
        ));
        // anything else may pass
        assert!(keeps(ident("Timestamp").not_eq(at(150))));
        assert!(keeps(!ident("Timestamp").gt(at(300))));
        assert!(keeps(ident("Name").gt(lit("x"))));
    }

    #[test]
    fn a_datetime_column_without_values_keeps_no_compared_row() {
        let f = facts();
        assert!(!may_keep(&ident("Seen").gt(at(0)), &f));
        assert!(!may_keep(&ident("Absent").lt(at(0)), &f));
        assert!(may_keep(&ident("Seen").not_eq(at(0)), &f));
        assert!(may_keep(&ident("Seen").is_null(), &f));
    }
}
