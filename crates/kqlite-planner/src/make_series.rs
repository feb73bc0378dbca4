//! `make-series`: per group, one dense array per aggregate over the bins `from`, `from + step`,
//! ... before `to`, with `default` (0 unless given) where a bin has no row, and the bins' start
//! times as the axis column. Rows are binned and aggregated with `summarize`; each group's
//! (bin, value) pairs are collected in bin order and laid out by the `kql_series_fill` kernel.
//! Without `from`/`to`, the range is the data's, read while planning.

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::functions::expr_fn::floor;
use datafusion::functions_aggregate::expr_fn::{array_agg, max, min};
use datafusion::logical_expr::{
    cast, col, lit, Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, ScalarUDF,
};
use kqlite_parser::{ast, ExprKind, MakeSeries, Span, Summarize};

use crate::error::{build, PlanError, PlanResult, WithSpan};
use crate::join::option_word;
use crate::kernels::SeriesFill;
use crate::names::column_names;
use crate::planner::Planner;

/// A row's bin: its position in the series.
const BIN: &str = "__kql_series_bin";

impl Planner<'_> {
    pub(crate) fn make_series(
        &mut self,
        plan: LogicalPlan,
        series: &MakeSeries,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let ExprKind::Name(axis_name) = &series.on.node else {
            return Err(PlanError::user(
                series.on.span,
                "make-series needs a column after 'on'",
            ));
        };
        let axis = self.scalar(&series.on, plan.schema())?;
        let kind = Axis::of(&self.type_of(&axis, plan.schema(), span)?);
        let time = kind != Axis::Number;
        let axis = if time {
            cast(axis, DataType::Int64)
        } else {
            cast(axis, DataType::Float64)
        };
        let step = self.series_step(&series.step, time)?;
        let (from, to) = self.series_range(&plan, series, (&axis, kind), step, span)?;
        let bins = if to > from {
            ((to - from) / step).ceil()
        } else {
            0.0
        };
        if bins > MAX_BINS as f64 {
            return Err(PlanError::user(
                series.step.span,
                format!(
                    "make-series would make {bins} bins per series; kqlite makes at most \
                     {MAX_BINS}: use a larger step or a shorter range"
                ),
            ));
        }
        let bins = bins as i64;
        let bound = |v: f64| {
            if time {
                lit(v as i64)
            } else {
                lit(v)
            }
        };
        // A range with no bin has no series at all.
        let in_range = axis
            .clone()
            .gt_eq(bound(from))
            .and(axis.clone().lt(bound(to)))
            .and(lit(bins > 0));
        let mut columns: Vec<Expr> = column_names(plan.schema())
            .into_iter()
            .map(|n| col(Column::from_name(n)))
            .collect();
        let position = (cast(axis, DataType::Float64) - lit(from)) / lit(step);
        columns.push(cast(floor(position), DataType::Int64).alias(BIN));
        let binned = build(
            LogicalPlanBuilder::from(plan)
                .filter(in_range)
                .and_then(|b| b.project(columns)),
            span,
        )?;

        let names = aggregate_names(series)?;
        let mut by = series.by.clone();
        by.push(ast::Spanned::new(ExprKind::Name(BIN.to_string()), span));
        let summarize = Summarize {
            hints: Vec::new(),
            aggregates: series
                .aggregates
                .iter()
                .zip(&names)
                .map(|(a, name)| named(name, &a.expr, span))
                .collect(),
            by,
        };
        let per_bin = self.summarize(binned, &summarize, span)?;
        let keys: Vec<String> = column_names(per_bin.schema())[..series.by.len()].to_vec();

        let in_order = vec![col(BIN).sort(true, false)];
        let list = |name: &str, alias: String| {
            array_agg(col(Column::from_name(name)))
                .order_by(in_order.clone())
                .build()
                .at(span)
                .map(|e| e.alias(alias))
        };
        let mut lists = vec![list(BIN, "__kql_series_bins".to_string())?];
        for (i, name) in names.iter().enumerate() {
            lists.push(list(name, format!("__kql_series_{i}"))?);
        }
        let key_exprs: Vec<Expr> = keys
            .iter()
            .map(|k| col(Column::from_name(k.clone())))
            .collect();
        let grouped = build(
            LogicalPlanBuilder::from(per_bin).aggregate(key_exprs.clone(), lists),
            span,
        )?;

        let fill = ScalarUDF::new_from_impl(SeriesFill::default());
        let mut output = key_exprs;
        for (i, (name, aggregate)) in names.iter().zip(&series.aggregates).enumerate() {
            let default = match &aggregate.default {
                Some(d) => self.constant(d)?,
                None => ScalarValue::Int64(Some(0)),
            };
            output.push(
                fill.call(vec![
                    col(Column::from_name("__kql_series_bins")),
                    col(Column::from_name(format!("__kql_series_{i}"))),
                    lit(bins),
                    lit(default),
                ])
                .alias(name),
            );
        }
        let integral = !time && [from, step].iter().all(|v| v.fract() == 0.0);
        let axis_values = axis_json(from, step, bins, kind, integral);
        output.push(lit(ScalarValue::LargeUtf8(Some(axis_values))).alias(axis_name));
        // A range with no bin makes no series, not one empty series; no row makes none
        // either, unless `kind=nonempty` asks for the defaults.
        let mut kept = lit(bins > 0);
        if option_word(&series.options, "kind").as_deref() != Some("nonempty") {
            kept = kept.and(col("__kql_series_bins").is_not_null());
        }
        build(
            LogicalPlanBuilder::from(grouped)
                .filter(kept)
                .and_then(|b| b.project(output)),
            span,
        )
    }

    /// The step: a positive timespan (in nanoseconds) on a datetime or timespan axis, a
    /// positive number on a numeric one.
    fn series_step(&mut self, step: &ast::Expr, time: bool) -> PlanResult<f64> {
        let value = match self.constant(step)? {
            ScalarValue::DurationNanosecond(Some(ns)) if time => ns as f64,
            ScalarValue::Int64(Some(n)) if !time => n as f64,
            ScalarValue::Int32(Some(n)) if !time => n as f64,
            ScalarValue::Float64(Some(n)) if !time => n,
            _ => 0.0,
        };
        if value > 0.0 {
            return Ok(value);
        }
        let wanted = if time { "timespan" } else { "number" };
        Err(PlanError::user(
            step.span,
            format!("make-series needs a positive {wanted} step"),
        ))
    }

    /// `from` and `to` (nanoseconds on a time axis): given, or the data's first bin and the
    /// bin after its last.
    fn series_range(
        &mut self,
        plan: &LogicalPlan,
        series: &MakeSeries,
        (axis, kind): (&Expr, Axis),
        step: f64,
        span: Span,
    ) -> PlanResult<(f64, f64)> {
        let given = |planner: &mut Self, e: &Option<ast::Expr>| -> PlanResult<Option<f64>> {
            let Some(e) = e else { return Ok(None) };
            match planner.constant(e)? {
                ScalarValue::TimestampNanosecond(Some(v), _) => Ok(Some(v as f64)),
                ScalarValue::DurationNanosecond(Some(v)) => Ok(Some(v as f64)),
                ScalarValue::Int64(Some(v)) => Ok(Some(v as f64)),
                ScalarValue::Int32(Some(v)) => Ok(Some(v as f64)),
                ScalarValue::Float64(Some(v)) => Ok(Some(v)),
                _ => Err(PlanError::user(e.span, "make-series needs a constant here")),
            }
        };
        let (from, to) = (given(self, &series.from)?, given(self, &series.to)?);
        if let (Some(from), Some(to)) = (from, to) {
            if series.in_range {
                let bin = |v: f64| v - (v - origin(kind, step)).rem_euclid(step);
                return Ok((bin(from), bin(to) + step));
            }
            return Ok((from, to));
        }
        let bounds = build(
            LogicalPlanBuilder::from(plan.clone()).aggregate(
                Vec::<Expr>::new(),
                vec![
                    cast(min(axis.clone()), DataType::Float64).alias("first"),
                    cast(max(axis.clone()), DataType::Float64).alias("last"),
                ],
            ),
            span,
        )?;
        let batches = self
            .catalog
            .evaluate(&bounds)
            .map_err(|message| PlanError::user(span, message))?;
        let value = |column: usize| {
            batches.iter().find(|b| b.num_rows() > 0).and_then(|b| {
                let a = b
                    .column(column)
                    .as_any()
                    .downcast_ref::<datafusion::arrow::array::Float64Array>()?;
                a.is_valid(0).then(|| a.value(0))
            })
        };
        let first = from.or_else(|| value(0).map(|v| v.div_euclid(step) * step));
        let last = to.or_else(|| value(1).map(|v| (v.div_euclid(step) + 1.0) * step));
        Ok((first.unwrap_or(0.0), last.unwrap_or(0.0)))
    }
}

