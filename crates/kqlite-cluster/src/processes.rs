//! `kqlite scheduler` and `kqlite executor`: Ballista's own scheduler and executor, with kqlite's
//! codec (so they read kqlite's plans and functions) and liveness settings short enough that a
//! lost executor is noticed within seconds rather than Ballista's default three minutes.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_core::RuntimeProducer;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionConfig;

use crate::codec::KqlCodec;

/// How often an executor reports, and how long the scheduler waits before it gives an
/// executor up (and re-runs its tasks elsewhere).
pub const HEARTBEAT_SECONDS: u64 = 2;
pub const EXECUTOR_TIMEOUT_SECONDS: u64 = 10;

/// Where a scheduler listens.
pub struct SchedulerOptions {
    pub bind: SocketAddr,
}

/// Where an executor listens (Arrow Flight for results and shuffles, gRPC for tasks), and the
/// scheduler it joins.
pub struct ExecutorOptions {
    pub bind_host: String,
    pub flight_port: u16,
    pub grpc_port: u16,
    pub scheduler: (String, u16),
    pub cores: usize,
    pub work_dir: Option<String>,
}

/// Ballista's session for a job, whose stores are opened from this process's environment
/// when a plan names them (the scheduler decodes every plan it is sent).
fn session_with_stores(config: SessionConfig) -> datafusion::common::Result<SessionState> {
    let state = default_session_builder(config)?;
    let stores = Arc::new(kqlite_storage::StoreRegistry::default());
    let runtime = RuntimeEnvBuilder::new().with_object_store_registry(stores);
    Ok(SessionStateBuilder::new_from_existing(state)
        .with_runtime_env(runtime.build_arc()?)
        .build())
}

/// Runs a scheduler until the process is stopped.
pub async fn run_scheduler(options: SchedulerOptions) -> Result<(), String> {
    let mut config = SchedulerConfig::default()
        .with_hostname(options.bind.ip().to_string())
        .with_port(options.bind.port());
    config.bind_host = options.bind.ip().to_string();
    config.override_physical_codec = Some(Arc::new(KqlCodec::default()));
    config.override_session_builder = Some(Arc::new(session_with_stores));
    config.executor_timeout_seconds = EXECUTOR_TIMEOUT_SECONDS;
    config.expire_dead_executor_interval_seconds = HEARTBEAT_SECONDS;
    config.no_executors_grace_period_seconds = EXECUTOR_TIMEOUT_SECONDS;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| e.to_string())?;
    start_server(cluster, options.bind, Arc::new(config))
        .await
        .map_err(|e| e.to_string())
}

/// Ballista's runtime for each task (spill files in the work folder), whose stores are opened
/// from this process's environment when a plan names them: a plan read in place from
/// `az://...` is read by each executor from the store itself.
fn runtime_with_stores(work_dir: Option<String>) -> RuntimeProducer {
    Arc::new(move |_| {
        let mut builder = RuntimeEnvBuilder::new()
            .with_object_store_registry(Arc::new(kqlite_storage::StoreRegistry::default()));
        if let Some(dir) = &work_dir {
            builder = builder.with_temp_file_path(dir.clone());
        }
        Ok(Arc::new(builder.build()?))
    })
}

/// Runs an executor until the process is stopped; it waits up to 30 s for its scheduler.
pub async fn run_executor(options: ExecutorOptions) -> Result<(), String> {
    let (scheduler_host, scheduler_port) = options.scheduler;
    let registry = default_session_builder(SessionConfig::new_with_ballista())
        .map(|state| BallistaFunctionRegistry::from(&state))
        .map_err(|e| e.to_string())?;
    let work_dir = options.work_dir.clone();
    let config = ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: Some(options.bind_host),
        port: options.flight_port,
        grpc_port: options.grpc_port,
        scheduler_host,
        scheduler_port,
        scheduler_connect_timeout_seconds: 30,
        vcores: options.cores,
        work_dir: options.work_dir,
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        override_function_registry: Some(Arc::new(registry)),
        override_physical_codec: Some(Arc::new(KqlCodec::default())),
        override_runtime_producer: Some(runtime_with_stores(work_dir)),
        ..Default::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| e.to_string())
}
