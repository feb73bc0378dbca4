//! Printing operators, sources and statements.

use super::{expr_at, ident, item, items, list, pattern_or_expr, string};
use crate::ast::{
    Expr, ExprKind, Ident, Join, MvExpand, MvExpandColumn, NullsOrder, OperatorKind, Param,
    ParamType, Parse, ParseKv, ParsePart, SortKey, SortOrder, Source, Statement, Summarize, Union,
};

pub(crate) fn statement(s: &Statement) -> String {
    match s {
        Statement::Let { name, value } => {
            format!("let {} = {}", ident(&name.node), expr_at(value, 0))
        }
        Statement::LetFunction { name, function } => {
            let body: Vec<String> = function.body.iter().map(|s| statement(&s.node)).collect();
            format!(
                "let {} = {}({}) {{ {} }}",
                ident(&name.node),
                if function.view { "view " } else { "" },
                params(&function.params),
                body.join("; ")
            )
        }
        Statement::Set { name, value: None } => format!("set {}", ident(&name.node)),
        Statement::Set {
            name,
            value: Some(v),
        } => format!("set {} = {}", ident(&name.node), expr_at(v, 1)),
        Statement::DeclareParameters(ps) => format!("declare query_parameters({})", params(ps)),
        Statement::Tabular(e) => expr_at(e, 0),
    }
}

pub(crate) fn params(ps: &[Param]) -> String {
    ps.iter().map(param).collect::<Vec<_>>().join(", ")
}

fn param(p: &Param) -> String {
    let ty = match &p.ty {
        ParamType::Scalar(t) => t.node.clone(),
        ParamType::Tabular(cols) if cols.is_empty() => "(*)".to_string(),
        ParamType::Tabular(cols) => format!("({})", column_decls(cols)),
    };
    match &p.default {
        Some(d) => format!("{}:{ty} = {}", ident(&p.name.node), expr_at(d, 1)),
        None => format!("{}:{ty}", ident(&p.name.node)),
    }
}

fn column_decls(cols: &[(Ident, Ident)]) -> String {
    let cols: Vec<String> = cols
        .iter()
        .map(|(n, t)| format!("{}:{}", ident(&n.node), t.node))
        .collect();
    cols.join(", ")
}

pub(crate) fn source(s: &Source) -> String {
    match s {
        Source::Union(u) => union("union", u),
        Source::Datatable { columns, values } => {
            format!("datatable({}) [{}]", column_decls(columns), items(values))
        }
        Source::Print(values) => format!("print {}", items(values)),
        Source::Range {
            column,
            from,
            to,
            step,
        } => format!(
            "range {} from {} to {} step {}",
            ident(&column.node),
            expr_at(from, 1),
            expr_at(to, 1),
            expr_at(step, 1)
        ),
        Source::ExternalData {
            columns,
            uris,
            options,
        } => {
            let mut out = format!("externaldata({}) [{}]", column_decls(columns), items(uris));
            if !options.is_empty() {
                out += &format!(" with ({})", list(options));
            }
            out
        }
    }
}

/// `kind=inner hint.strategy=broadcast `, each followed by a space.
pub(crate) fn options(opts: &[Expr]) -> String {
    let mut out = String::new();
    for o in opts {
        match &o.node {
            ExprKind::Assign { name, value } => {
                out += &format!("{}={} ", name.node, expr_at(value, 7))
            }
            _ => out += &format!("{} ", expr_at(o, 7)),
        }
    }
    out
}

fn union(keyword: &str, u: &Union) -> String {
    let tables: Vec<String> = u.tables.iter().map(|t| pattern_or_expr(t, 7)).collect();
    format!("{keyword} {}{}", options(&u.options), tables.join(", "))
}

