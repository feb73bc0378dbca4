//! Columns and values as Kusto's REST API writes them: each column's Kusto type, and each
//! row a JSON array: strings (never null), numbers, `NaN`/`Infinity` as text, datetimes and
//! timespans as Kusto's text, dynamic values as the JSON they hold.

use std::io::Write;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, Schema};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use serde_json::value::RawValue;

/// A result column: its name and Kusto type.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub kusto: &'static str,
}

impl Column {
    pub fn new(name: &str, kusto: &'static str) -> Column {
        Column {
            name: name.to_string(),
            kusto,
        }
    }

    /// The .NET type name that Kusto's v1 responses give (`DataType`).
    pub fn data_type(&self) -> &'static str {
        match self.kusto {
            "bool" => "Boolean",
            "int" => "Int32",
            "long" => "Int64",
            "real" => "Double",
            "decimal" => "Decimal",
            "datetime" => "DateTime",
            "timespan" => "TimeSpan",
            "dynamic" => "Object",
            "guid" => "Guid",
            _ => "String",
        }
    }
}

/// The columns of a result with `schema`.
pub fn columns(schema: &Schema) -> Vec<Column> {
    schema
        .fields()
        .iter()
        .map(|f| Column::new(f.name(), kqlite::kusto_type_name(f.data_type())))
        .collect()
}

/// Writes each row of `batch` (whose columns are `columns`) as a JSON array, each preceded
/// by a comma unless it is the first row written (`first`, updated).
pub fn write_rows(
    batch: &RecordBatch,
    columns: &[Column],
    first: &mut bool,
    out: &mut Vec<u8>,
) -> Result<(), ArrowError> {
    let text = kqlite::output::kusto_text(batch)?;
    let cells = text
        .columns()
        .iter()
        .zip(columns)
        .map(|(array, column)| Cells::new(array, column.kusto))
        .collect::<Result<Vec<_>, _>>()?;
    for row in 0..batch.num_rows() {
        if !std::mem::take(first) {
            out.push(b',');
        }
        out.push(b'[');
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            cell.write(row, out);
        }
        out.extend_from_slice(b"]\n");
    }
    Ok(())
}

/// One column's values, in the array type its JSON is written from.
enum Cells {
    /// Kusto's strings: a null is the empty string.
    Text(StringArray),
    /// Datetimes, timespans, decimals as text; null stays null.
    NullableText(StringArray),
    Json(StringArray),
    Long(ArrayRef),
    Real(ArrayRef),
    Bool(BooleanArray),
}

impl Cells {
    fn new(array: &ArrayRef, kusto: &str) -> Result<Cells, ArrowError> {
        let text = || Ok::<_, ArrowError>(cast(array, &DataType::Utf8)?.as_string::<i32>().clone());
        Ok(match kusto {
            "long" | "int" => Cells::Long(cast(array, &DataType::Int64)?),
            "real" => Cells::Real(cast(array, &DataType::Float64)?),
            "bool" => Cells::Bool(cast(array, &DataType::Boolean)?.as_boolean().clone()),
            "dynamic" => Cells::Json(text()?),
            "datetime" | "timespan" | "decimal" => Cells::NullableText(text()?),
            _ => Cells::Text(text()?),
        })
    }

    fn write(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            Cells::Text(a) => string(if a.is_null(row) { "" } else { a.value(row) }, out),
            _ if self.is_null(row) => out.extend_from_slice(b"null"),
            Cells::NullableText(a) => string(a.value(row), out),
            Cells::Json(a) => json(a.value(row), out),
            Cells::Long(a) => {
                let _ = write!(out, "{}", a.as_primitive::<Int64Type>().value(row));
            }
            Cells::Real(a) => real(a.as_primitive::<Float64Type>().value(row), out),
            Cells::Bool(a) => out.extend_from_slice(if a.value(row) { b"true" } else { b"false" }),
        }
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Cells::Text(a) | Cells::NullableText(a) | Cells::Json(a) => a.is_null(row),
            Cells::Long(a) | Cells::Real(a) => a.is_null(row),
            Cells::Bool(a) => a.is_null(row),
        }
    }
}

fn string(text: &str, out: &mut Vec<u8>) {
    // Writing a str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A dynamic value is written as the JSON it holds (text that is not JSON, as a string).
fn json(text: &str, out: &mut Vec<u8>) {
    match serde_json::from_str::<&RawValue>(text) {
        Ok(raw) => out.extend_from_slice(raw.get().as_bytes()),
        Err(_) => string(text, out),
    }
}

/// Kusto writes the reals JSON has no number for as text.
fn real(value: f64, out: &mut Vec<u8>) {
    if value.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if value.is_infinite() {
        let text: &[u8] = if value > 0.0 {
            b"\"Infinity\""
        } else {
            b"\"-Infinity\""
        };
        out.extend_from_slice(text);
    } else {
        let _ = serde_json::to_writer(&mut *out, &value);
    }
}
