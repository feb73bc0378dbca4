//! Kusto's datetimes run from 0001-01-01 to 9999-12-31 in 100 ns ticks; kqlite holds them as
//! Arrow's 64-bit nanoseconds, from 1677-09-21 to 2262-04-11. Datetime arithmetic is done in
//! `i128` nanoseconds and narrowed here: a result Kusto would not have is null, one Kusto has
//! but kqlite cannot hold is an error, never a silent null.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, TimestampNanosecondBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::compute::kernels::cast_utils::string_to_datetime;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use datafusion::common::{exec_err, Result};

use super::convert::EPOCH_TICKS;

/// The last tick of 9999-12-31.
const MAX_TICKS: i128 = 3_155_378_975_999_999_999;

/// `t` as nanoseconds since the epoch, for any year.
pub fn wide(t: NaiveDateTime) -> i128 {
    i128::from(t.and_utc().timestamp()) * 1_000_000_000
        + i128::from(t.and_utc().timestamp_subsec_nanos())
}

/// A computed datetime as kqlite holds it: null outside Kusto's range, an error where Kusto
/// has the value and kqlite cannot hold it.
/// A timespan of `nanos` nanoseconds, or the error that kqlite cannot hold it (never a wrapped
/// value: Kusto's timespans reach 10,675,199 days, kqlite's 106,751).
pub fn narrow_span(nanos: i128) -> Result<i64> {
    match i64::try_from(nanos) {
        Ok(n) => Ok(n),
        Err(_) => exec_err!(
            "not supported yet: the timespan of {} days is outside the range kqlite holds \
             (106,751 days either way, as 64-bit nanoseconds)",
            nanos / 86_400_000_000_000
        ),
    }
}

pub fn narrow(nanos: i128) -> Result<Option<i64>> {
    if let Ok(n) = i64::try_from(nanos) {
        return Ok(Some(n));
    }
    let ticks = nanos.div_euclid(100) + i128::from(EPOCH_TICKS);
    if !(0..=MAX_TICKS).contains(&ticks) {
        return Ok(None);
    }
    let seconds = i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or_default();
    let day = DateTime::<Utc>::from_timestamp(seconds, 0).map(|d| d.format("%Y-%m-%d").to_string());
    exec_err!(
        "not supported yet: the datetime {} is outside the range kqlite holds (1677-09-21 to \
         2262-04-11, as 64-bit nanoseconds)",
        day.unwrap_or_default()
    )
}

/// `todatetime(x)`: a datetime as it is, a number as ticks since 0001-01-01 (Kusto's rule),
/// text in the ISO 8601, RFC 822 and RFC 850 forms; anything else null.
pub fn to_datetime(array: &ArrayRef) -> Result<ArrayRef> {
    let mut out = TimestampNanosecondBuilder::new().with_timezone(crate::types::UTC);
    let t = array.data_type();
    if t.is_integer() {
        for ticks in cast(array, &DataType::Int64)?.as_primitive::<Int64Type>() {
            out.append_option(from_ticks(ticks.map(i128::from))?);
        }
    } else if t.is_floating() || matches!(t, DataType::Decimal128(..)) {
        for ticks in cast(array, &DataType::Float64)?.as_primitive::<Float64Type>() {
            let whole = ticks.filter(|t| t.is_finite()).map(|t| t.trunc() as i128);
            out.append_option(from_ticks(whole)?);
        }
    } else if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        for text in cast(array, &DataType::Utf8)?.as_string::<i32>() {
            out.append_option(parse(text)?);
        }
    } else if matches!(t, DataType::Timestamp(..)) {
        return Ok(cast(array, &crate::types::datetime_type())?);
    } else {
        out.append_nulls(array.len());
    }
    Ok(Arc::new(out.finish()))
}

fn from_ticks(ticks: Option<i128>) -> Result<Option<i64>> {
    match ticks {
        Some(t) if (0..=MAX_TICKS).contains(&t) => narrow((t - i128::from(EPOCH_TICKS)) * 100),
        _ => Ok(None),
    }
}

fn parse(text: Option<&str>) -> Result<Option<i64>> {
    let Some(text) = text.map(str::trim) else {
        return Ok(None);
    };
    let iso = string_to_datetime(&Utc, text).map(|t| t.naive_utc());
    match iso.ok().or_else(|| other_forms(text)) {
        // Kusto keeps whole 100 ns ticks.
        Some(t) => narrow(wide(t) - wide(t).rem_euclid(100)),
        None => Ok(None),
    }
}

/// The forms Kusto reads besides those Arrow parses: ISO 8601 without seconds, RFC 822
/// (`Sat, 8 Nov 14 15:05:02 GMT`) and RFC 850 (`Saturday, 08-Nov-14 15:05:02 GMT`), in UTC.
fn other_forms(text: &str) -> Option<NaiveDateTime> {
    const FORMS: &[&str] = &[
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        // Unpadded months and days, slashes, and .NET's month-first dates (`12/02/2022`).
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y/%m/%d %H:%M:%S%.f",
        "%Y/%m/%d %H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
        "%m-%d-%Y %H:%M:%S%.f",
        "%m-%d-%Y %H:%M",
        // Two-digit years first: `%Y` would read `14` as the year 14.
        "%d %b %y %H:%M:%S",
        "%d %b %y %H:%M",
        "%d-%b-%y %H:%M:%S",
        "%d-%b-%y %H:%M",
        "%d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M",
        "%d-%b-%Y %H:%M:%S",
        "%d-%b-%Y %H:%M",
    ];
    let zoneless = ["GMT", "UTC", "UT", "Z"]
        .iter()
        .find_map(|zone| text.strip_suffix(zone))
        .unwrap_or(text)
        .trim_end();
    let body = match zoneless.split_once(", ") {
        Some((day, rest)) if day.chars().all(|c| c.is_ascii_alphabetic()) => rest,
        _ => zoneless,
    };
    const DATES: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y"];
    FORMS
        .iter()
        .find_map(|form| NaiveDateTime::parse_from_str(body, form).ok())
        .or_else(|| {
            DATES.iter().find_map(|form| {
                let date = chrono::NaiveDate::parse_from_str(body, form).ok()?;
                date.and_hms_opt(0, 0, 0)
            })
        })
        // `%Y` reads any number of digits: `1/2/3` is not the year 3.
        .filter(|t| t.year() >= 1000)
}
