//! `sample N` and `sample-distinct N of Col`: rows (or values) picked at random. The engine
//! keeps the N rows with the smallest random keys (a top-N, not a sort of every row).

use datafusion::functions::expr_fn::random;
use datafusion::logical_expr::{col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, Span};

use crate::error::{build, PlanResult};
use crate::names::column_names;
use crate::planner::Planner;

/// The random key each row is ordered by, dropped afterwards.
const KEY: &str = "__kql_sample_key";

impl Planner<'_> {
    /// `sample N`: N rows at random (all of them when there are fewer).
    pub(crate) fn sample(
        &mut self,
        plan: LogicalPlan,
        count: &ast::Expr,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let rows = self.row_count(count)?;
        let names = column_names(plan.schema());
        let keyed = crate::projection::with_column(plan, random().alias(KEY), span)?;
        let picked = build(
            LogicalPlanBuilder::from(keyed)
                .sort(vec![col(KEY).sort(true, false)])
                .and_then(|b| b.limit(0, Some(rows))),
            span,
        )?;
        let columns: Vec<Expr> = names
            .into_iter()
            .map(|n| col(datafusion::common::Column::from_name(n)))
            .collect();
        crate::projection::project(picked, columns, span)
    }

    /// `sample-distinct N of Col`: N distinct values of `Col` at random, as one column.
    pub(crate) fn sample_distinct(
        &mut self,
        plan: LogicalPlan,
        count: &ast::Expr,
        column: &ast::Expr,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let distinct = self.distinct(plan, std::slice::from_ref(column), span)?;
        self.sample(distinct, count, span)
    }
}
