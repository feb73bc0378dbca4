//! The two response layouts of Kusto's REST API, written piece by piece as a result is
//! produced: v1 (`{"Tables": [...]}`) and v2 (an array of frames).

mod v1;
mod v2;

use std::time::Duration;

use serde_json::{json, Value};

pub use v1::V1;
pub use v2::V2;

use crate::errors::KustoError;
use crate::values::Column;

/// How a response is laid out: the caller writes rows between `table_begin` and
/// `table_end` with [`crate::values::write_rows`].
pub trait Protocol: Send + 'static {
    fn begin(&mut self, out: &mut Vec<u8>);
    fn table_begin(&mut self, out: &mut Vec<u8>, columns: &[Column]);
    /// Ends a table; an error met while writing it goes inside it, where Kusto's clients
    /// look for one (`rows_written` says whether a row precedes it).
    fn table_end(&mut self, out: &mut Vec<u8>, error: Option<&KustoError>, rows_written: bool);
    fn finish(&mut self, out: &mut Vec<u8>, completion: &Completion);
    /// The chart of a `render`, as SVG, for kqlite's web page (v2 only).
    fn chart(&mut self, _out: &mut Vec<u8>, _svg: &str) {}
}

/// How a request ended.
pub struct Completion {
    pub request_id: String,
    pub errors: Vec<KustoError>,
    /// Stopped by its timeout.
    pub cancelled: bool,
    pub rows: u64,
    /// Read from files (Parquet) by the query.
    pub bytes_scanned: u64,
    pub elapsed: Duration,
}

impl Completion {
    /// The statistics Kusto reports at the end of a query, as kqlite has them.
    fn statistics(&self) -> Value {
        json!({
            "ExecutionTime": self.elapsed.as_secs_f64(),
            "dataset_statistics": [{ "table_row_count": self.rows }],
            "kqlite_bytes_scanned": self.bytes_scanned,
        })
    }
}

/// The whole response of a command whose result is small and known: `tables`, each its
/// columns and rows of JSON values.
pub fn whole(
    protocol: &mut dyn Protocol,
    tables: &[(Vec<Column>, Vec<Vec<Value>>)],
    request_id: &str,
) -> Vec<u8> {
    let mut out = Vec::new();
    protocol.begin(&mut out);
    let mut rows = 0;
    for (columns, values) in tables {
        protocol.table_begin(&mut out, columns);
        for (i, row) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(Value::from(row.clone()).to_string().as_bytes());
        }
        protocol.table_end(&mut out, None, !values.is_empty());
        rows += values.len() as u64;
    }
    let completion = Completion {
        request_id: request_id.to_string(),
        errors: Vec::new(),
        cancelled: false,
        rows,
        bytes_scanned: 0,
        elapsed: Duration::ZERO,
    };
    protocol.finish(&mut out, &completion);
    out
}

/// `columns` as the `Columns` of a v2 table or, with their .NET types, of a v1 table.
fn column_json(columns: &[Column], v1: bool) -> String {
    let columns: Vec<Value> = columns
        .iter()
        .map(|c| match v1 {
            true => json!({"ColumnName": c.name, "DataType": c.data_type(), "ColumnType": c.kusto}),
            false => json!({"ColumnName": c.name, "ColumnType": c.kusto}),
        })
        .collect();
    Value::from(columns).to_string()
}

/// The time of a status row, as Kusto writes datetimes.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Kusto's clock counts 100 ns ticks.
    let nanos = i64::try_from(now.as_nanos() / 100 * 100).unwrap_or(i64::MAX);
    kqlite::output::format_datetime(nanos)
}
