//! The streaming API's records, one JSON object per line:
//! `{"time", "tenantId", "operationName", "category": "AdvancedHunting-<Table>",
//! "properties": {...columns...}}`. Each record goes to the table its
//! `category` names, whatever the mix of tables in a file. A line holding a
//! plain object without `properties` is taken as a row of the file's table.

use std::io::BufRead;

use serde_json::{Map, Value};

use super::cell::{datetime_of, Cell};
use super::{cut_short, ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::{table_def_ignore_case, TableDef};
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
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => line += 1,
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

fn record(
    text: &[u8],
    at: Position,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let value: Value = match serde_json::from_slice(text) {
        Ok(value) => value,
        Err(e) => {
            let message = format!("malformed JSON: {e}");
            ctx.warn(at, WarningKind::SkippedRow, message);
            return Ok(());
        }
    };
    let Value::Object(mut object) = value else {
        ctx.warn(at, WarningKind::SkippedRow, "not a JSON object");
        return Ok(());
    };
    let def = match route(&object, hint) {
        Ok(def) => def,
        Err(message) => {
            ctx.warn(at, WarningKind::SkippedRow, message);
            return Ok(());
        }
    };
    let properties = match object.remove("properties") {
        Some(Value::Object(properties)) => properties,
        Some(_) => {
            ctx.warn(at, WarningKind::SkippedRow, "properties is not an object");
            return Ok(());
        }
        None => object.clone(),
    };
    let time = row_time(&properties).or_else(|| row_time_of(object.get("time")));
    push(def, &properties, time, at, ctx, sink)
}

/// The table of a record: its category, else the file's table.
fn route(
    object: &Map<String, Value>,
    hint: Option<&'static TableDef>,
) -> Result<&'static TableDef, String> {
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
    table_def_ignore_case(name).ok_or_else(|| format!("category {category:?} names no known table"))
}

fn row_time(properties: &Map<String, Value>) -> Option<i64> {
    row_time_of(properties.get("Timestamp"))
}

fn row_time_of(value: Option<&Value>) -> Option<i64> {
    datetime_of(Cell::Json(value?)).ok()
}

pub(crate) fn push(
    def: &'static TableDef,
    properties: &Map<String, Value>,
    time: Option<i64>,
    at: Position,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let builder = sink.builder(def, time)?;
    let cells = properties
        .iter()
        .map(|(k, v)| (k.as_str(), Cell::Json(v), None));
    let bad = builder.push_row(cells);
    ctx.bad_values(at, bad);
    ctx.row_read();
    Ok(())
}
