//! A physical optimizer rule for filters. DataFusion runs the right side of `a AND b` only on
//! the rows `a` kept, but only when `a` has no nulls, and a comparison on a nullable column
//! gives nulls. So every conjunct but the last is made null-free (`x IS NOT DISTINCT FROM
//! true`: the same rows pass a filter), and plain comparisons of a column with a literal go
//! first, so that the string kernels after them see only the rows left. Only comparisons
//! move, and they cannot fail, so a conjunct that could fail on some row is never evaluated
//! on rows it was not evaluated on before.

use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::Result;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{
    lit, BinaryExpr, Column, IsNotNullExpr, IsNullExpr, Literal,
};
use datafusion::physical_expr::split_conjunction;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};

#[derive(Debug, Default)]
pub struct CheapConjunctsFirst;

impl PhysicalOptimizerRule for CheapConjunctsFirst {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        rewrite_filters(plan, |filter| {
            let predicate = reordered(filter.predicate(), &filter.input().schema())?;
            Ok(predicate.map(|p| FilterExecBuilder::from(filter).with_predicate(p)))
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

/// The conjunction with comparisons first and nullable conjuncts made null-free; None when
/// that is the predicate as it is.
fn reordered(
    predicate: &Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<Option<Arc<dyn PhysicalExpr>>> {
    let conjuncts = split_conjunction(predicate);
    if conjuncts.len() < 2 {
        return Ok(None);
    }
    let (mut ordered, costly): (Vec<_>, Vec<_>) =
        conjuncts.iter().copied().partition(|c| is_comparison(c));
    ordered.extend(costly);
    let mut changed = ordered
        .iter()
        .zip(&conjuncts)
        .any(|(a, b)| !Arc::ptr_eq(a, b));
    let last = ordered.len() - 1;
    let mut parts = Vec::with_capacity(ordered.len());
    for (i, conjunct) in ordered.into_iter().enumerate() {
        let conjunct = Arc::clone(conjunct);
        if i < last && conjunct.nullable(schema)? {
            changed = true;
            parts.push(null_free(conjunct));
        } else {
            parts.push(conjunct);
        }
    }
    Ok(changed.then(|| {
        parts
            .into_iter()
            .reduce(|a, b| Arc::new(BinaryExpr::new(a, Operator::And, b)))
            .expect("two or more conjuncts")
    }))
}

fn null_free(expr: Arc<dyn PhysicalExpr>) -> Arc<dyn PhysicalExpr> {
    Arc::new(BinaryExpr::new(
        expr,
        Operator::IsNotDistinctFrom,
        lit(true),
    ))
}

/// A boolean column, a column compared with a literal, or tested for null: cheap, and never
/// an error.
fn is_comparison(expr: &Arc<dyn PhysicalExpr>) -> bool {
    let leaf = |e: &Arc<dyn PhysicalExpr>| e.is::<Column>() || e.is::<Literal>();
    if expr.is::<Column>() {
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
