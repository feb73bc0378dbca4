//! v1: `{"Tables": [...]}`: the results, then a `QueryStatus` table and the table of
//! contents that names them. An error met after the first byte goes to `QueryStatus` (a v1
//! table has no place for it among the rows).

use serde_json::{json, Value};

use super::{column_json, timestamp, Completion, Protocol};
use crate::errors::KustoError;
use crate::values::Column;

#[derive(Default)]
pub struct V1 {
    tables: usize,
}

impl V1 {
    fn table(&mut self, out: &mut Vec<u8>, columns: &[Column]) {
        if self.tables > 0 {
            out.push(b',');
        }
        let columns = column_json(columns, true);
        let name = format!("Table_{}", self.tables);
        self.tables += 1;
        out.extend_from_slice(
            format!("\n{{\"TableName\":\"{name}\",\"Columns\":{columns},\"Rows\":[").as_bytes(),
        );
    }

    fn rows(out: &mut Vec<u8>, rows: &[Value]) {
        let rows: Vec<String> = rows.iter().map(Value::to_string).collect();
        out.extend_from_slice(rows.join(",").as_bytes());
        out.extend_from_slice(b"]}");
    }
}

impl Protocol for V1 {
    fn begin(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"Tables\":[");
    }

    fn table_begin(&mut self, out: &mut Vec<u8>, columns: &[Column]) {
        self.table(out, columns);
    }

    fn table_end(&mut self, out: &mut Vec<u8>, _error: Option<&KustoError>, _rows: bool) {
        out.extend_from_slice(b"]}");
    }

    fn finish(&mut self, out: &mut Vec<u8>, completion: &Completion) {
        let results = self.tables;
        self.table(out, &status_columns());
        let mut status = vec![status_row(
            completion,
            4,
            "Info",
            "Query completed successfully",
        )];
        for error in &completion.errors {
            status.push(status_row(completion, 2, "Error", &error.message));
        }
        Self::rows(out, &status);
        let toc = [
            ("Ordinal", "long"),
            ("Kind", "string"),
            ("Name", "string"),
            ("Id", "string"),
            ("PrettyName", "string"),
        ];
        let toc: Vec<Column> = toc.into_iter().map(|(n, t)| Column::new(n, t)).collect();
        self.table(out, &toc);
        let mut contents: Vec<Value> = (0..results)
            .map(|i| json!([i, "QueryResult", "PrimaryResult", i.to_string(), ""]))
            .collect();
        contents.push(json!([
            results,
            "QueryStatus",
            "QueryStatus",
            results.to_string(),
            ""
        ]));
        Self::rows(out, &contents);
        out.extend_from_slice(b"\n]}");
    }
}

fn status_columns() -> Vec<Column> {
    [
        ("Timestamp", "datetime"),
        ("Severity", "int"),
        ("SeverityName", "string"),
        ("StatusCode", "int"),
        ("StatusDescription", "string"),
        ("Count", "int"),
        ("RequestId", "guid"),
        ("ActivityId", "guid"),
        ("SubActivityId", "guid"),
        ("ClientActivityId", "string"),
    ]
    .into_iter()
    .map(|(name, kusto)| Column::new(name, kusto))
    .collect()
}

/// A `QueryStatus` row: Kusto's clients count errors by `Severity` (below 4).
fn status_row(completion: &Completion, severity: u8, name: &str, description: &str) -> Value {
    let code = if severity < 4 { 1 } else { 0 };
    let no_id = "00000000-0000-0000-0000-000000000000";
    json!([
        timestamp(),
        severity,
        name,
        code,
        description,
        1,
        no_id,
        no_id,
        no_id,
        completion.request_id,
    ])
}
