//! `row_number()`, `prev()` and `next()` over the serialized row order, and the window plan
//! that computes them before a projection.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions_window::expr_fn::{lag, lead, row_number};
use datafusion::logical_expr::utils::find_window_exprs;
use datafusion::logical_expr::{col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::check_arity;
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn window_call(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        if name == "row_number" {
            check_arity(name, args, 0, 0, span)?;
            return Ok(row_number());
        }
        check_arity(name, args, 1, 3, span)?;
        let value = self.scalar(&args[0], schema)?;
        let offset = match args.get(1) {
            Some(n) => self.row_count(n)? as i64,
            None => 1,
        };
        let default = match args.get(2) {
            Some(d) => Some(constant(self.scalar(d, schema)?, d.span)?),
            None => None,
        };
        Ok(if name == "prev" {
            lag(value, Some(offset), default)
        } else {
            lead(value, Some(offset), default)
        })
    }
}

fn constant(expr: Expr, span: Span) -> PlanResult<ScalarValue> {
    match expr {
        Expr::Literal(value, _) => Ok(value),
        _ => Err(PlanError::user(
            span,
            "the default of prev()/next() must be a constant",
        )),
    }
}

/// Computes the window functions used by `exprs` in a window plan under `plan`, and rewrites
/// `exprs` to read their results.
pub(crate) fn with_windows(
    plan: LogicalPlan,
    exprs: Vec<Expr>,
    span: Span,
) -> PlanResult<(LogicalPlan, Vec<Expr>)> {
    let windows = find_window_exprs(&exprs);
    if windows.is_empty() {
        return Ok((plan, exprs));
    }
    let plan = LogicalPlanBuilder::window_plan(plan, windows.clone()).at(span)?;
    let rewritten = exprs
        .into_iter()
        .map(|expr| {
            expr.transform_up(|node| {
                Ok(match windows.iter().find(|w| **w == node) {
                    Some(w) => {
                        Transformed::yes(col(Column::from_name(w.schema_name().to_string())))
                    }
                    None => Transformed::no(node),
                })
            })
            .map(|t| t.data)
            .at(span)
        })
        .collect::<PlanResult<Vec<_>>>()?;
    Ok((plan, rewritten))
}

/// The first `rows` rows of each group of `partition`, in `order`: a row number per group,
/// then a filter on it. The input's columns only.
pub(crate) fn first_rows_per_group(
    plan: LogicalPlan,
    partition: Vec<Expr>,
    order: Vec<datafusion::logical_expr::SortExpr>,
    rows: usize,
    span: Span,
) -> PlanResult<LogicalPlan> {
    use datafusion::logical_expr::{lit, ExprFunctionExt};
    const RANK: &str = "__kql_rank";
    let columns: Vec<Expr> = plan
        .schema()
        .fields()
        .iter()
        .map(|f| col(Column::from_name(f.name().clone())))
        .collect();
    let rank = row_number()
        .partition_by(partition)
        .order_by(order)
        .build()
        .at(span)?
        .alias(RANK);
    let ranked = crate::error::build(LogicalPlanBuilder::from(plan).window(vec![rank]), span)?;
    let kept = crate::error::build(
        LogicalPlanBuilder::from(ranked).filter(col(RANK).lt_eq(lit(rows as u64))),
        span,
    )?;
    crate::error::build(LogicalPlanBuilder::from(kept).project(columns), span)
}
