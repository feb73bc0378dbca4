//! `--cluster df://HOST:PORT` and the REPL's `.cluster`: queries planned here, their plans run
//! on a Ballista cluster (see `kqlite-cluster`); `kqlite scheduler` and `kqlite executor` run
//! the cluster's processes.

use std::net::SocketAddr;

use kqlite_cluster::{Cluster, ExecutorOptions, SchedulerOptions};

use crate::args::ExecutorArgs;
use crate::Failure;

pub use kqlite_cluster::connect;

/// `kqlite scheduler`: runs until stopped.
pub async fn scheduler(bind: SocketAddr) -> Result<(), Failure> {
    eprintln!("kqlite scheduler: listening on df://{bind}");
    kqlite_cluster::run_scheduler(SchedulerOptions { bind })
        .await
        .map_err(|e| cluster_failure("scheduler", e))
}

/// `kqlite executor`: runs until stopped.
pub async fn executor(args: &ExecutorArgs) -> Result<(), Failure> {
    let scheduler = Cluster::parse(&args.scheduler).map_err(Failure::Usage)?;
    let cores = args
        .cores
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let options = ExecutorOptions {
        bind_host: args.bind.clone(),
        flight_port: args.port,
        grpc_port: args.grpc_port,
        scheduler: (scheduler.host().to_string(), scheduler.port()),
        cores,
        work_dir: args.work_dir.as_ref().map(|d| d.display().to_string()),
    };
    eprintln!(
        "kqlite executor: {cores} task slots, results on {}:{}, joining {}",
        args.bind, args.port, scheduler.url
    );
    kqlite_cluster::run_executor(options)
        .await
        .map_err(|e| cluster_failure("executor", e))
}

fn cluster_failure(process: &str, e: String) -> Failure {
    eprintln!("error: kqlite {process}: {e}");
    Failure::Query
}
