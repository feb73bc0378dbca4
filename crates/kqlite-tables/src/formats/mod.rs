//! The export formats besides Parquet: the streaming API's JSON lines (plain
//! or gzip), the Graph `runHuntingQuery` response, and the portal's CSV
//! export. Each reader streams rows, typed by the registry, into a
//! [`RowSink`]: in memory for queries, partitioned Parquet for `import`.

mod avro_container;
pub(crate) mod builder;
mod capture;
pub(crate) mod cell;
mod csv;
mod detect;
mod documents;
pub(crate) mod export_time;
mod graph;
mod stream;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::TableError;
use crate::schema::TableDef;
use crate::warning::{FileWarnings, Position, Warning, WarningKind};
use builder::{BadValue, TableBuilder};

pub use detect::{detect_format, table_hint, Format};
pub use export_time::ExportZone;

/// Reports how far a load has got; called from several threads.
pub trait Progress: Sync {
    /// `n` more input bytes read (compressed bytes for gzip files).
    fn bytes(&self, _n: u64) {}
    /// `n` more rows read.
    fn rows(&self, _n: u64) {}
    /// One input file finished.
    fn file_done(&self, _path: &Path) {}
}

/// A [`Progress`] that shows nothing.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Where the rows of a file go.
pub(crate) trait RowSink {
    /// The builder for the next row of `def`, whose `Timestamp` is `time`
    /// (nanoseconds) when known. A sink may flush a full builder first.
    fn builder(
        &mut self,
        def: &'static TableDef,
        time: Option<i64>,
    ) -> Result<&mut TableBuilder, TableError>;
}

/// One file being read: its warnings, rows read, progress.
pub(crate) struct ReadCtx<'a> {
    pub path: PathBuf,
    pub warnings: FileWarnings,
    pub rows: u64,
    reported: u64,
    pub progress: &'a dyn Progress,
    /// The zone of datetimes written without one (the portal's CSV).
    pub zone: ExportZone,
    /// Whether a datetime without a zone was read in a zone nobody gave.
    pub zone_assumed: bool,
}

impl<'a> ReadCtx<'a> {
    pub fn new(path: &Path, progress: &'a dyn Progress) -> ReadCtx<'a> {
        ReadCtx {
            path: path.to_path_buf(),
            warnings: FileWarnings::default(),
            rows: 0,
            reported: 0,
            progress,
            zone: ExportZone::default(),
            zone_assumed: false,
        }
    }

    pub fn with_zone(mut self, zone: ExportZone) -> ReadCtx<'a> {
        self.zone = zone;
        self
    }

    pub fn warn(&mut self, position: Position, kind: WarningKind, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: self.path.clone(),
            position,
            column: None,
            kind,
            message: message.into(),
            count: 1,
        });
    }

    pub fn bad_values(&mut self, position: Position, bad: Vec<BadValue>) {
        for b in bad {
            self.warnings.push(Warning {
                path: self.path.clone(),
                position,
                column: Some(b.column),
                kind: WarningKind::NullValue,
                message: b.reason,
                count: 1,
            });
        }
    }

    pub fn row_read(&mut self) {
        self.rows_read(1);
    }

    pub fn rows_read(&mut self, n: u64) {
        self.rows += n;
        if self.rows - self.reported >= 4096 {
            self.progress.rows(self.rows - self.reported);
            self.reported = self.rows;
        }
    }

    /// Reports the rows not yet reported; returns the warnings.
    pub fn finish(mut self) -> (u64, Vec<Warning>) {
        if self.zone_assumed {
            let message = "datetimes without a time zone were read as UTC (--export-tz gives the zone of the browser that downloaded the export)";
            self.warn(Position::File, WarningKind::Assumption, message);
        }
        self.progress.rows(self.rows - self.reported);
        self.progress.file_done(&self.path);
        (self.rows, self.warnings.finish(&self.path))
    }
}

