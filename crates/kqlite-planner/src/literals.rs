//! KQL literals as DataFusion scalars.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use kqlite_parser::{Dynamic, Literal, ScalarType};

/// The time zone every `datetime` carries.
pub(crate) use kqlite_functions::types::{
    datetime_type, decimal_type, decimal_value, dynamic_type, is_dynamic, DECIMAL_SCALE, UTC,
};

pub(crate) fn decimal(text: &str) -> ScalarValue {
    ScalarValue::Decimal128(decimal_value(text), 38, DECIMAL_SCALE)
}

pub(crate) fn datetime(nanos: Option<i64>) -> ScalarValue {
    ScalarValue::TimestampNanosecond(nanos, Some(Arc::from(UTC)))
}

pub(crate) fn timespan(nanos: Option<i64>) -> ScalarValue {
    ScalarValue::DurationNanosecond(nanos)
}

pub(crate) fn string(text: &str) -> ScalarValue {
    ScalarValue::Utf8(Some(text.to_string()))
}

pub(crate) fn scalar_of(literal: &Literal) -> ScalarValue {
    match literal {
        Literal::Long(v) => ScalarValue::Int64(Some(*v)),
        Literal::Int(v) => ScalarValue::Int32(Some(*v)),
        Literal::Real(v) => ScalarValue::Float64(Some(*v)),
        Literal::Bool(v) => ScalarValue::Boolean(Some(*v)),
        Literal::String(s) | Literal::Guid(s) => string(s),
        Literal::Datetime(v) => datetime(Some(*v)),
        Literal::Decimal(text) => decimal(text),
        Literal::Timespan(v) => timespan(Some(*v)),
        Literal::Null(ty) => typed_null(*ty),
        Literal::Dynamic(value) => dynamic_text(value),
    }
}

pub(crate) fn arrow_type(ty: ScalarType) -> DataType {
    match ty {
        ScalarType::Bool => DataType::Boolean,
        ScalarType::Int => DataType::Int32,
        ScalarType::Long => DataType::Int64,
        ScalarType::Real => DataType::Float64,
        ScalarType::Decimal => decimal_type(),
        ScalarType::String | ScalarType::Guid => DataType::Utf8,
        ScalarType::Dynamic => dynamic_type(),
        ScalarType::Datetime => datetime_type(),
        ScalarType::Timespan => DataType::Duration(TimeUnit::Nanosecond),
    }
}

fn typed_null(ty: ScalarType) -> ScalarValue {
    match ty {
        ScalarType::String => string(""),
        ScalarType::Datetime => datetime(None),
        other => ScalarValue::try_from(&arrow_type(other)).unwrap_or(ScalarValue::Null),
    }
}

/// A dynamic value as carried (see `kqlite-functions/src/json.rs`): null as null, a string as
/// its text (quoted where that text would read as another value), anything else as JSON text.
fn dynamic_text(value: &Dynamic) -> ScalarValue {
    let text = match value {
        Dynamic::Null => None,
        Dynamic::Value(literal) => match literal.as_ref() {
            Literal::String(s) | Literal::Guid(s) => {
                let mut held = String::with_capacity(s.len());
                crate::kernels::json::push_held(s, &mut held);
                Some(held)
            }
            _ => Some(dynamic_json(value)),
        },
        other => Some(dynamic_json(other)),
    };
    ScalarValue::LargeUtf8(text)
}

/// Dynamic values are carried as JSON text.
pub(crate) fn dynamic_json(value: &Dynamic) -> String {
    match value {
        Dynamic::Null => "null".to_string(),
        Dynamic::Value(literal) => literal_json(literal),
        Dynamic::Array(items) => {
            let items: Vec<String> = items.iter().map(dynamic_json).collect();
            format!("[{}]", items.join(","))
        }
        Dynamic::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), dynamic_json(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
    }
}

fn literal_json(literal: &Literal) -> String {
    match literal {
        Literal::Long(v) => v.to_string(),
        Literal::Int(v) => v.to_string(),
        // Very large and very small reals as .NET writes them (`1E+15`, `5E-324`), a whole
        // real with its point: either way it stays a real (`dynamic([1.0])`).
        Literal::Real(v) if v.is_finite() && *v != 0.0 && !(1e-5..1e15).contains(&v.abs()) => {
            net_exponent(*v)
        }
        Literal::Real(v) if v.is_finite() && v.fract() == 0.0 => format!("{v:.1}"),
        Literal::Real(v) => v.to_string(),
        Literal::Bool(v) => v.to_string(),
        Literal::String(s) | Literal::Guid(s) => json_string(s),
        Literal::Dynamic(d) => dynamic_json(d),
        // Datetimes and timespans as Kusto writes them in JSON.
        Literal::Datetime(t) => json_string(&text_of(*t, crate::kernels::time::push_datetime)),
        Literal::Timespan(t) => json_string(&text_of(*t, crate::kernels::time::push_timespan)),
        other => json_string(&scalar_of(other).to_string()),
    }
}

/// `1.7976931348623157E+308`, `5E-324`: the shortest digits, an exponent of two digits or more.
fn net_exponent(v: f64) -> String {
    let text = format!("{v:e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let (sign, digits) = match exponent.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exponent),
    };
    format!("{mantissa}E{sign}{digits:0>2}")
}

fn text_of(value: i64, write: fn(i64, &mut String)) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    crate::kernels::json::push_string(text, &mut out);
    out
}

/// A scalar element of a dynamic array, as its own type (nested values as JSON text).
pub(crate) fn dynamic_scalar(value: &Dynamic) -> Option<ScalarValue> {
    match value {
        // A null element of an `in` list is a null in the list.
        Dynamic::Null => Some(ScalarValue::Null),
        Dynamic::Value(literal) => Some(scalar_of(literal)),
        nested => Some(string(&dynamic_json(nested))),
    }
}
