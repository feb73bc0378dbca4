//! `toint`, `tolong`, `todouble` and `tobool` with Kusto's rules, which Arrow's casts do not
//! follow:
//! - text is trimmed; integers may be hexadecimal (`0x1F`); reals accept `NaN`, `Infinity`,
//!   `inf`; bools accept `true`/`false` in any case and integers (non-zero is true);
//! - a dynamic value converts by what it holds: a number numerically (`toint(dynamic(1.5))`
//!   is 1), `true`/`false` as 1/0, text as text;
//! - a real truncates towards zero and saturates at the target's bounds (infinities and NaN
//!   are null); a `long` wraps into an `int`, but text out of an `int`'s range is null;
//! - a datetime is its ticks (100 ns) since 0001-01-01, a timespan its ticks.
//!
//! What does not convert is null.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Decimal128Builder, Float64Builder, Int32Builder,
    Int64Builder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Nanoseconds from 0001-01-01 to the Unix epoch, over 100: the epoch in ticks.
pub const EPOCH_TICKS: i64 = 621_355_968_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Int,
    Long,
    Real,
    Bool,
    Decimal,
}

pub fn call(target: Target, value: Expr) -> Expr {
    let udf = Convert {
        target,
        signature: Signature::any(1, Volatility::Immutable),
    };
    Arc::new(ScalarUDF::new_from_impl(udf)).call(vec![value])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Convert {
    target: Target,
    signature: Signature,
}

/// One input value, read as what it is.
enum Value<'a> {
    Long(i64),
    Real(f64),
    Bool(bool),
    Text(&'a str),
    Dynamic(&'a str),
}

impl ScalarUDFImpl for Convert {
    fn name(&self) -> &str {
        match self.target {
            Target::Int => "toint",
            Target::Long => "tolong",
            Target::Real => "todouble",
            Target::Bool => "tobool",
            Target::Decimal => "todecimal",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(match self.target {
            Target::Int => DataType::Int32,
            Target::Long => DataType::Int64,
            Target::Real => DataType::Float64,
            Target::Bool => DataType::Boolean,
            Target::Decimal => crate::types::decimal_type(),
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let array = args.args[0].to_array(args.number_rows)?;
        let target = self.target;
        let out: ArrayRef = match target {
            Target::Int => {
                let mut b = Int32Builder::with_capacity(array.len());
                each_value(&array, |v| b.append_option(v.and_then(to_int)))?;
                Arc::new(b.finish())
            }
            Target::Long => {
                let mut b = Int64Builder::with_capacity(array.len());
                each_value(&array, |v| b.append_option(v.and_then(to_long)))?;
                Arc::new(b.finish())
            }
            Target::Real => {
                let mut b = Float64Builder::with_capacity(array.len());
                each_value(&array, |v| b.append_option(v.and_then(to_real)))?;
                Arc::new(b.finish())
            }
            Target::Bool => {
                let mut b = BooleanBuilder::with_capacity(array.len());
                each_value(&array, |v| b.append_option(v.and_then(to_bool)))?;
                Arc::new(b.finish())
            }
            Target::Decimal => {
                let mut b = Decimal128Builder::with_capacity(array.len());
                each_value(&array, |v| b.append_option(v.and_then(to_decimal)))?;
                Arc::new(b.finish().with_data_type(crate::types::decimal_type()))
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Calls `f` with each value of `array` (None for null).
fn each_value(array: &ArrayRef, mut f: impl FnMut(Option<Value>)) -> Result<()> {
    let t = array.data_type();
    match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
            let dynamic = *t == DataType::LargeUtf8;
            let text = if dynamic {
                array.clone()
            } else {
                cast(array, &DataType::Utf8View)?
            };
            // A string carried as a JSON string (`"12"`) converts as the string it holds.
            let mut visit = |s: Option<&str>| match s {
                Some(s) if dynamic && s.starts_with('"') => {
                    f(Some(Value::Text(&crate::json::carried_text(s))))
                }
                Some(s) if dynamic => f(Some(Value::Dynamic(s))),
                other => f(other.map(Value::Text)),
            };
            if dynamic {
                text.as_string::<i64>().iter().for_each(&mut visit);
            } else {
                text.as_string_view().iter().for_each(&mut visit);
            }
        }
        DataType::Boolean => array
            .as_boolean()
            .iter()
            .for_each(|b| f(b.map(Value::Bool))),
        DataType::Float16 | DataType::Float32 | DataType::Float64 => {
            cast(array, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .iter()
                .for_each(|v| f(v.map(Value::Real)))
        }
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
            let nanos = cast(array, &DataType::Timestamp(TimeUnit::Nanosecond, None))?;
            cast(&nanos, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .iter()
                .for_each(|v| f(v.map(|ns| Value::Long(ns.div_euclid(100) + EPOCH_TICKS))));
        }
        DataType::Duration(_) => {
            let nanos = cast(array, &DataType::Duration(TimeUnit::Nanosecond))?;
            cast(&nanos, &DataType::Int64)?
                .as_primitive::<Int64Type>()
                .iter()
                .for_each(|v| f(v.map(|ns| Value::Long(ns / 100))));
        }
        DataType::Null => (0..array.len()).for_each(|_| f(None)),
        t if t.is_integer() => cast(array, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .iter()
            .for_each(|v| f(v.map(Value::Long))),
        t if t.is_numeric() => cast(array, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .iter()
            .for_each(|v| f(v.map(Value::Real))),
        other => return exec_err!("cannot convert a value of type {other}"),
    }
    Ok(())
}

/// A dynamic value as the scalar it holds: a JSON number or bool, else text.
fn scalar_of_dynamic(s: &str) -> Value<'_> {
    match s {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let starts_number = s
        .as_bytes()
        .first()
        .is_some_and(|b| b.is_ascii_digit() || *b == b'-');
    if starts_number {
        if let Ok(n) = s.parse::<i64>() {
            return Value::Long(n);
        }
        if let Ok(r) = s.parse::<f64>() {
            return Value::Real(r);
        }
    }
    Value::Text(s)
}

fn to_long(v: Value) -> Option<i64> {
    match v {
        Value::Long(n) => Some(n),
        Value::Real(r) if !r.is_finite() => None,
        Value::Real(r) => Some(r as i64),
        Value::Bool(b) => Some(i64::from(b)),
        Value::Text(s) => parse_integer(s.trim()),
        Value::Dynamic(s) => to_long(scalar_of_dynamic(s)),
    }
}

fn to_int(v: Value) -> Option<i32> {
    match v {
        Value::Real(r) if !r.is_finite() => None,
        Value::Real(r) => Some(r as i32),
        Value::Text(s) => parse_integer(s.trim()).and_then(|n| i32::try_from(n).ok()),
        Value::Dynamic(s) => to_int(scalar_of_dynamic(s)),
        other => to_long(other).map(|n| n as i32),
    }
}

fn to_real(v: Value) -> Option<f64> {
    match v {
        Value::Long(n) => Some(n as f64),
        Value::Real(r) => Some(r),
        Value::Bool(b) => Some(f64::from(u8::from(b))),
        Value::Text(s) => parse_real(s.trim()),
        Value::Dynamic(s) => to_real(scalar_of_dynamic(s)),
    }
}

fn to_bool(v: Value) -> Option<bool> {
    match v {
        Value::Long(n) => Some(n != 0),
        Value::Real(r) => Some(r != 0.0),
        Value::Bool(b) => Some(b),
        Value::Text(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::Text(s) if s.eq_ignore_ascii_case("false") => Some(false),
        Value::Text(s) => s.parse::<i64>().ok().map(|n| n != 0),
        Value::Dynamic(s) => to_bool(scalar_of_dynamic(s)),
    }
}

/// A decimal at `literals::DECIMAL_SCALE`: text exactly, a real to its 15 significant
/// digits (as .NET converts a double to a decimal).
fn to_decimal(v: Value) -> Option<i128> {
    match v {
        Value::Long(n) => crate::types::decimal_value(&n.to_string()),
        Value::Real(r) if r.is_finite() => crate::types::decimal_value(&format!("{r:.14e}")),
        Value::Real(_) => None,
        Value::Bool(b) => crate::types::decimal_value(if b { "1" } else { "0" }),
        Value::Text(s) => crate::types::decimal_value(s),
        Value::Dynamic(s) => to_decimal(scalar_of_dynamic(s)),
    }
}

/// Decimal digits with an optional sign, or `0x` and hexadecimal digits (the bits of a
/// `long`: `0xFFFFFFFFFFFFFFFF` is -1).
fn parse_integer(s: &str) -> Option<i64> {
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"));
    match hex {
        Some(digits) => u64::from_str_radix(digits, 16).ok().map(|n| n as i64),
        None => s.parse::<i64>().ok(),
    }
}

/// .NET's reading of a real, as Kusto uses it: digits, exponents, `NaN` and `Infinity` in
/// any case, and the lower-case `inf`.
fn parse_real(s: &str) -> Option<f64> {
    let unsigned = s.trim_start_matches(['+', '-']);
    let negative = s.starts_with('-');
    let special = if unsigned.eq_ignore_ascii_case("nan") {
        Some(f64::NAN)
    } else if unsigned.eq_ignore_ascii_case("infinity") || unsigned == "inf" {
        Some(f64::INFINITY)
    } else {
        None
    };
    if let Some(v) = special {
        if s.len() - unsigned.len() > 1 {
            return None;
        }
        return Some(if negative { -v } else { v });
    }
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    s.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_kusto_reads_them() {
        assert_eq!(parse_integer("0x1F"), Some(31));
        assert_eq!(parse_integer("0xFFFFFFFFFFFFFFFF"), Some(-1));
        assert_eq!(parse_integer("-0x10"), None);
        assert_eq!(parse_integer("+5"), Some(5));
        assert_eq!(parse_integer("5.7"), None);
        assert_eq!(to_long(Value::Text(" 7 ")), Some(7));
    }

    #[test]
    fn reals_read_as_kusto_reads_them() {
        assert!(parse_real("NaN").is_some_and(f64::is_nan));
        assert_eq!(parse_real("-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_real("+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_real("INF"), None);
        assert_eq!(parse_real("1e3"), Some(1000.0));
        assert_eq!(parse_real("0x1F"), None);
    }

    #[test]
    fn bools_and_dynamic_values() {
        assert_eq!(to_bool(Value::Text("1")), Some(true));
        assert_eq!(to_bool(Value::Text("1.0")), None);
        assert_eq!(to_bool(Value::Text(" true")), None);
        assert_eq!(to_int(Value::Dynamic("1.5")), Some(1));
        assert_eq!(to_int(Value::Real(1e30)), Some(i32::MAX));
        assert_eq!(to_int(Value::Long(2_147_483_648)), Some(i32::MIN));
        assert_eq!(to_bool(Value::Dynamic("123")), Some(true));
    }
}
