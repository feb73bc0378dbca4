//! `search` and `find`: as operators after `|`, and as sources at the start of a pipeline,
//! where `search in (T1, T2) P` parses as `union T1, T2 | search P` (and without `in`, as
//! `union * | search P`).

use crate::ast::{Expr, ExprKind, Find, Operator, OperatorKind, Search, Source, Spanned, Union};
use crate::error::PErr;
use crate::expr::{item_list, or_expr};
use crate::lexer::{
    at_kw, cut, delimited, kw, peek_word, pos, skip, span_from, text, try_kw, ws, In, PResult,
};
use crate::sources::options;

/// The rest of the input, the union of the tables searched, and the operator.
pub(crate) type SourceForm<'a> = (In<'a>, (Expr, Operator));

/// `[kind=...] predicate` after `search`.
pub(crate) fn search_op<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n == "kind" || n.starts_with("hint."))?;
    let (rest, predicate) = search_predicate(i)?;
    Ok((rest, OperatorKind::Search(Search { options, predicate })))
}

/// A search predicate: an expression where `Col:"text"` means `Col has "text"`.
fn search_predicate<'a>(i: In<'a>) -> PResult<'a, Expr> {
    let _colon = i.extra.allow_search_colon();
    or_expr(i)
}

/// `[withsource=C] where P [project-smart | project a, b]` after `find`.
pub(crate) fn find_op<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n == "withsource" || n.starts_with("hint."))?;
    find_rest(i, options)
}

fn find_rest<'a>(i: In<'a>, options: Vec<Expr>) -> PResult<'a, OperatorKind> {
    let (i, _) = kw(i, "where")?;
    let (mut i, predicate) = cut(or_expr(i))?;
    let mut find = Find {
        options,
        predicate,
        project: Vec::new(),
        project_smart: false,
    };
    if text(&ws(i)).starts_with("project-smart") {
        i = skip(ws(i), "project-smart".len());
        find.project_smart = true;
    } else if let Some((rest, _)) = try_kw(i, "project") {
        let (rest, cols) = cut(item_list(rest))?;
        (i, find.project) = (rest, cols);
    }
    Ok((i, OperatorKind::Find(find)))
}

/// `search ...` or `find ...` starting a pipeline: the union of its tables and the operator.
pub(crate) fn source_form<'a>(i: In<'a>) -> Result<Option<SourceForm<'a>>, nom::Err<PErr>> {
    let j = ws(i);
    let word = peek_word(&j).unwrap_or("");
    let is_find = match word {
        "search" => false,
        "find" => true,
        _ => return Ok(None),
    };
    let after = skip(j, word.len());
    if !starts_source_form(after, is_find) {
        return Ok(None);
    }
    let start = pos(&j);
    let accept = |n: &str| n == "kind" || n == "withsource" || n.starts_with("hint.");
    let (k, mut opts) = options(after, accept)?;
    let source_column = take_withsource(&mut opts, if is_find { "source_" } else { "$table" });
    if is_find {
        // find projects the source column itself, so it must know its name.
        opts.push(source_column.clone());
    }
    let (k, tables) = cut(in_tables(k, start, source_column))?;
    let (rest, op) = if is_find {
        cut(find_rest(k, opts))?
    } else {
        let (rest, predicate) = cut(search_predicate(k))?;
        let search = Search {
            options: opts,
            predicate,
        };
        (rest, OperatorKind::Search(search))
    };
    let op = Spanned::new(op, span_from(start, &rest));
    Ok(Some((rest, (tables, op))))
}

/// Whether the word after `search`/`find` continues the operator (not a name `search`).
fn starts_source_form(after: In, is_find: bool) -> bool {
    if at_kw(&after, "in") || at_kw(&after, "where") {
        return true;
    }
    let s = text(&ws(after));
    let next = s.chars().next();
    if is_find {
        return at_kw(&after, "withsource");
    }
    match next {
        None | Some('|' | ';' | ')' | ',' | '=' | '.' | '[' | '(' | '}') => false,
        Some(_) => !s.starts_with("!=") && crate::expr::at_cmp_operator(&after).is_none(),
    }
}

/// The `withsource=` option, taken out of `options`, or `default` naming the column that
/// says which table each row came from (`$table` for search, `source_` for find).
fn take_withsource(options: &mut Vec<Expr>, default: &str) -> Expr {
    let given = options.iter().position(
        |o| matches!(&o.node, ExprKind::Assign { name, .. } if name.node == "withsource"),
    );
    if let Some(i) = given {
        return options.remove(i);
    }
    let at = options
        .first()
        .map_or(crate::ast::Span::new(0, 0), |o| o.span);
    let value = Spanned::new(ExprKind::Name(default.to_string()), at);
    let assign = ExprKind::Assign {
        name: Spanned::new("withsource".to_string(), at),
        value: Box::new(value),
    };
    Spanned::new(assign, at)
}

/// `in (T1, T2)` as a union source, or `union *` when absent.
fn in_tables<'a>(i: In<'a>, start: usize, source_column: Expr) -> PResult<'a, Expr> {
    let (rest, tables) = match try_kw(i, "in") {
        Some((rest, _)) => {
            let (rest, (tables, _)) = delimited(rest, "(", ")", union_table)?;
            (rest, tables)
        }
        None => {
            let at = span_from(start, &i);
            (i, vec![Spanned::new(ExprKind::Star, at)])
        }
    };
    let union = Source::Union(Union {
        options: vec![source_column],
        tables,
    });
    let sp = span_from(start, &rest);
    Ok((rest, Spanned::new(ExprKind::Source(Box::new(union)), sp)))
}

fn union_table<'a>(i: In<'a>) -> PResult<'a, Expr> {
    match crate::expr::try_wildcard_name(i) {
        Some(ok) => Ok(ok),
        None => crate::expr::postfix(i),
    }
}
