//! Expressions: precedence, word operators, lists, postfix forms and calls.

mod common;

use common::*;
use kqlite_parser::*;

#[test]
fn or_binds_looser_than_and() {
    let want = bin(
        BinaryOp::Or,
        name("a"),
        bin(BinaryOp::And, name("b"), name("c")),
    );
    assert_eq!(expr("a or b and c"), want);
}

#[test]
fn multiplication_binds_tighter_than_addition() {
    let want = bin(
        BinaryOp::Add,
        name("a"),
        bin(BinaryOp::Mul, name("b"), name("c")),
    );
    assert_eq!(expr("a + b * c"), want);
}

#[test]
fn subtraction_is_left_associative() {
    let want = bin(
        BinaryOp::Sub,
        bin(BinaryOp::Sub, name("a"), name("b")),
        name("c"),
    );
    assert_eq!(expr("a - b - c"), want);
}

#[test]
fn string_predicate_binds_tighter_than_and() {
    let has = bin(BinaryOp::Has, name("x"), string("a"));
    let eq = bin(BinaryOp::Eq, name("y"), long(1));
    assert_eq!(expr(r#"x has "a" and y == 1"#), bin(BinaryOp::And, has, eq));
}

#[test]
fn comparison_operands_are_additive() {
    let want = bin(
        BinaryOp::Gt,
        bin(BinaryOp::Add, name("a"), long(1)),
        name("b"),
    );
    assert_eq!(expr("a + 1 > b"), want);
}

#[test]
fn has_does_not_match_the_start_of_hasprefix() {
    assert_eq!(
        expr(r#"x hasprefix "a""#),
        bin(BinaryOp::HasPrefix, name("x"), string("a"))
    );
}

#[test]
fn negated_word_operators_take_the_longest_match() {
    assert_eq!(
        expr(r#"x !contains_cs "a""#),
        bin(BinaryOp::NotContainsCs, name("x"), string("a"))
    );
    assert_eq!(
        expr(r#"x !contains "a""#),
        bin(BinaryOp::NotContains, name("x"), string("a"))
    );
}

#[test]
fn every_word_operator_of_the_table_parses() {
    for (op, spelling) in BINARY_OPS
        .iter()
        .filter(|(_, s)| s.starts_with(|c: char| c.is_alphabetic() || c == '!'))
    {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            continue;
        }
        let text = format!("x {spelling} \"a\"");
        assert_eq!(expr(&text), bin(*op, name("x"), string("a")), "{text}");
    }
}

#[test]
fn symbolic_comparisons_parse() {
    for (sym, op) in [
        ("==", BinaryOp::Eq),
        ("!=", BinaryOp::NotEq),
        ("=~", BinaryOp::EqCi),
        ("!~", BinaryOp::NotEqCi),
        ("<", BinaryOp::Lt),
        ("<=", BinaryOp::LtEq),
        (">", BinaryOp::Gt),
        (">=", BinaryOp::GtEq),
    ] {
        assert_eq!(
            expr(&format!("a {sym} b")),
            bin(op, name("a"), name("b")),
            "{sym}"
        );
    }
}

#[test]
fn matches_regex_is_one_operator() {
    assert_eq!(
        expr(r#"x matches regex "a+""#),
        bin(BinaryOp::MatchesRegex, name("x"), string("a+"))
    );
}

#[test]
fn in_takes_a_parenthesised_list() {
    let want = sp(ExprKind::List {
        op: ListOp::In,
        left: Box::new(name("x")),
        items: vec![long(1), long(2)],
    });
    assert_eq!(expr("x in (1, 2)"), want);
}

#[test]
fn list_operators_parse_with_their_spelling() {
    for (op, spelling) in LIST_OPS {
        let e = expr(&format!("x {spelling} (\"a\", \"b\")"));
        assert!(
            matches!(e.node, ExprKind::List { op: o, .. } if o == *op),
            "{spelling}"
        );
    }
}

#[test]
fn in_accepts_a_tabular_pipeline() {
    assert_eq!(
        canon("x in (T | where a > 1 | project x)"),
        "x in (T | where a > 1 | project x)"
    );
}

#[test]
fn in_accepts_a_let_name() {
    let want = sp(ExprKind::List {
        op: ListOp::In,
        left: Box::new(name("x")),
        items: vec![name("Names")],
    });
    assert_eq!(expr("x in (Names)"), want);
}

#[test]
fn has_any_accepts_a_dynamic_array() {
    assert_eq!(
        canon(r#"x has_any (dynamic(["a", "b"]))"#),
        r#"x has_any (dynamic(["a", "b"]))"#
    );
}

#[test]
fn between_parses_both_bounds() {
    let want = sp(ExprKind::Between {
        negated: false,
        value: Box::new(name("x")),
        low: Box::new(long(1)),
        high: Box::new(long(5)),
    });
    assert_eq!(expr("x between (1 .. 5)"), want);
    assert_eq!(expr("x between (1..5)"), want);
}

#[test]
fn not_between_is_negated() {
    assert!(matches!(
        expr("x !between (1 .. 5)").node,
        ExprKind::Between { negated: true, .. }
    ));
}

#[test]
fn not_is_a_function_call() {
    assert_eq!(expr("not(x)"), call("not", vec![name("x")]));
}

#[test]
fn unary_minus_on_a_name() {
    let want = sp(ExprKind::Unary {
        op: UnaryOp::Neg,
        operand: Box::new(name("x")),
    });
    assert_eq!(expr("-x"), want);
}

#[test]
fn minus_before_a_number_folds_into_the_literal() {
    assert_eq!(expr("-5"), long(-5));
    assert_eq!(expr("a - -5"), bin(BinaryOp::Sub, name("a"), long(-5)));
}

#[test]
fn postfix_member_index_and_call() {
    let target = member(call("parse_json", vec![name("x")]), "a");
    let want = sp(ExprKind::Index {
        target: Box::new(target),
        index: Box::new(long(0)),
    });
    assert_eq!(expr("parse_json(x).a[0]"), want);
}

#[test]
fn index_with_a_string_key() {
    assert_eq!(canon(r#"bag["key"]"#), r#"bag["key"]"#);
}

#[test]
fn call_arguments_may_be_named_star_or_pipelines() {
    let want = call(
        "f",
        vec![assign("a", long(1)), sp(ExprKind::Star), name("b")],
    );
    assert_eq!(expr("f(a = 1, *, b)"), want);
    assert_eq!(
        canon("toscalar(T | summarize count())"),
        "toscalar(T | summarize count())"
    );
}

#[test]
fn dollar_left_and_right_are_names() {
    let want = bin(
        BinaryOp::Eq,
        member(name("$left"), "A"),
        member(name("$right"), "B"),
    );
    assert_eq!(expr("$left.A == $right.B"), want);
}

#[test]
fn bracketed_names() {
    assert_eq!(expr("['My Table']"), name("My Table"));
    assert_eq!(expr(r#"["x"]"#), name("x"));
}

#[test]
fn keywords_that_are_not_reserved_may_be_column_names() {
    assert_eq!(
        expr("count + kind + title"),
        bin(
            BinaryOp::Add,
            bin(BinaryOp::Add, name("count"), name("kind")),
            name("title")
        )
    );
}

#[test]
fn parentheses_only_group() {
    assert_eq!(
        expr("(a + b) * c"),
        bin(
            BinaryOp::Mul,
            bin(BinaryOp::Add, name("a"), name("b")),
            name("c")
        )
    );
}

#[test]
fn printer_parenthesises_by_precedence() {
    assert_eq!(canon("(a or b) and c"), "(a or b) and c");
    assert_eq!(canon("a - (b - c)"), "a - (b - c)");
    assert_eq!(canon("((a)) * (b)"), "a * b");
}

#[test]
fn spans_cover_the_source_text() {
    let text = "f(a) + 1";
    let e = expr(text);
    assert_eq!(&text[e.span.range()], text);
    let ExprKind::Binary { left, right, .. } = e.node else {
        panic!()
    };
    assert_eq!(&text[left.span.range()], "f(a)");
    assert_eq!(&text[right.span.range()], "1");
}

#[test]
fn comments_and_newlines_are_whitespace() {
    assert_eq!(
        expr("a // first\n  + // second\n b"),
        bin(BinaryOp::Add, name("a"), name("b"))
    );
}
