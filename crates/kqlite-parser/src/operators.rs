//! Tabular operators after `|`, one parser per operator, dispatched from one `match`.

use crate::ast::{
    ExprKind, Ident, Join, Literal, MvExpand, MvExpandColumn, NullsOrder, Operator, OperatorKind,
    Parse, ParseKv, ParsePart, SortKey, SortOrder, Spanned, Summarize,
};
use crate::error::did_you_mean;
use crate::expr::{column_or_pattern, comma_list, item_list, or_expr, postfix, unary};
use crate::lexer::{
    at_kw, at_punct, cut, delimited, error, expect, failure, ident, kw, pos, punct, skip,
    span_from, text, token_span, try_kw, try_punct, word, ws, In, PResult,
};
use crate::literals::{at_string, string_lit};
use crate::sources::{at_list_end, options, pattern_list, union_body};

/// The tabular operators this parser understands.
pub const OPERATOR_KEYWORDS: &[&str] = &[
    "as",
    "consume",
    "count",
    "distinct",
    "evaluate",
    "extend",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-series",
    "mv-apply",
    "mv-expand",
    "mvexpand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

/// Valid KQL operators we do not parse yet: reported as such, not as typos.
const UNSUPPORTED_OPERATORS: &[&str] = &[
    "execute-and-cache",
    "graph-match",
    "graph-shortest-paths",
    "make-graph",
    "project-smart",
    "macro-expand",
];

/// `| operator ...`
pub(crate) fn operator<'a>(i: In<'a>) -> PResult<'a, Operator> {
    let (i, _) = punct(i, "|")?;
    bare_operator(i)
}

/// An operator without its leading `|`: the first one of a sub-query.
pub(crate) fn bare_operator<'a>(i: In<'a>) -> PResult<'a, Operator> {
    let i = ws(i);
    let start = pos(&i);
    let name = operator_word(text(&i));
    if name.is_empty() {
        return failure(token_span(&i), "expected a tabular operator after '|'");
    }
    let at = span_from(start, &skip(i, name.len()));
    let (rest, kind) = cut(dispatch(name, skip(i, name.len()), at))?;
    Ok((rest, Spanned::new(kind, span_from(start, &rest))))
}

/// `where`, `project-away`, `mv-expand`: letters, digits, `_` and inner hyphens.
fn operator_word(s: &str) -> &str {
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return "";
    }
    let mut end = 0;
    for (at, c) in s.char_indices() {
        let inner_hyphen = c == '-' && s[at + 1..].starts_with(|c: char| c.is_ascii_alphabetic());
        if !(c.is_ascii_alphanumeric() || c == '_' || inner_hyphen) {
            break;
        }
        end = at + c.len_utf8();
    }
    &s[..end]
}

fn dispatch<'a>(name: &str, i: In<'a>, at: crate::ast::Span) -> PResult<'a, OperatorKind> {
    use OperatorKind as K;
    match name {
        "where" | "filter" => map(or_expr(i), K::Where),
        "project" => map(item_list(i), K::Project),
        "extend" => map(item_list(i), K::Extend),
        "project-away" => map(pattern_list(i), K::ProjectAway),
        "project-keep" => map(pattern_list(i), K::ProjectKeep),
        "project-rename" => project_rename(i),
        "project-reorder" => map(
            comma_list(i, |i| sort_key(i, column_or_pattern)),
            K::ProjectReorder,
        ),
        "summarize" => summarize(i),
        "take" | "limit" => map(or_expr(i), K::Take),
        "sort" | "order" => sort(i),
        "top" => top(i),
        "count" => Ok((i, K::Count)),
        "distinct" => distinct(i),
        "join" => map(join_body(i, true), K::Join),
        "lookup" => map(join_body(i, false), K::Lookup),
        "union" => map(union_body(i), K::Union),
        "mv-expand" => mv_expand(i),
        "mvexpand" => legacy_mv_expand(i),
        "parse" => parse_op(i, false),
        "parse-where" => parse_op(i, true),
        "parse-kv" => parse_kv(i),
        "as" => as_op(i),
        "serialize" => serialize(i),
        "getschema" => Ok((i, K::Getschema)),
        "render" => render(i),
        "invoke" => map(postfix(i), K::Invoke),
        "evaluate" => evaluate(i),
        "sample" => map(or_expr(i), K::Sample),
        "consume" => map(options(i, |_| true), K::Consume),
        "search" => crate::search::search_op(i),
        "find" => crate::search::find_op(i),
        "mv-apply" => crate::nested::mv_apply(i),
        "partition" => crate::nested::partition(i),
        "fork" => crate::nested::fork(i),
        "facet" => crate::nested::facet(i),
        "scan" => crate::nested::scan(i),
        _ => crate::grouping::dispatch(name, i).unwrap_or_else(|| unknown_operator(name, at)),
    }
}

