//! A physical optimizer rule that guesses how many rows a filter keeps, for the filters whose
//! selectivity DataFusion cannot derive (string comparisons have no interval analysis). Those
//! all get DataFusion's flat 20%, so a join between `T | where ActionType == 'A'` and `T |
//! where ActionType in ('B', 'C', 'D')` looks even and may build its hash table on the larger
//! side. Here an equality keeps a tenth, `in` a tenth per item, `and` multiplies and `or`
//! adds: rough, but it orders the two sides. Runs before DataFusion's join selection.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::Result;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{BinaryExpr, InListExpr, Literal, NotExpr};
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::filter::FilterExecBuilder;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};

use crate::filter_order::rewrite_filters;

/// What an equality keeps.
const EQUALITY: f64 = 0.1;
/// What any other test keeps: DataFusion's default.
const OTHER: f64 = 0.2;

#[derive(Debug, Default)]
pub struct GuessFilterSelectivity;

impl PhysicalOptimizerRule for GuessFilterSelectivity {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        rewrite_filters(plan, |filter| {
            let percent = (selectivity(filter.predicate()) * 100.0)
                .round()
                .clamp(1.0, 100.0);
            let builder = FilterExecBuilder::from(filter).with_default_selectivity(percent as u8);
            Ok(Some(builder))
        })
    }

    fn name(&self) -> &str {
        "kql_guess_filter_selectivity"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// The share of rows `predicate` keeps, guessed from its shape.
fn selectivity(predicate: &Arc<dyn PhysicalExpr>) -> f64 {
    if let Some(binary) = predicate.downcast_ref::<BinaryExpr>() {
        let (left, right) = (binary.left(), binary.right());
        return match binary.op() {
            Operator::And => selectivity(left) * selectivity(right),
            Operator::Or => (selectivity(left) + selectivity(right)).min(1.0),
            Operator::Eq => EQUALITY,
            Operator::NotEq => 1.0 - EQUALITY,
            // `x IS NOT DISTINCT FROM true`: x made null-free.
            Operator::IsNotDistinctFrom if right.is::<Literal>() => selectivity(left),
            _ => OTHER,
        };
    }
    if let Some(list) = predicate.downcast_ref::<InListExpr>() {
        let kept = (list.list().len() as f64 * EQUALITY).min(1.0);
        return if list.negated() { 1.0 - kept } else { kept };
    }
    if let Some(not) = predicate.downcast_ref::<NotExpr>() {
        return 1.0 - selectivity(not.arg());
    }
    OTHER
}
