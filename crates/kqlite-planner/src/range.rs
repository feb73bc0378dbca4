//! `range Column from start to stop step step`: numbers or datetimes, stop included.

use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano};
use datafusion::common::{Column, DFSchema, ScalarValue, UnnestOptions};
use datafusion::functions_nested::expr_fn::gen_series;
use datafusion::logical_expr::{
    cast, col, lit, Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder,
};
use kqlite_parser::{ast, Span};
use std::sync::Arc;

use datafusion::catalog::default_table_source::provider_as_source;
use datafusion::catalog::TableProvider;

use crate::range_rows::RangeRows;

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
        if let Some(rows) = self.constant_range(column, [from, to, step], span)? {
            let (name, rows) = rows;
            let scan = LogicalPlanBuilder::scan(name, provider_as_source(rows), None)
                .and_then(|b| b.build())
                .at(span)?;
            return crate::serial::serialized(scan).at(span);
        }
        let empty = DFSchema::empty();
        let start = self.scalar(from, &empty)?;
        let stop = self.scalar(to, &empty)?;
        let step = self.scalar(step, &empty)?;
        let types = [&start, &stop, &step].map(|e| e.get_type(&empty));
        let real = types.iter().any(
            |t| matches!(t, Ok(t) if t.is_floating() || matches!(t, DataType::Decimal128(..))),
        );
        if real {
            return real_range(column.node.as_str(), start, stop, step, span);
        }
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

impl Planner<'_> {
    /// The rows of a range whose bounds fold to longs, datetimes or timespans (`None` when
    /// they do not: bounds from a subquery), made as they are read.
    fn constant_range(
        &mut self,
        column: &ast::Ident,
        bounds: [&ast::Expr; 3],
        span: Span,
    ) -> PlanResult<Option<(String, Arc<dyn TableProvider>)>> {
        let mut values = Vec::with_capacity(3);
        for bound in bounds {
            match self.constant(bound) {
                Ok(value) => values.push(value),
                Err(_) => return Ok(None),
            }
        }
        let Some((data_type, [start, stop, step])) = counts(&values) else {
            return Ok(None);
        };
        if step == 0 {
            return Err(PlanError::user(span, "range needs a non-zero step"));
        }
        let rows = RangeRows::new(&column.node, data_type, start, stop, step);
        let name = rows.table_name();
        rows.into_table().at(span).map(|table| Some((name, table)))
    }
}

/// The bounds as 64-bit counts and the column's type: longs (from ints or longs), datetimes
/// stepped by a timespan, or timespans.
fn counts(values: &[ScalarValue]) -> Option<(DataType, [i64; 3])> {
    use ScalarValue::{DurationNanosecond as Span, Int32, Int64, TimestampNanosecond as Time};
    let long = |v: &ScalarValue| match v {
        Int64(Some(n)) => Some(*n),
        Int32(Some(n)) => Some(i64::from(*n)),
        _ => None,
    };
    match values {
        [a, b, s] if [a, b, s].iter().all(|v| long(v).is_some()) => {
            Some((DataType::Int64, [long(a)?, long(b)?, long(s)?]))
        }
        [Time(Some(a), _), Time(Some(b), _), Span(Some(s))] => {
            Some((values[0].data_type(), [*a, *b, *s]))
        }
        [Span(Some(a)), Span(Some(b)), Span(Some(s))] => {
            Some((values[0].data_type(), [*a, *b, *s]))
        }
        _ => None,
    }
}

/// A range of reals: `start + i * step` for each `i` from 0 while the value stays within
/// `stop` (counted once, so that a long range does not gather rounding errors).
fn real_range(
    name: &str,
    start: Expr,
    stop: Expr,
    step: Expr,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let real = |e: Expr| cast(e, DataType::Float64);
    if matches!(&step, Expr::Literal(v, _) if v.is_null() || v == &ScalarValue::Float64(Some(0.0)))
    {
        return Err(PlanError::user(span, "range needs a non-zero step"));
    }
    let steps = (real(stop) - real(start.clone())) / real(step.clone());
    let last = cast(
        datafusion::functions::math::expr_fn::floor(steps),
        DataType::Int64,
    );
    let index = "__kql_range_index";
    LogicalPlanBuilder::empty(true)
        .project(vec![gen_series(lit(0i64), last, lit(1i64)).alias(index)])
        .and_then(|b| {
            b.unnest_columns_with_options(vec![Column::from_name(index)], UnnestOptions::default())
        })
        .and_then(|b| {
            let i = real(col(Column::from_name(index)));
            b.project(vec![(real(start) + i * real(step)).alias(name)])
        })
        .and_then(|b| b.build())
        .at(span)
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
