//! Datetime and timespan text: parsing to nanoseconds and printing back.

pub(crate) const NANOS_PER_TICK: i64 = 100;
pub(crate) const NANOS_PER_MICRO: i64 = 1_000;
pub(crate) const NANOS_PER_MILLI: i64 = 1_000_000;
pub(crate) const NANOS_PER_SEC: i64 = 1_000_000_000;
pub(crate) const NANOS_PER_MIN: i64 = 60 * NANOS_PER_SEC;
pub(crate) const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MIN;
pub(crate) const NANOS_PER_DAY: i64 = 24 * NANOS_PER_HOUR;

/// Days since 1970-01-01 of a proleptic Gregorian date (eras of 400 years).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = (m + 9) % 12; // March = 0
    let day_of_year = (153 * shifted_month + 2) / 5 + d - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Fixed-width decimal field.
fn field(s: &str, range: std::ops::Range<usize>) -> Option<u32> {
    let f = s.get(range)?;
    if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    f.parse().ok()
}

/// Fraction digits (`1234567`) as nanoseconds, in whole 100 ns ticks: digits beyond seven are
/// dropped, as Kusto drops them.
fn fraction_nanos(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nine: String = digits
        .chars()
        .take(7)
        .chain(std::iter::repeat('0'))
        .take(9)
        .collect();
    nine.parse().ok()
}

/// `YYYY-MM-DD[( |T)hh:mm[:ss[.fffffff]]][Z|(+|-)hh:mm]` as nanoseconds since the epoch.
pub(crate) fn parse_datetime(s: &str) -> Option<i64> {
    i64::try_from(datetime_nanos(s)?).ok()
}

/// A well-formed datetime that 64-bit nanoseconds cannot hold (before 1677-09-21 or after
/// 2262-04-11), which Kusto's 100 ns ticks can.
pub(crate) fn datetime_out_of_range(s: &str) -> bool {
    datetime_nanos(s).is_some_and(|n| i64::try_from(n).is_err())
}

fn datetime_nanos(s: &str) -> Option<i128> {
    let dashed = comma_date(s);
    let s = dashed.as_deref().unwrap_or(s).trim();
    let (year, month, day, rest) = calendar_date(s)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(i64::from(year), month) {
        return None;
    }
    let date_nanos =
        i128::from(days_from_civil(i64::from(year), month, day)) * i128::from(NANOS_PER_DAY);
    let time = match rest.chars().next() {
        None => 0,
        Some(' ' | 'T') => parse_time_of_day(&rest[1..])?,
        Some(_) => return None,
    };
    Some(date_nanos + i128::from(time))
}

/// `2025, 6, 14` (the literal's comma form) as `2025-6-14`.
fn comma_date(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let numeric = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    (parts.len() == 3 && parts.iter().all(numeric)).then(|| parts.join("-"))
}

/// The date a datetime's text starts with, and the rest: `2014-11-08`, with `-` or `/`, month
/// and day of one or two digits, the year first or (as .NET reads `12-02-2022`) last.
fn calendar_date(s: &str) -> Option<(u32, u32, u32, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '/'))
        .unwrap_or(s.len());
    let (date, rest) = s.split_at(end);
    let separator = if date.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = date.split(separator).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let number = |p: &str, width: std::ops::RangeInclusive<usize>| {
        field(p, 0..p.len()).filter(|_| width.contains(&p.len()))
    };
    if a.len() == 4 {
        return Some((
            number(a, 4..=4)?,
            number(b, 1..=2)?,
            number(c, 1..=2)?,
            rest,
        ));
    }
    Some((
        number(c, 4..=4)?,
        number(a, 1..=2)?,
        number(b, 1..=2)?,
        rest,
    ))
}

/// `hh:mm[:ss[.f]]` with an optional zone suffix, as nanoseconds (UTC).
fn parse_time_of_day(s: &str) -> Option<i64> {
    let s = s.trim();
    let (clock, offset) = split_zone(s)?;
    let (hour, minute) = (field(clock, 0..2)?, field(clock, 3..5)?);
    if clock.get(2..3)? != ":" || hour > 23 || minute > 59 {
        return None;
    }
    let mut nanos = i64::from(hour) * NANOS_PER_HOUR + i64::from(minute) * NANOS_PER_MIN;
    let rest = &clock[5..];
    if !rest.is_empty() {
        let sec = field(rest, 1..3).filter(|s| *s < 60)?;
        if &rest[0..1] != ":" {
            return None;
        }
        nanos += i64::from(sec) * NANOS_PER_SEC;
        let frac = &rest[3..];
        if !frac.is_empty() {
            nanos += fraction_nanos(frac.strip_prefix('.')?)?;
        }
    }
    Some(nanos - offset)
}

