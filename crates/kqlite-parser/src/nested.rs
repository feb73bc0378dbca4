//! Operators that hold sub-queries (operator chains in brackets): `mv-apply`, `partition`,
//! `fork`, `facet`; and `scan` with its steps.

use crate::ast::{ForkBranch, MvApply, OperatorKind, Partition, Scan, ScanStep};
use crate::expr::{comma_list, or_expr};
use crate::lexer::{
    at_punct, closing, cut, delimited, expect, ident, kw, punct, try_kw, try_punct, In, PResult,
};
use crate::operators::{mv_expand_clause, subquery};
use crate::sources::options;

/// `mv-apply [options] Col [to typeof(T)], ... [limit N] on (subquery)`
pub(crate) fn mv_apply<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, expand) = mv_expand_clause(i)?;
    let (i, _) = cut(kw(i, "on"))?;
    let (rest, subquery) = cut(subquery(i))?;
    let apply = MvApply {
        options: expand.options,
        columns: expand.columns,
        limit: expand.limit,
        subquery,
    };
    Ok((rest, OperatorKind::MvApply(apply)))
}

/// `partition [hints] by Col (subquery)`
pub(crate) fn partition<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, options) = options(i, |n| n.starts_with("hint."))?;
    let (i, _) = kw(i, "by")?;
    let (i, column) = cut(ident(i))?;
    let by = crate::ast::Spanned::new(crate::ast::ExprKind::Name(column.node), column.span);
    let (rest, subquery) = cut(subquery(i))?;
    let p = Partition {
        options,
        by,
        subquery,
    };
    Ok((rest, OperatorKind::Partition(p)))
}

/// `fork [name =] (subquery) ...`: at least one branch.
pub(crate) fn fork<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (mut i, first) = fork_branch(i)?;
    let mut branches = vec![first];
    while at_punct(&i, "(") || crate::expr::at_assign(&i) {
        let (rest, b) = fork_branch(i)?;
        branches.push(b);
        i = rest;
    }
    Ok((i, OperatorKind::Fork(branches)))
}

fn fork_branch<'a>(i: In<'a>) -> PResult<'a, ForkBranch> {
    let (i, name) = if crate::expr::at_assign(&i) {
        let (rest, name) = ident(i)?;
        let (rest, _) = punct(rest, "=")?;
        (rest, Some(name))
    } else {
        (i, None)
    };
    let (rest, subquery) = subquery(i)?;
    Ok((rest, ForkBranch { name, subquery }))
}

/// `facet by Col, ... [with (subquery)]`
pub(crate) fn facet<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (i, _) = kw(i, "by")?;
    let (mut i, columns) = cut(comma_list(i, or_expr))?;
    let mut with = Vec::new();
    if let Some((rest, _)) = try_kw(i, "with") {
        let (rest, ops) = cut(subquery(rest))?;
        (i, with) = (rest, ops);
    }
    Ok((i, OperatorKind::Facet { columns, with }))
}

/// `scan [with_match_id=Id] [with_step_name=S] [declare (params)] with (step ...; ...)`
pub(crate) fn scan<'a>(i: In<'a>) -> PResult<'a, OperatorKind> {
    let (mut i, options) = options(i, |n| n.starts_with("with_"))?;
    let mut declare = Vec::new();
    if let Some((rest, _)) = try_kw(i, "declare") {
        let declared = |i| {
            crate::expr::column_name(i)?;
            crate::statements::param(i)
        };
        let (rest, (params, _)) = cut(delimited(rest, "(", ")", declared))?;
        (i, declare) = (rest, params);
    }
    let (i, _) = kw(i, "with")?;
    let (i, open) = expect(i, "(")?;
    let _guard = crate::lexer::enter(&i)?;
    let (mut i, first) = cut(scan_step(i))?;
    let mut steps = vec![first];
    while let Some((rest, _)) = try_punct(i, ";") {
        i = rest;
        if at_punct(&i, ")") {
            break;
        }
        let (rest, step) = cut(scan_step(i))?;
        steps.push(step);
        i = rest;
    }
    let (rest, _) = closing(i, "(", ")", open)?;
    let scan = Scan {
        options,
        declare,
        steps,
    };
    Ok((rest, OperatorKind::Scan(scan)))
}

/// `step Name [output=all|last|none]: condition [=> Col = expr, ...]`
fn scan_step<'a>(i: In<'a>) -> PResult<'a, ScanStep> {
    let (i, _) = kw(i, "step")?;
    let (i, name) = cut(ident(i))?;
    let (i, options) = options(i, |n| n == "output")?;
    let (i, _) = expect(i, ":")?;
    let (mut i, condition) = cut(or_expr(i))?;
    let mut assignments = Vec::new();
    if let Some((rest, _)) = try_punct(i, "=>") {
        let (rest, a) = cut(comma_list(rest, crate::expr::assign))?;
        (i, assignments) = (rest, a);
    }
    let step = ScanStep {
        name,
        options,
        condition,
        assignments,
    };
    Ok((i, step))
}
