//! JSON documents that hold many records: an array `[{...}, ...]` (the Office 365
//! Management Activity API's content blobs) or `{"records": [{...}, ...]}` (Azure Monitor's
//! blobs, Event Hubs bodies). Each record goes where a streaming line would go.

use std::io::BufRead;

use serde_json::Value;

use super::stream::record_value;
use super::{read_json_document, ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::TableDef;
use crate::warning::{Position, WarningKind};

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let Some(document) = read_json_document(reader, "a JSON document of records", ctx) else {
        return Ok(());
    };
    read_document(document, hint, ctx, sink)
}

/// The records of a parsed document, each at its index (`result row`).
pub(crate) fn read_document(
    document: Value,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let Some(records) = records(document) else {
        let message = "neither an array of records nor an object with a records array";
        ctx.warn(Position::File, WarningKind::FailedFile, message);
        return Ok(());
    };
    for (i, record) in records.into_iter().enumerate() {
        record_value(record, Position::Row(i as u64), hint, ctx, sink)?;
    }
    Ok(())
}

fn records(document: Value) -> Option<Vec<Value>> {
    match document {
        Value::Array(records) => Some(records),
        Value::Object(mut object) => {
            let key = object
                .keys()
                .find(|k| k.eq_ignore_ascii_case("records"))?
                .clone();
            match object.remove(&key)? {
                Value::Array(records) => Some(records),
                _ => None,
            }
        }
        _ => None,
    }
}
