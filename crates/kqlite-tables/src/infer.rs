//! Column types of a table no registry documents, read from text (CSV, JSON): a column
//! whose every value reads as one Kusto type gets that type, as Kusto's ingestion infers
//! it; JSON objects and arrays make a `dynamic` column. Whole columns only: every batch of
//! the table is looked at before any is cast, so batches agree.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringViewArray};
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::TableError;
use crate::formats::cell::parse_datetime;
use crate::schema::KustoType;

/// What the values of a text column read as, narrowest first.
const CANDIDATES: &[KustoType] = &[
    KustoType::Long,
    KustoType::Real,
    KustoType::Bool,
    KustoType::Datetime,
    KustoType::Dynamic,
];

/// The batches with each text column cast to the type all its values read as, and the
/// names of the columns found to hold JSON objects or arrays (`dynamic`).
pub(crate) fn infer_types(
    batches: Vec<RecordBatch>,
) -> Result<(Vec<RecordBatch>, Vec<String>), TableError> {
    let Some(first) = batches.first() else {
        return Ok((batches, Vec::new()));
    };
    let mut fields: Vec<Field> = Vec::new();
    let mut dynamic = Vec::new();
    for (i, field) in first.schema().fields().iter().enumerate() {
        let kusto = column_type(&batches, i, field.data_type());
        if kusto == Some(KustoType::Dynamic) {
            dynamic.push(field.name().clone());
        }
        let data_type = kusto.map_or_else(|| field.data_type().clone(), KustoType::arrow_type);
        fields.push(Field::new(field.name(), data_type, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let cast = batches
        .iter()
        .map(|b| cast_batch(b, &schema))
        .collect::<Result<_, _>>()?;
    Ok((cast, dynamic))
}

/// The type of column `i` (text in every batch), or None to keep it as it is.
fn column_type(batches: &[RecordBatch], i: usize, data_type: &DataType) -> Option<KustoType> {
    if data_type != &DataType::Utf8View {
        return None;
    }
    let columns: Vec<&StringViewArray> = batches
        .iter()
        .map(|b| b.column(i).as_string_view())
        .collect();
    if columns.iter().all(|c| c.null_count() == c.len()) {
        return None;
    }
    CANDIDATES.iter().copied().find(|&kusto| {
        columns
            .iter()
            .all(|c| c.iter().flatten().all(|v| reads_as(kusto, v)))
    })
}

fn reads_as(kusto: KustoType, text: &str) -> bool {
    match kusto {
        KustoType::Long => text.parse::<i64>().is_ok() && !is_code(text),
        KustoType::Real => text.parse::<f64>().is_ok_and(f64::is_finite) && !is_code(text),
        KustoType::Bool => text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"),
        KustoType::Datetime => {
            text.len() >= 10 && text.contains('-') && parse_datetime(text).is_some()
        }
        KustoType::Dynamic => {
            text.starts_with(['{', '['])
                && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
        }
        _ => false,
    }
}

/// Digits that are a code, not a number: `007`, `+33`.
fn is_code(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first() == Some(&b'+')
        || (bytes.len() > 1 && bytes[0] == b'0' && bytes[1].is_ascii_digit())
}

fn cast_batch(batch: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, TableError> {
    let options = CastOptions::default();
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast_column(c, f.data_type(), &options))
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(TableError::from_arrow)
}

/// A text column as `to`: datetimes read as the other readers read them.
fn cast_column(
    column: &ArrayRef,
    to: &DataType,
    options: &CastOptions,
) -> Result<ArrayRef, TableError> {
    if column.data_type() == to {
        return Ok(Arc::clone(column));
    }
    if matches!(to, DataType::Timestamp(..)) {
        let text = column.as_string_view();
        let times: datafusion::arrow::array::TimestampNanosecondArray =
            text.iter().map(|v| parse_datetime(v?)).collect();
        return Ok(Arc::new(times.with_timezone("UTC")));
    }
    cast_with_options(column, to, options).map_err(TableError::from_arrow)
}
