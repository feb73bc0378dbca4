//! Event Hubs Capture files: Avro containers of events whose `Body` holds what the
//! streaming API sent, `{"records": [...]}` (or one record). Each event's records go where
//! streaming lines would go; warnings name the event by its index in the file.

use std::io::BufRead;

use arrow_avro::reader::ReaderBuilder;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::DataType;
use serde_json::Value;

use super::avro_container::{Block, Container};
use super::documents::read_document;
use super::stream::record_value;
use super::{ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::TableDef;
use crate::warning::{Position, WarningKind};

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let mut container = match Container::open(reader) {
        Ok(container) => container,
        Err(why) => {
            ctx.warn(Position::File, WarningKind::FailedFile, why);
            return Ok(());
        }
    };
    let mut index = 0u64;
    loop {
        let block = match container.next_block() {
            Ok(Some(block)) if block.count == 0 => continue,
            Ok(Some(block)) => block,
            Ok(None) => return Ok(()),
            Err(why) => {
                damaged(ctx, index, why);
                return Ok(());
            }
        };
        let batch = match decode(&container, &block) {
            Ok(batch) => batch,
            Err(why) => {
                damaged(ctx, index, why);
                return Ok(());
            }
        };
        let Some(bodies) = batch.column_by_name("Body") else {
            let message = "an Avro file without a Body column is not an Event Hubs capture";
            ctx.warn(Position::File, WarningKind::FailedFile, message);
            return Ok(());
        };
        for i in 0..bodies.len() {
            event(body(bodies, i), Position::Row(index), hint, ctx, sink)?;
            index += 1;
        }
    }
}

/// The rest of a damaged file is not read: said with the number of events read before.
fn damaged(ctx: &mut ReadCtx<'_>, index: u64, why: String) {
    let message = format!("{why} (the {index} events before were read)");
    ctx.warn(Position::Row(index), WarningKind::Truncated, message);
}

/// The events of `block`, decoded in one call: its records are all of one batch.
fn decode<R: BufRead>(container: &Container<R>, block: &Block) -> Result<RecordBatch, String> {
    let file = std::io::Cursor::new(container.single(block));
    let mut events = ReaderBuilder::new()
        .with_batch_size(block.count as usize)
        .build(file)
        .map_err(|e| e.to_string())?;
    match events.next() {
        Some(batch) => batch.map_err(|e| e.to_string()),
        None => Err(format!("a block of {} events holds none", block.count)),
    }
}

fn body(bodies: &ArrayRef, i: usize) -> Option<&[u8]> {
    if bodies.is_null(i) {
        return None;
    }
    match bodies.data_type() {
        DataType::Binary => Some(bodies.as_binary::<i32>().value(i)),
        DataType::LargeBinary => Some(bodies.as_binary::<i64>().value(i)),
        DataType::BinaryView => Some(bodies.as_binary_view().value(i)),
        DataType::Utf8 => Some(bodies.as_string::<i32>().value(i).as_bytes()),
        _ => None,
    }
}

fn event(
    body: Option<&[u8]>,
    at: Position,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let Some(body) = body else {
        ctx.warn(at, WarningKind::SkippedRow, "an event without a body");
        return Ok(());
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(o)) if !o.keys().any(|k| k.eq_ignore_ascii_case("records")) => {
            record_value(Value::Object(o), at, hint, ctx, sink)
        }
        Ok(document) => read_document(document, hint, ctx, sink),
        Err(e) => {
            ctx.warn(
                at,
                WarningKind::SkippedRow,
                format!("an event body that is not JSON: {e}"),
            );
            Ok(())
        }
    }
}
