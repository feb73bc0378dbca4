//! The portal's CSV export: a header row of column names, then one row per
//! record. One table per file, named by the file or its folder. An empty
//! field is null; `dynamic` columns hold JSON text.

use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder};

use super::cell::{parse_datetime, Cell};
use super::{cut_short, ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::TableDef;
use crate::warning::{Position, WarningKind};

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    def: &'static TableDef,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let mut csv = ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(reader);
    let header = match csv.byte_headers() {
        Ok(header) => header_names(header),
        Err(e) => {
            ctx.warn(Position::Line(1), WarningKind::FailedFile, e.to_string());
            return Ok(());
        }
    };
    let time_index = header.iter().position(|h| h == "Timestamp");
    let mut record = ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => row(def, &header, time_index, &record, ctx, sink)?,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if let csv::ErrorKind::Io(io) = e.kind() {
                    cut_short(ctx, Position::Line(line), io);
                    return Ok(());
                }
                ctx.warn(Position::Line(line), WarningKind::SkippedRow, e.to_string());
            }
        }
    }
}

fn header_names(header: &ByteRecord) -> Vec<String> {
    let mut names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    if let Some(first) = names.first_mut() {
        *first = first.trim_start_matches('\u{feff}').to_string();
    }
    names
}

fn row(
    def: &'static TableDef,
    header: &[String],
    time_index: Option<usize>,
    record: &ByteRecord,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let at = Position::Line(record.position().map_or(0, |p| p.line()));
    if record.len() != header.len() {
        let message = format!(
            "{} fields where the header has {}",
            record.len(),
            header.len()
        );
        ctx.warn(at, WarningKind::SkippedRow, message);
        return Ok(());
    }
    let Some(fields) = utf8_fields(record) else {
        ctx.warn(at, WarningKind::SkippedRow, "not UTF-8 text");
        return Ok(());
    };
    let time = time_index.and_then(|i| parse_datetime(fields[i]));
    let builder = sink.builder(def, time)?;
    let cells = header
        .iter()
        .zip(&fields)
        .map(|(name, field)| (name.as_str(), Cell::Text(field), None));
    let bad = builder.push_row(cells);
    ctx.bad_values(at, bad);
    ctx.row_read();
    Ok(())
}

fn utf8_fields(record: &ByteRecord) -> Option<Vec<&str>> {
    record.iter().map(|f| std::str::from_utf8(f).ok()).collect()
}
