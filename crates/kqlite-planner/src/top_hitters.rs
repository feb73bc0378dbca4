//! `top-hitters N of X [by S]`: Kusto estimates the N values of X with the largest count (or
//! sum of S) with a sketch; here they are exact: `summarize` by X, then `top N`. The columns
//! are X and `approximate_count_X` (or `approximate_sum_S`).

use datafusion::logical_expr::LogicalPlan;
use kqlite_parser::{ast, ExprKind, SortKey, SortOrder, Span, Summarize};

use crate::aggregates::{assign, synthetic_call};
use crate::error::{PlanError, PlanResult};
use crate::names::expression_name;
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn top_hitters(
        &mut self,
        plan: LogicalPlan,
        count: &ast::Expr,
        column: &ast::Expr,
        by: Option<&ast::Expr>,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let Some(key) = expression_name(column) else {
            return Err(PlanError::user(
                column.span,
                "top-hitters needs a column after 'of'",
            ));
        };
        let (name, aggregate) = match by {
            Some(sum) => {
                let name = format!(
                    "approximate_sum_{}",
                    expression_name(sum).unwrap_or_default()
                );
                (name, synthetic_call("sum", vec![sum.clone()], span))
            }
            None => (
                format!("approximate_count_{key}"),
                synthetic_call("count", Vec::new(), span),
            ),
        };
        let summarize = Summarize {
            hints: Vec::new(),
            aggregates: vec![assign(&name, aggregate, span)],
            by: vec![column.clone()],
        };
        let grouped = self.summarize(plan, &summarize, span)?;
        let by = SortKey {
            expr: ast::Spanned::new(ExprKind::Name(name), span),
            order: Some(SortOrder::Desc),
            nulls: None,
        };
        let op = ast::Spanned::new(
            kqlite_parser::OperatorKind::Top {
                count: count.clone(),
                by,
            },
            span,
        );
        self.operator(grouped, &op)
    }
}
