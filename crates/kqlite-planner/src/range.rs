//! `range Column from start to stop step step`: numbers or datetimes, stop included.

use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano};
use datafusion::common::{Column, DFSchema, ScalarValue, UnnestOptions};
use datafusion::functions_nested::expr_fn::gen_series;
use datafusion::logical_expr::{
    cast, col, lit, Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder,
};
use kqlite_parser::{ast, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn range(
        &mut self,
        column: &ast::Ident,
        from: &ast::Expr,
        to: &ast::Expr,
        step: &ast::Expr,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let empty = DFSchema::empty();
        let start = self.scalar(from, &empty)?;
        let stop = self.scalar(to, &empty)?;
        let step = self.scalar(step, &empty)?;
        let series = match start.get_type(&empty).at(span)? {
            DataType::Timestamp(..) => gen_series(start, stop, interval(step, span)?),
            t if t.is_numeric() => {
                let long = |e: Expr| cast(e, DataType::Int64);
                gen_series(long(start), long(stop), long(step))
            }
            other => {
                return Err(PlanError::user(
                    span,
                    format!("range needs numbers or datetimes, found {other}"),
                ))
            }
        };
        let name = column.node.as_str();
        LogicalPlanBuilder::empty(true)
            .project(vec![series.alias(name)])
            .and_then(|b| {
                b.unnest_columns_with_options(
                    vec![Column::from_name(name)],
                    UnnestOptions::default(),
                )
            })
            .and_then(|b| b.project(vec![col(Column::from_name(name))]))
            .and_then(|b| b.build())
            .at(span)
    }
}

/// A constant timespan as the interval `gen_series` steps datetimes by.
fn interval(step: Expr, span: Span) -> PlanResult<Expr> {
    match step {
        Expr::Literal(ScalarValue::DurationNanosecond(Some(ns)), _) if ns != 0 => Ok(lit(
            ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(0, 0, ns))),
        )),
        _ => Err(PlanError::user(
            span,
            "a datetime range needs a non-zero constant timespan step such as 1d",
        )),
    }
}
