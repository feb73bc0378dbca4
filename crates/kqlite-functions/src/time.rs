//! Calendar kernels over nanosecond timestamps (UTC): `startof*`/`endof*`, `datetime_add`,
//! `datetime_diff`, `datetime_part`, `format_datetime`, `format_timespan`, `totimespan`.
//! Parts and formats are constants, read once per batch.

use std::sync::Arc;

use super::datetime_range::{narrow, wide};
use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, DurationNanosecondBuilder, Int64Builder, StringBuilder,
    TimestampNanosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, Int64Type, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

const DAY: i64 = 86_400_000_000_000;
const TICK: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unit {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl Unit {
    pub fn parse(name: &str) -> Option<Unit> {
        Some(match name.to_ascii_lowercase().as_str() {
            "year" => Unit::Year,
            "quarter" => Unit::Quarter,
            "month" => Unit::Month,
            "week" | "week_of_year" => Unit::Week,
            "day" => Unit::Day,
            "hour" => Unit::Hour,
            "minute" => Unit::Minute,
            "second" => Unit::Second,
            "millisecond" => Unit::Millisecond,
            "microsecond" => Unit::Microsecond,
            "nanosecond" => Unit::Nanosecond,
            _ => return None,
        })
    }

    fn nanos(self) -> Option<i64> {
        Some(match self {
            Unit::Week => 7 * DAY,
            Unit::Day => DAY,
            Unit::Hour => 3_600_000_000_000,
            Unit::Minute => 60_000_000_000,
            Unit::Second => 1_000_000_000,
            Unit::Millisecond => 1_000_000,
            Unit::Microsecond => 1_000,
            Unit::Nanosecond => 1,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeOp {
    /// `(datetime [, offset])`: the start of the day, week, month or year.
    StartOf(Unit),
    EndOf(Unit),
    /// `(amount, datetime)`.
    Add(Unit),
    /// `(datetime1, datetime2)`: boundaries crossed from the second to the first.
    Diff(Unit),
    /// `(datetime)`, or `(datetime, "week_of_year")` style parts; `DayOfYear` separately.
    Part(Unit),
    DayOfYear,
    /// `(datetime, format)`.
    Format,
    /// `(timespan, format)`.
    FormatSpan,
    /// `(text)`.
    ParseSpan,
    /// `(timespan)`: Kusto's text of a timespan.
    SpanText,
    /// `(datetime)`: Kusto's text of a datetime, with seven fraction digits.
    DateText,
    /// `(datetime)`: days since Sunday, as a timespan.
    DayOfWeek,
    /// `(year, month, day [, hour, minute, second])`.
    MakeDatetime,
    /// `(hour, minute [, second])` or `(day, hour, minute, second)`.
    MakeTimespan,
    /// `(datetime, size)`: `bin` by a timespan that varies by row, from 0001-01-01.
    Bin,
    /// `(value)`: `todatetime`.
    ToDatetime,
    /// `(datetime, zone)`: `datetime_utc_to_local` (true) or `datetime_local_to_utc`.
    Zone(bool),
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TimeKernel {
    op: TimeOp,
    signature: Signature,
}

pub fn call(op: TimeOp, args: Vec<Expr>) -> Expr {
    let udf = TimeKernel {
        op,
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    Arc::new(ScalarUDF::new_from_impl(udf)).call(args)
}

impl ScalarUDFImpl for TimeKernel {
    fn name(&self) -> &str {
        match self.op {
            TimeOp::StartOf(_) => "kql_startof",
            TimeOp::EndOf(_) => "kql_endof",
            TimeOp::Add(_) => "datetime_add",
            TimeOp::Diff(_) => "datetime_diff",
            TimeOp::Part(_) | TimeOp::DayOfYear => "datetime_part",
            TimeOp::Format => "format_datetime",
            TimeOp::FormatSpan => "format_timespan",
            TimeOp::ParseSpan => "totimespan",
            TimeOp::SpanText => "kql_timespan_text",
            TimeOp::DateText => "kql_datetime_text",
            TimeOp::DayOfWeek => "dayofweek",
            TimeOp::MakeDatetime => "make_datetime",
            TimeOp::MakeTimespan => "make_timespan",
            TimeOp::Bin => "kql_bin_datetime",
            TimeOp::ToDatetime => "todatetime",
            TimeOp::Zone(true) => "datetime_utc_to_local",
            TimeOp::Zone(false) => "datetime_local_to_utc",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.op {
            TimeOp::StartOf(_)
            | TimeOp::EndOf(_)
            | TimeOp::Add(_)
            | TimeOp::MakeDatetime
            | TimeOp::Bin
            | TimeOp::Zone(_)
            | TimeOp::ToDatetime => crate::types::datetime_type(),
            TimeOp::Diff(_) | TimeOp::Part(_) | TimeOp::DayOfYear => DataType::Int64,
            TimeOp::Format | TimeOp::FormatSpan | TimeOp::SpanText | TimeOp::DateText => {
                DataType::Utf8
            }
            TimeOp::ParseSpan | TimeOp::DayOfWeek | TimeOp::MakeTimespan => {
                DataType::Duration(TimeUnit::Nanosecond)
            }
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = args
            .args
            .iter()
            .map(|a| a.to_array(rows))
            .collect::<Result<Vec<_>>>()?;
        let out: ArrayRef = match self.op {
            TimeOp::StartOf(u) | TimeOp::EndOf(u) => {
                let offsets = longs(arrays.get(1), rows)?;
                let end = matches!(self.op, TimeOp::EndOf(_));
                map_times(&arrays[0], |t, i| {
                    boundary(t, u, offsets[i].unwrap_or(0), end)
                })?
            }
            TimeOp::Add(u) => {
                let amounts = longs(Some(&arrays[0]), rows)?;
                map_times(&arrays[1], |t, i| add(t, u, amounts[i]?))?
            }
            TimeOp::Diff(u) => diff_column(&arrays[0], &arrays[1], u)?,
            TimeOp::Part(u) => map_longs(&arrays[0], |t| part(t, Some(u)))?,
            TimeOp::DayOfYear => map_longs(&arrays[0], |t| part(t, None))?,
            TimeOp::Format | TimeOp::FormatSpan => {
                let Some(ScalarValue::Utf8(Some(format))) =
                    args.args.get(1).and_then(|a| match a {
                        ColumnarValue::Scalar(s) => Some(s.clone()),
                        _ => None,
                    })
                else {
                    return exec_err!("{}() needs a constant format", self.name());
                };
                format_column(&arrays[0], &format, self.op == TimeOp::FormatSpan)?
            }
            TimeOp::ParseSpan => parse_spans(&arrays[0])?,
            TimeOp::SpanText => texts(&arrays[0], push_timespan)?,
            TimeOp::DateText => texts(&arrays[0], push_datetime)?,
            TimeOp::MakeDatetime => {
                let parts = reals(&arrays)?;
                let mut out = TimestampNanosecondBuilder::new().with_timezone(crate::types::UTC);
                for i in 0..rows {
                    out.append_option(make_datetime(&parts, i).map(narrow).transpose()?.flatten());
                }
                Arc::new(out.finish())
            }
            TimeOp::ToDatetime => super::datetime_range::to_datetime(&arrays[0])?,
            TimeOp::Zone(to_local) => super::time_zones::shift(&arrays[0], &arrays[1], to_local)?,
            TimeOp::MakeTimespan => {
                let parts = reals(&arrays)?;
                let mut out = DurationNanosecondBuilder::new();
                for i in 0..rows {
                    let span = make_timespan(&parts, i).map(super::datetime_range::narrow_span);
                    out.append_option(span.transpose()?);
                }
                Arc::new(out.finish())
            }
            TimeOp::Bin => {
                let sizes = values(&arrays[1])?;
                map_times(&arrays[0], |t, i| bin_from_year_one(t, sizes[i]?))?
            }
            TimeOp::DayOfWeek => {
                let mut out = DurationNanosecondBuilder::new();
                for v in values(&arrays[0])? {
                    let days = v.map(|t| naive(t).weekday().num_days_from_sunday() as i64);
                    out.append_option(days.map(|d| d * DAY));
                }
                Arc::new(out.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Each value written as text by `push`; null stays null.
fn texts(array: &ArrayRef, push: fn(i64, &mut String)) -> Result<ArrayRef> {
    let mut out = StringBuilder::new();
    let mut buffer = String::new();
    for v in values(array)? {
        buffer.clear();
        if let Some(v) = v {
            push(v, &mut buffer)
        }
        out.append_option(v.map(|_| buffer.as_str()));
    }
    Ok(Arc::new(out.finish()))
}

fn nanos_of(array: &ArrayRef) -> Result<ArrayRef> {
    Ok(match array.data_type() {
        DataType::Duration(_) => cast(array, &DataType::Duration(TimeUnit::Nanosecond))?,
        _ => cast(array, &DataType::Timestamp(TimeUnit::Nanosecond, None))?,
    })
}

fn values(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    let array = nanos_of(array)?;
    Ok(match array.data_type() {
        DataType::Duration(_) => array
            .as_primitive::<DurationNanosecondType>()
            .iter()
            .collect(),
        _ => array
            .as_primitive::<TimestampNanosecondType>()
            .iter()
            .collect(),
    })
}

fn longs(array: Option<&ArrayRef>, rows: usize) -> Result<Vec<Option<i64>>> {
    match array {
        Some(a) => Ok(cast(a, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .iter()
            .collect()),
        None => Ok(vec![None; rows]),
    }
}

/// `f` over each datetime, its result (in wide nanoseconds) narrowed to what kqlite holds.
fn map_times(array: &ArrayRef, f: impl Fn(i64, usize) -> Option<i128>) -> Result<ArrayRef> {
    let mut out = TimestampNanosecondBuilder::new().with_timezone(crate::types::UTC);
    for (i, t) in values(array)?.into_iter().enumerate() {
        out.append_option(t.and_then(|t| f(t, i)).map(narrow).transpose()?.flatten());
    }
    Ok(Arc::new(out.finish()))
}

fn map_longs(array: &ArrayRef, f: impl Fn(i64) -> Option<i64>) -> Result<ArrayRef> {
    let mut out = Int64Builder::new();
    for t in values(array)? {
        out.append_option(t.and_then(&f));
    }
    Ok(Arc::new(out.finish()))
}

fn naive(t: i64) -> NaiveDateTime {
    DateTime::from_timestamp_nanos(t).naive_utc()
}

fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_hms_opt(0, 0, 0).expect("midnight exists")
}

fn shift_months(t: NaiveDateTime, months: i64) -> Option<NaiveDateTime> {
    let n = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
    if months >= 0 {
        t.checked_add_months(n)
    } else {
        t.checked_sub_months(n)
    }
}

/// The start of the `unit` holding `t`, moved by `offset` units; the end is one tick before
/// the next start.
fn boundary(t: i64, unit: Unit, offset: i64, end: bool) -> Option<i128> {
    let date = naive(t).date();
    let offset = i128::from(offset) + i128::from(end);
    let (day, week) = (i128::from(DAY), i128::from(7 * DAY));
    let start = match unit {
        Unit::Day => wide(midnight(date)) + offset * day,
        Unit::Week => {
            let sunday = i128::from(date.weekday().num_days_from_sunday());
            wide(midnight(date)) - sunday * day + offset * week
        }
        Unit::Month => {
            let months = i64::try_from(offset).ok()?;
            wide(shift_months(midnight(date.with_day(1)?), months)?)
        }
        Unit::Year => {
            let months = i64::try_from(offset * 12).ok()?;
            wide(shift_months(midnight(date.with_ordinal(1)?), months)?)
        }
        _ => return None,
    };
    Some(if end { start - i128::from(TICK) } else { start })
}

fn add(t: i64, unit: Unit, amount: i64) -> Option<i128> {
    match unit {
        Unit::Year => Some(wide(shift_months(naive(t), amount.checked_mul(12)?)?)),
        Unit::Quarter => Some(wide(shift_months(naive(t), amount.checked_mul(3)?)?)),
        Unit::Month => Some(wide(shift_months(naive(t), amount)?)),
        fixed => Some(i128::from(t) + i128::from(amount) * i128::from(fixed.nanos()?)),
    }
}

fn diff_column(a: &ArrayRef, b: &ArrayRef, unit: Unit) -> Result<ArrayRef> {
    let (a, b) = (values(a)?, values(b)?);
    let mut out = Int64Builder::new();
    for (x, y) in a.into_iter().zip(b) {
        out.append_option(x.zip(y).and_then(|(x, y)| diff(x, y, unit)));
    }
    Ok(Arc::new(out.finish()))
}

fn diff(a: i64, b: i64, unit: Unit) -> Option<i64> {
    let (x, y) = (naive(a), naive(b));
    let months = |t: NaiveDateTime| t.year() as i64 * 12 + t.month0() as i64;
    Some(match unit {
        Unit::Year => (x.year() - y.year()) as i64,
        Unit::Quarter => months(x) / 3 - months(y) / 3,
        Unit::Month => months(x) - months(y),
        Unit::Week => {
            let weeks = (boundary(a, Unit::Week, 0, false)? - boundary(b, Unit::Week, 0, false)?)
                / i128::from(7 * DAY);
            i64::try_from(weeks).ok()?
        }
        fixed => {
            let n = fixed.nanos()?;
            a.div_euclid(n) - b.div_euclid(n)
        }
    })
}

/// A part of `t`; `None` asks for the day of the year.
fn part(t: i64, unit: Option<Unit>) -> Option<i64> {
    let d = naive(t);
    let sub = d.nanosecond() as i64;
    Some(match unit {
        None => d.ordinal() as i64,
        Some(Unit::Year) => d.year() as i64,
        Some(Unit::Quarter) => d.month0() as i64 / 3 + 1,
        Some(Unit::Month) => d.month() as i64,
        Some(Unit::Week) => d.iso_week().week() as i64,
        Some(Unit::Day) => d.day() as i64,
        Some(Unit::Hour) => d.hour() as i64,
        Some(Unit::Minute) => d.minute() as i64,
        Some(Unit::Second) => d.second() as i64,
        Some(Unit::Millisecond) => sub / 1_000_000,
        Some(Unit::Microsecond) => sub / 1_000,
        Some(Unit::Nanosecond) => sub,
    })
}

/// Each argument as reals.
fn reals(arrays: &[ArrayRef]) -> Result<Vec<Vec<Option<f64>>>> {
    arrays
        .iter()
        .map(|a| {
            Ok(cast(a, &DataType::Float64)?
                .as_primitive::<datafusion::arrow::datatypes::Float64Type>()
                .iter()
                .collect())
        })
        .collect()
}

/// Seconds (with a fraction) as nanoseconds, to the tick.
fn second_nanos(seconds: f64) -> i64 {
    (seconds * 1e7).round() as i64 * TICK
}

fn make_datetime(parts: &[Vec<Option<f64>>], i: usize) -> Option<i128> {
    let part = |k: usize| parts.get(k).map_or(Some(0.0), |p| p[i]);
    let (year, month, day) = (part(0)?, part(1)?, part(2)?);
    let date = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)?;
    let (hour, minute, second) = (part(3)?, part(4)?, part(5)?);
    if !(0.0..24.0).contains(&hour)
        || !(0.0..60.0).contains(&minute)
        || !(0.0..60.0).contains(&second)
    {
        return None;
    }
    let clock = (hour as i64 * 60 + minute as i64) * 60_000_000_000 + second_nanos(second);
    Some(wide(midnight(date)) + i128::from(clock))
}

fn make_timespan(parts: &[Vec<Option<f64>>], i: usize) -> Option<i128> {
    let values: Vec<f64> = parts.iter().map(|p| p[i]).collect::<Option<_>>()?;
    let (days, hour, minute, second) = match values[..] {
        [h, m] => (0.0, h, m, 0.0),
        [h, m, s] => (0.0, h, m, s),
        [d, h, m, s] => (d, h, m, s),
        _ => return None,
    };
    let valid = days >= 0.0
        && (0.0..24.0).contains(&hour)
        && (0.0..60.0).contains(&minute)
        && (0.0..60.0).contains(&second);
    if !valid {
        return None;
    }
    let minutes = (days as i128 * 24 + hour as i128) * 60 + minute as i128;
    Some(minutes * 60_000_000_000 + i128::from(second_nanos(second)))
}

/// `t` rounded down to a multiple of `size` counted from 0001-01-01; null for a size that is
/// not positive.
fn bin_from_year_one(t: i64, size: i64) -> Option<i128> {
    if size <= 0 {
        return None;
    }
    let since_year_one = i128::from(t) + i128::from(super::convert::EPOCH_TICKS) * 100;
    let binned = since_year_one - since_year_one.rem_euclid(i128::from(size));
    Some(binned - i128::from(super::convert::EPOCH_TICKS) * 100)
}

/// Kusto's JSON form of a datetime: `2025-09-01T10:30:00.0000000Z`.
pub fn push_datetime(t: i64, out: &mut String) {
    let d = naive(t);
    out.push_str(&d.format("%Y-%m-%dT%H:%M:%S").to_string());
    out.push_str(&format!(".{:07}Z", d.nanosecond() / 100));
}

/// Kusto's form of a timespan: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn push_timespan(ns: i64, out: &mut String) {
    if ns < 0 {
        out.push('-');
    }
    let ns = ns.unsigned_abs();
    let (days, rest) = (ns / DAY as u64, ns % DAY as u64);
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    let secs = rest / 1_000_000_000;
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    ));
    let ticks = rest % 1_000_000_000 / 100;
    if ticks > 0 {
        out.push_str(&format!(".{ticks:07}"));
    }
}

fn format_column(array: &ArrayRef, format: &str, span: bool) -> Result<ArrayRef> {
    let tokens = tokens(format, span);
    let mut out = StringBuilder::new();
    let mut buffer = String::new();
    for t in values(array)? {
        match t {
            Some(t) => {
                buffer.clear();
                if span && t < 0 {
                    buffer.push('-');
                }
                for token in &tokens {
                    if span {
                        span_token(t, token, &mut buffer);
                    } else {
                        datetime_token(naive(t), token, &mut buffer);
                    }
                }
                out.append_value(&buffer);
            }
            None => out.append_value(""),
        }
    }
    Ok(Arc::new(out.finish()))
}

/// A format split into runs of one letter (`yyyy`, `MM`) and literal text.
/// A run of a specifier letter longer than its longest form splits: Kusto reads `dddd` as
/// `dd` twice.
fn tokens(format: &str, span: bool) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    for c in format.chars() {
        match tokens.last_mut() {
            Some(last)
                if last.starts_with(c)
                    && c.is_ascii_alphabetic()
                    && last.len() < longest_specifier(c, span) =>
            {
                last.push(c)
            }
            _ => tokens.push(c.to_string()),
        }
    }
    // The year has `y`, `yy` and `yyyy`: `yyy` is `yy` then `y` (as `MMM` is `MM` then `M`).
    tokens
        .into_iter()
        .flat_map(|t| match t.as_str() {
            "yyy" if !span => vec!["yy".to_string(), "y".to_string()],
            _ => vec![t],
        })
        .collect()
}

fn longest_specifier(c: char, span: bool) -> usize {
    match c {
        'f' | 'F' => 7,
        'y' => 4,
        'd' if span => 8,
        _ => 2,
    }
}

/// Checks a `format_datetime` (or, with `span`, `format_timespan`) format: only Kusto's
/// specifiers and delimiters; the error names what is not one.
pub fn check_format(format: &str, span: bool) -> std::result::Result<(), String> {
    let letters = if span { "dhHmsfF" } else { "dfFhHmMsyt" };
    for c in format.chars() {
        let known = letters.contains(c) || " /-:,._[]".contains(c);
        if !known {
            return Err(format!("'{c}' is neither a specifier nor a delimiter"));
        }
    }
    Ok(())
}

fn fraction(sub_nanos: u32, token: &str, out: &mut String) {
    let digits = token.len().min(9);
    let text = format!("{sub_nanos:09}");
    let text = &text[..digits];
    if token.starts_with('F') {
        let trimmed = text.trim_end_matches('0');
        if !trimmed.is_empty() {
            out.push_str(trimmed);
        } else if out.ends_with('.') {
            out.pop();
        }
    } else {
        out.push_str(text);
    }
}

fn datetime_token(d: NaiveDateTime, token: &str, out: &mut String) {
    let n = token.len();
    let pad = |v: u32, out: &mut String| out.push_str(&format!("{v:0n$}"));
    match token.chars().next().unwrap_or(' ') {
        'y' if n >= 3 => out.push_str(&format!("{:0n$}", d.year())),
        'y' => pad(d.year().rem_euclid(100) as u32, out),
        'M' if n <= 2 => pad(d.month(), out),
        'd' if n <= 2 => pad(d.day(), out),
        'H' => pad(d.hour(), out),
        'h' => pad((d.hour() + 11) % 12 + 1, out),
        'm' => pad(d.minute(), out),
        's' => pad(d.second(), out),
        'f' | 'F' => fraction(d.nanosecond(), token, out),
        't' => out.push_str(if d.hour() < 12 { "AM" } else { "PM" }),
        _ => out.push_str(token),
    }
}

fn span_token(ns: i64, token: &str, out: &mut String) {
    let n = token.len();
    let abs = ns.unsigned_abs();
    let secs = abs % DAY as u64 / 1_000_000_000;
    let pad = |v: u64, out: &mut String| out.push_str(&format!("{v:0n$}"));
    match token.chars().next().unwrap_or(' ') {
        'd' => pad(abs / DAY as u64, out),
        'h' | 'H' => pad(secs / 3600, out),
        'm' => pad(secs / 60 % 60, out),
        's' => pad(secs % 60, out),
        'f' | 'F' => fraction((abs % 1_000_000_000) as u32, token, out),
        _ => out.push_str(token),
    }
}

fn parse_spans(array: &ArrayRef) -> Result<ArrayRef> {
    let mut out = DurationNanosecondBuilder::new();
    match array.data_type() {
        DataType::Duration(_) => return nanos_of(array),
        DataType::Int64 => {
            // A number is ticks, as tolong() of a timespan gives them.
            for ticks in array.as_primitive::<Int64Type>() {
                let nanos = ticks.map(|t| i128::from(t) * 100);
                out.append_option(nanos.map(super::datetime_range::narrow_span).transpose()?);
            }
        }
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => {
            let text = cast(array, &DataType::Utf8)?;
            // Kusto reads timespan literals (`1d`, `90m`) as well as clock forms.
            for value in text.as_string::<i32>() {
                out.append_option(value.and_then(kqlite_parser::parse_timespan_text));
            }
        }
        _ => {
            for _ in 0..array.len() {
                out.append_null();
            }
        }
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_split_long_runs_as_kusto_does() {
        assert_eq!(tokens("dddd", false), vec!["dd", "dd"]);
        assert_eq!(tokens("dddd", true), vec!["dddd"]);
        assert_eq!(tokens("yyyy-MM", false), vec!["yyyy", "-", "MM"]);
        assert_eq!(tokens("fffffff", false), vec!["fffffff"]);
        assert!(check_format("yyyy-MM-dd HH:mm", false).is_ok());
        assert!(check_format("yyyy-MM-ddTHH", false).is_err());
        assert!(check_format("c", true).is_err());
    }
}
