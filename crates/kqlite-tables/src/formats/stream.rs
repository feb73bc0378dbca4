//! The streaming API's records, one JSON object per line:
//! `{"time", "tenantId", "operationName", "category": "AdvancedHunting-<Table>",
//! "properties": {...columns...}}`. Each record goes to the table its
//! `category` names, whatever the mix of tables in a file. A line holding a
//! plain object without `properties` is taken as a row of the file's table.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::cell::{datetime_of, Cell};
use super::{cut_short, ReadCtx, RowSink, MAX_LINE};
use crate::error::TableError;
use crate::schema::{table_def_ignore_case, table_def_or_undocumented, KustoType, TableDef};

/// A table name KQL can write without quoting.
fn is_kql_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
use crate::warning::{Position, WarningKind};

const CATEGORY_PREFIX: &str = "AdvancedHunting-";

pub(crate) fn read(
    mut reader: Box<dyn BufRead + '_>,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let mut buf = Vec::with_capacity(1 << 12);
    let mut line = 0u64;
    loop {
        buf.clear();
        match read_line(&mut reader, &mut buf) {
            Ok(Line::End) => return Ok(()),
            Ok(Line::Read) => line += 1,
            Ok(Line::TooLong(bytes)) => {
                line += 1;
                let message = format!(
                    "a line of {bytes} bytes, longer than the {MAX_LINE} a record may take"
                );
                ctx.warn(Position::Line(line), WarningKind::SkippedRow, message);
                continue;
            }
            Err(e) => {
                cut_short(ctx, Position::Line(line + 1), &e);
                return Ok(());
            }
        }
        // A byte order mark before the first record is not part of it.
        let text = match line {
            1 => buf.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&buf),
            _ => &buf,
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        record(text, Position::Line(line), hint, ctx, sink)?;
    }
}

enum Line {
    End,
    Read,
    /// Skipped: its length in bytes.
    TooLong(u64),
}

/// Reads one line into `buf` (with its `\n`), unless it is longer than [`MAX_LINE`].
fn read_line(reader: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<Line> {
    let mut skipped = 0u64;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            let read = !buf.is_empty() || skipped > 0;
            return Ok(match (read, skipped) {
                (false, _) => Line::End,
                (true, 0) => Line::Read,
                (true, n) => Line::TooLong(n),
            });
        }
        let (chunk, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let n = chunk.len();
        if skipped == 0 && buf.len() + n <= MAX_LINE {
            buf.extend_from_slice(chunk);
        } else {
            skipped += (buf.len() + n) as u64;
            buf.clear();
        }
        reader.consume(n);
        if done {
            return Ok(if skipped > 0 {
                Line::TooLong(skipped)
            } else {
                Line::Read
            });
        }
    }
}

fn record(
    text: &[u8],
    at: Position,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    match serde_json::from_slice(text) {
        Ok(value) => record_value(value, at, hint, ctx, sink),
        Err(e) => {
            let message = format!("malformed JSON: {e}");
            ctx.warn(at, WarningKind::SkippedRow, message);
            Ok(())
        }
    }
}

/// One record, as a streaming line or an element of a document of records, to its table.
pub(crate) fn record_value(
    value: Value,
    at: Position,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let Value::Object(mut object) = value else {
        ctx.warn(at, WarningKind::SkippedRow, "not a JSON object");
        return Ok(());
    };
    if object.is_empty() {
        ctx.warn(at, WarningKind::SkippedRow, "an empty JSON object");
        return Ok(());
    }
    let def = match route(&object, hint) {
        Ok(def) => def,
        Err(message) => {
            ctx.warn(at, WarningKind::SkippedRow, message);
            return Ok(());
        }
    };
    let enveloped = object.contains_key("properties");
    let properties = match object.remove("properties") {
        Some(Value::Object(properties)) => properties,
        Some(_) => {
            ctx.warn(at, WarningKind::SkippedRow, "properties is not an object");
            return Ok(());
        }
        None => object.clone(),
    };
    let time = def
        .time_column()
        .and_then(|c| row_time_of(properties.get(c)))
        .or_else(|| row_time_of(object.get("time")));
    let builder = sink.builder(def, time)?;
    let cells = properties
        .iter()
        .map(|(k, v)| (k.as_str(), Cell::Json(v), None));
    // The envelope's `time`: when the record was published, Kusto's ingestion time.
    let published = enveloped
        .then(|| object.get("time"))
        .flatten()
        .map(|v| (INGESTION_TIME, Cell::Json(v), Some(KustoType::Datetime)));
    let bad = builder.push_row(cells.chain(published));
    ctx.bad_values(at, bad);
    ctx.row_read();
    Ok(())
}

/// The hidden column of when a row was ingested (the planner's `$IngestionTime`).
const INGESTION_TIME: &str = "$IngestionTime";

/// The table of a record: its category, else the file's table.
fn route(
    object: &Map<String, Value>,
    hint: Option<&'static TableDef>,
) -> Result<&'static TableDef, String> {
    // Before `Category`: an insider-risk alert record has one (`InsiderRiskManagement`).
    if is_audit_record(object) {
        return Ok(table_def_or_undocumented(AUDIT_TABLE));
    }
    let category = object
        .get("category")
        .or_else(|| object.get("Category"))
        .and_then(Value::as_str);
    let Some(category) = category else {
        return hint.ok_or_else(|| {
            "no category, and no table named by the file or its folder".to_string()
        });
    };
    let name = category
        .get(..CATEGORY_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(CATEGORY_PREFIX))
        .map_or(category, |_| &category[CATEGORY_PREFIX.len()..]);
    match table_def_ignore_case(name) {
        Some(def) => Ok(def),
        None if is_kql_name(name) => Ok(table_def_or_undocumented(name)),
        None => Err(format!("category {category:?} is not a table name")),
    }
}

/// The table of the Office 365 Management Activity API's audit records.
const AUDIT_TABLE: &str = "O365AuditRecords";

/// An audit record of the Office 365 Management Activity API (its common schema).
fn is_audit_record(object: &Map<String, Value>) -> bool {
    ["CreationTime", "RecordType", "Operation"]
        .iter()
        .all(|k| object.contains_key(*k))
}

fn row_time_of(value: Option<&Value>) -> Option<i64> {
    datetime_of(Cell::Json(value?)).ok()
}
