//! Errors name their cause and point at it.

mod common;

use common::*;

#[test]
fn misspelled_operator_suggests_the_keyword() {
    let text = "T\n| wherre x > 1";
    let e = err(text);
    assert_eq!(
        e.message,
        "unknown operator 'wherre'; did you mean 'where'?"
    );
    assert_eq!(e.line_col(text), (2, 3));
}

#[test]
fn unclosed_paren_points_at_the_opening_one() {
    let text = "T\n| where (a > 1\n| take 5";
    let e = err(text);
    assert_eq!(e.message, "unclosed '(' opened here");
    assert_eq!(e.line_col(text), (2, 9));
}

#[test]
fn missing_expression_after_where() {
    let text = "T | where";
    let e = err(text);
    assert_eq!(e.message, "expected an expression");
    assert_eq!(e.line_col(text), (1, 10));
}

#[test]
fn missing_expression_before_the_next_pipe() {
    let text = "T | where | take 5";
    let e = err(text);
    assert_eq!(e.message, "expected an expression");
    assert_eq!(e.line_col(text), (1, 11));
}

#[test]
fn unterminated_string() {
    let text = "T\n| where a == \"abc\n| take 1";
    let e = err(text);
    assert_eq!(e.message, "unterminated string literal");
    assert_eq!(e.line_col(text), (2, 14));
}

#[test]
fn unsupported_operator_is_not_called_a_typo() {
    assert_eq!(
        err("T | make-graph a --> b with_node_id=Id").message,
        "the 'make-graph' operator is not supported yet"
    );
}

#[test]
fn trailing_garbage_is_unexpected() {
    let e = err("T | where a == 1 b");
    assert_eq!(e.message, "unexpected 'b'");
    assert_eq!(e.expected, vec!["'|'", "';'", "end of input"]);
}

#[test]
fn chained_comparisons_are_rejected() {
    assert!(err("T | where a == b == c")
        .message
        .contains("cannot be chained"));
}

#[test]
fn columns_count_chars_not_bytes() {
    let text = "print \"é\" | wherre x";
    assert_eq!(err(text).line_col(text), (1, 13));
}

#[test]
fn render_shows_the_line_the_carets_and_expectations() {
    let text = "T\n| where a == 1 b";
    let shown = err(text).render(text);
    let want = "error: unexpected 'b'\n --> 2:16\n  |\n2 | | where a == 1 b\n  |                ^\n  = expected one of: '|', ';', end of input\n";
    assert_eq!(shown, want);
}

#[test]
fn render_underlines_the_whole_token() {
    let text = "T | wherre x";
    assert!(err(text).render(text).contains("\n  |     ^^^^^^\n"));
}

#[test]
fn error_is_a_std_error() {
    let e: Box<dyn std::error::Error> = Box::new(err("T | where"));
    assert!(e.to_string().starts_with("expected an expression"));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = "(".repeat(100_000);
    let e = err(&text);
    assert!(e.message.starts_with("nesting too deep"), "{}", e.message);
}

#[test]
fn deep_unary_nesting_is_an_error() {
    let text = format!("print {}1", "-(".repeat(50_000));
    assert!(err(&text).message.starts_with("nesting too deep"));
}

#[test]
fn realistic_nesting_parses() {
    let text = format!("print {}1{}", "(".repeat(32), ")".repeat(32));
    query(&text);
}

#[test]
fn very_long_operator_chains_are_bounded_too() {
    let text = format!("print {}", vec!["1"; 100_000].join(" + "));
    assert!(err(&text).message.starts_with("nesting too deep"));
}

#[test]
fn a_hundred_term_chain_parses() {
    let text = format!("T | where {}", vec!["x == 1"; 100].join(" or "));
    query(&text);
}
