//! Subqueries run per group, as one plan: each operator is kept to its own group
//! (`summarize` and `distinct` group by it, `take` and `top` keep N rows per group).
//! `mv-apply` groups by source row: rows are numbered, expanded with `mv-expand`, and the
//! source columns the subquery drops are joined back by row number. `partition by K` groups
//! by the values of `K`.

use std::sync::Arc;

use datafusion::common::{Column, JoinType};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::{
    col, lit, Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, SortExpr, Union,
};
use kqlite_parser::{ast, ExprKind, MvApply, MvExpand, OperatorKind, SortKey, Span};

use crate::error::{build, PlanError, PlanResult, WithSpan};
use crate::mv_expand::expansion_name;
use crate::names::column_names;
use crate::planner::Planner;
use crate::window::first_rows_per_group;

/// The source row number, carried through the subquery.
const ROW: &str = "__kql_apply_row";

impl Planner<'_> {
    pub(crate) fn mv_apply(
        &mut self,
        plan: LogicalPlan,
        apply: &MvApply,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let expanded_names: Vec<String> = apply
            .columns
            .iter()
            .map(|c| expansion_name(&c.expr, plan.schema()).0)
            .collect();
        let numbered = number_rows(plan, span)?;
        let expand = MvExpand {
            options: apply.options.clone(),
            columns: apply.columns.clone(),
            limit: apply.limit.clone(),
        };
        let expanded = self.mv_expand(numbered.clone(), &expand, span)?;
        let mut sub = expanded.clone();
        let mut order: Vec<SortExpr> = Vec::new();
        for op in &apply.subquery {
            sub = self.per_group_operator(sub, op, &mut order, ROW)?;
        }
        if one_row_per_record(&apply.subquery) {
            sub = self.with_empty_records(&numbered, expanded, sub, &apply.subquery, span)?;
        }
        let kept: Vec<String> = column_names(numbered.schema())
            .into_iter()
            .filter(|n| n != ROW && !expanded_names.contains(n))
            .collect();
        join_source_columns(numbered, sub, &kept, span)
    }

    /// `partition by K (subquery)`: the subquery run within each value of `K`.
    pub(crate) fn partition(
        &mut self,
        plan: LogicalPlan,
        partition: &kqlite_parser::Partition,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        const GROUP: &str = "__kql_partition";
        let key = self.scalar(&partition.by, plan.schema())?;
        let mut sub = crate::projection::with_column(plan, key.alias(GROUP), span)?;
        let mut order: Vec<SortExpr> = Vec::new();
        for op in &partition.subquery {
            sub = self.per_group_operator(sub, op, &mut order, GROUP)?;
        }
        let kept: Vec<Expr> = column_names(sub.schema())
            .into_iter()
            .filter(|n| n != GROUP)
            .map(|n| col(Column::from_name(n)))
            .collect();
        crate::projection::project(sub, kept, span)
    }

    /// One subquery operator, confined to the rows of each group (the values of `group`).
    fn per_group_operator(
        &mut self,
        plan: LogicalPlan,
        op: &ast::Operator,
        order: &mut Vec<SortExpr>,
        group: &str,
    ) -> PlanResult<LogicalPlan> {
        let span = op.span;
        let row = || ast::Spanned::new(ExprKind::Name(group.to_string()), span);
        let with_row = |items: &[ast::Expr]| {
            let mut items = items.to_vec();
            items.push(row());
            items
        };
        let kind = match &op.node {
            OperatorKind::Sort(keys) => {
                // Sorted in the plan too, so that a later make_list() follows the order.
                *order = self.sort_exprs(plan.schema(), keys)?;
                return build(LogicalPlanBuilder::from(plan).sort(order.clone()), span);
            }
            OperatorKind::Take(n) => {
                let rows = self.row_count(n)?;
                // Unsorted, the rows come as they are (every row of a group ties).
                let order = match order.is_empty() {
                    true => vec![col(group).sort(true, true)],
                    false => order.clone(),
                };
                return first_rows_per_group(plan, vec![col(group)], order, rows, span);
            }
            OperatorKind::Top { count, by } => {
                let rows = self.row_count(count)?;
                let keys = self.sort_exprs(plan.schema(), std::slice::from_ref::<SortKey>(by))?;
                return first_rows_per_group(plan, vec![col(group)], keys, rows, span);
            }
            OperatorKind::Project(items) => OperatorKind::Project(with_row(items)),
            OperatorKind::ProjectKeep(items) => OperatorKind::ProjectKeep(with_row(items)),
            OperatorKind::Distinct(items) if !is_star(items) => {
                OperatorKind::Distinct(with_row(items))
            }
            OperatorKind::Summarize(summarize) => {
                let mut summarize = summarize.clone();
                summarize.by.push(row());
                OperatorKind::Summarize(summarize)
            }
            OperatorKind::Count => OperatorKind::Summarize(kqlite_parser::Summarize {
                hints: Vec::new(),
                aggregates: vec![count_call(span)],
                by: vec![row()],
            }),
            OperatorKind::Where(_)
            | OperatorKind::Extend(_)
            | OperatorKind::ProjectAway(_)
            | OperatorKind::ProjectRename(_)
            | OperatorKind::ProjectReorder(_)
            | OperatorKind::Distinct(_)
            | OperatorKind::MvExpand(_)
            | OperatorKind::Parse(_) => op.node.clone(),
            _ => {
                return Err(PlanError::not_supported(
                    span,
                    format!(
                        "{} inside mv-apply or partition",
                        crate::operators::operator_name(&op.node)
                    ),
                ))
            }
        };
        // Window functions (row_number(), prev()...) count within the group.
        let outer = std::mem::replace(&mut self.window_partition, vec![col(group)]);
        let result = self.operator(plan, &ast::Spanned::new(kind, span));
        self.window_partition = outer;
        result
    }
}

