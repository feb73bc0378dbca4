//! Tabular sources that start a pipeline: `union`, `datatable`, `print`, `range`,
//! `externaldata`; and the option lists (`kind=inner`, `hint.x=y`) several operators share.

use crate::ast::{Expr, ExprKind, Ident, Literal, Source, Spanned, Union};
use crate::expr::{column_or_pattern, comma_list, item_list, or_expr, postfix, try_wildcard_name};
use crate::lexer::{
    at_kw, at_punct, cut, delimited, error, expect, ident, kw, peek_option_name, pos, punct, skip,
    span_from, text, try_kw, word, ws, In, PResult,
};
use crate::literals::{at_string, scalar_literal};

fn source<'a>(rest: In<'a>, start: usize, s: Source) -> PResult<'a, Expr> {
    let sp = span_from(start, &rest);
    Ok((rest, Spanned::new(ExprKind::Source(Box::new(s)), sp)))
}

/// `union [options] T1, T2, (subquery)`
pub(crate) fn union_source<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, kw_span) = kw(i, "union")?;
    let (rest, u) = cut(union_body(i))?;
    source(rest, kw_span.start, Source::Union(u))
}

/// Everything after the `union` keyword.
pub(crate) fn union_body<'a>(i: In<'a>) -> PResult<'a, Union> {
    let (i, options) = options(i, |_| true)?;
    let (i, tables) = comma_list(i, union_table)?;
    Ok((i, Union { options, tables }))
}

/// A union operand: a name pattern (`Device*`), a name, a call or `( pipeline )`.
fn union_table<'a>(i: In<'a>) -> PResult<'a, Expr> {
    match try_wildcard_name(i) {
        Some(ok) => Ok(ok),
        None => postfix(i),
    }
}

/// `print [name =] expr, ...`
pub(crate) fn print_source<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, kw_span) = kw(i, "print")?;
    let (rest, items) = cut(item_list(i))?;
    source(rest, kw_span.start, Source::Print(items))
}

/// Whether `range` at `i` starts the `range Col from ...` source (rather than a name).
pub(crate) fn at_range(after_keyword: In) -> bool {
    match ident(after_keyword) {
        Ok((rest, _)) => at_kw(&rest, "from"),
        Err(_) => false,
    }
}

/// `range Col from a to b step c`
pub(crate) fn range_source<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, kw_span) = kw(i, "range")?;
    let (i, column) = cut(ident(i))?;
    let (i, _) = cut(kw(i, "from"))?;
    let (i, from) = cut(or_expr(i))?;
    let (i, _) = cut(kw(i, "to"))?;
    let (i, to) = cut(or_expr(i))?;
    let (i, _) = cut(kw(i, "step"))?;
    let (rest, step) = cut(or_expr(i))?;
    source(
        rest,
        kw_span.start,
        Source::Range {
            column,
            from,
            to,
            step,
        },
    )
}

/// `datatable(Col:type, ...) [v, v, ...]`
pub(crate) fn datatable<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, kw_span) = kw(i, "datatable")?;
    let (i, columns) = cut(column_decls(i))?;
    let (rest, (values, _)) = cut(delimited(i, "[", "]", datatable_value))?;
    source(rest, kw_span.start, Source::Datatable { columns, values })
}

/// A `datatable` value: a signed literal, or any expression (the planner wants literals).
fn datatable_value<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let start = pos(&ws(i));
    match crate::literals::signed_literal(i) {
        Some((rest, lit)) if at_punct(&rest, ",") || at_punct(&rest, "]") => Ok((
            rest,
            Spanned::new(ExprKind::Literal(lit), span_from(start, &rest)),
        )),
        _ => or_expr(i),
    }
}

/// `externaldata(Col:type, ...) [uri, ...] [with (k=v, ...)]`
pub(crate) fn externaldata<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let (i, kw_span) = kw(i, "externaldata")?;
    let (i, columns) = cut(column_decls(i))?;
    let (mut i, (uris, _)) = cut(delimited(i, "[", "]", or_expr))?;
    let mut options = Vec::new();
    if let Some((rest, _)) = try_kw(i, "with") {
        let (rest, (opts, _)) = cut(delimited(rest, "(", ")", crate::expr::assign))?;
        options = opts;
        i = rest;
    }
    source(
        i,
        kw_span.start,
        Source::ExternalData {
            columns,
            uris,
            options,
        },
    )
}

/// `(Col:type, ...)`
pub(crate) fn column_decls<'a>(i: In<'a>) -> PResult<'a, Vec<(Ident, Ident)>> {
    let (rest, (cols, _)) = delimited(i, "(", ")", column_decl)?;
    Ok((rest, cols))
}

/// `Col:type`
pub(crate) fn column_decl<'a>(i: In<'a>) -> PResult<'a, (Ident, Ident)> {
    let (i, name) = ident(i)?;
    let (i, _) = expect(i, ":")?;
    let (rest, ty) = cut(word(i))?;
    Ok((rest, (name, ty)))
}

/// Options before an operator's arguments: `name=value` where `accept(name)` holds.
/// Values are literals or bare words (`kind=inner` gives `Name("inner")`).
pub(crate) fn options<'a>(mut i: In<'a>, accept: impl Fn(&str) -> bool) -> PResult<'a, Vec<Expr>> {
    let mut out = Vec::new();
    while let Some(name) = peek_option_name(&i) {
        let j = ws(i);
        let after = skip(j, name.len());
        if !accept(name) || !at_punct(&after, "=") {
            break;
        }
        let name = Spanned::new(name.to_string(), span_from(pos(&j), &after));
        let (rest, _) = punct(after, "=")?;
        let (rest, value) = cut(option_value(rest))?;
        let sp = name.span.to(value.span);
        out.push(Spanned::new(
            ExprKind::Assign {
                name,
                value: Box::new(value),
            },
            sp,
        ));
        i = rest;
    }
    Ok((i, out))
}

/// A literal or a bare word (never a call: `kind=inner (T)` must not read `inner(T)`).
fn option_value<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let i = ws(i);
    let start = pos(&i);
    let s = text(&i);
    let literal_start = at_string(&i) || s.starts_with(|c: char| c.is_ascii_digit() || c == '-');
    if literal_start {
        let (rest, lit) = scalar_literal(i)?;
        return Ok((
            rest,
            Spanned::new(ExprKind::Literal(lit), span_from(start, &rest)),
        ));
    }
    let Ok((rest, name)) = ident(i) else {
        return error(&i, "an option value");
    };
    let kind = match crate::literals::parse_bool(&name.node) {
        Some(b) => ExprKind::Literal(Literal::Bool(b)),
        None => ExprKind::Name(name.node),
    };
    Ok((rest, Spanned::new(kind, name.span)))
}

/// Whether a list of column items is over (end of pipe, statement or group).
pub(crate) fn at_list_end(i: &In) -> bool {
    let s = text(&ws(*i));
    s.is_empty() || at_punct(i, "|") || at_punct(i, ";") || at_punct(i, ")") || s.starts_with('}')
}

/// Columns that may be patterns: `project-away`, `project-keep`.
pub(crate) fn pattern_list<'a>(i: In<'a>) -> PResult<'a, Vec<Expr>> {
    comma_list(i, column_or_pattern)
}
