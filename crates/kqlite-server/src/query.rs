//! Running a query for a client: planned before the answer starts (a query that does not
//! parse or plan is a 400), then run in a task of its own that writes the response as its
//! batches arrive, through a channel of a few chunks: memory stays bounded whatever the
//! result's size, a client that leaves cancels its query, and one that overstays its
//! timeout is stopped with Kusto's error inside the result.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{header, StatusCode};
use axum::response::Response;
use datafusion::logical_expr::LogicalPlan;
use futures::StreamExt;
use kqlite::limits::{Budget, Reached};
use tokio::sync::mpsc;

use crate::errors::KustoError;
use crate::protocol::{Completion, Protocol};
use crate::request::KustoRequest;
use crate::values::{self, Column};
use crate::{Served, Server};
use sha2::{Digest, Sha256};

/// A chunk is sent once this much of the response is ready.
const CHUNK: usize = 64 << 10;

/// Plans `request`, waits for a turn, and answers with the results as they are produced.
pub async fn run(
    server: Arc<Server>,
    request: KustoRequest,
    protocol: Box<dyn Protocol>,
    request_id: &str,
) -> Result<Response, KustoError> {
    let now = request.now.or(server.engine.now());
    let plans = match server.engine.plan_at(&request.text, now) {
        Ok(plans) => plans,
        Err(e) => {
            let error = KustoError::query(&e, &request.text);
            let body = error.to_json(request_id).to_string();
            server.audit(&Served {
                query: &request.text,
                now,
                request_id,
                rows: 0,
                output_sha256: Sha256::digest(body.as_bytes()).into(),
                outcome: "failed",
            });
            return Err(error);
        }
    };
    let permit = server.admission.admit().await?;
    let (sender, receiver) = mpsc::channel::<Bytes>(2);
    let request_id = request_id.to_string();
    let writer = Writer::new(protocol, sender, request_id.clone());
    tokio::spawn(async move {
        let _turn = permit;
        produce(&server, &plans, &request, writer).await;
    });
    let chunks = futures::stream::unfold(receiver, |mut receiver| async move {
        let chunk = receiver.recv().await?;
        Some((Ok::<_, std::io::Error>(chunk), receiver))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header("x-ms-client-request-id", request_id)
        .body(Body::from_stream(chunks))
        .map_err(|e| KustoError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal", e.to_string()))
}

/// Why writing stopped before the end.
enum Stop {
    /// The client is gone: nothing more can reach it.
    Gone,
    Failed(KustoError),
}

/// Runs the plans within their limits and writes the whole response.
async fn produce(
    server: &Server,
    plans: &[LogicalPlan],
    request: &KustoRequest,
    mut writer: Writer,
) {
    let started = Instant::now();
    writer.protocol.begin(&mut writer.buffer);
    let watcher = writer.sender.clone();
    let limits = request.limits;
    let work = results(server, plans, request, &mut writer);
    let outcome = tokio::select! {
        outcome = within(limits.timeout, work) => outcome,
        _ = watcher.closed() => Err(Stop::Gone),
    };
    let finished = match outcome {
        Ok(()) => true,
        Err(Stop::Gone) => false,
        Err(Stop::Failed(error)) => {
            writer.cancelled = error.code == TIMEOUT_CODE;
            writer.fail(error);
            true
        }
    };
    if finished {
        writer.complete(started.elapsed());
    }
    // Audited before the last chunk leaves: a client that has its answer finds it logged.
    let mut sent = writer.hash.clone();
    sent.update(&writer.buffer);
    server.audit(&Served {
        query: &request.text,
        now: request.now.or(server.engine.now()),
        request_id: &writer.request_id,
        rows: writer.rows,
        output_sha256: sent.finalize().into(),
        outcome: match (finished, writer.failed) {
            (false, _) => "cancelled",
            (true, true) => "failed",
            (true, false) => "ok",
        },
    });
    if finished {
        let _ = writer.send().await;
    }
}

const TIMEOUT_CODE: &str = "Request_ExecutionTimeout";

/// `work`, stopped with Kusto's timeout error past `timeout`.
async fn within(
    timeout: Option<Duration>,
    work: impl std::future::Future<Output = Result<(), Stop>>,
) -> Result<(), Stop> {
    let Some(timeout) = timeout else {
        return work.await;
    };
    tokio::time::timeout(timeout, work)
        .await
        .unwrap_or_else(|_| {
            let after = kqlite::output::format_timespan(timeout.as_nanos() as i64);
            let message = format!(
                "Request execution timeout: the query ran past its timeout of {after} and was \
             cancelled (`set servertimeout = 1h;` or the servertimeout request property gives \
             it longer)"
            );
            let mut error = KustoError::new(StatusCode::REQUEST_TIMEOUT, TIMEOUT_CODE, message);
            error.kind = "Kusto.Data.Exceptions.KustoRequestExecutionTimeoutException";
            Err(Stop::Failed(error))
        })
}

async fn results(
    server: &Server,
    plans: &[LogicalPlan],
    request: &KustoRequest,
    writer: &mut Writer,
) -> Result<(), Stop> {
    let failed = |e: kqlite::Error| Stop::Failed(KustoError::query(&e, &request.text));
    let mut chart = Chart::asked(request);
    for plan in plans {
        let columns = values::columns(plan.schema().as_arrow());
        writer.open(&columns);
        let (physical, mut stream) = server
            .engine
            .stream_physical(plan.clone())
            .await
            .map_err(failed)?;
        chart.begin(stream.schema());
        let mut budget = Budget::new(request.limits);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| failed(server.engine.failure(plan, e)))?;
            let (kept, reached) = budget.take(&batch, writer.table_bytes);
            writer.rows(&kept, &columns).await?;
            chart.keep(&kept);
            if let Some(reached) = reached {
                return Err(Stop::Failed(truncated(reached)));
            }
        }
        writer.close(None);
        writer.bytes_scanned += kqlite::bytes_scanned(physical.as_ref());
    }
    if let Some(svg) = chart.draw() {
        writer.protocol.chart(&mut writer.buffer, &svg);
    }
    Ok(())
}

/// The rows a chart needs, at most this many.
const CHART_ROWS: usize = 100_000;

/// The last result kept for the chart its `render` asks for, when the client wants it drawn
/// (`kqlite_chart`, as kqlite's web page does).
struct Chart {
    visualization: Option<kqlite_chart::Visualization>,
    schema: Option<datafusion::arrow::datatypes::SchemaRef>,
    batches: Vec<datafusion::arrow::record_batch::RecordBatch>,
    rows: usize,
}

impl Chart {
    fn asked(request: &KustoRequest) -> Chart {
        let query = request
            .chart
            .then(|| kqlite_parser::parse_query(&request.text).ok());
        let mut visualization = query.flatten().as_ref().and_then(kqlite_chart::from_query);
        if let Some(vis) = &mut visualization {
            vis.xmin = request.chart_x.0.or(vis.xmin);
            vis.xmax = request.chart_x.1.or(vis.xmax);
        }
        Chart {
            visualization,
            schema: None,
            batches: Vec::new(),
            rows: 0,
        }
    }

    fn begin(&mut self, schema: datafusion::arrow::datatypes::SchemaRef) {
        self.schema = Some(schema);
        self.batches.clear();
        self.rows = 0;
    }

    fn keep(&mut self, batch: &datafusion::arrow::record_batch::RecordBatch) {
        if self.visualization.is_some() && self.rows < CHART_ROWS {
            let rows = batch.num_rows().min(CHART_ROWS - self.rows);
            self.batches.push(batch.slice(0, rows));
            self.rows += rows;
        }
    }

    /// The SVG, or None when there is no chart or it cannot be drawn.
    fn draw(&self) -> Option<String> {
        let vis = self.visualization.as_ref()?;
        kqlite_chart::svg(vis, self.schema.as_ref()?, &self.batches).ok()
    }
}

/// Kusto's partial failure when a result passes a truncation limit.
fn truncated(reached: Reached) -> KustoError {
    let what = match reached {
        Reached::Records(max) => format!("record count limit {max}"),
        Reached::Bytes { max, .. } => format!("data size limit {max}"),
    };
    let message = format!(
        "Query result set has exceeded the internal {what} (E_QUERY_RESULT_SET_TOO_LARGE): \
         `set notruncation;` before the query, or the notruncation request property, returns \
         it whole"
    );
    KustoError::new(StatusCode::BAD_REQUEST, "LimitsExceeded", message)
}

/// The response as it is written: the layout, the bytes not yet sent, and where it stands.
struct Writer {
    protocol: Box<dyn Protocol>,
    sender: mpsc::Sender<Bytes>,
    buffer: Vec<u8>,
    request_id: String,
    /// The table being written, if one is open: whether it has rows yet.
    open_table: Option<bool>,
    table_bytes: u64,
    rows: u64,
    /// Read from files by the queries that completed.
    bytes_scanned: u64,
    errors: Vec<KustoError>,
    cancelled: bool,
    failed: bool,
    /// SHA-256 of what was sent.
    hash: Sha256,
}

impl Writer {
    fn new(protocol: Box<dyn Protocol>, sender: mpsc::Sender<Bytes>, request_id: String) -> Writer {
        Writer {
            protocol,
            sender,
            buffer: Vec::with_capacity(CHUNK),
            request_id,
            open_table: None,
            table_bytes: 0,
            rows: 0,
            bytes_scanned: 0,
            errors: Vec::new(),
            cancelled: false,
            failed: false,
            hash: Sha256::new(),
        }
    }

    fn open(&mut self, columns: &[Column]) {
        self.protocol.table_begin(&mut self.buffer, columns);
        self.open_table = Some(false);
        self.table_bytes = 0;
    }

    async fn rows(
        &mut self,
        batch: &datafusion::arrow::record_batch::RecordBatch,
        columns: &[Column],
    ) -> Result<(), Stop> {
        let mut first = self.open_table == Some(false);
        let before = self.buffer.len();
        values::write_rows(batch, columns, &mut first, &mut self.buffer).map_err(|e| {
            Stop::Failed(KustoError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal",
                e.to_string(),
            ))
        })?;
        self.table_bytes += (self.buffer.len() - before) as u64;
        self.rows += batch.num_rows() as u64;
        self.open_table = Some(!first);
        if self.buffer.len() >= CHUNK {
            self.send().await?;
        }
        Ok(())
    }

    fn close(&mut self, error: Option<&KustoError>) {
        if let Some(rows_written) = self.open_table.take() {
            self.protocol
                .table_end(&mut self.buffer, error, rows_written);
        }
    }

    /// Ends the response's open table with `error`, which the completion reports too.
    fn fail(&mut self, error: KustoError) {
        self.failed = true;
        self.close(Some(&error));
        self.errors.push(error);
    }

    /// Writes the end of the response (sent by the next [`Writer::send`]).
    fn complete(&mut self, elapsed: Duration) {
        let completion = Completion {
            request_id: self.request_id.clone(),
            errors: std::mem::take(&mut self.errors),
            cancelled: self.cancelled,
            rows: self.rows,
            bytes_scanned: self.bytes_scanned,
            elapsed,
        };
        self.protocol.finish(&mut self.buffer, &completion);
    }

    async fn send(&mut self) -> Result<(), Stop> {
        self.hash.update(&self.buffer);
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.sender.send(chunk).await.map_err(|_| Stop::Gone)
    }
}
