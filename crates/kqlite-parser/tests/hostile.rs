//! Hostile inputs give a clean `ParseError` (or parse), never a panic, a stack overflow or a
//! hang, in debug builds too.

use std::time::{Duration, Instant};

use kqlite_parser::{parse_query, ParseError};

fn fails(text: &str) -> ParseError {
    match parse_query(text) {
        Ok(q) => panic!("should fail: {q:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_hundred_thousand_open_parens() {
    let e = fails(&"(".repeat(100_000));
    assert!(e.message.contains("nesting too deep"), "{}", e.message);
}

#[test]
fn a_hundred_thousand_open_brackets() {
    let e = fails(&format!("T | extend x = {}", "[".repeat(100_000)));
    assert!(!e.message.is_empty());
    fails(&format!("print dynamic({})", "[".repeat(100_000)));
}

#[test]
fn deep_but_reasonable_nesting_parses() {
    let text = format!("print {}1{}", "(".repeat(100), ")".repeat(100));
    parse_query(&text).unwrap();
    let text = format!("print -{}1", "-".repeat(100));
    parse_query(&text).unwrap();
}

#[test]
fn long_operator_chains_do_not_nest() {
    let text = format!("T{}", "\n| where a == 1".repeat(20_000));
    parse_query(&text).unwrap();
}

#[test]
fn a_ten_megabyte_line() {
    let valid = format!("T{}", " | where a == 1".repeat(10_000_000 / 15));
    let start = Instant::now();
    parse_query(&valid).unwrap();
    let garbage = format!("T | where {}", "@".repeat(10_000_000));
    fails(&garbage);
    let string = format!("print \"{}", "x".repeat(10_000_000));
    assert_eq!(fails(&string).message, "unterminated string literal");
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn control_characters() {
    for c in ['\0', '\u{1}', '\u{7}', '\u{1b}', '\u{7f}'] {
        let e = fails(&format!("T | where a == 1 {c} | take 1"));
        assert_eq!(e.span.start, 17, "{c:?}: {}", e.message);
    }
    fails("\0");
    // Inside a string literal, control characters are just text.
    parse_query("print \"a\u{1}b\"").unwrap();
}

#[test]
fn unterminated_string_at_end_of_input() {
    let e = fails("T | where a == 'abc");
    assert_eq!(e.message, "unterminated string literal");
    fails("T | where a == @\"abc");
    fails("print ```abc");
}

#[test]
fn a_lone_pipe() {
    let e = fails("|");
    assert_eq!(e.message, "expected a table or an expression before '|'");
    let e = fails("T |");
    assert_eq!(e.message, "expected a tabular operator after '|'");
}

#[test]
fn template_placeholders() {
    let e = fails("T | where Timestamp > ago({{days}}d)");
    assert_eq!(
        e.message,
        "'{{days}}' is a template placeholder, not KQL: replace it with a value"
    );
    assert_eq!(e.span.start, 26);
    let e = fails("let start = datetime('{{starttime}}');\nT");
    assert!(e
        .message
        .starts_with("'{{starttime}}' is a template placeholder"));
}

/// Parse time grows linearly: four times the text takes about four times as long (a quadratic
/// parser would take sixteen). Best of several runs, with a generous bound.
#[test]
fn parse_time_is_linear_in_length() {
    let time = |n: usize| {
        let text = format!("T{}", "\n| where a == 1 and b has \"x\"".repeat(n));
        (0..5)
            .map(|_| {
                let start = Instant::now();
                parse_query(&text).unwrap();
                start.elapsed()
            })
            .min()
            .unwrap()
    };
    let small = time(2_000);
    let large = time(8_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    assert!(ratio < 9.0, "2000 ops: {small:?}, 8000 ops: {large:?}");
}
