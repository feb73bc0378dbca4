//! `import`: export files of any supported format into Parquet laid out as
//! `OUT/<Table>/date=YYYY-MM-DD/part-<id>-<n>.parquet`, typed by the
//! registry, sorted by `Timestamp` within a part, zstd-compressed, one row
//! group per part (at most `row_group_rows` rows).
//!
//! - Parallel across input files (rayon); each file streams into bounded
//!   per-(table, day) buffers, so memory does not grow with input size.
//! - Re-runnable: `<id>` comes from the input file's path, parts are written
//!   under temporary names and renamed when the file is done, and the parts an
//!   earlier run made from the same file are then removed.
//! - Inputs are only read.
//! - A table no registry documents gets the column types its text reads as, over the
//!   whole table, once every file is in (`retype.rs`).

mod inputs;
mod parquet_in;
mod retype;
mod sink;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::discover::IMPORT_MARKER;
use crate::error::TableError;
use crate::formats::{read_file, ExportZone, Format, Progress, ReadCtx};
use crate::warning::{Warning, WarningKind};
use inputs::{existing_parts, expand, Input};
use sink::ImportSink;

/// Rows per row group (and per part file) unless told otherwise.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 128 * 1024;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The output folder.
    pub to: PathBuf,
    /// Any problem in an input file fails the import, and that file's rows are not written.
    pub strict: bool,
    pub row_group_rows: usize,
    /// The zone of datetimes written without one (`--export-tz`).
    pub export_zone: ExportZone,
}

