//! Where a query's physical plan runs: here, or in part elsewhere (a cluster, `--cluster`).
//! The library plans every query the same way; a placement given by the caller then moves
//! operators of the planned query, so this crate needs nothing of the remote engine.

use std::fmt::Debug;
use std::sync::{Arc, RwLock};

use datafusion::common::Result;
use datafusion::physical_plan::ExecutionPlan;

pub trait Placement: Send + Sync + Debug {
    /// `plan` with the operators that run elsewhere replaced by ones that send them there.
    fn place(&self, plan: Arc<dyn ExecutionPlan>) -> Result<Arc<dyn ExecutionPlan>>;
    /// What `--explain` adds about a placed plan (how the remote engine splits it).
    fn describe(&self, plan: &Arc<dyn ExecutionPlan>) -> Result<String>;
    /// DataFusion settings the planning of placed plans needs (key, value).
    fn settings(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
}

/// The engine's current placement, shared with its query planner.
pub(crate) type PlacementSlot = Arc<RwLock<Option<Arc<dyn Placement>>>>;

pub(crate) fn current(slot: &PlacementSlot) -> Option<Arc<dyn Placement>> {
    slot.read().ok().and_then(|p| p.clone())
}

/// Applies `settings` to `options`; the values they replace, to restore them later.
pub(crate) fn apply(
    options: &mut datafusion::config::ConfigOptions,
    settings: &[(String, String)],
) -> Result<Vec<(String, String)>> {
    let mut replaced = Vec::new();
    for (key, value) in settings {
        let entries = options.entries();
        let old = entries
            .iter()
            .find(|e| &e.key == key)
            .and_then(|e| e.value.clone());
        options.set(key, value)?;
        replaced.push((key.clone(), old.unwrap_or_default()));
    }
    Ok(replaced)
}
