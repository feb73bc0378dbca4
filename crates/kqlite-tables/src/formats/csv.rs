//! The portal's CSV export: a header row of column names, then one row per
//! record. One table per file, named by the file or its folder. An empty
//! field is null; `dynamic` columns hold JSON text; datetimes are ISO 8601 or
//! the portal's local `Oct 9, 2024 2:41:10 PM` ([`parse_export_time`]).
//! A column none of whose values can be read is an error, not a column of nulls.

use std::collections::HashMap;
use std::io::BufRead;

use csv::{ByteRecord, ReaderBuilder};

use super::builder::BadValue;
use super::cell::Cell;
use super::export_time::{parse_export_time, TextTime};
use super::{cut_short, LineGuard, ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::{KustoType, TableDef};
use crate::warning::{Position, WarningKind};

/// A file's columns: their names in the table and what was read of them.
struct Columns {
    names: Vec<String>,
    datetime: Vec<bool>,
    time_index: Option<usize>,
    /// Non-empty fields per column.
    filled: Vec<u64>,
    /// Per column name: values that could not be read, and the first reason.
    failed: HashMap<String, (u64, String)>,
}

impl Columns {
    fn new(def: &TableDef, header: Vec<String>) -> Columns {
        let documented = |h: &String| def.resolve(h);
        let datetime = header
            .iter()
            .map(|h| documented(h).is_some_and(|c| c.kusto == KustoType::Datetime))
            .collect();
        let names: Vec<String> = header
            .iter()
            .map(|h| documented(h).map_or_else(|| h.clone(), |c| c.name.clone()))
            .collect();
        Columns {
            time_index: def
                .time_column()
                .and_then(|t| names.iter().position(|h| h == t)),
            filled: vec![0; names.len()],
            failed: HashMap::new(),
            datetime,
            names,
        }
    }

    fn count(&mut self, fields: &[&str], bad: &[BadValue]) {
        for (n, field) in self.filled.iter_mut().zip(fields) {
            *n += u64::from(!field.is_empty() && *field != "Invalid date");
        }
        for b in bad {
            let slot = self
                .failed
                .entry(b.column.clone())
                .or_insert((0, b.reason.clone()));
            slot.0 += 1;
        }
    }

    /// The first column with values of which none could be read.
    fn unreadable(&self) -> Option<(&str, u64, &str)> {
        self.names
            .iter()
            .zip(&self.filled)
            .find_map(|(name, &filled)| {
                let (failed, reason) = self.failed.get(name)?;
                (filled > 0 && *failed == filled).then_some((
                    name.as_str(),
                    filled,
                    reason.as_str(),
                ))
            })
    }
}

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    def: &'static TableDef,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    // Records end at `\n` only, so that the reader counts CRLF lines right; the `\r` left
    // on a record's last field is taken off.
    let mut csv = ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(LineGuard::new(reader));
    let mut columns = match csv.byte_headers() {
        Ok(header) if header_names(header).iter().all(String::is_empty) => {
            let message = "no header row: the file is empty or blank";
            ctx.warn(Position::Line(1), WarningKind::FailedFile, message);
            return Ok(());
        }
        Ok(header) => Columns::new(def, header_names(header)),
        Err(e) => {
            ctx.warn(Position::Line(1), WarningKind::FailedFile, e.to_string());
            return Ok(());
        }
    };
    let mut record = ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(false) => return all_columns_read(&columns, ctx),
            Ok(true) => row(def, &mut columns, &record, ctx, sink)?,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                if let csv::ErrorKind::Io(io) = e.kind() {
                    let at = if line == 0 {
                        Position::File
                    } else {
                        Position::Line(line)
                    };
                    cut_short(ctx, at, io);
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

fn all_columns_read(columns: &Columns, ctx: &ReadCtx<'_>) -> Result<(), TableError> {
    match columns.unreadable() {
        None => Ok(()),
        Some((column, values, reason)) => Err(TableError::UnreadableColumn {
            path: ctx.path.clone(),
            column: column.to_string(),
            values,
            example: reason.to_string(),
        }),
    }
}

fn row(
    def: &'static TableDef,
    columns: &mut Columns,
    record: &ByteRecord,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let at = Position::Line(record.position().map_or(0, |p| p.line()));
    if record.len() == 1 && record[0] == *b"\r" {
        return Ok(()); // a blank CRLF line
    }
    if record.len() != columns.names.len() {
        let message = format!(
            "{} fields where the header has {}",
            record.len(),
            columns.names.len()
        );
        ctx.warn(at, WarningKind::SkippedRow, message);
        return Ok(());
    }
    let Some(fields) = utf8_fields(record) else {
        ctx.warn(at, WarningKind::SkippedRow, "not UTF-8 text");
        return Ok(());
    };
    let cells: Vec<Cell> = fields
        .iter()
        .zip(&columns.datetime)
        .map(|(field, &datetime)| cell(field, datetime, ctx))
        .collect();
    let time = columns.time_index.and_then(|i| match cells[i] {
        Cell::Time(ns) => Some(ns),
        _ => None,
    });
    let builder = sink.builder(def, time)?;
    let named = columns.names.iter().zip(&cells);
    let bad = builder.push_row(named.map(|(name, cell)| (name.as_str(), *cell, None)));
    columns.count(&fields, &bad);
    ctx.bad_values(at, bad);
    ctx.row_read();
    Ok(())
}

/// A field as a cell: datetimes read here, in the export's zone.
fn cell<'a>(field: &'a str, datetime: bool, ctx: &mut ReadCtx<'_>) -> Cell<'a> {
    if !datetime {
        return Cell::Text(field);
    }
    match parse_export_time(field, ctx.zone) {
        Some(TextTime::Null) => Cell::Text(""),
        Some(TextTime::Absolute(ns)) => Cell::Time(ns),
        Some(TextTime::Local(ns)) => {
            ctx.zone_assumed |= ctx.zone == super::ExportZone::AssumedUtc;
            Cell::Time(ns)
        }
        None => Cell::Text(field),
    }
}

fn utf8_fields(record: &ByteRecord) -> Option<Vec<&str>> {
    let last = record.len().checked_sub(1)?;
    record
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let f = if i == last { without_cr(f) } else { f };
            std::str::from_utf8(f).ok()
        })
        .collect()
}

fn without_cr(field: &[u8]) -> &[u8] {
    field.strip_suffix(b"\r").unwrap_or(field)
}
