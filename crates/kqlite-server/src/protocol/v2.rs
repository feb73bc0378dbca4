//! v2: a JSON array of frames: `DataSetHeader`, the `@ExtendedProperties` table, one
//! `PrimaryResult` table per result, `QueryCompletionInformation`, `DataSetCompletion`.
//! Each frame's fields come in Kusto's order: its streaming clients read them in order.

use serde_json::{json, Value};

use super::{column_json, timestamp, Completion, Protocol};
use crate::errors::KustoError;
use crate::values::Column;

#[derive(Default)]
pub struct V2 {
    next_table: u32,
    /// Kusto's `Visualization` property of a query that ends in `render`.
    visualization: Option<String>,
}

impl V2 {
    pub fn with_visualization(visualization: Option<String>) -> V2 {
        V2 {
            next_table: 0,
            visualization,
        }
    }
}

impl V2 {
    fn data_table(&mut self, out: &mut Vec<u8>, kind: &str, name: &str, columns: &[Column]) {
        let id = self.next_table;
        self.next_table += 1;
        let columns = column_json(columns, false);
        out.extend_from_slice(
            format!(
                "\n,{{\"FrameType\":\"DataTable\",\"TableId\":{id},\"TableKind\":\"{kind}\",\
                 \"TableName\":\"{name}\",\"Columns\":{columns},\"Rows\":["
            )
            .as_bytes(),
        );
    }
}

impl Protocol for V2 {
    fn begin(&mut self, out: &mut Vec<u8>) {
        out.extend_from_slice(
            b"[{\"FrameType\":\"DataSetHeader\",\"IsProgressive\":false,\"Version\":\"v2.0\",\
              \"IsFragmented\":false,\"ErrorReportingPlacement\":\"InData\"}",
        );
        let columns = [
            Column::new("TableId", "int"),
            Column::new("Key", "string"),
            Column::new("Value", "dynamic"),
        ];
        self.data_table(out, "QueryProperties", "@ExtendedProperties", &columns);
        if let Some(visualization) = &self.visualization {
            // The property of the first result table (id 1), as Kusto writes it.
            out.extend_from_slice(
                json!([1, "Visualization", visualization])
                    .to_string()
                    .as_bytes(),
            );
        }
        out.extend_from_slice(b"]}");
    }

    fn table_begin(&mut self, out: &mut Vec<u8>, columns: &[Column]) {
        self.data_table(out, "PrimaryResult", "PrimaryResult", columns);
    }

    fn table_end(&mut self, out: &mut Vec<u8>, error: Option<&KustoError>, rows_written: bool) {
        if let Some(error) = error {
            if rows_written {
                out.push(b',');
            }
            let errors = json!({ "OneApiErrors": [error.to_json("")] });
            out.extend_from_slice(errors.to_string().as_bytes());
        }
        out.extend_from_slice(b"]}");
    }

    fn chart(&mut self, out: &mut Vec<u8>, svg: &str) {
        let columns = [Column::new("Svg", "string")];
        self.data_table(out, "QueryProperties", "@KqliteChart", &columns);
        out.extend_from_slice(json!([svg]).to_string().as_bytes());
        out.extend_from_slice(b"]}");
    }

    fn finish(&mut self, out: &mut Vec<u8>, completion: &Completion) {
        let columns = completion_columns();
        self.data_table(
            out,
            "QueryCompletionInformation",
            "QueryCompletionInformation",
            &columns,
        );
        let mut rows = vec![status_row(completion, 4, "Info", completion.statistics())];
        for error in &completion.errors {
            let payload = error.to_json(&completion.request_id);
            rows.push(status_row(completion, 2, "Error", payload));
        }
        let rows: Vec<String> = rows.iter().map(Value::to_string).collect();
        out.extend_from_slice(rows.join(",").as_bytes());
        out.extend_from_slice(b"]}");
        // Written by hand: a JSON map would sort the fields, and clients read `FrameType` first.
        let has_errors = !completion.errors.is_empty();
        let cancelled = completion.cancelled;
        let mut done = format!(
            "{{\"FrameType\":\"DataSetCompletion\",\"HasErrors\":{has_errors},\"Cancelled\":{cancelled}"
        );
        if has_errors {
            let errors: Vec<Value> = completion
                .errors
                .iter()
                .map(|e| e.to_json(&completion.request_id))
                .collect();
            done.push_str(&format!(",\"OneApiErrors\":{}", Value::from(errors)));
        }
        done.push('}');
        out.extend_from_slice(format!("\n,{done}\n]").as_bytes());
    }
}

fn completion_columns() -> Vec<Column> {
    [
        ("Timestamp", "datetime"),
        ("ClientRequestId", "string"),
        ("ActivityId", "guid"),
        ("SubActivityId", "guid"),
        ("ParentActivityId", "guid"),
        ("Level", "int"),
        ("LevelName", "string"),
        ("StatusCode", "int"),
        ("StatusCodeName", "string"),
        ("EventType", "int"),
        ("EventTypeName", "string"),
        ("Payload", "string"),
    ]
    .into_iter()
    .map(|(name, kusto)| Column::new(name, kusto))
    .collect()
}

/// A `QueryCompletionInformation` row: Kusto's clients count errors by `Level` (below 4).
fn status_row(completion: &Completion, level: u8, level_name: &str, payload: Value) -> Value {
    let (status, status_name) = if level < 4 {
        (1, "E_FAIL")
    } else {
        (0, "S_OK (0)")
    };
    let no_id = "00000000-0000-0000-0000-000000000000";
    json!([
        timestamp(),
        completion.request_id,
        no_id,
        no_id,
        no_id,
        level,
        level_name,
        status,
        status_name,
        14,
        "QueryInfo",
        payload.to_string(),
    ])
}
