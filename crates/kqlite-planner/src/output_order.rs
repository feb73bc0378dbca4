//! The order a query's rows come out in, kept to the end. In Kusto, `sort`, `top` and `range`
//! make their rows serialized and the operators after them keep that order; DataFusion spreads
//! sorted rows over partitions for the operators above a sort (each partition stays in
//! order) and then gathers the partitions as they come. A plan whose rows are ordered within
//! each of several partitions ends in a merge that keeps the order.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::Result;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};

#[derive(Debug, Default)]
pub struct KeepOutputOrder;

impl PhysicalOptimizerRule for KeepOutputOrder {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if plan.output_partitioning().partition_count() <= 1 {
            return Ok(plan);
        }
        let Some(ordering) = plan.output_ordering().cloned() else {
            return Ok(plan);
        };
        Ok(Arc::new(SortPreservingMergeExec::new(ordering, plan)))
    }

    fn name(&self) -> &str {
        "kql_keep_output_order"
    }

    fn schema_check(&self) -> bool {
        true
    }
}