pub(crate) fn map<'a, T>(
    r: PResult<'a, T>,
    f: impl FnOnce(T) -> OperatorKind,
) -> PResult<'a, OperatorKind> {
    r.map(|(rest, v)| (rest, f(v)))
}

fn unknown_operator<'a, T>(name: &str, at: crate::ast::Span) -> PResult<'a, T> {
    if UNSUPPORTED_OPERATORS.contains(&name) {
        return failure(at, format!("the '{name}' operator is not supported yet"));
    }
    match did_you_mean(name, OPERATOR_KEYWORDS) {
        Some(s) => failure(
            at,
            format!("unknown operator '{name}'; did you mean '{s}'?"),
        ),
        None => failure(at, format!("unknown operator '{name}'")),
    }
}

/// `project-rename New = Old, ...`
fn project_rename<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (rest, items) = comma_list(i, |i| {
        if crate::expr::at_assign(&i) {
            crate::expr::assign(i)
        } else {
            error(&i, "'NewName = OldName'")
        }
    })?;
    Ok((rest, OperatorKind::ProjectRename(items)))
}

/// `summarize [hints] [aggregates] [by keys]` — at least one of the two lists.
fn summarize<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, hints) = options(i, |n| n.starts_with("hint."))?;
    let (i, aggregates) = if at_kw(&i, "by") || at_list_end(&i) {
        (i, Vec::new())
    } else {
        item_list(i)?
    };
    let (i, by) = match kw(i, "by") {
        Ok((rest, _)) => cut(item_list(rest))?,
        Err(_) if aggregates.is_empty() => return error(&i, "an aggregation or 'by'"),
        Err(_) => (i, Vec::new()),
    };
    Ok((
        i,
        OperatorKind::Summarize(Summarize {
            hints,
            aggregates,
            by,
        }),
    ))
}

/// `sort by key [asc|desc] [nulls first|last], ...`
fn sort<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, _) = kw(i, "by")?;
    map(comma_list(i, |i| sort_key(i, or_expr)), OperatorKind::Sort)
}

/// `expr [asc|desc] [nulls first|last]`
pub(crate) fn sort_key<'a>(
    i: In<'a>,
    expr: fn(In<'a>) -> PResult<'a, crate::ast::Expr>,
) -> PResult<'a, SortKey> {
    let (mut i, expr) = expr(i)?;
    let mut order = None;
    for (w, o) in [("asc", SortOrder::Asc), ("desc", SortOrder::Desc)] {
        if let Some((rest, _)) = try_kw(i, w) {
            (i, order) = (rest, Some(o));
        }
    }
    let mut nulls = None;
    if let Some((rest, _)) = try_kw(i, "nulls") {
        let first = kw(rest, "first").map(|(r, _)| (r, NullsOrder::First));
        let (rest, n) =
            cut(first.or_else(|_| kw(rest, "last").map(|(r, _)| (r, NullsOrder::Last))))?;
        (i, nulls) = (rest, Some(n));
    }
    Ok((i, SortKey { expr, order, nulls }))
}