/// One tabular operator, without the leading `|`.
pub fn print_operator(op: &OperatorKind) -> String {
    use OperatorKind as K;
    match op {
        K::Where(e) => format!("where {}", expr_at(e, 1)),
        K::Project(xs) => format!("project {}", items(xs)),
        K::Extend(xs) => format!("extend {}", items(xs)),
        K::ProjectAway(xs) => format!("project-away {}", patterns(xs)),
        K::ProjectKeep(xs) => format!("project-keep {}", patterns(xs)),
        K::ProjectRename(xs) => format!("project-rename {}", items(xs)),
        K::ProjectReorder(keys) => format!("project-reorder {}", sort_keys(keys)),
        K::Summarize(s) => summarize(s),
        K::Take(e) => format!("take {}", expr_at(e, 1)),
        K::Sort(keys) => format!("sort by {}", sort_keys(keys)),
        K::Top { count, by } => format!("top {} by {}", expr_at(count, 1), sort_key(by)),
        K::Count => "count".to_string(),
        K::Distinct(xs) => format!("distinct {}", patterns(xs)),
        K::Join(j) => join("join", j),
        K::Lookup(j) => join("lookup", j),
        K::Union(u) => union("union", u),
        K::MvExpand(m) => mv_expand(m),
        K::Parse(p) => parse(p),
        K::ParseKv(p) => parse_kv(p),
        K::As(name) => format!("as {}", ident(&name.node)),
        K::Serialize(xs) if xs.is_empty() => "serialize".to_string(),
        K::Serialize(xs) => format!("serialize {}", items(xs)),
        K::Getschema => "getschema".to_string(),
        K::Render { chart, options } if options.is_empty() => format!("render {}", chart.node),
        K::Render { chart, options } => format!("render {} with ({})", chart.node, list(options)),
        K::Invoke(e) => format!("invoke {}", expr_at(e, 7)),
        K::Evaluate {
            options: opts,
            plugin,
            schema,
        } => {
            let mut out = format!("evaluate {}{}", options(opts), expr_at(plugin, 6));
            if let Some(cols) = schema {
                out += &format!(" : ({})", column_decls(cols));
            }
            out
        }
        K::Sample(e) => format!("sample {}", expr_at(e, 1)),
        other => super::nested_ops::operator(other),
    }
}

fn patterns(xs: &[Expr]) -> String {
    xs.iter()
        .map(|e| pattern_or_expr(e, 1))
        .collect::<Vec<_>>()
        .join(", ")
}

fn sort_keys(keys: &[SortKey]) -> String {
    keys.iter().map(sort_key).collect::<Vec<_>>().join(", ")
}

fn sort_key(k: &SortKey) -> String {
    let mut out = pattern_or_expr(&k.expr, 1);
    match k.order {
        Some(SortOrder::Asc) => out += " asc",
        Some(SortOrder::Desc) => out += " desc",
        None => {}
    }
    match k.nulls {
        Some(NullsOrder::First) => out += " nulls first",
        Some(NullsOrder::Last) => out += " nulls last",
        None => {}
    }
    out
}

fn summarize(s: &Summarize) -> String {
    let mut out = format!("summarize {}", options(&s.hints));
    out += &items(&s.aggregates);
    if !s.by.is_empty() {
        if !s.aggregates.is_empty() {
            out.push(' ');
        }
        out += &format!("by {}", items(&s.by));
    }
    out.trim_end().to_string()
}

fn join(keyword: &str, j: &Join) -> String {
    let on: Vec<String> = j.on.iter().map(|e| expr_at(e, 1)).collect();
    format!(
        "{keyword} {}{} on {}",
        options(&j.options),
        expr_at(&j.right, 7),
        on.join(", ")
    )
}

fn mv_expand(m: &MvExpand) -> String {
    let mut out = format!("mv-expand {}", mv_columns(&m.options, &m.columns));
    if let Some(limit) = &m.limit {
        out += &format!(" limit {}", expr_at(limit, 1));
    }
    out
}

/// `options Col [to typeof(T)], ...` of `mv-expand` and `mv-apply`.
pub(crate) fn mv_columns(opts: &[Expr], columns: &[MvExpandColumn]) -> String {
    let cols: Vec<String> = columns
        .iter()
        .map(|c| match &c.to_type {
            Some(t) => format!("{} to typeof({})", item(&c.expr, 1), t.node),
            None => item(&c.expr, 1),
        })
        .collect();
    format!("{}{}", options(opts), cols.join(", "))
}

fn parse_kv(p: &ParseKv) -> String {
    let keys: Vec<String> = p
        .keys
        .iter()
        .map(|(name, ty)| format!("{}:{}", ident(&name.node), ty.node))
        .collect();
    let with = if p.options.is_empty() {
        String::new()
    } else {
        format!(" with ({})", list(&p.options))
    };
    format!(
        "parse-kv {} as ({}){with}",
        expr_at(&p.source, 1),
        keys.join(", ")
    )
}

fn parse(p: &Parse) -> String {
    let keyword = if p.only_matching {
        "parse-where"
    } else {
        "parse"
    };
    let parts: Vec<String> = p
        .pattern
        .iter()
        .map(|part| match part {
            ParsePart::Text(s) => string(s),
            ParsePart::Capture { name, ty: Some(t) } => format!("{}:{}", ident(&name.node), t.node),
            ParsePart::Capture { name, ty: None } => ident(&name.node),
            ParsePart::Wildcard => "*".to_string(),
        })
        .collect();
    format!(
        "{keyword} {}{} with {}",
        options(&p.options),
        expr_at(&p.source, 1),
        parts.join(" ")
    )
}
