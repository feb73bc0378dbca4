//! Tables read into memory (the JSON and CSV formats): batches brought to one
//! table schema, registered as a `MemTable`, and put together with a table's
//! Parquet files when it has both.

use std::sync::Arc;

use datafusion::arrow::array::{new_null_array, ArrayRef, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use datafusion::datasource::{provider_as_source, MemTable, ViewTable};
use datafusion::functions::expr_fn::coalesce;
use datafusion::logical_expr::{ident, Expr, LogicalPlanBuilder};

use crate::error::TableError;
use crate::schema::TableDef;

/// `base`, then the columns of `batches` it lacks (first seen first). An extra
/// column whose type differs between batches becomes a string column.
pub(crate) fn merge_schema(base: &Schema, batches: &[RecordBatch]) -> SchemaRef {
    let mut fields: Vec<Field> = base.fields().iter().map(|f| f.as_ref().clone()).collect();
    let known = base.fields().len();
    for batch in batches {
        for field in batch.schema().fields() {
            match fields.iter().position(|f| f.name() == field.name()) {
                None => fields.push(field.as_ref().clone()),
                Some(i) if i >= known && fields[i].data_type() != field.data_type() => {
                    fields[i] = Field::new(field.name(), DataType::Utf8View, true);
                }
                Some(_) => {}
            }
        }
    }
    Arc::new(Schema::new(fields))
}

/// `batch` with exactly the columns of `schema`: missing ones null, others
/// cast to the schema's type.
pub(crate) fn conform(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, TableError> {
    let columns = schema
        .fields()
        .iter()
        .map(|field| column_as(batch, field))
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(TableError::from_arrow)
}

fn column_as(batch: &RecordBatch, field: &Field) -> Result<ArrayRef, TableError> {
    let Some(column) = batch.column_by_name(field.name()) else {
        return Ok(new_null_array(field.data_type(), batch.num_rows()));
    };
    if column.data_type() == field.data_type() {
        return Ok(Arc::clone(column));
    }
    cast(column, field.data_type()).map_err(TableError::from_arrow)
}

/// A `MemTable` of `batches`, each brought to `schema`.
pub(crate) fn mem_table(
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<Arc<dyn TableProvider>, TableError> {
    let conformed = batches
        .iter()
        .map(|b| conform(b, schema))
        .collect::<Result<Vec<_>, _>>()?;
    let partitions = conformed.into_iter().map(|b| vec![b]).collect();
    let partitions = if batches.is_empty() {
        vec![vec![]]
    } else {
        partitions
    };
    Ok(Arc::new(MemTable::try_new(Arc::clone(schema), partitions)?))
}

/// The rows of `a` then those of `b` (same schema) as one table.
pub(crate) fn union(
    name: &str,
    a: Arc<dyn TableProvider>,
    b: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>, TableError> {
    rows_of_both(name, a, b, false)
}

/// The rows of `a` then those of `b` as one table, columns matched by name: a column only
/// one side has is null in the other's rows.
pub(crate) fn union_by_name(
    name: &str,
    a: Arc<dyn TableProvider>,
    b: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>, TableError> {
    rows_of_both(name, a, b, true)
}

fn rows_of_both(
    name: &str,
    a: Arc<dyn TableProvider>,
    b: Arc<dyn TableProvider>,
    by_name: bool,
) -> Result<Arc<dyn TableProvider>, TableError> {
    let right = LogicalPlanBuilder::scan(name, provider_as_source(b), None)?.build()?;
    let left = LogicalPlanBuilder::scan(name, provider_as_source(a), None)?;
    let both = match by_name {
        true => left.union_by_name(right)?,
        false => left.union(right)?,
    };
    Ok(Arc::new(ViewTable::new(both.build()?, None)))
}

/// `provider` with every column the files spell otherwise than a documented one (`Isp` for
/// `ISP`) folded into the documented column: `coalesce(ISP, Isp)` in its place, the other
/// spelling gone. Unchanged when there is none.
pub(crate) fn as_documented(
    name: &str,
    def: &TableDef,
    provider: Arc<dyn TableProvider>,
) -> Result<Arc<dyn TableProvider>, TableError> {
    let schema = provider.schema();
    let spelled = |field: &Field| {
        let column = def.resolve(field.name())?;
        (&column.name != field.name()).then(|| (column.name.clone(), field.name().clone()))
    };
    let others: Vec<(String, String)> = schema.fields().iter().filter_map(|f| spelled(f)).collect();
    if others.is_empty() {
        return Ok(provider);
    }
    let columns = schema
        .fields()
        .iter()
        .filter(|f| spelled(f).is_none())
        .map(|f| {
            let documented = ident(f.name());
            let variants = others
                .iter()
                .filter(|(d, _)| d == f.name())
                .map(|(_, o)| ident(o));
            let all: Vec<Expr> = std::iter::once(documented).chain(variants).collect();
            match all.len() {
                1 => all.into_iter().next().expect("one column"),
                _ => coalesce(all).alias(f.name()),
            }
        });
    let plan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None)?
        .project(columns)?
        .build()?;
    Ok(Arc::new(ViewTable::new(plan, None)))
}
