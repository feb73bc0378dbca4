//! Printing the operators with sub-structure: `make-series`, `mv-apply`, `top-nested`,
//! `search`, `find`, `scan`, `partition`, `fork`, `facet` and the smaller aggregating ones.

use super::ops::{mv_columns, options, params};
use super::{expr_at, ident, item, items};
use crate::ast::{
    Find, MakeSeries, Operator, OperatorKind, Scan, ScanStep, SortOrder, TopNestedLevel,
};

/// The operators not printed by [`super::ops::print_operator`] itself.
pub(crate) fn operator(op: &OperatorKind) -> String {
    use OperatorKind as K;
    match op {
        K::SampleDistinct { count, column } => {
            format!(
                "sample-distinct {} of {}",
                expr_at(count, 1),
                expr_at(column, 1)
            )
        }
        K::MakeSeries(m) => make_series(m),
        K::MvApply(m) => {
            let mut out = format!("mv-apply {}", mv_columns(&m.options, &m.columns));
            if let Some(limit) = &m.limit {
                out += &format!(" limit {}", expr_at(limit, 1));
            }
            format!("{out} on ({})", chain(&m.subquery))
        }
        K::TopNested(levels) => {
            let levels: Vec<String> = levels.iter().map(top_nested).collect();
            levels.join(", ")
        }
        K::Search(s) => format!("search {}{}", options(&s.options), expr_at(&s.predicate, 1)),
        K::Find(f) => find(f),
        K::Scan(s) => scan(s),
        K::Partition(p) => format!(
            "partition {}by {} ({})",
            options(&p.options),
            expr_at(&p.by, 7),
            chain(&p.subquery)
        ),
        K::Fork(branches) => {
            let branches: Vec<String> = branches
                .iter()
                .map(|b| match &b.name {
                    Some(n) => format!("{} = ({})", ident(&n.node), chain(&b.subquery)),
                    None => format!("({})", chain(&b.subquery)),
                })
                .collect();
            format!("fork {}", branches.join(" "))
        }
        K::Facet { columns, with } => facet(columns, with),
        K::TopHitters { count, column, by } => {
            let mut out = format!(
                "top-hitters {} of {}",
                expr_at(count, 1),
                expr_at(column, 1)
            );
            if let Some(by) = by {
                out += &format!(" by {}", expr_at(by, 1));
            }
            out
        }
        K::Reduce {
            options: o,
            by,
            with,
        } => {
            let mut out = format!("reduce {}by {}", options(o), expr_at(by, 1));
            if !with.is_empty() {
                out += &format!(" with {}", items(with));
            }
            out
        }
        K::Consume(o) => format!("consume {}", options(o)).trim_end().to_string(),
        other => super::ops::print_operator(other),
    }
}

/// `op | op | ...` inside a sub-query's brackets.
fn chain(ops: &[Operator]) -> String {
    let ops: Vec<String> = ops
        .iter()
        .map(|o| super::ops::print_operator(&o.node))
        .collect();
    ops.join(" | ")
}

fn make_series(m: &MakeSeries) -> String {
    let aggregates: Vec<String> = m
        .aggregates
        .iter()
        .map(|a| match &a.default {
            Some(d) => format!("{} default = {}", item(&a.expr, 1), expr_at(d, 1)),
            None => item(&a.expr, 1),
        })
        .collect();
    let mut out = format!(
        "make-series {}{} on {}",
        options(&m.options),
        aggregates.join(", "),
        expr_at(&m.on, 1)
    );
    match (&m.from, &m.to) {
        (Some(from), Some(to)) if m.in_range => {
            let (from, to, step) = (expr_at(from, 1), expr_at(to, 1), expr_at(&m.step, 1));
            out += &format!(" in range({from}, {to}, {step})");
        }
        _ => out += &series_bounds(m),
    }
    if !m.by.is_empty() {
        out += &format!(" by {}", items(&m.by));
    }
    out
}

/// ` [from a] [to b] step s`
fn series_bounds(m: &MakeSeries) -> String {
    let mut out = String::new();
    if let Some(from) = &m.from {
        out += &format!(" from {}", expr_at(from, 1));
    }
    if let Some(to) = &m.to {
        out += &format!(" to {}", expr_at(to, 1));
    }
    out + &format!(" step {}", expr_at(&m.step, 1))
}

fn top_nested(level: &TopNestedLevel) -> String {
    let mut out = "top-nested ".to_string();
    if let Some(n) = &level.count {
        out += &format!("{} ", expr_at(n, 1));
    }
    out += &format!("of {}", item(&level.of, 1));
    if let Some(others) = &level.others {
        out += &format!(" with others = {}", expr_at(others, 1));
    }
    out += &format!(" by {}", item(&level.by, 1));
    match level.order {
        Some(SortOrder::Asc) => out += " asc",
        Some(SortOrder::Desc) => out += " desc",
        None => {}
    }
    out
}

fn find(f: &Find) -> String {
    let mut out = format!(
        "find {}where {}",
        options(&f.options),
        expr_at(&f.predicate, 1)
    );
    if f.project_smart {
        out += " project-smart";
    } else if !f.project.is_empty() {
        out += &format!(" project {}", items(&f.project));
    }
    out
}

fn scan(s: &Scan) -> String {
    let mut out = format!("scan {}", options(&s.options));
    if !s.declare.is_empty() {
        out += &format!("declare ({}) ", params(&s.declare));
    }
    let steps: Vec<String> = s.steps.iter().map(scan_step).collect();
    format!("{out}with ({})", steps.join(" "))
}

fn scan_step(step: &ScanStep) -> String {
    let mut out = format!(
        "step {} {}: {}",
        ident(&step.name.node),
        options(&step.options),
        expr_at(&step.condition, 1)
    );
    if !step.assignments.is_empty() {
        out += &format!(" => {}", items(&step.assignments));
    }
    out + ";"
}

fn facet(columns: &[crate::ast::Expr], with: &[Operator]) -> String {
    let mut out = format!("facet by {}", items(columns));
    if !with.is_empty() {
        out += &format!(" with ({})", chain(with));
    }
    out
}
