//! Which parts of a physical plan run on the cluster: from the root down, the first part that
//! can travel goes as a whole. A part never goes where its parent needs its rows partitioned
//! by key (one gathered partition would not line up with the parent's other inputs).

use std::sync::Arc;

use ballista_core::JobId;
use ballista_scheduler::planner::{DefaultDistributedPlanner, DistributedPlanner};
use datafusion::common::{DataFusionError, Result};
use datafusion::config::ConfigOptions;
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::{displayable, Distribution, ExecutionPlan};

use crate::{Cluster, ClusterExec};

/// `plan` with its largest parts that can travel replaced by [`ClusterExec`]s.
pub fn distribute(
    plan: Arc<dyn ExecutionPlan>,
    cluster: &Arc<Cluster>,
) -> Result<Arc<dyn ExecutionPlan>> {
    place(plan, &Distribution::UnspecifiedDistribution, cluster)
}

fn place(
    plan: Arc<dyn ExecutionPlan>,
    required: &Distribution,
    cluster: &Arc<Cluster>,
) -> Result<Arc<dyn ExecutionPlan>> {
    let anywhere = matches!(
        required,
        Distribution::UnspecifiedDistribution | Distribution::SinglePartition
    );
    if anywhere {
        if let Some(remote) = ClusterExec::try_new(&plan, cluster) {
            return Ok(Arc::new(remote));
        }
    }
    if plan.children().is_empty() {
        return Ok(plan);
    }
    let requirements = plan.input_distribution_requirements().into_per_child();
    let children = plan.children().into_iter().zip(requirements);
    let placed = children
        .map(|(child, required)| place(Arc::clone(child), &required, cluster))
        .collect::<Result<Vec<_>>>()?;
    plan.replace_children(
        placed,
        ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
    )
}

/// The stages the scheduler will run each cluster part of `plan` as, for `--explain`.
pub fn stages(plan: &Arc<dyn ExecutionPlan>) -> Result<String> {
    let mut text = String::new();
    let mut parts = vec![Arc::clone(plan)];
    while let Some(part) = parts.pop() {
        if part.name() == "ClusterExec" {
            for remote in part.children() {
                text.push_str(&stages_of(remote)?);
            }
            continue;
        }
        parts.extend(part.children().into_iter().cloned());
    }
    Ok(text)
}

fn stages_of(remote: &Arc<dyn ExecutionPlan>) -> Result<String> {
    let job = JobId::from("explain");
    let mut planner = DefaultDistributedPlanner::new();
    let stages = planner
        .plan_query_stages(&job, Arc::clone(remote), &ConfigOptions::default())
        .map_err(|e| DataFusionError::Plan(e.to_string()))?;
    let mut text = String::new();
    for (n, stage) in stages.iter().enumerate() {
        let plan: &dyn ExecutionPlan = stage.as_ref();
        let shown = displayable(plan).indent(false);
        text.push_str(&format!("stage {}:\n{shown}\n", n + 1));
    }
    Ok(text)
}
