//! The canonical KQL printer. Parentheses are added by precedence, so that
//! `parse(print(parse(x))) == parse(x)`; pipelines print on one line.

mod nested_ops;
mod ops;

use crate::ast::{
    BinaryOp, Dynamic, Expr, ExprKind, Literal, Query, UnaryOp, BINARY_OPS, LIST_OPS,
};
use crate::lexer::{is_ident_char, is_ident_start};
use crate::time;

pub use ops::print_operator;

/// Print a whole query: statements separated by `;` and newlines.
pub fn print_query(q: &Query) -> String {
    let statements: Vec<String> = q
        .statements
        .iter()
        .map(|s| ops::statement(&s.node))
        .collect();
    statements.join(";\n")
}

/// Print one expression (pipelines included).
pub fn print_expr(e: &Expr) -> String {
    expr_at(e, 0)
}

/// Precedence levels: 0 pipeline/source, 1 `or`, 2 `and`, 3 comparison, 4 `+ -`, 5 `* / %`,
/// 6 unary, 7 postfix and primary.
fn level(e: &Expr) -> u8 {
    match &e.node {
        ExprKind::Pipe { .. } | ExprKind::Source(_) | ExprKind::Assign { .. } => 0,
        ExprKind::Binary { op, .. } => binary_level(*op),
        ExprKind::List { .. } | ExprKind::Between { .. } => 3,
        ExprKind::Unary { .. } => 6,
        ExprKind::Literal(l) if is_negative(l) => 6,
        _ => 7,
    }
}

fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => 1,
        BinaryOp::And => 2,
        BinaryOp::Add | BinaryOp::Sub => 4,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 5,
        _ => 3,
    }
}

fn is_negative(l: &Literal) -> bool {
    match l {
        Literal::Long(v) | Literal::Timespan(v) => *v < 0,
        Literal::Real(v) => v.is_sign_negative() && !v.is_nan(),
        _ => false,
    }
}

fn is_numeric(l: &Literal) -> bool {
    matches!(
        l,
        Literal::Long(_) | Literal::Real(_) | Literal::Timespan(_)
    )
}

/// Print `e` where an expression of at least level `min` is expected.
pub(crate) fn expr_at(e: &Expr, min: u8) -> String {
    let s = expr(e);
    if level(e) < min {
        format!("({s})")
    } else {
        s
    }
}

fn expr(e: &Expr) -> String {
    match &e.node {
        ExprKind::Literal(l) => literal(l),
        ExprKind::Name(n) => ident(n),
        ExprKind::Star => "*".to_string(),
        ExprKind::Call { name, args } => call(&name.node, args),
        ExprKind::Assign { name, value } => match e.tuple_assign() {
            Some((names, value)) => {
                let names: Vec<String> = names.iter().map(|n| ident(&n.node)).collect();
                format!("({}) = {}", names.join(", "), expr_at(value, 1))
            }
            None => format!("{} = {}", ident(&name.node), expr_at(value, 1)),
        },
        ExprKind::Unary { op, operand } => unary(*op, operand),
        ExprKind::Binary { op, left, right } => binary(*op, left, right),
        ExprKind::List { op, left, items } => {
            format!("{} {} ({})", expr_at(left, 4), op.spelling(), list(items))
        }
        ExprKind::Between {
            negated,
            value,
            low,
            high,
        } => {
            let word = if *negated { "!between" } else { "between" };
            format!(
                "{} {word} ({} .. {})",
                expr_at(value, 4),
                expr_at(low, 4),
                expr_at(high, 4)
            )
        }
        ExprKind::Member { target, name } => {
            format!("{}.{}", expr_at(target, 7), member_name(&name.node))
        }
        ExprKind::Index { target, index } => {
            format!("{}[{}]", expr_at(target, 7), expr_at(index, 0))
        }
        ExprKind::Pipe { input, ops } => pipe(input, ops),
        ExprKind::Source(s) => ops::source(s),
    }
}

/// `f(args)`; a call named like a typed literal gets its arguments parenthesised so that it
/// does not read back as a literal (`long((x))` is the call, `long(5)` the literal).
fn call(name: &str, args: &[Expr]) -> String {
    if crate::literals::is_typed_literal(name)
        && args.iter().any(|a| matches!(a.node, ExprKind::Literal(_)))
    {
        let args: Vec<String> = args
            .iter()
            .map(|a| format!("({})", expr_at(a, 0)))
            .collect();
        return format!("{name}({})", args.join(", "));
    }
    format!("{name}({})", list(args))
}

fn unary(op: UnaryOp, operand: &Expr) -> String {
    let sign = if op == UnaryOp::Neg { "-" } else { "+" };
    let inner = expr_at(operand, 7);
    let numeric = matches!(&operand.node, ExprKind::Literal(l) if is_numeric(l));
    if numeric && !inner.starts_with('(') {
        format!("{sign}({inner})")
    } else {
        format!("{sign}{inner}")
    }
}

