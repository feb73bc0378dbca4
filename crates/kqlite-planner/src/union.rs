//! `union`: by column name, `kind=outer` (all columns, missing ones null) or `kind=inner`
//! (common columns), `withsource=Column`, and wildcard table names.

use std::sync::Arc;

use datafusion::logical_expr::{lit, Expr, LogicalPlan, Union as UnionPlan};
use kqlite_parser::{ast, ExprKind, Span, Union};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::join::option_word;
use crate::literals::string;
use crate::names::column_names;
use crate::operators::{kusto_type_name, wildcard_match};
use crate::planner::{Binding, Planner};

impl Planner<'_> {
    /// `union T1, T2` as a source, or `T | union T2` with the pipe input first.
    pub(crate) fn union(
        &mut self,
        input: Option<LogicalPlan>,
        union: &Union,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let source_column = option_word(&union.options, "withsource");
        let inner = option_word(&union.options, "kind").as_deref() == Some("inner");
        // `isfuzzy=true`: a leg that does not resolve (a table that is not there) is left out.
        let fuzzy = option_word(&union.options, "isfuzzy").as_deref() == Some("true");
        let mut legs: Vec<(String, LogicalPlan)> = Vec::new();
        if let Some(plan) = input {
            legs.push((self.leg_name(&plan, 0), plan));
        }
        for table in &union.tables {
            // `search in (A, B)` and `find` name `let` tables by their name; `union` by position.
            let by_name = matches!(source_column.as_deref(), Some("$table" | "source_"));
            let leg = match self.union_leg(table, legs.len(), by_name) {
                Err(_) if fuzzy => continue,
                leg => leg?,
            };
            legs.extend(leg);
        }
        if legs.is_empty() {
            return Err(PlanError::user(span, "union found no tables"));
        }
        let legs = typed_apart(legs, span)?;
        let common = inner.then(|| common_columns(&legs));
        if common.as_ref().is_some_and(Vec::is_empty) {
            return Err(PlanError::user(
                span,
                "union kind=inner: the tables have no column in common",
            ));
        }
        let mut inputs = Vec::with_capacity(legs.len());
        for (name, plan) in legs {
            let source = source_column.as_deref();
            let plan = leg_columns(plan, &name, source, common.as_deref(), span)?;
            inputs.push(Arc::new(plan));
        }
        // One n-ary union: a chain of binary ones grows with the legs, and every optimizer
        // pass walks it (2,000 legs took 47 s).
        let unioned = match inputs.len() {
            1 => Arc::unwrap_or_clone(inputs.pop().expect("one leg")),
            _ => LogicalPlan::Union(UnionPlan::try_new_by_name(inputs).at(span)?),
        };
        // A column one leg lacks is null in its rows: empty, if it is a string.
        crate::planner::kusto_columns(unioned, &[], &[], span)
    }

    /// One table, a subquery, or every table matching a wildcard.
    fn union_leg(
        &mut self,
        table: &ast::Expr,
        index: usize,
        lets_by_name: bool,
    ) -> PlanResult<Vec<(String, LogicalPlan)>> {
        let pattern = match &table.node {
            ExprKind::Name(pattern) if pattern.contains('*') => Some(pattern.as_str()),
            ExprKind::Star => Some("*"),
            _ => None,
        };
        if let Some(pattern) = pattern {
            return self.matching_tables(pattern, table.span);
        }
        match &table.node {
            // Tables and views go by their name; anything else, `let` names included, by its
            // position.
            ExprKind::Name(name)
                if lets_by_name || self.binding(name).is_none() || self.is_view(name) =>
            {
                Ok(vec![(name.clone(), self.tabular(table)?)])
            }
            _ => {
                let plan = self.tabular(table)?;
                Ok(vec![(self.leg_name(&plan, index), plan)])
            }
        }
    }

    /// A leg's name by position (`union_arg0`), or the one `as` gave its rows.
    fn leg_name(&self, plan: &LogicalPlan, index: usize) -> String {
        match self.as_names.iter().rev().find(|(_, named)| named == plan) {
            Some((name, _)) => name.clone(),
            None => format!("union_arg{index}"),
        }
    }
}