impl Planner<'_> {
    /// A subquery ending in a `summarize` without `by` (or `count`) gives every record one
    /// row, also a record whose items it filtered all away: Kusto's summarize of nothing is
    /// one row (`count()` 0, `make_list` `[]`). Those records get the subquery's answer over
    /// no rows.
    fn with_empty_records(
        &mut self,
        numbered: &LogicalPlan,
        expanded: LogicalPlan,
        sub: LogicalPlan,
        subquery: &[ast::Operator],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let mut empty = build(LogicalPlanBuilder::from(expanded).filter(lit(false)), span)?;
        for op in subquery {
            empty = self.operator(empty, op)?;
        }
        let records = build(
            LogicalPlanBuilder::from(numbered.clone()).project(vec![col(ROW)]),
            span,
        )?;
        let missing = build(
            LogicalPlanBuilder::from(records).join(
                sub.clone(),
                JoinType::LeftAnti,
                (vec![Column::from_name(ROW)], vec![Column::from_name(ROW)]),
                None,
            ),
            span,
        )?;
        let filled = build(LogicalPlanBuilder::from(missing).cross_join(empty), span)?;
        let names = column_names(sub.schema());
        let unqualified = |plan: LogicalPlan| {
            let columns = names
                .iter()
                .map(|n| col(Column::from_name(n.clone())))
                .collect();
            crate::projection::project(plan, columns, span)
        };
        let legs = vec![Arc::new(unqualified(sub)?), Arc::new(unqualified(filled)?)];
        Ok(LogicalPlan::Union(Union::try_new_by_name(legs).at(span)?))
    }
}

/// Whether the subquery's last grouping is a `summarize` without `by` (or `count`), with only
/// row-for-row operators after it.
fn one_row_per_record(subquery: &[ast::Operator]) -> bool {
    let Some(last) = subquery
        .iter()
        .rposition(|op| matches!(&op.node, OperatorKind::Summarize(_) | OperatorKind::Count))
    else {
        return false;
    };
    let ungrouped = match &subquery[last].node {
        OperatorKind::Summarize(s) => s.by.is_empty(),
        _ => true,
    };
    let row_for_row = subquery[last + 1..].iter().all(|op| {
        matches!(
            op.node,
            OperatorKind::Extend(_)
                | OperatorKind::Project(_)
                | OperatorKind::ProjectAway(_)
                | OperatorKind::ProjectKeep(_)
                | OperatorKind::ProjectRename(_)
                | OperatorKind::ProjectReorder(_)
        )
    });
    ungrouped && row_for_row
}

fn is_star(items: &[ast::Expr]) -> bool {
    items.iter().any(|i| matches!(i.node, ExprKind::Star))
}

/// `Count = count()`
fn count_call(span: Span) -> ast::Expr {
    let call = ExprKind::Call {
        name: ast::Spanned::new("count".to_string(), span),
        args: Vec::new(),
    };
    ast::Spanned::new(
        ExprKind::Assign {
            name: ast::Spanned::new("Count".to_string(), span),
            value: Box::new(ast::Spanned::new(call, span)),
        },
        span,
    )
}

/// Numbers the rows by all their columns: the numbering is read twice (expanded, and joined
/// back), and both reads must agree whatever order the rows arrive in. Rows that tie are
/// equal, so which of them gets which number does not matter.
fn number_rows(plan: LogicalPlan, span: Span) -> PlanResult<LogicalPlan> {
    let order: Vec<SortExpr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(|c| Expr::Column(c).sort(true, true))
        .collect();
    let numbered = row_number()
        .order_by(order)
        .build()
        .map_err(|e| PlanError::engine(span, e))?;
    build(
        LogicalPlanBuilder::from(plan).window(vec![numbered.alias(ROW)]),
        span,
    )
}

/// The subquery's rows with the source columns it no longer has, joined back by row number:
/// the source columns first, then the subquery's own.
fn join_source_columns(
    numbered: LogicalPlan,
    sub: LogicalPlan,
    kept: &[String],
    span: Span,
) -> PlanResult<LogicalPlan> {
    let sub_names = column_names(sub.schema());
    let own: Vec<String> = sub_names
        .iter()
        .filter(|n| *n != ROW && !kept.contains(n))
        .cloned()
        .collect();
    if kept.iter().all(|k| sub_names.contains(k)) {
        let columns: Vec<Expr> = sub_names
            .iter()
            .filter(|n| *n != ROW)
            .map(|n| col(Column::from_name(n.clone())))
            .collect();
        return crate::projection::project(sub, columns, span);
    }
    let source_alias = "__kql_apply_source";
    let mut source_columns: Vec<Expr> = vec![col(ROW)];
    source_columns.extend(kept.iter().map(|k| col(Column::from_name(k.clone()))));
    let source = build(
        LogicalPlanBuilder::from(numbered)
            .project(source_columns)
            .and_then(|b| b.alias(source_alias)),
        span,
    )?;
    let sub_alias = "__kql_apply_sub";
    let sub = build(LogicalPlanBuilder::from(sub).alias(sub_alias), span)?;
    let joined = build(
        LogicalPlanBuilder::from(source).join(
            sub,
            JoinType::Inner,
            (
                vec![Column::new(Some(source_alias), ROW)],
                vec![Column::new(Some(sub_alias), ROW)],
            ),
            None,
        ),
        span,
    )?;
    let mut output: Vec<Expr> = kept
        .iter()
        .map(|k| col(Column::new(Some(source_alias), k)).alias(k))
        .collect();
    output.extend(
        own.iter()
            .map(|n| col(Column::new(Some(sub_alias), n)).alias(n)),
    );
    crate::projection::project(joined, output, span)
}
