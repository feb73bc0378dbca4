//! Projections built without `LogicalPlanBuilder::project`, whose column normalization walks
//! the whole input plan for every column it meets: quadratic in the length of a pipeline
//! (1,000 `| extend`s took 25 s to plan). KQL has no `USING` joins, so resolving columns
//! against the input's schema alone is the same answer.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DataFusionError, Result};
use datafusion::logical_expr::{Expr, LogicalPlan, Projection};
use kqlite_parser::Span;

use crate::error::{PlanResult, WithSpan};

/// `exprs` over `plan`, each output name once.
pub(crate) fn project(plan: LogicalPlan, exprs: Vec<Expr>, span: Span) -> PlanResult<LogicalPlan> {
    projection(plan, exprs).at(span)
}

/// Every column of `plan`, then `extra` (an aliased expression).
pub(crate) fn with_column(plan: LogicalPlan, extra: Expr, span: Span) -> PlanResult<LogicalPlan> {
    let mut exprs: Vec<Expr> = plan
        .schema()
        .columns()
        .into_iter()
        .map(Expr::Column)
        .collect();
    exprs.push(extra);
    project(plan, exprs, span)
}

fn projection(plan: LogicalPlan, exprs: Vec<Expr>) -> Result<LogicalPlan> {
    let schema = Arc::clone(plan.schema());
    let exprs = exprs
        .into_iter()
        .map(|e| qualify(e, &schema))
        .collect::<Result<Vec<_>>>()?;
    unique_names(&exprs)?;
    Projection::try_new(exprs, Arc::new(plan)).map(LogicalPlan::Projection)
}

/// Gives each column the qualifier it has in the input, as the builder would.
fn qualify(expr: Expr, schema: &datafusion::common::DFSchema) -> Result<Expr> {
    expr.transform(|e| match e {
        Expr::Column(c) if c.relation.is_none() => {
            let c = c.normalize_with_schemas_and_ambiguity_check(&[&[schema]], &[])?;
            Ok(Transformed::yes(Expr::Column(c)))
        }
        e => Ok(Transformed::no(e)),
    })
    .map(|t| t.data)
}

fn unique_names(exprs: &[Expr]) -> Result<()> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, e) in exprs.iter().enumerate() {
        let name = e.schema_name().to_string();
        if let Some(first) = seen.insert(name.clone(), i) {
            return Err(DataFusionError::Plan(format!(
                "Projections require unique expression names but the expression \"{name}\" at \
                 position {first} and \"{name}\" at position {i} have the same name"
            )));
        }
    }
    Ok(())
}
