//! Helpers shared by the tests: parse shortcuts and tree constructors (spans are ignored by
//! equality, so every constructor uses an empty span).
#![allow(dead_code)]

use kqlite_parser::*;

pub fn expr(text: &str) -> Expr {
    parse_expr(text).unwrap_or_else(|e| panic!("{text:?} should parse:\n{}", e.render(text)))
}

pub fn query(text: &str) -> Query {
    parse_query(text).unwrap_or_else(|e| panic!("{text:?} should parse:\n{}", e.render(text)))
}

/// Parse then print canonically.
pub fn canon(text: &str) -> String {
    printer::print_expr(&expr(text))
}

pub fn err(text: &str) -> ParseError {
    match parse_query(text) {
        Ok(q) => panic!("{text:?} should fail, parsed as {q:?}"),
        Err(e) => e,
    }
}

/// The single operator of `T | <op>`.
pub fn op(text: &str) -> OperatorKind {
    match expr(&format!("T | {text}")).node {
        ExprKind::Pipe { mut ops, .. } => ops.remove(0).node,
        other => panic!("not a pipe: {other:?}"),
    }
}

pub fn sp<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::default())
}

pub fn id(name: &str) -> Ident {
    sp(name.to_string())
}

pub fn name(n: &str) -> Expr {
    sp(ExprKind::Name(n.to_string()))
}

pub fn lit(l: Literal) -> Expr {
    sp(ExprKind::Literal(l))
}

pub fn long(v: i64) -> Expr {
    lit(Literal::Long(v))
}

pub fn string(s: &str) -> Expr {
    lit(Literal::String(s.to_string()))
}

pub fn bin(op: BinaryOp, l: Expr, r: Expr) -> Expr {
    sp(ExprKind::Binary {
        op,
        left: Box::new(l),
        right: Box::new(r),
    })
}

pub fn call(n: &str, args: Vec<Expr>) -> Expr {
    sp(ExprKind::Call { name: id(n), args })
}

pub fn assign(n: &str, value: Expr) -> Expr {
    sp(ExprKind::Assign {
        name: id(n),
        value: Box::new(value),
    })
}

pub fn member(target: Expr, n: &str) -> Expr {
    sp(ExprKind::Member {
        target: Box::new(target),
        name: id(n),
    })
}

pub fn key(e: Expr, order: Option<SortOrder>, nulls: Option<NullsOrder>) -> SortKey {
    SortKey {
        expr: e,
        order,
        nulls,
    }
}
