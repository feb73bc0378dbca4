//! The calendar functions over drawn datetimes (before and after 1970, at month and year ends,
//! on leap days, with fractions down to the 100 ns tick), against `chrono`'s calendar and
//! Kusto's documented rules: weeks start on Sunday, an `endof` is the next start less one
//! tick, `bin` counts from 0001-01-01, `week_of_year` is ISO 8601's, and `datetime_add` of
//! months keeps the day where the month has it and takes the month's last day otherwise.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Timelike};
use datafusion::arrow::array::{Int64Array, RecordBatch, TimestampNanosecondArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use kqlite::Engine;
use serde_json::Value;

#[path = "support/draws.rs"]
mod draws;
use draws::Draw;

const ROWS: usize = 2000;

impl Draw {
    /// Half drawn over 1700-2200 to the tick, half on a calendar edge.
    fn datetime(&mut self) -> NaiveDateTime {
        let year = 1700 + self.below(500) as i32;
        let month = 1 + self.below(12) as u32;
        let day = [1, 28, 29, 30, 31, 1 + self.below(31) as u32][self.below(6)];
        let date = (0..4)
            .find_map(|back| NaiveDate::from_ymd_opt(year, month, day - back))
            .unwrap();
        let time = match self.below(4) {
            0 => Duration::zero(),
            1 => Duration::days(1) - Duration::nanoseconds(100),
            _ => Duration::nanoseconds(self.below(864_000_000_000) as i64 * 100),
        };
        date.and_hms_opt(0, 0, 0).unwrap() + time
    }
}

fn nanos(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_nanos_opt().unwrap()
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_hms_opt(0, 0, 0).unwrap()
}

fn less_a_tick(t: NaiveDateTime) -> NaiveDateTime {
    t - Duration::nanoseconds(100)
}

fn start_of_week(t: NaiveDateTime) -> NaiveDateTime {
    midnight(t.date()) - Duration::days(i64::from(t.weekday().num_days_from_sunday()))
}

fn start_of_month(t: NaiveDateTime) -> NaiveDateTime {
    midnight(t.date().with_day(1).unwrap())
}

fn start_of_year(t: NaiveDateTime) -> NaiveDateTime {
    midnight(NaiveDate::from_ymd_opt(t.year(), 1, 1).unwrap())
}

/// `bin(t, size)`: a multiple of `size` counted from 0001-01-01.
fn bin(t: NaiveDateTime, size: Duration) -> NaiveDateTime {
    let origin = midnight(NaiveDate::from_ymd_opt(1, 1, 1).unwrap());
    let since = t - origin;
    let since = i128::from(since.num_seconds()) * 1_000_000_000 + i128::from(since.subsec_nanos());
    let size = i128::from(size.num_nanoseconds().unwrap());
    t - Duration::nanoseconds(since.rem_euclid(size) as i64)
}

fn add_months(t: NaiveDateTime, months: i32) -> NaiveDateTime {
    match months >= 0 {
        true => t.checked_add_months(Months::new(months as u32)),
        false => t.checked_sub_months(Months::new(months.unsigned_abs())),
    }
    .unwrap()
}

/// The datetime the differences are taken from.
fn pivot() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2000, 2, 29)
        .unwrap()
        .and_hms_opt(12, 34, 56)
        .unwrap()
}

fn months(t: NaiveDateTime) -> i64 {
    i64::from(t.year()) * 12 + i64::from(t.month())
}

/// A column of the query and its reference answer for a datetime.
type Check = (&'static str, &'static str, fn(NaiveDateTime) -> Value);

fn at(t: NaiveDateTime) -> Value {
    Value::from(nanos(t))
}

