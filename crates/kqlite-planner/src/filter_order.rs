//! A physical optimizer rule for filters. Comparisons of string-view columns with literal
//! strings become [`ViewIn`]s. In a filter with two or more conjuncts, plain comparisons of a
//! column with a literal go first, and the conjunction becomes a [`SelectiveAnd`], which runs
//! each conjunct only on the rows the ones before kept, so that the string kernels after the
//! comparisons see only the rows left. Only comparisons move, and they cannot fail, so a
//! conjunct that could fail on some row is never evaluated on rows it was not evaluated on
//! before.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::Result;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{
    BinaryExpr, Column, IsNotNullExpr, IsNullExpr, Literal,
};
use datafusion::physical_expr::split_conjunction;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};

use crate::conjunction::SelectiveAnd;
use crate::view_in::ViewIn;

#[derive(Debug, Default)]
pub struct CheapConjunctsFirst;

impl PhysicalOptimizerRule for CheapConjunctsFirst {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        rewrite_filters(plan, |filter| {
            let schema = filter.input().schema();
            let fast = with_view_comparisons(filter.predicate(), &schema)?;
            let predicate = match reordered(&fast.data, &schema)? {
                Some(predicate) => predicate,
                None if fast.transformed => fast.data,
                None => return Ok(None),
            };
            Ok(Some(
                FilterExecBuilder::from(filter).with_predicate(predicate),
            ))
        })
    }

    fn name(&self) -> &str {
        "kql_cheap_conjuncts_first"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Rebuilds each `FilterExec` of `plan` that `rewrite` returns a builder for.
pub(crate) fn rewrite_filters(
    plan: Arc<dyn ExecutionPlan>,
    rewrite: impl Fn(&FilterExec) -> Result<Option<FilterExecBuilder>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_up(|node| {
        let Some(filter) = node.downcast_ref::<FilterExec>() else {
            return Ok(Transformed::no(node));
        };
        match rewrite(filter)? {
            Some(builder) => Ok(Transformed::yes(Arc::new(builder.build()?) as _)),
            None => Ok(Transformed::no(node)),
        }
    })
    .data()
}

/// `predicate` with its comparisons of string-view columns and literals done by [`ViewIn`].
fn with_view_comparisons(
    predicate: &Arc<dyn PhysicalExpr>,
    schema: &SchemaRef,
) -> Result<Transformed<Arc<dyn PhysicalExpr>>> {
    Arc::clone(predicate).transform_down(|expr| {
        Ok(match ViewIn::recognise(&expr, schema) {
            Some(fast) => Transformed::yes(Arc::new(fast) as _),
            None => Transformed::no(expr),
        })
    })
}

/// The conjunction with comparisons first, as a [`SelectiveAnd`]; None for a single conjunct.
fn reordered(
    predicate: &Arc<dyn PhysicalExpr>,
    schema: &SchemaRef,
) -> Result<Option<Arc<dyn PhysicalExpr>>> {
    let conjuncts = split_conjunction(predicate);
    if conjuncts.len() < 2 {
        return Ok(None);
    }
    let (mut ordered, costly): (Vec<_>, Vec<_>) =
        conjuncts.into_iter().cloned().partition(is_comparison);
    ordered.extend(costly);
    let conjunction = SelectiveAnd::try_new(ordered, Arc::clone(schema))?;
    Ok(Some(Arc::new(conjunction)))
}

/// A boolean column, a column compared with a literal, or tested for null: cheap, and never
/// an error.
fn is_comparison(expr: &Arc<dyn PhysicalExpr>) -> bool {
    let leaf = |e: &Arc<dyn PhysicalExpr>| e.is::<Column>() || e.is::<Literal>();
    if expr.is::<Column>() || expr.is::<ViewIn>() {
        return true;
    }
    if let Some(binary) = expr.downcast_ref::<BinaryExpr>() {
        use Operator::*;
        return matches!(binary.op(), Eq | NotEq | Lt | LtEq | Gt | GtEq)
            && leaf(binary.left())
            && leaf(binary.right());
    }
    if let Some(test) = expr.downcast_ref::<IsNullExpr>() {
        return test.arg().is::<Column>();
    }
    if let Some(test) = expr.downcast_ref::<IsNotNullExpr>() {
        return test.arg().is::<Column>();
    }
    false
}
