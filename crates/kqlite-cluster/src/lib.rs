//! kqlite on an Apache DataFusion Ballista cluster. The client plans a query as it would locally,
//! then [`distribute`] hands the largest parts of the physical plan that can travel to the
//! cluster's scheduler (see `codec.rs` for what travels); the rest, if any, runs here over their
//! rows. `kqlite scheduler` and `kqlite executor` run Ballista's processes with kqlite's codec.

mod cluster_exec;
mod codec;
mod distribute;
mod expressions;
mod placement;
mod processes;
mod task_errors;

use datafusion::common::DataFusionError;

pub use cluster_exec::ClusterExec;
pub use codec::KqlCodec;
pub use distribute::{distribute, stages};
pub use placement::connect;
pub use processes::{run_executor, run_scheduler, ExecutorOptions, SchedulerOptions};

/// A scheduler to send plans to, as `df://HOST:PORT`.
#[derive(Debug)]
pub struct Cluster {
    pub url: String,
    host: String,
    port: u16,
    session_id: String,
}

impl Cluster {
    /// The cluster at `df://HOST[:PORT]` (port 50050 when left out).
    pub fn parse(url: &str) -> Result<Cluster, String> {
        let rest = url
            .strip_prefix("df://")
            .ok_or_else(|| format!("{url}: a cluster is named df://HOST:PORT"))?;
        let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
            Some((host, port)) => (host, port.parse().map_err(|_| format!("{url}: bad port"))?),
            None => (rest.trim_end_matches('/'), 50050),
        };
        if host.is_empty() {
            return Err(format!("{url}: a cluster is named df://HOST:PORT"));
        }
        let session_id = format!("kqlite-{}-{}", std::process::id(), now_nanos());
        Ok(Cluster {
            url: format!("df://{host}:{port}"),
            host: host.to_string(),
            port,
            session_id,
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn scheduler_url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// An error met on the cluster, naming it.
    fn error(&self, e: DataFusionError) -> DataFusionError {
        let message = status_message(&e.strip_backtrace());
        let message = task_errors::task_error(&message).unwrap_or(message);
        DataFusionError::Execution(format!("on the cluster at {}: {message}", self.url))
    }
}

/// The message of a gRPC status that Ballista passes on in its debug form
/// (`Status { code: ..., message: "...", metadata: ... }`); other text as it is.
fn status_message(text: &str) -> String {
    let Some((before, rest)) = text.split_once("Status { code: ") else {
        return text.to_string();
    };
    let message = rest
        .split_once("message: \"")
        .and_then(|(_, m)| m.split_once("\", metadata: "))
        .map(|(m, _)| m.replace("\\\"", "\""));
    match message {
        Some(message) => format!("{before}{message}"),
        None => text.to_string(),
    }
}

fn now_nanos() -> u128 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::Cluster;

    #[test]
    fn a_grpc_status_is_shown_by_its_message() {
        let text = "Execution error: Status { code: InvalidArgument, message: \"Could not parse \\\"x\\\"\", metadata: MetadataMap { headers: {} }, source: None }";
        assert_eq!(
            super::status_message(text),
            "Execution error: Could not parse \"x\""
        );
        assert_eq!(super::status_message("plain"), "plain");
    }

    #[test]
    fn cluster_urls_name_host_and_port() {
        assert_eq!(
            Cluster::parse("df://127.0.0.1:50050").unwrap().url,
            "df://127.0.0.1:50050"
        );
        assert_eq!(
            Cluster::parse("df://sched").unwrap().url,
            "df://sched:50050"
        );
        assert!(Cluster::parse("http://x:1").is_err());
        assert!(Cluster::parse("df://x:port").is_err());
    }
}
