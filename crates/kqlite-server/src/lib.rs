//! kqlite as a local Kusto cluster: Kusto's REST API (`/v1/rest/query`, `/v2/rest/query`,
//! `/v1/rest/mgmt`, `/v2/rest/mgmt`) over an [`Engine`], so that Kusto's own clients
//! (azure-kusto-data, Kqlmagic, Kusto.Explorer, Grafana) query offline exports unchanged.
//!
//! Read-only by construction: no endpoint writes, management commands only show; a
//! listener beyond loopback needs a bearer token; requests, concurrent queries and each
//! query's time and result are bounded.

mod admission;
mod completion;
mod errors;
mod management;
mod protocol;
mod query;
mod request;
mod values;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use kqlite::limits::QueryLimits;
use kqlite::Engine;

pub use errors::KustoError;

/// What the server tells of each query it ran (or refused), for an audit log.
pub struct Served<'a> {
    pub query: &'a str,
    /// The clock the query ran at, when fixed.
    pub now: Option<i64>,
    pub request_id: &'a str,
    pub rows: u64,
    /// SHA-256 of the response body sent.
    pub output_sha256: [u8; 32],
    /// `ok`, `failed`, or `cancelled` (the client left).
    pub outcome: &'static str,
}

/// Called once per query, with the engine it ran on.
pub type AuditHook = Arc<dyn Fn(&Engine, &Served<'_>) + Send + Sync>;

/// How the server listens and what it allows.
#[derive(Clone)]
pub struct ServeOptions {
    pub bind: SocketAddr,
    /// The bearer token every request must carry; required to listen beyond loopback.
    pub token: Option<String>,
    /// The name of the one database the server holds.
    pub database: String,
    /// Each query's limits unless its request or its `set` statements change them.
    pub limits: QueryLimits,
    /// Queries run at once; more wait, up to `max_waiting`, then are refused (429).
    pub max_running: usize,
    pub max_waiting: usize,
    pub max_request_bytes: usize,
    pub audit: Option<AuditHook>,
}

impl ServeOptions {
    /// Kusto's defaults: ten queries a core at once (as Kusto's request concurrency).
    pub fn new(bind: SocketAddr) -> ServeOptions {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServeOptions {
            bind,
            token: None,
            database: "kqlite".to_string(),
            limits: QueryLimits::default(),
            max_running: cores * 10,
            max_waiting: 1000,
            max_request_bytes: 4 << 20,
            audit: None,
        }
    }
}

/// What every request handler shares.
struct Server {
    engine: Engine,
    options: ServeOptions,
    admission: admission::Admission,
    started: i64,
}

/// Binds the listener `options` name, refusing an address beyond loopback without a token.
pub async fn bind(options: &ServeOptions) -> Result<tokio::net::TcpListener, String> {
    if !options.bind.ip().is_loopback() && options.token.is_none() {
        return Err(format!(
            "--bind {}: listening beyond this machine needs a token (--token FILE) that every \
             request must carry",
            options.bind
        ));
    }
    tokio::net::TcpListener::bind(options.bind)
        .await
        .map_err(|e| format!("--bind {}: {e}", options.bind))
}

/// Answers requests on `listener` until `shutdown` completes.
pub async fn run(
    listener: tokio::net::TcpListener,
    engine: Engine,
    options: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let server = Arc::new(Server {
        admission: admission::Admission::new(options.max_running, options.max_waiting),
        started: now_nanos(),
        engine,
        options,
    });
    let app = Router::new()
        .route("/v1/rest/query", route(Endpoint::QueryV1))
        .route("/v2/rest/query", route(Endpoint::QueryV2))
        .route("/v1/rest/mgmt", route(Endpoint::MgmtV1))
        .route("/v2/rest/mgmt", route(Endpoint::MgmtV2))
        .route("/v1/kqlite/complete", post(completion::complete))
        .route("/", get(page))
        .fallback(not_found)
        .with_state(server);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// POST to one of Kusto's endpoints.
fn route(to: Endpoint) -> axum::routing::MethodRouter<Arc<Server>> {
    post(move |s: State<Arc<Server>>, h: HeaderMap, b: Body| endpoint(s, h, b, to))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    QueryV1,
    QueryV2,
    MgmtV1,
    MgmtV2,
}

impl Endpoint {
    /// The response layout; a v2 query's carries the chart its `render` asks for.
    fn protocol(self, text: &str) -> Box<dyn protocol::Protocol> {
        match self {
            Endpoint::QueryV1 | Endpoint::MgmtV1 => Box::new(protocol::V1::default()),
            Endpoint::MgmtV2 => Box::new(protocol::V2::default()),
            Endpoint::QueryV2 => {
                let parsed = kqlite_parser::parse_query(text).ok();
                let vis = parsed.as_ref().and_then(kqlite_chart::from_query);
                let json = vis.as_ref().map(kqlite_chart::properties_json);
                Box::new(protocol::V2::with_visualization(json))
            }
        }
    }
}

async fn endpoint(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Body,
    endpoint: Endpoint,
) -> Response {
    let request_id = request::request_id(&headers);
    match respond(server, &headers, body, endpoint, &request_id).await {
        Ok(response) => response,
        Err(error) => error.response(&request_id),
    }
}

async fn respond(
    server: Arc<Server>,
    headers: &HeaderMap,
    body: Body,
    endpoint: Endpoint,
    request_id: &str,
) -> Result<Response, KustoError> {
    server.authorize(headers)?;
    let max = server.options.max_request_bytes;
    let request = request::read(headers, body, max, server.options.limits).await?;
    server.check_database(request.database.as_deref())?;
    let is_command = request.text.trim_start().starts_with('.');
    match endpoint {
        Endpoint::MgmtV1 | Endpoint::MgmtV2 => {
            management::run(&server, &request, endpoint.protocol(""), request_id).await
        }
        _ if is_command => Err(KustoError::bad_request(
            "a management command (starting with `.`) is sent to /v1/rest/mgmt, not to the \
             query endpoint",
        )),
        _ => {
            let protocol = endpoint.protocol(&request.text);
            query::run(server, request, protocol, request_id).await
        }
    }
}

impl Server {
    fn audit(&self, served: &Served<'_>) {
        if let Some(hook) = &self.options.audit {
            hook(&self.engine, served);
        }
    }

    /// With a token, every request must carry it (`Authorization: Bearer TOKEN`).
    fn authorize(&self, headers: &HeaderMap) -> Result<(), KustoError> {
        let Some(token) = &self.options.token else {
            return addressed_to_this_machine(headers);
        };
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if same_secret(given.trim().as_bytes(), token.as_bytes()) {
            return Ok(());
        }
        Err(KustoError::new(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "the request does not carry this server's token (Authorization: Bearer TOKEN)",
        ))
    }

    /// The one database, by its name; clients that name none are answered too.
    fn check_database(&self, database: Option<&str>) -> Result<(), KustoError> {
        let ours = &self.options.database;
        match database.map(str::trim) {
            None | Some("") | Some("NetDefaultDB") => Ok(()),
            Some(name) if name.eq_ignore_ascii_case(ours) => Ok(()),
            Some(name) => Err(KustoError::bad_request(format!(
                "database '{name}' does not exist: this server holds one database, '{ours}'"
            ))),
        }
    }
}

/// Without a token, a request must name this machine as its host: a web page elsewhere that
/// rebinds its own name to 127.0.0.1 (DNS rebinding) cannot query through the browser.
fn addressed_to_this_machine(headers: &HeaderMap) -> Result<(), KustoError> {
    let Some(host) = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let loopback = matches!(name, "localhost" | "[::1]")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return Ok(());
    }
    Err(KustoError::new(
        StatusCode::FORBIDDEN,
        "Forbidden",
        format!(
            "a request for host '{host}': without --token, kqlite serve answers only requests \
             addressed to this machine (localhost, 127.0.0.1)"
        ),
    ))
}

/// kqlite's web page: a query editor, result grid and charts over this same API.
async fn page() -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             img-src 'self' data:",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    (StatusCode::OK, headers, include_str!("page/index.html")).into_response()
}

/// Compares a secret in time that depends only on the lengths, not on where they differ.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut difference = given.len() ^ expected.len();
    for (i, e) in expected.iter().enumerate() {
        difference |= usize::from(given.get(i).copied().unwrap_or(0) ^ e);
    }
    difference == 0
}

async fn not_found(headers: HeaderMap) -> Response {
    let error = KustoError::new(
        StatusCode::NOT_FOUND,
        "NotFound",
        "no such endpoint: kqlite serves POST /v1/rest/query, /v2/rest/query, /v1/rest/mgmt \
         and /v2/rest/mgmt",
    );
    error.response(&request::request_id(&headers))
}

fn now_nanos() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_match_only_whole() {
        assert!(same_secret(b"s3cret", b"s3cret"));
        assert!(!same_secret(b"s3cre", b"s3cret"));
        assert!(!same_secret(b"s3cret!", b"s3cret"));
        assert!(!same_secret(b"", b"s3cret"));
    }
}
