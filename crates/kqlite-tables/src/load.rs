//! Reading the non-Parquet export files into memory, typed by the registry,
//! in parallel across files; each table's batches become a `MemTable`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::discover::OtherFile;
use crate::error::TableError;
use crate::formats::builder::TableBuilder;
use crate::formats::{read_file, ExportZone, Format, NoProgress, ReadCtx, RowSink};
use crate::schema::{table_def, TableDef};
use crate::text_facts::{keep, recall, TableFacts};
use crate::text_table::WaitingFile;
use crate::warning::Warning;

/// Rows per in-memory batch.
const BATCH_ROWS: usize = 64 * 1024;

/// What the files gave one table.
#[derive(Debug, Default)]
pub(crate) struct LoadedTable {
    pub batches: Vec<RecordBatch>,
    pub rows: u64,
    /// The files that gave rows, with their format.
    pub files: Vec<(PathBuf, Format)>,
    /// Files left unread until a query needs them (see `text_table.rs`), each with the
    /// number of `batches` read before it, in the order of the files.
    pub waiting: Vec<(usize, WaitingFile)>,
}

/// What attaching did with one file.
enum Attached {
    Read(FileTables, Vec<Warning>),
    /// Its kept facts stand for it: the tables it holds, all documented.
    Waiting(Vec<TableFacts>),
}

#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub tables: BTreeMap<String, (&'static TableDef, LoadedTable)>,
    pub warnings: Vec<Warning>,
}

/// Reads every file (in parallel) whose kept facts do not stand for it; problems in files are
/// warnings.
pub(crate) fn load(files: &[OtherFile], zone: ExportZone) -> Result<Loaded, TableError> {
    let cache = kqlite_storage::cache_dir();
    let per_file: Vec<_> = files
        .par_iter()
        .map(|f| attach(f, zone, &cache))
        .collect::<Result<_, _>>()?;
    let mut loaded = Loaded::default();
    for (file, attached) in files.iter().zip(per_file) {
        match attached {
            Attached::Read(tables, warnings) => {
                loaded.warnings.extend(warnings);
                for (def, batches, rows) in tables {
                    let slot = loaded.slot(def);
                    slot.batches.extend(batches);
                    slot.rows += rows;
                    slot.files.push((file.path.clone(), file.format));
                }
            }
            Attached::Waiting(facts) => loaded.wait_for(file, facts),
        }
    }
    Ok(loaded)
}

impl Loaded {
    fn slot(&mut self, def: &'static TableDef) -> &mut LoadedTable {
        let slot = self.tables.entry(def.name.clone());
        &mut slot.or_insert((def, LoadedTable::default())).1
    }

    fn wait_for(&mut self, file: &OtherFile, facts: Vec<TableFacts>) {
        for facts in facts {
            let Some(def) = documented(&facts.table) else {
                continue;
            };
            let slot = self.slot(def);
            slot.rows += facts.rows;
            slot.files.push((file.path.clone(), file.format));
            let file = file.clone();
            let at = slot.batches.len();
            slot.waiting.push((at, WaitingFile { file, facts }));
        }
    }
}

fn documented(table: &str) -> Option<&'static TableDef> {
    table_def(table).filter(|def| def.documented)
}

/// Reads a file, or leaves it waiting when its kept facts stand for it; keeps the facts of a
/// file read without a problem.
fn attach(file: &OtherFile, zone: ExportZone, cache: &Path) -> Result<Attached, TableError> {
    let kept = recall(cache, &file.path, zone);
    if let Some(facts) = kept.filter(|f| f.iter().all(|t| documented(&t.table).is_some())) {
        return Ok(Attached::Waiting(facts));
    }
    let (tables, warnings) = load_one(file, zone)?;
    if warnings.is_empty() {
        let facts: Vec<_> = tables
            .iter()
            .filter_map(|(def, batches, rows)| TableFacts::of(&def.name, batches, *rows))
            .collect();
        keep(cache, &file.path, zone, &facts);
    }
    Ok(Attached::Read(tables, warnings))
}

pub(crate) type FileTables = Vec<(&'static TableDef, Vec<RecordBatch>, u64)>;

pub(crate) fn load_one(
    file: &OtherFile,
    zone: ExportZone,
) -> Result<(FileTables, Vec<Warning>), TableError> {
    let mut ctx = ReadCtx::new(&file.path, &NoProgress).with_zone(zone);
    let mut sink = MemorySink::default();
    read_file(file.format, file.hint, &mut ctx, &mut sink)?;
    let tables = sink
        .finish()
        .map_err(|e| TableError::write(&file.path, e))?;
    let (_, warnings) = ctx.finish();
    Ok((tables, warnings))
}

/// Rows kept in memory, per table, in batches of [`BATCH_ROWS`].
#[derive(Default)]
pub(crate) struct MemorySink {
    open: BTreeMap<String, TableBuilder>,
    done: BTreeMap<String, (Vec<RecordBatch>, u64)>,
}

impl RowSink for MemorySink {
    fn builder(
        &mut self,
        def: &'static TableDef,
        _time: Option<i64>,
    ) -> Result<&mut TableBuilder, TableError> {
        let builder = self
            .open
            .entry(def.name.clone())
            .or_insert_with(|| TableBuilder::new(def));
        if builder.rows() >= BATCH_ROWS {
            let batch = builder.finish().map_err(TableError::from_arrow)?;
            let slot = self.done.entry(def.name.clone()).or_default();
            slot.1 += batch.num_rows() as u64;
            slot.0.push(batch);
        }
        Ok(builder)
    }
}

impl MemorySink {
    fn finish(mut self) -> Result<FileTables, datafusion::arrow::error::ArrowError> {
        let mut out = Vec::new();
        for (name, mut builder) in std::mem::take(&mut self.open) {
            let (mut batches, mut rows) = self.done.remove(&name).unwrap_or_default();
            if builder.rows() > 0 {
                let batch = builder.finish()?;
                rows += batch.num_rows() as u64;
                batches.push(batch);
            }
            if rows > 0 {
                out.push((builder.def, batches, rows));
            }
        }
        Ok(out)
    }
}