impl ImportOptions {
    pub fn new(to: impl Into<PathBuf>) -> ImportOptions {
        ImportOptions {
            to: to.into(),
            strict: false,
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            export_zone: ExportZone::default(),
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub files: u64,
    pub rows: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub parts: u64,
    pub elapsed: Duration,
    pub rows_by_table: BTreeMap<String, u64>,
    /// Problems inside files (rows skipped, values read as null).
    pub warnings: Vec<Warning>,
    /// Files that could not be read to the end (truncated, not readable);
    /// the rows read before the problem were imported unless strict.
    pub errors: Vec<Warning>,
}

impl ImportSummary {
    /// Whether the import counts as failed: a file could not be read, or
    /// strict mode met any problem.
    pub fn failed(&self, strict: bool) -> bool {
        !self.errors.is_empty() || (strict && self.warnings.iter().any(Warning::is_problem))
    }

    pub fn rows_per_second(&self) -> f64 {
        self.rows as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn mb_per_second(&self) -> f64 {
        self.bytes_in as f64 / 1e6 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (table, rows) in &self.rows_by_table {
            writeln!(f, "{table:<40} {rows:>12} rows")?;
        }
        write!(
            f,
            "{} files, {} rows, {:.1} MB in, {:.1} MB Parquet in {} parts; {:.2} s: {:.0} rows/s, {:.1} MB/s",
            self.files,
            self.rows,
            self.bytes_in as f64 / 1e6,
            self.bytes_out as f64 / 1e6,
            self.parts,
            self.elapsed.as_secs_f64(),
            self.rows_per_second(),
            self.mb_per_second()
        )
    }
}

/// The total input size of `sources`, for a progress bar's length.
pub fn input_bytes(sources: &[PathBuf], to: &Path) -> Result<(u64, u64), TableError> {
    let (inputs, _) = expand(sources, to)?;
    Ok((inputs.len() as u64, inputs.iter().map(|i| i.bytes).sum()))
}

/// Imports every export file in `sources` (files, folders, globs) into `options.to`.
pub fn import(
    sources: &[PathBuf],
    options: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportSummary, TableError> {
    let started = Instant::now();
    let out = &options.to;
    std::fs::create_dir_all(out).map_err(|e| TableError::io(out, e))?;
    let (inputs, skipped) = expand(sources, out)?;
    let earlier = existing_parts(out)?;
    let tables = Mutex::new(BTreeSet::new());
    let results: Vec<FileOutcome> = inputs
        .par_iter()
        .map(|input| import_file(input, options, &earlier, &tables, progress))
        .collect::<Result<_, _>>()?;
    for table in tables.into_inner().unwrap_or_default() {
        if !crate::schema::table_def_or_undocumented(&table).documented {
            retype::retype_table(&out.join(&table), options.row_group_rows)?;
        }
        write_marker(&out.join(table))?;
    }
    let mut summary = ImportSummary {
        files: inputs.len() as u64,
        bytes_in: inputs.iter().map(|i| i.bytes).sum(),
        warnings: skipped,
        ..ImportSummary::default()
    };
    for outcome in results {
        summary.add(outcome);
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

impl ImportSummary {
    fn add(&mut self, outcome: FileOutcome) {
        self.rows += outcome.rows;
        self.bytes_out += outcome.bytes_out;
        self.parts += outcome.parts;
        for (table, rows) in outcome.rows_by_table {
            *self.rows_by_table.entry(table).or_default() += rows;
        }
        for w in outcome.warnings {
            if is_file_error(&w) {
                self.errors.push(w);
            } else {
                self.warnings.push(w);
            }
        }
    }
}

struct FileOutcome {
    rows: u64,
    bytes_out: u64,
    parts: u64,
    rows_by_table: BTreeMap<String, u64>,
    warnings: Vec<Warning>,
}

fn import_file(
    input: &Input,
    options: &ImportOptions,
    earlier: &HashMap<String, Vec<PathBuf>>,
    tables: &Mutex<BTreeSet<String>>,
    progress: &dyn Progress,
) -> Result<FileOutcome, TableError> {
    let mut ctx = ReadCtx::new(&input.path, progress).with_zone(options.export_zone);
    let mut sink = ImportSink::new(&options.to, &input.id, options.row_group_rows);
    let read = match input.format {
        Format::Parquet => parquet_in::read(input, &mut ctx, &mut sink),
        format => read_file(format, input.hint, &mut ctx, &mut sink),
    };
    let written = read.and_then(|()| sink.finish());
    let (rows, warnings) = ctx.finish();
    let keep = written.is_ok() && (!options.strict || !warnings.iter().any(Warning::is_problem));
    // A file that could not be read at all leaves an earlier run's parts alone.
    let unreadable = sink.parts.is_empty() && warnings.iter().any(is_file_error);
    let committed = if keep && !unreadable {
        commit(&sink.parts, earlier.get(&input.id))
    } else {
        discard(&sink.parts);
        Ok(())
    };
    written.and(committed)?;
    if let Ok(mut tables) = tables.lock() {
        tables.extend(sink.rows_by_table.keys().cloned());
    }
    Ok(FileOutcome {
        rows,
        bytes_out: if keep { sink.bytes_out } else { 0 },
        parts: if keep { sink.parts.len() as u64 } else { 0 },
        rows_by_table: if keep {
            sink.rows_by_table
        } else {
            BTreeMap::new()
        },
        warnings,
    })
}

/// Renames the new parts into place, then removes the parts an earlier run
/// made from the same input that this run did not rewrite.
fn commit(parts: &[(PathBuf, PathBuf)], earlier: Option<&Vec<PathBuf>>) -> Result<(), TableError> {
    for (temp, name) in parts {
        std::fs::rename(temp, name).map_err(|e| TableError::io(name, e))?;
    }
    let kept: BTreeSet<&PathBuf> = parts.iter().map(|(_, name)| name).collect();
    for old in earlier.into_iter().flatten().filter(|p| !kept.contains(p)) {
        std::fs::remove_file(old).map_err(|e| TableError::io(old, e))?;
    }
    Ok(())
}

fn is_file_error(w: &Warning) -> bool {
    matches!(w.kind, WarningKind::Truncated | WarningKind::FailedFile)
}

fn discard(parts: &[(PathBuf, PathBuf)]) {
    for (temp, _) in parts {
        let _ = std::fs::remove_file(temp);
    }
}

/// Marks a table folder as written by import: its `date=` folders come from
/// `Timestamp` and are not shown as a column.
fn write_marker(table_dir: &Path) -> Result<(), TableError> {
    let path = table_dir.join(IMPORT_MARKER);
    let text = "{\"writer\": \"kqlite import\", \"partitioned_by\": \"date\", \"derived_from\": \"Timestamp\"}\n";
    std::fs::write(&path, text).map_err(|e| TableError::io(&path, e))
}