/// Reads one non-Parquet file into `sink`. Problems inside the file are
/// warnings in `ctx`; only a sink failure (writing) is an error.
pub(crate) fn read_file(
    format: Format,
    hint: Option<&'static TableDef>,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let path = ctx.path.clone();
    let reader = match open(&path, ctx.progress) {
        Ok(reader) => reader,
        Err(e) => {
            ctx.warn(Position::File, WarningKind::FailedFile, e.to_string());
            return Ok(());
        }
    };
    match format {
        Format::StreamJson => stream::read(reader, hint, ctx, sink),
        Format::JsonRecords => documents::read(reader, hint, ctx, sink),
        Format::EventHubsAvro => capture::read(reader, hint, ctx, sink),
        Format::GraphJson | Format::Csv => {
            // One table per file: the file or folder name must say which.
            let Some(def) = hint else {
                let what = if format == Format::Csv {
                    "CSV file"
                } else {
                    "Graph response"
                };
                let message = format!(
                    "cannot tell which table a {what} holds: name the file or its folder after the table"
                );
                ctx.warn(Position::File, WarningKind::FailedFile, message);
                return Ok(());
            };
            match format {
                Format::Csv => csv::read(reader, def, ctx, sink),
                _ => graph::read(reader, def, ctx, sink),
            }
        }
        Format::Parquet => unreachable!("Parquet files are not read row by row"),
    }
}

/// Opens `path` for reading, through gzip when it starts with the gzip magic.
pub(crate) fn open<'p>(
    path: &Path,
    progress: &'p dyn Progress,
) -> io::Result<Box<dyn BufRead + 'p>> {
    let mut file = File::open(path)?;
    let mut magic = [0u8; 2];
    let gzip = file.read(&mut magic)? == 2 && magic == [0x1f, 0x8b];
    let file = File::open(path)?;
    let counted = Counted {
        inner: file,
        pending: 0,
        progress,
    };
    if gzip {
        let decoder = MultiGzDecoder::new(BufReader::with_capacity(1 << 16, counted));
        return Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)));
    }
    Ok(Box::new(BufReader::with_capacity(1 << 16, counted)))
}

/// A reader that reports the bytes it reads, in 1 MiB steps.
struct Counted<'a, R> {
    inner: R,
    pending: u64,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 1 << 20 || n == 0 {
            self.progress.bytes(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

/// The longest line a text format reads (a CSV record, a JSON line): a longer one is a
/// decompression bomb or not the format, and is never held whole.
pub(crate) const MAX_LINE: usize = 64 << 20;

/// The largest JSON document read (once decompressed): it is held whole while it is read.
pub(crate) const MAX_DOCUMENT: u64 = 1 << 30;

/// A reader that fails, instead of reading on, when a line grows past [`MAX_LINE`].
pub(crate) struct LineGuard<R> {
    inner: R,
    line: usize,
}

impl<R> LineGuard<R> {
    pub fn new(inner: R) -> LineGuard<R> {
        LineGuard { inner, line: 0 }
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        match memchr::memrchr(b'\n', &buf[..n]) {
            Some(i) => self.line = n - i - 1,
            None => self.line += n,
        }
        if self.line > MAX_LINE {
            let message = format!("a line longer than {MAX_LINE} bytes: not read further");
            return Err(io::Error::new(io::ErrorKind::InvalidData, message));
        }
        Ok(n)
    }
}

/// A whole JSON document (a Graph response, a document of records) of at most
/// [`MAX_DOCUMENT`] bytes; None, with the file's warning, when it cannot be read. `what`
/// names the document in the warning.
pub(crate) fn read_json_document<T: serde::de::DeserializeOwned>(
    reader: Box<dyn BufRead + '_>,
    what: &str,
    ctx: &mut ReadCtx<'_>,
) -> Option<T> {
    let mut limited = reader.take(MAX_DOCUMENT);
    let e = match serde_json::from_reader(&mut limited) {
        Ok(document) => return Some(document),
        Err(e) => e,
    };
    if limited.limit() == 0 {
        let message = format!("{what} larger than {MAX_DOCUMENT} bytes is not read");
        ctx.warn(Position::File, WarningKind::FailedFile, message);
        return None;
    }
    let kind = match e.is_io() || e.is_eof() {
        true => WarningKind::Truncated,
        false => WarningKind::FailedFile,
    };
    ctx.warn(
        Position::Line(e.line() as u64),
        kind,
        format!("not {what}: {e}"),
    );
    None
}

/// Describes an I/O error met part way through a file.
pub(crate) fn cut_short(ctx: &mut ReadCtx<'_>, position: Position, e: &io::Error) {
    let message = format!("{e} (the {} rows before were read)", ctx.rows);
    ctx.warn(position, WarningKind::Truncated, message);
}
