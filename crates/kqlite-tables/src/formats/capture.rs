//! Event Hubs Capture files: Avro containers of events whose `Body` holds what the
//! streaming API sent, `{"records": [...]}` (or one record). Each event's records go where
//! streaming lines would go; warnings name the event by its index in the file.

use std::io::BufRead;

use arrow_avro::reader::ReaderBuilder;
use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use serde_json::Value;

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
    let events = match ReaderBuilder::new().build(reader) {
        Ok(events) => events,
        Err(e) => {
            let message = format!("not an Avro container file: {e}");
            ctx.warn(Position::File, WarningKind::FailedFile, message);
            return Ok(());
        }
    };
    let mut index = 0u64;
    for batch in events {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                let message = format!("{e} (the {} events before were read)", index);
                ctx.warn(Position::Row(index), WarningKind::Truncated, message);
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
    Ok(())
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
