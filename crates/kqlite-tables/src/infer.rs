//! Column types of a table no registry documents, read from text (CSV, JSON): a column
//! whose every value reads as one Kusto type gets that type, as Kusto's ingestion infers
//! it; JSON objects and arrays make a `dynamic` column. Whole columns only: every batch of
//! the table is looked at before any is cast, so batches agree.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
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
    let mut types = ColumnTypes::default();
    batches.iter().for_each(|b| types.observe(b));
    let found = types.found();
    let schema = typed_schema(&first.schema(), &found);
    let cast = batches
        .iter()
        .map(|b| cast_batch(b, &schema))
        .collect::<Result<_, _>>()?;
    Ok((cast, dynamic_columns(&found)))
}

/// `schema` with the columns of `found` as their Kusto types' Arrow types; `dynamic` columns
/// say so in their metadata (`kqlite:kusto_type`), which Parquet files keep.
pub(crate) fn typed_schema(schema: &Schema, found: &[(String, KustoType)]) -> SchemaRef {
    let fields = schema.fields().iter().map(|field| {
        let Some((_, kusto)) = found.iter().find(|(name, _)| name == field.name()) else {
            return field.as_ref().clone();
        };
        let typed = Field::new(field.name(), kusto.arrow_type(), true);
        match kusto {
            KustoType::Dynamic => typed.with_metadata(HashMap::from([(
                KUSTO_TYPE_KEY.to_string(),
                "dynamic".to_string(),
            )])),
            _ => typed,
        }
    });
    Arc::new(Schema::new(fields.collect::<Vec<_>>()))
}

/// The field metadata that marks a column of JSON text as `dynamic`.
pub(crate) const KUSTO_TYPE_KEY: &str = "kqlite:kusto_type";

pub(crate) fn dynamic_columns(found: &[(String, KustoType)]) -> Vec<String> {
    let dynamic = found.iter().filter(|(_, k)| *k == KustoType::Dynamic);
    dynamic.map(|(name, _)| name.clone()).collect()
}

/// The Kusto types the values of each column read as, narrowed batch by batch (so a table
/// too large for memory can be looked at whole): a text column keeps the candidates all its
/// values read as; a column already typed allows only its own type.
#[derive(Debug, Default)]
pub(crate) struct ColumnTypes {
    /// Name, the candidates left, whether any value was seen.
    columns: Vec<(String, Vec<KustoType>, bool)>,
}

impl ColumnTypes {
    pub(crate) fn observe(&mut self, batch: &RecordBatch) {
        for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
            let at = match self.columns.iter().position(|(n, ..)| n == field.name()) {
                Some(at) => at,
                None => {
                    self.columns
                        .push((field.name().clone(), CANDIDATES.to_vec(), false));
                    self.columns.len() - 1
                }
            };
            let (_, candidates, seen) = &mut self.columns[at];
            narrow(candidates, seen, column);
        }
    }

    /// Each column's type, for the columns whose values all read as one (and that hold any).
    pub(crate) fn found(&self) -> Vec<(String, KustoType)> {
        let typed = self.columns.iter().filter(|(_, _, seen)| *seen);
        let first = typed.filter_map(|(name, c, _)| Some((name.clone(), *c.first()?)));
        first.collect()
    }
}

fn narrow(candidates: &mut Vec<KustoType>, seen: &mut bool, column: &ArrayRef) {
    if column.null_count() == column.len() {
        return;
    }
    *seen = true;
    let Ok(text) = cast_with_options(column, &DataType::Utf8View, &CastOptions::default()) else {
        candidates.clear();
        return;
    };
    if !matches!(
        column.data_type(),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
    ) {
        let own = typed_as(column.data_type());
        candidates.retain(|k| Some(*k) == own);
        return;
    }
    for value in text.as_string_view().iter().flatten() {
        candidates.retain(|&k| reads_as(k, value));
        if candidates.is_empty() {
            return;
        }
    }
}

/// The Kusto type of a column already typed, among those inference gives.
fn typed_as(data_type: &DataType) -> Option<KustoType> {
    match data_type {
        DataType::Int64 => Some(KustoType::Long),
        DataType::Float64 => Some(KustoType::Real),
        DataType::Boolean => Some(KustoType::Bool),
        DataType::Timestamp(..) => Some(KustoType::Datetime),
        _ => None,
    }
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

pub(crate) fn cast_batch(
    batch: &RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch, TableError> {
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
    let text_in = matches!(
        column.data_type(),
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
    );
    if matches!(to, DataType::Timestamp(..)) && text_in {
        let text = cast_with_options(column, &DataType::Utf8View, options)
            .map_err(TableError::from_arrow)?;
        let text = text.as_string_view();
        let times: datafusion::arrow::array::TimestampNanosecondArray =
            text.iter().map(|v| parse_datetime(v?)).collect();
        return Ok(Arc::new(times.with_timezone("UTC")));
    }
    cast_with_options(column, to, options).map_err(TableError::from_arrow)
}