/// Split `clock[Z|+hh:mm|-hh:mm]` into the clock and the zone offset in nanoseconds.
fn split_zone(s: &str) -> Option<(&str, i64)> {
    if let Some(clock) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        return Some((clock, 0));
    }
    let Some(at) = s.rfind(['+', '-']) else {
        return Some((s, 0));
    };
    let zone = &s[at + 1..];
    let (h, m) = (field(zone, 0..2)?, field(zone, 3..5)?);
    let sign = if s[at..].starts_with('-') { -1 } else { 1 };
    Some((
        &s[..at],
        sign * (i64::from(h) * NANOS_PER_HOUR + i64::from(m) * NANOS_PER_MIN),
    ))
}

/// Canonical `YYYY-MM-DDThh:mm:ss[.fffffff]Z`.
pub(crate) fn format_datetime(nanos: i64) -> String {
    let days = nanos.div_euclid(NANOS_PER_DAY);
    let in_day = nanos.rem_euclid(NANOS_PER_DAY);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi) = (
        in_day / NANOS_PER_HOUR,
        in_day % NANOS_PER_HOUR / NANOS_PER_MIN,
    );
    let (sec, frac) = (
        in_day % NANOS_PER_MIN / NANOS_PER_SEC,
        in_day % NANOS_PER_SEC,
    );
    let mut out = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{sec:02}");
    if frac != 0 {
        out += format!(".{frac:09}").trim_end_matches('0');
    }
    out + "Z"
}

/// Nanoseconds per timespan unit suffix (`d`, `hours`, `ms`, `tick`...).
pub(crate) fn timespan_unit(unit: &str) -> Option<i64> {
    Some(match unit {
        "d" | "day" | "days" => NANOS_PER_DAY,
        "h" | "hr" | "hrs" | "hour" | "hours" => NANOS_PER_HOUR,
        "m" | "min" | "minute" | "minutes" => NANOS_PER_MIN,
        "s" | "sec" | "second" | "seconds" => NANOS_PER_SEC,
        "ms" | "milli" | "millis" | "millisec" | "millisecond" | "milliseconds" => NANOS_PER_MILLI,
        "micro" | "micros" | "microsec" | "microsecond" | "microseconds" => NANOS_PER_MICRO,
        "nano" | "nanos" | "nanosec" | "nanosecond" | "nanoseconds" => 1,
        "tick" | "ticks" => NANOS_PER_TICK,
        _ => return None,
    })
}

/// `int.frac` times `unit`, exactly (truncated to whole nanoseconds).
pub(crate) fn scale_decimal(int: &str, frac: &str, unit: i64) -> Option<i64> {
    let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = whole.checked_mul(i128::from(unit))?;
    if !frac.is_empty() {
        let digits: i128 = frac.get(..frac.len().min(30))?.parse().ok()?;
        value += digits * i128::from(unit) / 10i128.pow(frac.len().min(30) as u32);
    }
    i64::try_from(value).ok()
}

/// The text inside `time(...)`/`timespan(...)`: `1d`, `2` (days), `15 seconds`,
/// `[-][d.]hh:mm[:ss[.fffffff]]`. `null` is handled by the caller.
pub fn parse_timespan_text(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix('-') {
        return parse_timespan_text(rest).map(|v| -v);
    }
    if s.contains(':') {
        return parse_clock_span(s);
    }
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = (&s[..split], s[split..].trim());
    let unit = if unit.is_empty() {
        NANOS_PER_DAY
    } else {
        timespan_unit(unit)?
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    scale_decimal(int, frac, unit)
}

/// `[d.]hh:mm[:ss[.fffffff]]`
fn parse_clock_span(s: &str) -> Option<i64> {
    let (days, clock) = match s.split_once(':') {
        Some((head, _)) if head.contains('.') => s.split_once('.')?,
        _ => ("0", s),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let num = |p: &str| -> Option<i64> {
        p.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| p.parse().ok())?
    };
    let mut nanos = num(days)? * NANOS_PER_DAY + num(parts[0])? * NANOS_PER_HOUR;
    nanos += num(parts[1])? * NANOS_PER_MIN;
    if let Some(sec) = parts.get(2) {
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        nanos += num(whole)? * NANOS_PER_SEC;
        if !frac.is_empty() {
            nanos += fraction_nanos(frac)?;
        }
    }
    Some(nanos)
}

/// Canonical timespan literal: the largest unit that divides exactly.
pub(crate) fn format_timespan(nanos: i64) -> String {
    const UNITS: &[(i64, &str)] = &[
        (NANOS_PER_DAY, "d"),
        (NANOS_PER_HOUR, "h"),
        (NANOS_PER_MIN, "m"),
        (NANOS_PER_SEC, "s"),
        (NANOS_PER_MILLI, "ms"),
        (NANOS_PER_MICRO, "microsecond"),
        (NANOS_PER_TICK, "tick"),
    ];
    if nanos == 0 {
        return "0s".to_string();
    }
    for (unit, name) in UNITS {
        if nanos % unit == 0 {
            return format!("{}{name}", nanos / unit);
        }
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    format!("{sign}{}.{:03}microsecond", abs / 1000, abs % 1000)
}