impl Planner<'_> {
    /// Whether `name` is a `let` view (`let V = view () {...}`).
    fn is_view(&self, name: &str) -> bool {
        matches!(self.lets.get(name), Some(Binding::Function(f)) if f.view && f.params.is_empty())
    }

    /// Every table whose name `pattern` matches (`*` is any text), in name order.
    fn matching_tables(
        &mut self,
        pattern: &str,
        span: Span,
    ) -> PlanResult<Vec<(String, LogicalPlan)>> {
        let mut names: Vec<String> = self
            .catalog
            .table_names()
            .into_iter()
            .filter(|n| wildcard_match(pattern, n) && !self.lets.contains_key(n))
            .collect();
        // `let` views take part in wildcards (Kusto's docs: "union *" and "search *").
        let views = self
            .lets
            .keys()
            .filter(|n| self.is_view(n) && wildcard_match(pattern, n));
        names.extend(views.cloned().collect::<Vec<_>>());
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let plan = self.tabular(&ast::Spanned::new(ExprKind::Name(n.clone()), span))?;
                Ok((n, plan))
            })
            .collect()
    }
}

/// A column that has different types in different legs becomes one column per type, named
/// with the type as Kusto names it: `x_long`, `x_string`.
fn typed_apart(
    legs: Vec<(String, LogicalPlan)>,
    span: Span,
) -> PlanResult<Vec<(String, LogicalPlan)>> {
    let mut types: std::collections::HashMap<String, Vec<&'static str>> = Default::default();
    for (_, plan) in &legs {
        for field in plan.schema().fields() {
            let t = kusto_type_name(field.data_type());
            let seen = types.entry(field.name().clone()).or_default();
            if !seen.contains(&t) {
                seen.push(t);
            }
        }
    }
    let clashing = |name: &str| types.get(name).is_some_and(|t| t.len() > 1);
    // `x` of type long becomes `x_long`, or `x_long1` where a leg has a column `x_long`.
    let typed_name = |name: &str, t: &str| {
        let base = format!("{name}_{t}");
        std::iter::once(base.clone())
            .chain((1..).map(|i| format!("{base}{i}")))
            .find(|n| !types.contains_key(n))
            .expect("unbounded")
    };
    legs.into_iter()
        .map(|(leg, plan)| {
            if !plan.schema().fields().iter().any(|f| clashing(f.name())) {
                return Ok((leg, plan));
            }
            let exprs: Vec<Expr> = plan
                .schema()
                .iter()
                .map(|(q, f)| {
                    let column = Expr::Column((q, f).into());
                    if clashing(f.name()) {
                        column.alias(typed_name(f.name(), kusto_type_name(f.data_type())))
                    } else {
                        column
                    }
                })
                .collect();
            let plan = crate::projection::project(plan, exprs, span)?;
            Ok((leg, plan))
        })
        .collect()
}

fn common_columns(legs: &[(String, LogicalPlan)]) -> Vec<String> {
    let mut common = column_names(legs[0].1.schema());
    for (_, plan) in &legs[1..] {
        let names = column_names(plan.schema());
        common.retain(|c| names.contains(c));
    }
    common
}

/// The leg's columns for the union: the source name first when asked, then its own (or only the
/// common ones), unqualified.
fn leg_columns(
    plan: LogicalPlan,
    name: &str,
    source_column: Option<&str>,
    only: Option<&[String]>,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let mut exprs: Vec<Expr> = Vec::new();
    if let Some(column) = source_column {
        exprs.push(lit(string(name)).alias(column));
    }
    for (qualifier, field) in plan.schema().iter() {
        if only.is_none_or(|names| names.contains(field.name())) {
            exprs.push(Expr::Column((qualifier, field).into()).alias(field.name()));
        }
    }
    crate::projection::project(plan, exprs, span)
}
