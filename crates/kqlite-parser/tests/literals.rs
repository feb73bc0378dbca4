//! Literal forms: strings, numbers, timespans, datetimes, typed literals, dynamic.

mod common;

use common::*;
use kqlite_parser::*;

fn literal(text: &str) -> Literal {
    match expr(text).node {
        ExprKind::Literal(l) => l,
        other => panic!("{text}: not a literal: {other:?}"),
    }
}

fn s(v: &str) -> Literal {
    Literal::String(v.to_string())
}

const DAY: i64 = 86_400_000_000_000;
const HOUR: i64 = 3_600_000_000_000;
const SEC: i64 = 1_000_000_000;

#[test]
fn double_and_single_quoted_strings_with_escapes() {
    assert_eq!(literal(r#""a\"b\\c\n\t""#), s("a\"b\\c\n\t"));
    assert_eq!(literal(r"'it\'s'"), s("it's"));
}

#[test]
fn verbatim_strings_double_their_quotes() {
    assert_eq!(literal(r#"@"C:\dir\""x""""#), s(r#"C:\dir\"x""#));
    assert_eq!(literal(r"@'C:\a'"), s(r"C:\a"));
}

#[test]
fn adjacent_strings_concatenate() {
    assert_eq!(literal(r#""a" "b" 'c'"#), s("abc"));
}

#[test]
fn obfuscated_strings_keep_their_value() {
    assert_eq!(literal(r#"h"secret""#), s("secret"));
    assert_eq!(literal("H'secret'"), s("secret"));
}

#[test]
fn multi_line_strings() {
    assert_eq!(literal("```line1\nline2```"), s("line1\nline2"));
}

#[test]
fn numbers() {
    assert_eq!(literal("123"), Literal::Long(123));
    assert_eq!(literal("123.5"), Literal::Real(123.5));
    assert_eq!(literal("1e3"), Literal::Real(1000.0));
    assert_eq!(literal(".5"), Literal::Real(0.5));
    assert_eq!(literal("0x1F"), Literal::Long(31));
}

#[test]
fn booleans_in_three_casings() {
    for t in ["true", "True", "TRUE"] {
        assert_eq!(literal(t), Literal::Bool(true));
    }
    assert_eq!(literal("false"), Literal::Bool(false));
}

#[test]
fn timespan_units() {
    let cases = [
        ("7d", 7 * DAY),
        ("12h", 12 * HOUR),
        ("30m", 30 * 60 * SEC),
        ("10s", 10 * SEC),
        ("100ms", 100_000_000),
        ("1.5d", DAY + DAY / 2),
        ("10microsecond", 10_000),
        ("5tick", 500),
        ("1day", DAY),
        ("2hours", 2 * HOUR),
        ("3minutes", 180 * SEC),
        ("4seconds", 4 * SEC),
    ];
    for (text, nanos) in cases {
        assert_eq!(literal(text), Literal::Timespan(nanos), "{text}");
    }
}

#[test]
fn timespan_function_forms() {
    assert_eq!(literal("time(1.00:00:00)"), Literal::Timespan(DAY));
    assert_eq!(literal("timespan(1d)"), Literal::Timespan(DAY));
    assert_eq!(literal("time(00:01:30)"), Literal::Timespan(90 * SEC));
    assert_eq!(literal("timespan(2)"), Literal::Timespan(2 * DAY));
    assert_eq!(
        literal("timespan(null)"),
        Literal::Null(ScalarType::Timespan)
    );
}

#[test]
fn datetime_date_only() {
    // 2025-09-01 is 20332 days after 1970-01-01.
    assert_eq!(
        literal("datetime(2025-09-01)"),
        Literal::Datetime(20_332 * DAY)
    );
}

#[test]
fn datetime_forms() {
    let base = 20_332 * DAY + 10 * HOUR + 30 * 60 * SEC;
    assert_eq!(
        literal("datetime(2025-09-01 10:30:00)"),
        Literal::Datetime(base)
    );
    assert_eq!(
        literal("datetime(2025-09-01T10:30:00Z)"),
        Literal::Datetime(base)
    );
    assert_eq!(
        literal("datetime(2025-09-01T10:30:00.1234567Z)"),
        Literal::Datetime(base + 123_456_700)
    );
    assert_eq!(
        literal("datetime(null)"),
        Literal::Null(ScalarType::Datetime)
    );
}

#[test]
fn datetime_before_the_epoch_and_leap_days() {
    assert_eq!(literal("datetime(1969-12-31)"), Literal::Datetime(-DAY));
    assert_eq!(
        literal("datetime(2000-03-01)"),
        Literal::Datetime(11_017 * DAY)
    );
    assert_eq!(
        literal("datetime(2024-02-29)"),
        Literal::Datetime(19_782 * DAY)
    );
}

#[test]
fn datetime_prints_canonically() {
    assert_eq!(
        canon("datetime(2025-09-01 10:30:00.5)"),
        "datetime(2025-09-01T10:30:00.5Z)"
    );
}

#[test]
fn typed_scalar_literals() {
    assert_eq!(literal("int(5)"), Literal::Int(5));
    assert_eq!(literal("long(null)"), Literal::Null(ScalarType::Long));
    assert_eq!(literal("real(1.5)"), Literal::Real(1.5));
    assert_eq!(literal("bool(true)"), Literal::Bool(true));
    let g = "74be27de-1e4e-49d9-b579-fe0b331d3642";
    assert_eq!(literal(&format!("guid({g})")), Literal::Guid(g.to_string()));
}

#[test]
fn typed_name_with_a_non_literal_argument_is_a_call() {
    assert_eq!(expr("int(x)"), call("int", vec![name("x")]));
}

#[test]
fn dynamic_arrays_and_objects() {
    let want = Dynamic::Array(vec![
        Dynamic::Value(Box::new(Literal::Long(1))),
        Dynamic::Value(Box::new(s("a"))),
        Dynamic::Object(vec![("k".to_string(), Dynamic::Null)]),
    ]);
    assert_eq!(
        literal(r#"dynamic([1, "a", {"k": null}])"#),
        Literal::Dynamic(want)
    );
    let obj = Dynamic::Object(vec![(
        "a".to_string(),
        Dynamic::Value(Box::new(Literal::Long(1))),
    )]);
    assert_eq!(literal(r#"dynamic({"a": 1})"#), Literal::Dynamic(obj));
    assert_eq!(literal("dynamic(null)"), Literal::Null(ScalarType::Dynamic));
}
