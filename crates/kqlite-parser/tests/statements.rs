//! Statements and queries.

mod common;

use common::*;
use kqlite_parser::*;

fn statements(text: &str) -> Vec<Statement> {
    query(text).statements.into_iter().map(|s| s.node).collect()
}

#[test]
fn let_then_tabular_statement() {
    let got = statements("let x = 5;\nT | take x");
    assert_eq!(
        got[0],
        Statement::Let {
            name: id("x"),
            value: long(5)
        }
    );
    assert!(matches!(got[1], Statement::Tabular(_)));
}

#[test]
fn let_value_may_be_a_pipeline() {
    let got = statements("let Recent = T | where a > 1; Recent");
    assert!(
        matches!(&got[0], Statement::Let { value, .. } if matches!(value.node, ExprKind::Pipe { .. }))
    );
}

#[test]
fn let_function_with_scalar_params_and_default() {
    let got =
        statements("let f = (a:string, b:long = 5) { let c = b * 2; T | where x == a | take c };");
    let Statement::LetFunction { name, function } = &got[0] else {
        panic!("{got:?}")
    };
    assert_eq!(name, &id("f"));
    assert_eq!(function.params[1].default, Some(long(5)));
    assert_eq!(function.body.len(), 2);
}

#[test]
fn let_function_with_tabular_params() {
    let got = statements("let f = (T:(*), U:(Col:string, N:long)) { T | union U };");
    let Statement::LetFunction { function, .. } = &got[0] else {
        panic!()
    };
    assert_eq!(function.params[0].ty, ParamType::Tabular(vec![]));
    assert_eq!(
        function.params[1].ty,
        ParamType::Tabular(vec![(id("Col"), id("string")), (id("N"), id("long"))])
    );
}

#[test]
fn set_statement_with_and_without_value() {
    assert_eq!(
        statements("set notruncation;")[0],
        Statement::Set {
            name: id("notruncation"),
            value: None
        }
    );
    assert_eq!(
        statements("set maxrows = 10")[0],
        Statement::Set {
            name: id("maxrows"),
            value: Some(long(10))
        }
    );
}

#[test]
fn declare_query_parameters() {
    let got = statements(r#"declare query_parameters(x:string = "a");"#);
    let want = Param {
        name: id("x"),
        ty: ParamType::Scalar(id("string")),
        default: Some(string("a")),
    };
    assert_eq!(got[0], Statement::DeclareParameters(vec![want]));
}

#[test]
fn trailing_and_repeated_semicolons_are_allowed() {
    assert_eq!(statements("T;;").len(), 1);
}

#[test]
fn empty_and_comment_only_queries_have_no_statements() {
    assert!(statements("").is_empty());
    assert!(statements("// nothing here\n  ").is_empty());
}

#[test]
fn statement_spans() {
    let text = "let x = 1;\nT | take x";
    let q = query(text);
    assert_eq!(&text[q.statements[0].span.range()], "let x = 1");
    assert_eq!(&text[q.statements[1].span.range()], "T | take x");
}

#[test]
fn printed_query_separates_statements() {
    assert_eq!(
        printer::print_query(&query("let x=1;T|take x")),
        "let x = 1;\nT | take x"
    );
}
