//! Tables handed over in memory (a pandas, polars or Arrow table from Python): each column
//! brought to the Arrow type of its Kusto type, whole arrays at a time, so that queries see
//! them exactly as they see an export's columns.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::catalog::TableProvider;

use crate::error::TableError;
use crate::memtable::mem_table;
use crate::parquet_adapt::json_text;
use crate::register::RegisteredTable;
use crate::schema::datetime_type;

/// The table `name` over `batches` (of `schema`), with Kusto's column types; `origin` says
/// where the rows came from (`pandas DataFrame`), for `.show tables`-like listings.
pub fn in_memory_table(
    name: &str,
    origin: &str,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<(Arc<dyn TableProvider>, RegisteredTable), TableError> {
    let unsupported = |field: &Field| TableError::UnsupportedColumn {
        table: name.to_string(),
        column: field.name().clone(),
        data_type: field.data_type().clone(),
    };
    let mut fields = Vec::new();
    let mut dynamic = Vec::new();
    for field in schema.fields() {
        let kusto = kusto_arrow_type(field.data_type()).ok_or_else(|| unsupported(field))?;
        if field.data_type().is_nested() {
            dynamic.push(field.name().clone());
        }
        fields.push(Field::new(field.name(), kusto, true));
    }
    let table_schema = Arc::new(Schema::new(fields));
    let converted = batches
        .iter()
        .map(|batch| convert_batch(batch, &table_schema))
        .collect::<Result<Vec<_>, _>>()?;
    let provider = mem_table(&table_schema, &converted)?;
    let rows = converted.iter().map(|b| b.num_rows() as u64).sum();
    let table = RegisteredTable {
        name: name.to_string(),
        files: Vec::new(),
        rows,
        schema: table_schema,
        sources: vec![format!("{origin}: {rows} rows in memory")],
        never_null: Vec::new(),
        dynamic,
    };
    Ok((provider, table))
}

/// The Arrow type a column of `found` type becomes; None when no Kusto type holds it.
fn kusto_arrow_type(found: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match found {
        Boolean => Boolean,
        Int8 | Int16 | Int32 | UInt8 | UInt16 => Int32,
        Int64 | UInt32 | UInt64 => Int64,
        Float16 | Float32 | Float64 => Float64,
        Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => Float64,
        Timestamp(..) | Date32 | Date64 => datetime_type(),
        Duration(_) => Duration(TimeUnit::Nanosecond),
        Utf8 | LargeUtf8 | Utf8View | Null => Utf8View,
        Dictionary(_, value) if kusto_arrow_type(value) == Some(Utf8View) => Utf8View,
        nested if nested.is_nested() => Utf8View,
        _ => return None,
    })
}

/// `batch` with each column cast to `schema`'s type; nested values become JSON text. A value
/// that does not fit (an unsigned integer past the largest long) is an error, never a null.
fn convert_batch(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, TableError> {
    let strict = CastOptions {
        safe: false,
        ..Default::default()
    };
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| match column.data_type().is_nested() {
            true => json_text(column),
            false => cast_with_options(column, field.data_type(), &strict)
                .map_err(TableError::from_arrow),
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(TableError::from_arrow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        AsArray, Int16Array, ListArray, StringArray, TimestampMicrosecondArray, UInt64Array,
    };
    use datafusion::arrow::datatypes::Int32Type;

    fn table_of(columns: Vec<(&str, ArrayRef)>) -> Result<RegisteredTable, TableError> {
        let batch = RecordBatch::try_from_iter(columns).expect("batch");
        in_memory_table("Frame", "test", &batch.schema(), &[batch]).map(|(_, t)| t)
    }

    #[test]
    fn columns_take_the_types_of_their_kusto_types() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>([Some(vec![Some(1)])]);
        let table = table_of(vec![
            ("small", Arc::new(Int16Array::from(vec![1]))),
            ("name", Arc::new(StringArray::from(vec!["a"]))),
            ("at", Arc::new(TimestampMicrosecondArray::from(vec![1]))),
            ("items", Arc::new(list)),
        ])
        .expect("table");
        let types: Vec<&DataType> = table
            .schema
            .fields()
            .iter()
            .map(|f| f.data_type())
            .collect();
        let expected = [DataType::Int32, DataType::Utf8View, datetime_type()];
        assert_eq!(&types[..3], expected.iter().collect::<Vec<_>>());
        assert_eq!(table.dynamic, vec!["items".to_string()]);
        assert_eq!(table.rows, 1);
    }

    #[test]
    fn a_value_past_the_largest_long_is_an_error_not_a_null() {
        let huge = UInt64Array::from(vec![u64::MAX]);
        assert!(table_of(vec![("n", Arc::new(huge))]).is_err());
    }

    #[test]
    fn nested_values_become_json_text() {
        let list = ListArray::from_iter_primitive::<Int32Type, _, _>([Some(vec![Some(1), None])]);
        let batch = RecordBatch::try_from_iter([("items", Arc::new(list) as ArrayRef)]).unwrap();
        let schema = Arc::new(Schema::new(vec![Field::new(
            "items",
            DataType::Utf8View,
            true,
        )]));
        let converted = convert_batch(&batch, &schema).expect("converted");
        let text = converted.column(0).as_string_view();
        assert_eq!(text.value(0), "[1,null]");
    }

    #[test]
    fn binary_columns_are_not_supported_yet() {
        let bytes = datafusion::arrow::array::BinaryArray::from(vec![&b"x"[..]]);
        let error = table_of(vec![("blob", Arc::new(bytes))]).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("not supported yet: column blob"));
    }
}