/// What the axis holds; a time axis is read as nanoseconds (Int64), a numeric one as reals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    Number,
    Datetime,
    Timespan,
}

impl Axis {
    fn of(t: &DataType) -> Axis {
        match t {
            DataType::Timestamp(..) => Axis::Datetime,
            DataType::Duration(..) => Axis::Timespan,
            _ => Axis::Number,
        }
    }
}

/// Where `bin()` counts its bins from: 0, or on a datetime axis 0001-01-01.
fn origin(kind: Axis, step: f64) -> f64 {
    match kind {
        Axis::Datetime => crate::functions::datetime::kusto_origin(step as i64) as f64,
        _ => 0.0,
    }
}

/// The most bins one series may have: every group holds each aggregate's whole series in
/// memory (8 bytes a bin), so a step of 1 tick over a year would ask for petabytes.
const MAX_BINS: i64 = 1 << 20;

/// Each aggregate's output name: `Name = agg(...)`, or Kusto's default (`count_`, `avg_X`).
fn aggregate_names(series: &MakeSeries) -> PlanResult<Vec<String>> {
    series
        .aggregates
        .iter()
        .map(|a| match &a.expr.node {
            ExprKind::Assign { name, .. } => Ok(name.node.clone()),
            _ => crate::aggregates::default_name(&a.expr)
                .ok_or_else(|| PlanError::user(a.expr.span, "expected an aggregate")),
        })
        .collect()
}

fn named(name: &str, expr: &ast::Expr, span: Span) -> ast::Expr {
    let value = match &expr.node {
        ExprKind::Assign { value, .. } => value.as_ref().clone(),
        _ => expr.clone(),
    };
    ast::Spanned::new(
        ExprKind::Assign {
            name: ast::Spanned::new(name.to_string(), span),
            value: Box::new(value),
        },
        span,
    )
}

/// The bins' starts as a JSON array: datetimes and timespans as Kusto writes them, or numbers.
fn axis_json(from: f64, step: f64, bins: i64, kind: Axis, integral: bool) -> String {
    let values: Vec<String> = (0..bins)
        .map(|i| {
            let start = from + i as f64 * step;
            let mut text = String::new();
            match kind {
                Axis::Number if integral => return (start as i64).to_string(),
                Axis::Number => return start.to_string(),
                Axis::Datetime => crate::kernels::time::push_datetime(start as i64, &mut text),
                Axis::Timespan => crate::kernels::time::push_timespan(start as i64, &mut text),
            }
            format!("\"{text}\"")
        })
        .collect();
    format!("[{}]", values.join(","))
}