/// `top N by key [asc|desc] [nulls first|last]`
fn top<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, count) = or_expr(i)?;
    let (i, _) = kw(i, "by")?;
    let (rest, by) = sort_key(i, or_expr)?;
    Ok((rest, OperatorKind::Top { count, by }))
}

/// `distinct *`, `distinct a, b = f(c)`
fn distinct<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let distinct_item = |i| {
        if crate::expr::at_assign(&i) {
            crate::expr::assign(i)
        } else {
            column_or_pattern(i)
        }
    };
    map(comma_list(i, distinct_item), OperatorKind::Distinct)
}

/// `[options] right on keys` for `join` and `lookup`.
fn join_body<'a>(i: In<'a>, _is_join: bool) -> PResult<'a, Join> {
    let (i, options) = options(i, |_| true)?;
    let (i, right) = postfix(i)?;
    let (i, _) = kw(i, "on")?;
    let (rest, on) = comma_list(i, or_expr)?;
    Ok((rest, Join { options, right, on }))
}

/// `mv-expand [options] Col [to typeof(T)], ... [limit N]`
fn mv_expand<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, expand) = mv_expand_clause(i)?;
    Ok((i, OperatorKind::MvExpand(expand)))
}

/// `mvexpand`, the legacy form, stops at 128 rows from each row unless given a limit (Kusto's
/// docs).
fn legacy_mv_expand<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let start = pos(&i);
    let (i, mut expand) = mv_expand_clause(i)?;
    if expand.limit.is_none() {
        let at = span_from(start, &i);
        expand.limit = Some(Spanned::new(ExprKind::Literal(Literal::Long(128)), at));
    }
    Ok((i, OperatorKind::MvExpand(expand)))
}

/// What `mv-expand` and `mv-apply` share: `[options] Col [to typeof(T)], ... [limit N]`.
pub(crate) fn mv_expand_clause<'a>(i: In<'a>) -> PResult<'a, MvExpand> {
    let is_option =
        |n: &str| matches!(n, "bagexpansion" | "with_itemindex" | "kind") || n.starts_with("hint.");
    let (i, options) = options(i, is_option)?;
    let (mut i, columns) = comma_list(i, mv_expand_column)?;
    let mut limit = None;
    if let Some((rest, _)) = try_kw(i, "limit") {
        let (rest, n) = cut(or_expr(rest))?;
        (i, limit) = (rest, Some(n));
    }
    let expand = MvExpand {
        options,
        columns,
        limit,
    };
    Ok((i, expand))
}

fn mv_expand_column<'a>(i: In<'a>) -> PResult<'a, MvExpandColumn> {
    let (i, expr) = crate::expr::item(i)?;
    let Some((i, _)) = try_kw(i, "to") else {
        return Ok((
            i,
            MvExpandColumn {
                expr,
                to_type: None,
            },
        ));
    };
    let (i, _) = cut(kw(i, "typeof"))?;
    let (i, open) = expect(i, "(")?;
    let (i, ty) = cut(word(i))?;
    let (rest, _) = crate::lexer::closing(i, "(", ")", open)?;
    Ok((
        rest,
        MvExpandColumn {
            expr,
            to_type: Some(ty),
        },
    ))
}

/// `parse [kind=...] [flags=...] Expr with pattern` and `parse-where`.
fn parse_op<'a>(i: In<'a>, only_matching: bool) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| matches!(n, "kind" | "flags"))?;
    let (i, source) = or_expr(i)?;
    let (i, _) = kw(i, "with")?;
    let (mut i, mut pattern) = (i, Vec::new());
    while let Some((rest, part)) = parse_part(i)? {
        pattern.push(part);
        i = rest;
    }
    if pattern.is_empty() {
        return error(&i, "a parse pattern");
    }
    Ok((
        i,
        OperatorKind::Parse(Parse {
            only_matching,
            options,
            source,
            pattern,
        }),
    ))
}

