//! Kusto's types as Arrow types, as every kernel and the planner hold them.

use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, TimeUnit};

pub const UTC: &str = "UTC";

/// A `dynamic` value: JSON text (see `json.rs`) in a `LargeUtf8` column, the one
/// string layout that nothing else produces, so that its type tells it from a `string`.
pub fn dynamic_type() -> DataType {
    DataType::LargeUtf8
}

pub fn is_dynamic(t: &DataType) -> bool {
    *t == DataType::LargeUtf8
}

/// A `decimal`: 38 digits, 18 of them after the point.
pub const DECIMAL_SCALE: i8 = 18;

pub fn decimal_type() -> DataType {
    DataType::Decimal128(38, DECIMAL_SCALE)
}

/// Decimal text (`0.1`, `-12`, `1e3`) exactly, at [`DECIMAL_SCALE`]; None if it is not one.
pub fn decimal_value(text: &str) -> Option<i128> {
    let text = text.trim();
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (negative, digits) = match mantissa.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !(whole.chars().chain(fraction.chars())).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let shift = i32::from(DECIMAL_SCALE) + exponent - fraction.len() as i32;
    let mut value: i128 = format!("{whole}{fraction}").parse().unwrap_or(0);
    if shift >= 0 {
        value = value.checked_mul(10i128.checked_pow(shift as u32)?)?;
    } else {
        value /= 10i128.checked_pow((-shift) as u32)?;
    }
    Some(if negative { -value } else { value })
}

pub fn datetime_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some(Arc::from(UTC)))
}
