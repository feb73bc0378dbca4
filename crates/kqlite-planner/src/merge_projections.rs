//! Merges consecutive projections before DataFusion's `optimize_projections` does.
//!
//! DataFusion 55 drops a projection whose expressions equal those of the projection under it
//! ("the same projection twice"), which is wrong when they are not idempotent:
//! `extend x = x + 1 | extend x = x + 1` is `x + 1 AS x` over `x + 1 AS x`, and it would add 1
//! once. Merging every chain here, by substituting each column with the expression under it,
//! leaves DataFusion only the pairs it will not merge either (an expression used twice), which
//! are never equal.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, HashMap, Result};
use datafusion::logical_expr::expr::Alias;
use datafusion::logical_expr::{Expr, LogicalPlan, Projection};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

#[derive(Debug, Default)]
pub struct MergeProjections;

impl OptimizerRule for MergeProjections {
    fn name(&self) -> &str {
        "kql_merge_projections"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Projection(mut outer) = plan else {
            return Ok(Transformed::no(plan));
        };
        let mut merged = false;
        while let LogicalPlan::Projection(inner) = outer.input.as_ref() {
            if !mergeable(&outer, inner) {
                break;
            }
            outer = merge(&outer, inner)?;
            merged = true;
        }
        Ok(Transformed::new_transformed(
            LogicalPlan::Projection(outer),
            merged,
        ))
    }
}

/// DataFusion's rule, without its shortcut: no computed expression of `inner` may be read
/// twice by `outer` (it would be computed twice), unless the two are equal.
fn mergeable(outer: &Projection, inner: &Projection) -> bool {
    if outer.expr == inner.expr {
        return true;
    }
    let mut uses = HashMap::<&Column, usize>::new();
    outer
        .expr
        .iter()
        .for_each(|e| e.add_column_ref_counts(&mut uses));
    uses.into_iter().all(|(column, count)| {
        count <= 1
            || inner
                .schema
                .index_of_column(column)
                .is_ok_and(|i| is_trivial(&inner.expr[i]))
    })
}

fn is_trivial(expr: &Expr) -> bool {
    matches!(
        expr.clone().unalias_nested().data,
        Expr::Column(_) | Expr::Literal(..)
    )
}

/// `outer` over `inner` as one projection over `inner`'s input, with `outer`'s output names.
fn merge(outer: &Projection, inner: &Projection) -> Result<Projection> {
    let mut exprs = Vec::with_capacity(outer.expr.len());
    for (expr, (qualifier, field)) in outer.expr.iter().zip(outer.schema.iter()) {
        let body = match expr {
            Expr::Alias(Alias { expr, .. }) => expr.as_ref().clone(),
            other => other.clone(),
        };
        let substituted = substitute(body, inner)?;
        exprs.push(substituted.alias_qualified(qualifier.cloned(), field.name()));
    }
    Projection::try_new(exprs, inner.input.clone())
}

fn substitute(expr: Expr, inner: &Projection) -> Result<Expr> {
    expr.transform_up(|e| match e {
        Expr::Column(column) => {
            let i = inner.schema.index_of_column(&column)?;
            Ok(Transformed::yes(
                inner.expr[i].clone().unalias_nested().data,
            ))
        }
        other => Ok(Transformed::no(other)),
    })
    .map(|t| t.data)
}
