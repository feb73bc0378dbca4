//! `ClusterExec`: a part of a physical plan that runs on the cluster. When executed it sends
//! its plan to the scheduler (which splits it into stages at every repartition and merge) and
//! streams the rows back from the executors. It shows its part as its child, so `--explain`
//! prints what runs remotely beneath it.

use std::fmt;
use std::sync::Arc;

use ballista_core::config::BallistaConfig;
use ballista_core::execution_plans::execute_physical_plan;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::sorts::sort_preserving_merge::SortPreservingMergeExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, ExecutionPlanProperties, Partitioning,
    PlanProperties,
};
use datafusion::prelude::SessionContext;
use datafusion_proto::physical_plan::AsExecutionPlan;
use datafusion_proto::protobuf::PhysicalPlanNode;
use futures::{StreamExt, TryStreamExt};
use prost::Message;

use crate::codec::KqlCodec;
use crate::Cluster;

/// Ballista's messages hold 16 MiB; a plan stays well below.
const MAX_PLAN_BYTES: usize = 8 << 20;

#[derive(Debug)]
pub struct ClusterExec {
    remote: Arc<dyn ExecutionPlan>,
    cluster: Arc<Cluster>,
    properties: Arc<PlanProperties>,
}

impl ClusterExec {
    /// `plan` gathered into one partition to run on the cluster, or None when some part of it
    /// cannot travel there (a kqlite operator or function without a codec), or when it carries
    /// more in-memory rows (tables read from JSON or CSV) than a message to the scheduler holds.
    pub fn try_new(plan: &Arc<dyn ExecutionPlan>, cluster: &Arc<Cluster>) -> Option<Self> {
        let remote = gathered(plan);
        let codec = KqlCodec::default();
        let message = PhysicalPlanNode::try_from_physical_plan(Arc::clone(&remote), &codec).ok()?;
        if message.encoded_len() > MAX_PLAN_BYTES {
            return None;
        }
        // Some nodes encode only to fail decoding (a scalar subquery's expression apart from
        // its node): what the scheduler could not read stays here.
        message
            .try_into_physical_plan(decoding_context(), &codec)
            .ok()?;
        Some(Self::over(remote, Arc::clone(cluster)))
    }

    fn over(remote: Arc<dyn ExecutionPlan>, cluster: Arc<Cluster>) -> Self {
        let properties = Arc::new(PlanProperties::new(
            remote.properties().equivalence_properties().clone(),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        ));
        ClusterExec {
            remote,
            cluster,
            properties,
        }
    }
}

/// A context with DataFusion's functions and the stores a plan may name (opened from this
/// process's environment), as the scheduler decodes in.
fn decoding_context() -> &'static TaskContext {
    static CONTEXT: std::sync::OnceLock<Arc<TaskContext>> = std::sync::OnceLock::new();
    CONTEXT.get_or_init(|| {
        let stores = Arc::new(kqlite_storage::StoreRegistry::default());
        let runtime = RuntimeEnvBuilder::new().with_object_store_registry(stores);
        let context = runtime
            .build_arc()
            .map(|r| SessionContext::new_with_config_rt(Default::default(), r));
        context.unwrap_or_default().task_ctx()
    })
}

/// `plan` with its partitions merged: in order where they are sorted.
fn gathered(plan: &Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
    if plan.output_partitioning().partition_count() <= 1 {
        return Arc::clone(plan);
    }
    match plan.output_ordering() {
        Some(order) => Arc::new(SortPreservingMergeExec::new(
            order.clone(),
            Arc::clone(plan),
        )),
        None => Arc::new(CoalescePartitionsExec::new(Arc::clone(plan))),
    }
}

impl DisplayAs for ClusterExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ClusterExec: runs below on {}", self.cluster.url)
    }
}

impl ExecutionPlan for ClusterExec {
    fn name(&self) -> &str {
        "ClusterExec"
    }
    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }
    fn apply_expressions(
        &self,
        _: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.remote]
    }
    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let remote = gathered(&children.swap_remove(0));
        Ok(Arc::new(Self::over(remote, Arc::clone(&self.cluster))))
    }

    fn execute(
        &self,
        partition: usize,
        ctx: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "ClusterExec has one partition, not {partition}"
            )));
        }
        let (plan, cluster) = (Arc::clone(&self.remote), Arc::clone(&self.cluster));
        let config = ctx
            .session_config()
            .clone()
            .with_option_extension(BallistaConfig::default());
        let submitted = async move {
            let (codec, ballista) = (KqlCodec::default(), BallistaConfig::default());
            let sent = execute_physical_plan::<PhysicalPlanNode>(
                cluster.scheduler_url(),
                &ballista,
                plan,
                &codec,
                cluster.session_id.clone(),
                config,
            );
            let stream = sent.await.map_err(|e| cluster.error(e))?;
            Ok::<_, DataFusionError>(stream.map_err(move |e| cluster.error(e)))
        };
        let rows = futures::stream::once(submitted).try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.remote.schema(),
            rows.boxed(),
        )))
    }
}
