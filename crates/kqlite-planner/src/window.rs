//! The window functions of a serialized row set (`row_number`, `prev`, `next`,
//! `row_cumsum`, `row_rank_dense`, `row_rank_min`, `row_window_session`), and the window plans that compute them
//! before a projection.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, ScalarValue};
use datafusion::functions_aggregate::expr_fn::{max, sum};
use datafusion::functions_window::expr_fn::{lag, lead, row_number};
use datafusion::logical_expr::expr::WindowFunction;
use datafusion::logical_expr::expr_rewriter::normalize_col;
use datafusion::logical_expr::utils::find_window_exprs;
use datafusion::logical_expr::{
    cast, col, lit, when, Expr, ExprFunctionExt, LogicalPlan, LogicalPlanBuilder, WindowFrame,
    WindowFrameBound, WindowFrameUnits,
};
use kqlite_parser::{ast, Span};

use crate::binary::null_as;
use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::check_arity;
use crate::planner::Planner;

impl Planner<'_> {
    /// `row_number`, `prev`, `next`, `row_cumsum`, `row_rank_dense`, `row_rank_min`. The ones
    /// with a restart argument number within segments: a segment starts at each row where
    /// the restart is true.
    pub(crate) fn window_call(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        match name {
            "row_number" => {
                check_arity(name, args, 0, 2, span)?;
                let start = match args.first() {
                    Some(n) => self.scalar(n, schema)?,
                    None => lit(1i64),
                };
                let restart = self.restart(args.get(1), schema)?;
                let number = in_segments(row_number(), restart)?;
                Ok(cast(number, DataType::Int64) + cast(start, DataType::Int64) - lit(1i64))
            }
            "row_cumsum" => {
                check_arity(name, args, 1, 2, span)?;
                let term = self.scalar(&args[0], schema)?;
                let restart = self.restart(args.get(1), schema)?;
                running(sum(term), restart)
            }
            "row_rank_dense" | "row_rank_min" => {
                check_arity(name, args, 1, 2, span)?;
                let term = self.scalar(&args[0], schema)?;
                let restart = self.restart(args.get(1), schema)?;
                rank(term, restart, name == "row_rank_min")
            }
            "row_window_session" => {
                check_arity(name, args, 3, 4, span)?;
                let values = args
                    .iter()
                    .map(|a| self.scalar(a, schema))
                    .collect::<PlanResult<Vec<_>>>()?;
                Ok(crate::kernels::session::call(values))
            }
            _ => self.prev_next(name, args, schema, span),
        }
    }

    fn restart(&mut self, arg: Option<&ast::Expr>, schema: &DFSchema) -> PlanResult<Option<Expr>> {
        arg.map(|r| self.scalar(r, schema)).transpose()
    }

    fn prev_next(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
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

/// The segment of each row: how many restarts there were up to it.
fn segment(restart: Expr) -> PlanResult<Expr> {
    let flag = cast(null_as(restart, false), DataType::Int64);
    cumulative(sum(flag), Vec::new())
}

/// `window` computed within each segment (all rows one segment without a restart).
fn in_segments(window: Expr, restart: Option<Expr>) -> PlanResult<Expr> {
    let partition = match restart {
        Some(r) => vec![segment(r)?],
        None => Vec::new(),
    };
    window
        .partition_by(partition)
        .build()
        .map_err(|e| PlanError::engine(Span::default(), e))
}

/// A running aggregate (`row_cumsum`): over the rows so far of the segment.
fn running(aggregate: Expr, restart: Option<Expr>) -> PlanResult<Expr> {
    let partition = match restart {
        Some(r) => vec![segment(r)?],
        None => Vec::new(),
    };
    cumulative(aggregate, partition)
}

fn cumulative(aggregate: Expr, partition: Vec<Expr>) -> PlanResult<Expr> {
    let Expr::AggregateFunction(call) = aggregate else {
        return Err(PlanError::user(Span::default(), "expected an aggregate"));
    };
    let frame = WindowFrame::new_bounds(
        WindowFrameUnits::Rows,
        WindowFrameBound::Preceding(ScalarValue::UInt64(None)),
        WindowFrameBound::CurrentRow,
    );
    Expr::from(WindowFunction::new(call.func, call.params.args))
        .partition_by(partition)
        .window_frame(frame)
        .build()
        .map_err(|e| PlanError::engine(Span::default(), e))
}

/// `row_rank_dense`: 1, and one more at each row whose term differs from the row before;
/// `row_rank_min`: the row number where the current run of equal terms began.
fn rank(term: Expr, restart: Option<Expr>, min: bool) -> PlanResult<Expr> {
    let changed = null_as(term.clone().not_eq(lag(term, Some(1), None)), true);
    let starts = match &restart {
        Some(r) => changed.or(null_as(r.clone(), false)),
        None => changed,
    };
    if !min {
        return running(sum(cast(starts, DataType::Int64)), restart);
    }
    let number = in_segments(row_number(), restart.clone())?;
    let at_start = when(starts, cast(number, DataType::Int64))
        .end()
        .map_err(|e| PlanError::engine(Span::default(), e))?;
    running(max(at_start), restart)
}

/// Computes the window functions used by `exprs` under `plan`, innermost first (a restart
/// such as `g != prev(g)` is itself windowed), and rewrites `exprs` to read their results.
/// A function with no order of its own follows the serialized order of `plan` (`serial.rs`).
/// Each layer's results are renamed in a projection: DataFusion's common subexpression pass
/// mishandles a window plan directly over one whose results it reads.
pub(crate) fn with_windows(
    mut plan: LogicalPlan,
    mut exprs: Vec<Expr>,
    partition: &[Expr],
    span: Span,
) -> PlanResult<(LogicalPlan, Vec<Expr>)> {
    if innermost_windows(&exprs).is_empty() {
        return Ok((plan, exprs));
    }
    if !crate::serial::is_serialized(&plan) {
        return Err(PlanError::user(
            span,
            "window functions (row_number(), prev(), next(), row_cumsum(), ...) need a serialized row set: \
             add | serialize or | sort by ... before them",
        ));
    }
    let mut order = crate::serial::serial_order(&plan);
    // Windows within groups (a restart's segments, a partition's groups) run apart, and the
    // engine may interleave the groups: the rows are numbered first, each window reads them
    // in that order, and the rows come back in it.
    let numbered = !partition.is_empty() || exprs.iter().any(is_partitioned);
    if numbered {
        plan = with_serial_number(plan, order, span)?;
        order = vec![col(SERIAL_NUMBER).sort(true, false)];
    }
    let mut layer = 0;
    loop {
        let found = innermost_windows(&exprs);
        if found.is_empty() {
            if numbered {
                plan = crate::error::build(LogicalPlanBuilder::from(plan).sort(order), span)?;
            }
            return Ok((plan, exprs));
        }
        // Qualified as the plan's columns are (`range.a`), so that the results' names are
        // those the window plan gives them.
        let ordered = found
            .iter()
            .map(|w| normalize_col(in_order(w.clone(), &order, partition), &plan))
            .collect::<Result<Vec<Expr>, _>>()
            .at(span)?;
        let input: Vec<Expr> = plan
            .schema()
            .columns()
            .into_iter()
            .map(Expr::Column)
            .collect();
        let windowed = LogicalPlanBuilder::window_plan(plan, ordered.clone()).at(span)?;
        let names: Vec<String> = (0..found.len())
            .map(|i| format!("__kql_window_{layer}_{i}"))
            .collect();
        let mut columns = input;
        for (w, name) in ordered.iter().zip(&names) {
            columns.push(col(Column::from_name(w.schema_name().to_string())).alias(name));
        }
        plan = crate::projection::project(windowed, columns, span)?;
        exprs = exprs
            .into_iter()
            .map(|expr| read_results(expr, &found, &names, span))
            .collect::<PlanResult<Vec<_>>>()?;
        layer += 1;
    }
}

/// The column of each row's place in the serialized order, while windows within groups run.
const SERIAL_NUMBER: &str = "__kql_serial_number";

/// Whether `expr` holds a window function computed within groups.
fn is_partitioned(expr: &Expr) -> bool {
    expr.exists(|e| Ok(matches!(e, Expr::WindowFunction(w) if !w.params.partition_by.is_empty())))
        .unwrap_or(false)
}

/// `plan` with [`SERIAL_NUMBER`]: 1, 2... in `order` (the rows' own order when empty).
fn with_serial_number(
    plan: LogicalPlan,
    order: Vec<datafusion::logical_expr::SortExpr>,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let number = match order.is_empty() {
        true => row_number(),
        false => row_number().order_by(order).build().at(span)?,
    };
    let number = number.alias(SERIAL_NUMBER);
    crate::error::build(LogicalPlanBuilder::from(plan).window(vec![number]), span)
}

/// The window functions in `exprs` that hold no other.
fn innermost_windows(exprs: &[Expr]) -> Vec<Expr> {
    let mut found: Vec<Expr> = Vec::new();
    for window in find_window_exprs(exprs) {
        let mut nested = Vec::new();
        let _ = window.apply_children(|child| {
            nested.extend(innermost_windows(std::slice::from_ref(child)));
            Ok(TreeNodeRecursion::Continue)
        });
        let layer = if nested.is_empty() {
            vec![window]
        } else {
            nested
        };
        for w in layer {
            if !found.contains(&w) {
                found.push(w);
            }
        }
    }
    found
}

/// `expr` with each of `found` replaced by a reference to its computed column.
fn read_results(expr: Expr, found: &[Expr], names: &[String], span: Span) -> PlanResult<Expr> {
    expr.transform_up(|node| {
        Ok(match found.iter().position(|w| *w == node) {
            Some(i) => Transformed::yes(col(Column::from_name(names[i].clone()))),
            None => Transformed::no(node),
        })
    })
    .map(|t| t.data)
    .at(span)
}

/// A window function in the serialized `order`, within the groups of `partition`.
fn in_order(
    window: Expr,
    order: &[datafusion::logical_expr::SortExpr],
    partition: &[Expr],
) -> Expr {
    let Expr::WindowFunction(mut w) = window else {
        return window;
    };
    if w.params.order_by.is_empty() && !order.is_empty() {
        w.params.order_by = order.to_vec();
        if w.params.window_frame == WindowFrame::new(None) {
            w.params.window_frame = WindowFrame::new(Some(true));
        }
    }
    let mut groups = partition.to_vec();
    groups.append(&mut w.params.partition_by);
    w.params.partition_by = groups;
    Expr::WindowFunction(w)
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
    crate::projection::project(kept, columns, span)
}
