//! The operators with sub-structure: tree shapes of `make-series`, `mv-apply`, `search`, tuple
//! assignments and friends.

mod common;

use common::*;
use kqlite_parser::*;

#[test]
fn tuple_assignment_nests_names() {
    let OperatorKind::Extend(items) = op("extend (a, b) = f(x)") else {
        panic!("not extend");
    };
    let (names, value) = items[0].tuple_assign().expect("a tuple assignment");
    let names: Vec<&str> = names.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(*value, call("f", vec![name("x")]));
    assert!(assign("a", long(1)).tuple_assign().is_none());
}

#[test]
fn make_series_in_range_is_from_to_step() {
    let OperatorKind::MakeSeries(m) = op("make-series c = count() on T in range(1, 5, 2) by K")
    else {
        panic!("not make-series");
    };
    assert_eq!(m.from, Some(long(1)));
    assert_eq!(m.to, Some(long(5)));
    assert_eq!(m.step, long(2));
    assert_eq!(m.by, vec![name("K")]);
}

#[test]
fn mv_apply_holds_its_subquery() {
    let OperatorKind::MvApply(m) = op("mv-apply x = xs on (where x > 1 | take 1)") else {
        panic!("not mv-apply");
    };
    assert_eq!(m.subquery.len(), 2);
    assert!(matches!(m.subquery[1].node, OperatorKind::Take(_)));
}

#[test]
fn search_source_reads_as_union_then_search() {
    let ExprKind::Pipe { input, ops } = expr("search in (A, B) Col:\"x\" | take 1").node else {
        panic!("not a pipe");
    };
    let ExprKind::Source(source) = &input.node else {
        panic!("not a source");
    };
    assert!(matches!(**source, Source::Union(ref u) if u.tables == vec![name("A"), name("B")]));
    let OperatorKind::Search(s) = &ops[0].node else {
        panic!("not search");
    };
    assert_eq!(s.predicate, bin(BinaryOp::Has, name("Col"), string("x")));
    assert_eq!(ops.len(), 2);
}

#[test]
fn search_is_still_a_name() {
    assert_eq!(expr("search"), name("search"));
    assert!(matches!(
        expr("search | take 1").node,
        ExprKind::Pipe { .. }
    ));
    assert_eq!(
        expr("search == 1"),
        bin(BinaryOp::Eq, name("search"), long(1))
    );
}

#[test]
fn find_with_project() {
    let ExprKind::Pipe { ops, .. } = expr("find in (A) where x == 1 project a, b").node else {
        panic!("not a pipe");
    };
    let OperatorKind::Find(f) = &ops[0].node else {
        panic!("not find");
    };
    assert_eq!(f.project, vec![name("a"), name("b")]);
}

#[test]
fn scan_steps() {
    let OperatorKind::Scan(s) = op("scan with (step a: x == 1 => y = 1; step b: x == 2)") else {
        panic!("not scan");
    };
    assert_eq!(s.steps.len(), 2);
    assert_eq!(s.steps[0].assignments, vec![assign("y", long(1))]);
}

#[test]
fn top_nested_levels() {
    let OperatorKind::TopNested(levels) =
        op("top-nested 3 of A by count(), top-nested of B by sum(x)")
    else {
        panic!("not top-nested");
    };
    assert_eq!(levels.len(), 2);
    assert_eq!(levels[1].count, None);
}

#[test]
fn messages_for_common_mistakes() {
    assert_eq!(
        err("T | where a = true").message,
        "unexpected '=': to compare, use '=='"
    );
    assert_eq!(
        err("let x = datetime(\"16/01/2022\");\nT").message,
        "invalid datetime literal '\"16/01/2022\"': use ISO 8601, such as datetime(2022-01-16)"
    );
    assert_eq!(
        err("T\n# note\n| take 1").message,
        "unexpected '#': comments start with '//'"
    );
    assert_eq!(
        err("let 1day = 1;\nT").message,
        "'1day' reads as a number or timespan: write ['1day'] to use it as a name"
    );
    assert!(err("T\nwhere a == 1")
        .message
        .starts_with("unexpected 'where' at the start of a line"));
    assert_eq!(
        err("T | where (a == 1 b == 2)").message,
        "expected ')' or an operator, found 'b'"
    );
    let in_list = err("T | where a in (1 2)");
    assert_eq!(in_list.message, "expected ',' or ')', found '2'");
    assert_eq!(in_list.expected, ["','", "')'"]);
    assert_eq!(err("T | where (a == 1").message, "unclosed '(' opened here");
    assert_eq!(
        err("T | make-seriez count() on T step 1d").message,
        "unknown operator 'make-seriez'; did you mean 'make-series'?"
    );
}
