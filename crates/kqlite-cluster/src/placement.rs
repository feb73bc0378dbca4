//! A kqlite engine's queries sent to a cluster: the engine plans, [`distribute`] places.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::physical_plan::ExecutionPlan;
use kqlite::placement::Placement;
use kqlite::Engine;

use crate::{distribute, stages, Cluster};

#[derive(Debug)]
struct OnCluster(Arc<Cluster>);

impl Placement for OnCluster {
    fn place(&self, plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>> {
        distribute(plan, &self.0)
    }
    fn describe(&self, plan: &Arc<dyn ExecutionPlan>) -> Result<String> {
        stages(plan)
    }
    /// A dynamic filter is filled by a join's build side, a TopK or an aggregate while the
    /// scan that reads it runs; on a cluster they can land in different stages, and the scan
    /// would wait for a filter never filled (as Ballista's own sessions do, turned off).
    /// A scalar subquery planned as its own physical node cannot be split from the plan it
    /// feeds; planned as a join, it distributes.
    fn settings(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            (
                "datafusion.optimizer.enable_dynamic_filter_pushdown",
                "false",
            ),
            (
                "datafusion.optimizer.enable_physical_uncorrelated_scalar_subquery",
                "false",
            ),
        ]
    }
}

/// Sends `engine`'s queries to the cluster at `url` (`df://HOST:PORT`) from now on.
pub fn connect(engine: &mut Engine, url: &str) -> Result<(), String> {
    let cluster = Arc::new(Cluster::parse(url)?);
    engine
        .set_placement(Some(Arc::new(OnCluster(cluster))))
        .map_err(|e| e.to_string())
}
