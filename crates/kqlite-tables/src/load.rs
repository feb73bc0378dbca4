//! Reading the non-Parquet export files into memory, typed by the registry,
//! in parallel across files; each table's batches become a `MemTable`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use datafusion::arrow::array::RecordBatch;
use rayon::prelude::*;

use crate::discover::OtherFile;
use crate::error::TableError;
use crate::formats::builder::TableBuilder;
use crate::formats::{read_file, ExportZone, Format, NoProgress, ReadCtx, RowSink};
use crate::schema::TableDef;
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
}

#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub tables: BTreeMap<String, (&'static TableDef, LoadedTable)>,
    pub warnings: Vec<Warning>,
}

/// Reads every file (in parallel); problems in files are warnings.
pub(crate) fn load(files: &[OtherFile], zone: ExportZone) -> Result<Loaded, TableError> {
    let per_file: Vec<_> = files
        .par_iter()
        .map(|f| load_one(f, zone))
        .collect::<Result<_, _>>()?;
    let mut loaded = Loaded::default();
    for (file, (tables, warnings)) in files.iter().zip(per_file) {
        loaded.warnings.extend(warnings);
        for (def, batches, rows) in tables {
            let slot = loaded
                .tables
                .entry(def.name.clone())
                .or_insert((def, LoadedTable::default()));
            slot.1.batches.extend(batches);
            slot.1.rows += rows;
            slot.1.files.push((file.path.clone(), file.format));
        }
    }
    Ok(loaded)
}

type FileTables = Vec<(&'static TableDef, Vec<RecordBatch>, u64)>;

fn load_one(file: &OtherFile, zone: ExportZone) -> Result<(FileTables, Vec<Warning>), TableError> {
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