const CHECKS: &[Check] = &[
    ("sd", "startofday(T)", |t| at(midnight(t.date()))),
    ("ed", "endofday(T)", |t| {
        at(less_a_tick(midnight(t.date()) + Duration::days(1)))
    }),
    ("sw", "startofweek(T)", |t| at(start_of_week(t))),
    ("ew", "endofweek(T)", |t| {
        at(less_a_tick(start_of_week(t) + Duration::days(7)))
    }),
    ("sm", "startofmonth(T)", |t| at(start_of_month(t))),
    ("em", "endofmonth(T)", |t| {
        at(less_a_tick(add_months(start_of_month(t), 1)))
    }),
    ("sy", "startofyear(T)", |t| at(start_of_year(t))),
    ("ey", "endofyear(T)", |t| {
        at(less_a_tick(add_months(start_of_year(t), 12)))
    }),
    ("sm2", "startofmonth(T, -2)", |t| {
        at(add_months(start_of_month(t), -2))
    }),
    ("b1", "bin(T, 1d)", |t| at(bin(t, Duration::days(1)))),
    ("b7", "bin(T, 7d)", |t| at(bin(t, Duration::days(7)))),
    ("b90", "bin(T, 90m)", |t| at(bin(t, Duration::minutes(90)))),
    ("bs", "bin(T, 1s)", |t| at(bin(t, Duration::seconds(1)))),
    ("am", "datetime_add('month', 1, T)", |t| {
        at(add_months(t, 1))
    }),
    ("am13", "datetime_add('month', -13, T)", |t| {
        at(add_months(t, -13))
    }),
    ("aq", "datetime_add('quarter', 2, T)", |t| {
        at(add_months(t, 6))
    }),
    ("ay", "datetime_add('year', -3, T)", |t| {
        at(add_months(t, -36))
    }),
    ("aw", "datetime_add('week', 5, T)", |t| {
        at(t + Duration::weeks(5))
    }),
    ("ams", "datetime_add('millisecond', -1500, T)", |t| {
        at(t - Duration::milliseconds(1500))
    }),
    ("dw", "dayofweek(T) / 1d", |t| {
        Value::from(f64::from(t.weekday().num_days_from_sunday()))
    }),
    ("dm", "dayofmonth(T)", |t| Value::from(t.day())),
    ("dy", "dayofyear(T)", |t| Value::from(t.ordinal())),
    ("mo", "getmonth(T)", |t| Value::from(t.month())),
    ("yr", "getyear(T)", |t| Value::from(t.year())),
    ("hr", "hourofday(T)", |t| Value::from(t.hour())),
    ("wk", "week_of_year(T)", |t| {
        Value::from(t.iso_week().week())
    }),
    ("q", "datetime_part('quarter', T)", |t| {
        Value::from((t.month() - 1) / 3 + 1)
    }),
    ("ns", "datetime_part('nanosecond', T)", |t| {
        Value::from(t.nanosecond())
    }),
    (
        "dd",
        "datetime_diff('day', T, datetime(2000-02-29 12:34:56))",
        |t| Value::from((t.date() - pivot().date()).num_days()),
    ),
    (
        "dwk",
        "datetime_diff('week', datetime(2000-02-29 12:34:56), T)",
        |t| Value::from((start_of_week(pivot()) - start_of_week(t)).num_days() / 7),
    ),
    (
        "dmo",
        "datetime_diff('month', T, datetime(2000-02-29 12:34:56))",
        |t| Value::from(months(t) - months(pivot())),
    ),
    (
        "dyr",
        "datetime_diff('year', T, datetime(2000-02-29 12:34:56))",
        |t| Value::from(t.year() - pivot().year()),
    ),
    (
        "dhr",
        "datetime_diff('hour', T, datetime(2000-02-29 12:34:56))",
        |t| {
            let hour = |t: NaiveDateTime| t.with_minute(0).unwrap().with_second(0).unwrap();
            Value::from((hour(t.with_nanosecond(0).unwrap()) - hour(pivot())).num_hours())
        },
    ),
    // Within 292 years of the drawn datetimes: kqlite's timespans are 64-bit nanoseconds.
    ("span", "(T - datetime(1950-02-28 12:34:56)) / 1h", |t| {
        let from = pivot() - Months::new(600);
        Value::from((t - from).num_microseconds().unwrap() as f64 / 3.6e9)
    }),
    (
        "fmt",
        "format_datetime(T, 'yyyy-MM-dd HH:mm:ss.fffffff')",
        |t| {
            let ticks = t.nanosecond() / 100;
            Value::from(format!("{}.{ticks:07}", t.format("%Y-%m-%d %H:%M:%S")))
        },
    ),
];

/// A cell of the output as the reference writes it: datetimes as nanoseconds.
fn cell(value: &Value) -> Value {
    let Some(text) = value.as_str() else {
        return value.clone();
    };
    match chrono::DateTime::parse_from_rfc3339(text) {
        Ok(t) if text.ends_with('Z') => Value::from(t.timestamp_nanos_opt().unwrap()),
        _ => value.clone(),
    }
}

fn write_table(root: &std::path::Path, times: &[NaiveDateTime]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Id", DataType::Int64, false),
        Field::new(
            "T",
            DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
            false,
        ),
    ]));
    let ids = Int64Array::from_iter_values(0..times.len() as i64);
    let stamps = TimestampNanosecondArray::from_iter_values(times.iter().map(|t| nanos(*t)))
        .with_timezone("UTC");
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(stamps)]);
    let table = root.join("Times");
    std::fs::create_dir_all(&table).unwrap();
    let file = std::fs::File::create(table.join("part-0000.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch.unwrap()).unwrap();
    writer.close().unwrap();
}

fn root() -> PathBuf {
    std::env::temp_dir().join(format!("kqlite-time-functions-{}", std::process::id()))
}

#[test]
fn calendar_functions_agree_with_the_calendar() {
    let mut draw = Draw::new(5);
    let times: Vec<NaiveDateTime> = (0..ROWS).map(|_| draw.datetime()).collect();
    let root = root();
    write_table(&root, &times);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    runtime.block_on(engine.attach(&root)).unwrap();
    let columns: Vec<String> = CHECKS
        .iter()
        .map(|(n, e, _)| format!("{n} = {e}"))
        .collect();
    let query = format!(
        "Times | project Id, {} | order by Id asc",
        columns.join(", ")
    );
    let results = runtime.block_on(engine.run(&query)).unwrap();
    let mut out = Vec::new();
    kqlite::output::print(&results[0], kqlite::output::Format::Json, &mut out).unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&out).unwrap();
    assert_eq!(rows.len(), ROWS);
    let mut failures = String::new();
    for (row, t) in rows.iter().zip(&times) {
        for (name, expr, reference) in CHECKS {
            let (got, want) = (cell(&row[*name]), reference(*t));
            let same = match (got.as_f64(), want.as_f64()) {
                (Some(g), Some(w)) => (g - w).abs() <= 1e-9 * w.abs().max(1.0),
                _ => got == want,
            };
            if !same {
                writeln!(failures, "{expr} of {t}: got {}, want {want}", row[*name]).unwrap();
            }
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(failures.is_empty(), "{failures}");
}
