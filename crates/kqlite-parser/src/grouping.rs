//! Aggregating operators beyond `summarize`: `make-series`, `top-nested`, `top-hitters`,
//! `sample-distinct`, `reduce`.

use crate::ast::{Expr, MakeSeries, OperatorKind, SeriesAggregate, SortOrder, TopNestedLevel};
use crate::expr::{comma_list, item, item_list, or_expr};
use crate::lexer::{at_kw, at_punct, cut, delimited, expect, kw, try_kw, try_punct, In, PResult};
use crate::operators::map;
use crate::sources::options;

/// The operators of this module by name; `None` for any other name.
pub(crate) fn dispatch<'a>(name: &str, i: In<'a>) -> Option<PResult<'a, OperatorKind>> {
    Some(match name {
        "make-series" => make_series(i),
        "top-nested" => map(comma_list(i, top_nested_level), OperatorKind::TopNested),
        "top-hitters" => top_hitters(i),
        "sample-distinct" => sample_distinct(i),
        "reduce" => reduce(i),
        _ => return None,
    })
}

/// `make-series [options] aggregates on Axis (from a to b step s | in range(a, b, s)) [by keys]`
fn make_series<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n == "kind" || n.starts_with("hint."))?;
    let (i, aggregates) = comma_list(i, series_aggregate)?;
    let (i, _) = cut(kw(i, "on"))?;
    let (i, on) = cut(crate::expr::add_expr(i))?;
    let in_range = try_kw(i, "in").is_some();
    let (i, (from, to, step)) = cut(series_range(i))?;
    let (i, by) = match try_kw(i, "by") {
        Some((rest, _)) => cut(item_list(rest))?,
        None => (i, Vec::new()),
    };
    let series = MakeSeries {
        options,
        aggregates,
        on,
        from,
        to,
        step,
        in_range,
        by,
    };
    Ok((i, OperatorKind::MakeSeries(series)))
}

type SeriesRange = (Option<Expr>, Option<Expr>, Expr);

/// `[from a] [to b] step s`, or the deprecated `in range(a, b, s)`.
fn series_range<'a>(i: In<'a>) -> PResult<'a, SeriesRange> {
    if let Some((rest, _)) = try_kw(i, "in") {
        let (rest, _) = cut(kw(rest, "range"))?;
        let (rest, (mut args, sp)) = cut(delimited(rest, "(", ")", or_expr))?;
        if args.len() != 3 {
            return crate::lexer::failure(sp, "range() takes start, stop and step");
        }
        let step = args.pop().expect("three arguments");
        let to = args.pop();
        return Ok((rest, (args.pop(), to, step)));
    }
    let (i, from) = optional_clause(i, "from")?;
    let (i, to) = optional_clause(i, "to")?;
    let (i, _) = kw(i, "step")?;
    let (rest, step) = cut(or_expr(i))?;
    Ok((rest, (from, to, step)))
}

fn optional_clause<'a>(i: In<'a>, word: &str) -> PResult<'a, Option<Expr>> {
    match try_kw(i, word) {
        Some((rest, _)) => cut(or_expr(rest)).map(|(r, e)| (r, Some(e))),
        None => Ok((i, None)),
    }
}

/// `[Name =] agg(...) [default = value]`
fn series_aggregate<'a>(i: In<'a>) -> PResult<'a, SeriesAggregate> {
    let (i, expr) = item(i)?;
    let Some((after, _)) = try_kw(i, "default") else {
        return Ok((
            i,
            SeriesAggregate {
                expr,
                default: None,
            },
        ));
    };
    let (after, _) = expect(after, "=")?;
    let (rest, default) = cut(or_expr(after))?;
    let default = Some(default);
    Ok((rest, SeriesAggregate { expr, default }))
}

/// `top-nested [N] of Expr [with others = v] by [Name =] Agg [asc|desc]`; the keyword
/// `top-nested` itself is already consumed for the first level.
fn top_nested_level<'a>(i: In<'a>) -> PResult<'a, TopNestedLevel> {
    let i = match try_nested_keyword(i) {
        Some(rest) => rest,
        None => i,
    };
    let (i, count) = if at_kw(&i, "of") {
        (i, None)
    } else {
        let (rest, n) = or_expr(i)?;
        (rest, Some(n))
    };
    let (i, _) = cut(kw(i, "of"))?;
    let (i, of) = cut(item(i))?;
    let (i, others) = match try_kw(i, "with") {
        Some((rest, _)) => {
            let (rest, _) = cut(kw(rest, "others"))?;
            let (rest, _) = expect(rest, "=")?;
            let (rest, v) = cut(or_expr(rest))?;
            (rest, Some(v))
        }
        None => (i, None),
    };
    let (i, _) = cut(kw(i, "by"))?;
    let (mut i, by) = cut(item(i))?;
    let mut order = None;
    for (w, o) in [("asc", SortOrder::Asc), ("desc", SortOrder::Desc)] {
        if let Some((rest, _)) = try_kw(i, w) {
            (i, order) = (rest, Some(o));
        }
    }
    let level = TopNestedLevel {
        count,
        of,
        others,
        by,
        order,
    };
    Ok((i, level))
}

/// `top-nested` after the comma that separates levels.
fn try_nested_keyword(i: In) -> Option<In> {
    let (rest, _) = try_kw(i, "top")?;
    if !at_punct(&rest, "-") {
        return None;
    }
    let (rest, _) = try_punct(rest, "-")?;
    try_kw(rest, "nested").map(|(r, _)| r)
}

/// `top-hitters N of Col [by Expr]`
fn top_hitters<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, count) = or_expr(i)?;
    let (i, _) = cut(kw(i, "of"))?;
    let (i, column) = cut(or_expr(i))?;
    let (i, by) = optional_clause(i, "by")?;
    Ok((i, OperatorKind::TopHitters { count, column, by }))
}

/// `sample-distinct N of Col`
fn sample_distinct<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, count) = or_expr(i)?;
    let (i, _) = cut(kw(i, "of"))?;
    let (rest, column) = cut(or_expr(i))?;
    Ok((rest, OperatorKind::SampleDistinct { count, column }))
}

/// `reduce [kind=source] by Expr [with threshold=v, characters="..."]`
fn reduce<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n == "kind")?;
    let (i, _) = kw(i, "by")?;
    let (mut i, by) = cut(or_expr(i))?;
    let mut with = Vec::new();
    if let Some((rest, _)) = try_kw(i, "with") {
        let (rest, w) = cut(comma_list(rest, crate::expr::assign))?;
        (i, with) = (rest, w);
    }
    Ok((i, OperatorKind::Reduce { options, by, with }))
}
