//! One column being built from text or JSON values, typed by the registry:
//! strings, guids and dynamic values as `Utf8View` (dynamic as JSON text),
//! datetimes as `Timestamp(ns, "UTC")`, `int`, `long`, `bool`, `real`.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Float64Builder, Int32Builder, Int64Builder,
    StringViewBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::kernels::cast_utils::string_to_timestamp_nanos;
use serde_json::Value;

use crate::schema::KustoType;

/// A value as read from a file.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell<'a> {
    /// A JSON value (streaming API, Graph).
    Json(&'a Value),
    /// A CSV field; empty is null.
    Text(&'a str),
    /// A datetime the reader has already read (nanoseconds since the epoch).
    Time(i64),
}

pub(crate) enum ColumnBuilder {
    /// Strings, guids and (when true) dynamic values.
    Str(StringViewBuilder, bool),
    Time(TimestampNanosecondBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    Bool(BooleanBuilder),
    F64(Float64Builder),
}

impl ColumnBuilder {
    pub fn new(kusto: KustoType) -> ColumnBuilder {
        match kusto {
            KustoType::String | KustoType::Guid | KustoType::Dynamic => {
                ColumnBuilder::Str(StringViewBuilder::new(), kusto == KustoType::Dynamic)
            }
            KustoType::Datetime => ColumnBuilder::Time(TimestampNanosecondBuilder::new()),
            KustoType::Int => ColumnBuilder::I32(Int32Builder::new()),
            KustoType::Long => ColumnBuilder::I64(Int64Builder::new()),
            KustoType::Bool => ColumnBuilder::Bool(BooleanBuilder::new()),
            KustoType::Real | KustoType::Decimal => ColumnBuilder::F64(Float64Builder::new()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ColumnBuilder::Str(b, _) => b.len(),
            ColumnBuilder::Time(b) => b.len(),
            ColumnBuilder::I32(b) => b.len(),
            ColumnBuilder::I64(b) => b.len(),
            ColumnBuilder::Bool(b) => b.len(),
            ColumnBuilder::F64(b) => b.len(),
        }
    }

    pub fn push_null(&mut self) {
        match self {
            ColumnBuilder::Str(b, _) => b.append_null(),
            ColumnBuilder::Time(b) => b.append_null(),
            ColumnBuilder::I32(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
        }
    }

    /// Appends `cell`; when it cannot be read as the column's type, appends a
    /// null and says why.
    pub fn push(&mut self, cell: Cell<'_>) -> Result<(), String> {
        let outcome = self.try_push(cell);
        if outcome.is_err() {
            self.push_null();
        }
        outcome
    }

    fn try_push(&mut self, cell: Cell<'_>) -> Result<(), String> {
        if is_null(cell) {
            self.push_null();
            return Ok(());
        }
        match self {
            ColumnBuilder::Str(b, dynamic) => b.append_value(text_of(cell, *dynamic).as_ref()),
            ColumnBuilder::Time(b) => b.append_value(datetime_of(cell)?),
            ColumnBuilder::I32(b) => {
                let long = long_of(cell)?;
                let int = i32::try_from(long).map_err(|_| format!("{long} is out of int range"))?;
                b.append_value(int)
            }
            ColumnBuilder::I64(b) => b.append_value(long_of(cell)?),
            ColumnBuilder::Bool(b) => b.append_value(bool_of(cell)?),
            ColumnBuilder::F64(b) => b.append_value(real_of(cell)?),
        }
        Ok(())
    }

    pub fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Str(b, _) => Arc::new(b.finish()),
            ColumnBuilder::Time(b) => Arc::new(b.finish().with_timezone("UTC")),
            ColumnBuilder::I32(b) => Arc::new(b.finish()),
            ColumnBuilder::I64(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::F64(b) => Arc::new(b.finish()),
        }
    }
}

fn is_null(cell: Cell<'_>) -> bool {
    match cell {
        Cell::Json(v) => v.is_null(),
        Cell::Text(s) => s.is_empty(),
        Cell::Time(_) => false,
    }
}

/// Text as stored in a string column: JSON strings unquoted, other JSON values
/// (objects and arrays of `dynamic` columns, numbers) as compact JSON text. In a `dynamic`
/// column a string whose text would read as another JSON value (`"12"`) stays quoted, as
/// kqlite carries dynamic values (see `kqlite-functions/src/json.rs`).
fn text_of<'a>(cell: Cell<'a>, dynamic: bool) -> std::borrow::Cow<'a, str> {
    match cell {
        Cell::Text(s) => s.into(),
        Cell::Time(ns) => iso_datetime(ns).into(),
        Cell::Json(Value::String(s)) if dynamic && reads_as_json(s) => cell_json(s).into(),
        Cell::Json(Value::String(s)) => s.as_str().into(),
        Cell::Json(v) => v.to_string().into(),
    }
}

/// Whether text would read as a JSON value (a number, `true`, an array...) rather than itself.
fn reads_as_json(text: &str) -> bool {
    let first = text.trim_start().as_bytes().first();
    matches!(
        first,
        Some(b'{' | b'[' | b'"' | b'-' | b't' | b'f' | b'n' | b'0'..=b'9')
    ) && serde_json::from_str::<Value>(text).is_ok()
}

fn cell_json(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn describe(cell: Cell<'_>) -> String {
    let text = match cell {
        Cell::Text(s) => format!("{s:?}"),
        Cell::Time(ns) => iso_datetime(ns),
        Cell::Json(v) => v.to_string(),
    };
    let mut short: String = text.chars().take(60).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// A datetime: ISO 8601 text (`2025-09-01T12:00:00.1234567Z`, a space for the
/// `T`, no zone meaning UTC, a date alone), as `string_to_timestamp_nanos` reads.
pub(crate) fn datetime_of(cell: Cell<'_>) -> Result<i64, String> {
    let text = match cell {
        Cell::Time(ns) => return Ok(ns),
        Cell::Text(s) => s,
        Cell::Json(Value::String(s)) => s.as_str(),
        other => return Err(format!("{} is not a datetime", describe(other))),
    };
    parse_datetime(text).ok_or_else(|| format!("{} is not a datetime", describe(cell)))
}

pub(crate) fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(ns) = string_to_timestamp_nanos(text) {
        return Some(ns);
    }
    if text.len() == 10 {
        return string_to_timestamp_nanos(&format!("{text}T00:00:00Z")).ok();
    }
    None
}

fn long_of(cell: Cell<'_>) -> Result<i64, String> {
    let bad = || format!("{} is not a whole number", describe(cell));
    match cell {
        Cell::Json(Value::Number(n)) => n.as_i64().ok_or_else(bad),
        Cell::Json(Value::String(s)) => s.trim().parse().map_err(|_| bad()),
        Cell::Text(s) => s.trim().parse().map_err(|_| bad()),
        Cell::Json(_) | Cell::Time(_) => Err(bad()),
    }
}

fn real_of(cell: Cell<'_>) -> Result<f64, String> {
    let bad = || format!("{} is not a number", describe(cell));
    match cell {
        Cell::Json(Value::Number(n)) => n.as_f64().ok_or_else(bad),
        Cell::Json(Value::String(s)) => parse_real(s).ok_or_else(bad),
        Cell::Text(s) => parse_real(s).ok_or_else(bad),
        Cell::Json(_) | Cell::Time(_) => Err(bad()),
    }
}

fn parse_real(s: &str) -> Option<f64> {
    match s.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        s => s.parse().ok(),
    }
}

fn bool_of(cell: Cell<'_>) -> Result<bool, String> {
    let bad = || format!("{} is not a bool", describe(cell));
    match cell {
        Cell::Json(Value::Bool(b)) => Ok(*b),
        Cell::Json(Value::Number(n)) => match n.as_i64() {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(bad()),
        },
        Cell::Json(Value::String(s)) => parse_bool(s).ok_or_else(bad),
        Cell::Text(s) => parse_bool(s).ok_or_else(bad),
        Cell::Json(_) | Cell::Time(_) => Err(bad()),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// Days since 1970-01-01 as `YYYY-MM-DD` (proleptic Gregorian).
pub(crate) fn iso_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Nanoseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 digits,
/// as Defender writes times); the last two digits of nanoseconds are kept
/// when not zero.
pub(crate) fn iso_datetime(ns: i64) -> String {
    let days = ns.div_euclid(NANOS_PER_DAY);
    let in_day = ns.rem_euclid(NANOS_PER_DAY);
    let secs = in_day / 1_000_000_000;
    let frac = in_day % 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = if frac % 100 == 0 {
        format!("{:07}", frac / 100)
    } else {
        format!("{frac:09}")
    };
    format!("{}T{h:02}:{m:02}:{s:02}.{frac}Z", iso_date(days))
}
