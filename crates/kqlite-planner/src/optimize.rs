//! An optimizer rule for the never-null strings. Nullable string columns are read as
//! `kql_empty_if_null(col)` (Kusto has no null strings), which hides the column from Parquet
//! pruning and costs a pass per batch. Where a filter keeps a row only if the value equals or
//! contains a non-empty literal, an empty string fails just as a null does, so the filter can
//! read the column directly. Only the positive positions of a predicate (under `and`/`or`,
//! never `not`) are rewritten. There, Kusto's null-safe equality (`coalesce(x == y, false)`,
//! see `binary.rs`) is a plain `x == y` again, which Parquet pruning understands.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::{InList, ScalarFunction};
use datafusion::logical_expr::{BinaryExpr, Case, Expr, Filter, LogicalPlan, Operator};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

use crate::kernels::dynamic_text::DynamicText;
use crate::kernels::empty_if_null::EmptyIfNull;
use crate::kernels::{InCi, StringMatch};

#[derive(Debug, Default)]
pub struct ReadStringsDirectly;

impl OptimizerRule for ReadStringsDirectly {
    fn name(&self) -> &str {
        "kql_read_strings_directly"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        match plan {
            LogicalPlan::Filter(filter) => {
                let (predicate, changed) = positive(filter.predicate);
                let filter = Filter::try_new(predicate, filter.input)?;
                Ok(Transformed::new_transformed(
                    LogicalPlan::Filter(filter),
                    changed,
                ))
            }
            LogicalPlan::TableScan(mut scan) => {
                let mut any = false;
                scan.filters = std::mem::take(&mut scan.filters)
                    .into_iter()
                    .map(|f| {
                        let (f, changed) = positive(f);
                        any |= changed;
                        f
                    })
                    .collect();
                Ok(Transformed::new_transformed(
                    LogicalPlan::TableScan(scan),
                    any,
                ))
            }
            other => Ok(Transformed::no(other)),
        }
    }
}

/// Rewrites the positive positions of a predicate; says whether anything changed.
fn positive(expr: Expr) -> (Expr, bool) {
    match expr {
        // A filter drops a null as it drops false: `coalesce(x == y, false)` is `x == y`.
        Expr::ScalarFunction(call) if null_as_false(&call) => {
            let inner = call.args.into_iter().next().expect("two arguments");
            (positive(inner).0, true)
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if matches!(op, Operator::And | Operator::Or) =>
        {
            let (l, a) = positive(*left);
            let (r, b) = positive(*right);
            (
                Expr::BinaryExpr(BinaryExpr::new(Box::new(l), op, Box::new(r))),
                a || b,
            )
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (left, right) = (*left, *right);
            let strip = match (&left, op, &right) {
                (_, Operator::Eq, r) if non_empty(r) => direct(&left, std::slice::from_ref(r)),
                (_, Operator::NotEq, r) if is_empty_string(r) => {
                    direct(&left, std::slice::from_ref(r))
                }
                _ => None,
            };
            match strip {
                Some(column) => (
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(column), op, Box::new(right))),
                    true,
                ),
                None => (
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(left), op, Box::new(right))),
                    false,
                ),
            }
        }
        Expr::InList(InList {
            expr,
            list,
            negated: false,
        }) if list.iter().all(non_empty) => match direct(&expr, &list) {
            Some(column) => (column.in_list(list, false), true),
            None => (Expr::InList(InList::new(expr, list, false)), false),
        },
        Expr::ScalarFunction(mut call) if is_matcher(&call) => match coalesced(&call.args[0]) {
            Some(column) => {
                call.args[0] = column;
                (Expr::ScalarFunction(call), true)
            }
            None => (Expr::ScalarFunction(call), false),
        },
        other => (other, false),
    }
}

fn null_as_false(call: &ScalarFunction) -> bool {
    call.func.name() == "coalesce"
        && call.args.len() == 2
        && matches!(
            call.args[1],
            Expr::Literal(ScalarValue::Boolean(Some(false)), _)
        )
}

/// Our string matchers with only non-empty literal needles: false for an empty haystack.
fn is_matcher(call: &ScalarFunction) -> bool {
    let kernel = call.func.inner();
    (kernel.is::<StringMatch>() || kernel.is::<InCi>())
        && call.args.len() > 1
        && call.args[1..].iter().all(non_empty)
}

/// The value a comparison with `literals` can read as it is: past what [`coalesced`] strips,
/// and past `kql_dynamic_text` where no literal reads as JSON, since a dynamic value's text
/// equals such a literal only where the value is that string, carried as that very text.
fn direct(expr: &Expr, literals: &[Expr]) -> Option<Expr> {
    let inner = coalesced(expr);
    let texts_alike = literals
        .iter()
        .all(|l| string_literal(l).is_some_and(|s| !crate::kernels::json::reads_as_json(s)));
    match inner.as_ref().unwrap_or(expr) {
        // As a cast, which DataFusion then moves to the literals.
        Expr::ScalarFunction(call) if call.func.inner().is::<DynamicText>() && texts_alike => {
            let carried = call.args.first().cloned()?;
            Some(datafusion::logical_expr::cast(carried, DataType::Utf8))
        }
        _ => inner,
    }
}

/// `x` when `expr` is `kql_empty_if_null(x)`, `coalesce(x, "")` or the
/// `CASE WHEN x IS NOT NULL THEN x ELSE "" END` DataFusion simplifies the latter to.
fn coalesced(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::ScalarFunction(call) if call.func.inner().is::<EmptyIfNull>() => {
            call.args.first().cloned()
        }
        Expr::ScalarFunction(call) if call.func.name() == "coalesce" && call.args.len() == 2 => {
            is_empty_string(&call.args[1]).then(|| call.args[0].clone())
        }
        Expr::Case(Case {
            expr: None,
            when_then_expr,
            else_expr: Some(otherwise),
        }) if when_then_expr.len() == 1 && is_empty_string(otherwise) => {
            let (when, then) = &when_then_expr[0];
            match when.as_ref() {
                Expr::IsNotNull(tested) if tested == then => Some(then.as_ref().clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn string_literal(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Literal(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::Utf8View(Some(s))
            | ScalarValue::LargeUtf8(Some(s)),
            _,
        ) => Some(s),
        _ => None,
    }
}

fn non_empty(expr: &Expr) -> bool {
    string_literal(expr).is_some_and(|s| !s.is_empty())
}

fn is_empty_string(expr: &Expr) -> bool {
    string_literal(expr) == Some("")
}