fn binary(op: BinaryOp, left: &Expr, right: &Expr) -> String {
    let lvl = binary_level(op);
    let (l, r) = if lvl == 3 { (4, 4) } else { (lvl, lvl + 1) };
    format!(
        "{} {} {}",
        expr_at(left, l),
        op.spelling(),
        expr_at(right, r)
    )
}

fn pipe(input: &Expr, ops: &[crate::ast::Operator]) -> String {
    let mut out = match &input.node {
        ExprKind::Source(_) => expr(input),
        _ => expr_at(input, 1),
    };
    for op in ops {
        out += " | ";
        out += &print_operator(&op.node);
    }
    out
}

/// A list inside parentheses: the last item may be a bare pipeline, earlier ones may not.
pub(crate) fn list(items: &[Expr]) -> String {
    let n = items.len();
    let printed: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(k, e)| item(e, if k + 1 == n { 0 } else { 1 }))
        .collect();
    printed.join(", ")
}

/// A list item: `*`, `Name = value`, or an expression.
pub(crate) fn item(e: &Expr, min: u8) -> String {
    match &e.node {
        ExprKind::Star | ExprKind::Assign { .. } => expr(e),
        _ => expr_at(e, min),
    }
}

/// Items of a comma list that is not closed by a bracket (`project a, b`).
pub(crate) fn items(items: &[Expr]) -> String {
    items
        .iter()
        .map(|e| item(e, 1))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Words that would be misread as syntax if printed bare as names.
fn is_reserved(name: &str) -> bool {
    const RESERVED: &[&str] = &[
        "and",
        "or",
        "by",
        "on",
        "with",
        "to",
        "from",
        "step",
        "asc",
        "desc",
        "nulls",
        "limit",
        "typeof",
        "let",
        "set",
        "declare",
        "union",
        "print",
        "range",
        "datatable",
        "externaldata",
        "between",
        "matches",
        "view",
    ];
    RESERVED.contains(&name)
        || crate::literals::parse_bool(name).is_some()
        || BINARY_OPS.iter().any(|(_, s)| *s == name)
        || LIST_OPS.iter().any(|(_, s)| *s == name)
}

fn is_plain(name: &str) -> bool {
    name.starts_with(is_ident_start) && name.chars().all(is_ident_char)
}

/// A name: bare when safe, else `['...']`.
pub(crate) fn ident(name: &str) -> String {
    let dollar = name.strip_prefix('$').is_some_and(is_plain);
    if dollar || (is_plain(name) && !is_reserved(name)) {
        name.to_string()
    } else {
        format!("['{}']", escape(name, '\''))
    }
}

/// A column name that may be a wildcard pattern (`Account*`).
pub(crate) fn pattern_or_expr(e: &Expr, min: u8) -> String {
    match &e.node {
        ExprKind::Name(n) if n.contains('*') && n.chars().all(|c| is_ident_char(c) || c == '*') => {
            n.clone()
        }
        _ => item(e, min),
    }
}

fn member_name(name: &str) -> String {
    if is_plain(name) {
        name.to_string()
    } else {
        format!("['{}']", escape(name, '\''))
    }
}

fn escape(s: &str, quote: char) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn string(s: &str) -> String {
    format!("\"{}\"", escape(s, '"'))
}

pub(crate) fn literal(l: &Literal) -> String {
    match l {
        Literal::Long(v) => v.to_string(),
        Literal::Int(v) => format!("int({v})"),
        Literal::Real(v) => real(*v),
        Literal::Bool(b) => b.to_string(),
        Literal::String(s) => string(s),
        Literal::Datetime(ns) => format!("datetime({})", time::format_datetime(*ns)),
        Literal::Timespan(ns) => time::format_timespan(*ns),
        Literal::Null(t) => format!("{}(null)", t.name()),
        Literal::Dynamic(d) => format!("dynamic({})", dynamic(d)),
        Literal::Guid(g) => format!("guid({g})"),
        Literal::Decimal(d) => format!("decimal({d})"),
    }
}

fn real(v: f64) -> String {
    if v.is_nan() {
        "real(nan)".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "real(+inf)" } else { "real(-inf)" }.to_string()
    } else {
        format!("{v:?}")
    }
}

fn dynamic(d: &Dynamic) -> String {
    match d {
        Dynamic::Null => "null".to_string(),
        Dynamic::Value(l) => literal(l),
        Dynamic::Array(items) => format!(
            "[{}]",
            items.iter().map(dynamic).collect::<Vec<_>>().join(", ")
        ),
        Dynamic::Object(pairs) => {
            let pairs: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), dynamic(v)))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        }
    }
}