/// `parse-kv Expr as (Key:type, ...) [with (option=value, ...)]`
fn parse_kv<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, source) = or_expr(i)?;
    let (i, _) = kw(i, "as")?;
    let (mut i, keys) = cut(crate::sources::column_decls(i))?;
    let mut options = Vec::new();
    if let Some((rest, _)) = try_kw(i, "with") {
        let (rest, (opts, _)) = cut(delimited(rest, "(", ")", crate::expr::assign))?;
        (i, options) = (rest, opts);
    }
    Ok((
        i,
        OperatorKind::ParseKv(ParseKv {
            source,
            keys,
            options,
        }),
    ))
}

/// One piece of a parse pattern: `"text"`, `*`, or `Col[:type]`; `None` at its end.
fn parse_part<'a>(i: In<'a>) -> Result<Option<(In<'a>, ParsePart)>, nom::Err<crate::error::PErr>> {
    if at_string(&i) {
        let (rest, (s, _)) = string_lit(i)?;
        return Ok(Some((rest, ParsePart::Text(s))));
    }
    if let Some((rest, _)) = try_punct(i, "*") {
        return Ok(Some((rest, ParsePart::Wildcard)));
    }
    if at_list_end(&i) {
        return Ok(None);
    }
    if ident(i).is_err() {
        return Ok(None);
    }
    let (rest, name) = crate::expr::column_name(i)?;
    let Some((after, _)) = try_punct(rest, ":") else {
        return Ok(Some((rest, ParsePart::Capture { name, ty: None })));
    };
    let (after, ty) = cut(word(after))?;
    Ok(Some((after, ParsePart::Capture { name, ty: Some(ty) })))
}

/// `as [hint.materialized=true] Name`
fn as_op<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, _) = options(i, |n| n.starts_with("hint."))?;
    map(ident(i), OperatorKind::As)
}

/// `serialize [Name = expr, ...]`
fn serialize<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    if at_list_end(&i) {
        return Ok((i, OperatorKind::Serialize(Vec::new())));
    }
    map(item_list(i), OperatorKind::Serialize)
}

/// `render chart [with (k=v, ...)]`
fn render<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, chart): (In, Ident) = word(i)?;
    let Some((i, _)) = try_kw(i, "with") else {
        return Ok((
            i,
            OperatorKind::Render {
                chart,
                options: Vec::new(),
            },
        ));
    };
    let (rest, (options, _)) = cut(delimited(i, "(", ")", crate::expr::assign))?;
    Ok((rest, OperatorKind::Render { chart, options }))
}

/// `evaluate [hint.x=y] plugin(args) [: (Col:type, ...)]`
fn evaluate<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n.starts_with("hint."))?;
    let (mut i, plugin) = unary(i)?;
    let mut schema = None;
    if let Some((rest, _)) = try_punct(i, ":") {
        let (rest, cols) = cut(crate::sources::column_decls(rest))?;
        (i, schema) = (rest, Some(cols));
    }
    let kind = OperatorKind::Evaluate {
        options,
        plugin,
        schema,
    };
    Ok((i, kind))
}

/// `op (| op)*` inside brackets: the operators of a sub-query, the first without `|`.
pub(crate) fn operator_chain<'a>(i: In<'a>) -> PResult<'a, Vec<Operator>> {
    let (mut i, first) = bare_operator(i)?;
    let mut ops = vec![first];
    while at_punct(&i, "|") {
        let (rest, op) = operator(i)?;
        ops.push(op);
        i = rest;
    }
    Ok((i, ops))
}

/// `( op | op ... )`
pub(crate) fn subquery<'a>(i: In<'a>) -> PResult<'a, Vec<Operator>> {
    let (i, open) = punct(i, "(")?;
    let _guard = crate::lexer::enter(&i)?;
    let (i, ops) = cut(operator_chain(i))?;
    let (rest, _) = crate::lexer::closing_paren(i, "(", ")", open)?;
    Ok((rest, ops))
}
