//! Registering an export folder: one DataFusion table per Defender table
//! found, whatever the formats its rows came in (Parquet, streaming JSON,
//! Graph JSON, CSV).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::common::TableReference;
use datafusion::prelude::SessionContext;

use crate::discover::{
    discover, discover_remote, file_name, is_hidden, is_known_entry, sorted_entries, Found,
    ParquetFiles,
};
use crate::error::TableError;
use crate::formats::{ExportZone, Format};
use crate::infer::infer_types;
use crate::listing::{inspect, listing_table, Inspected};
use crate::load::{load, Loaded, LoadedTable};
use crate::memtable::{as_documented, conform, merge_schema, union, union_by_name};
use crate::parquet_adapt::read_adapted;
use crate::remote::RemoteFiles;
use crate::schema::{table_names, TableDef};
use crate::text_table::{text_provider, text_schema};
use crate::warning::Warning;
use rayon::prelude::*;

/// A table registered by [`register_dir`].
#[derive(Debug, Clone)]
pub struct RegisteredTable {
    pub name: String,
    /// The table's files (Parquet first, in scan order, then the others).
    pub files: Vec<PathBuf>,
    /// Row count: summed from Parquet footers, plus the rows read from the other files.
    pub rows: u64,
    /// Documented columns, then the extra columns found in the files, then
    /// any Hive partition columns.
    pub schema: SchemaRef,
    /// Where the rows came from, one line per format and folder, e.g.
    /// `streaming JSON: 24 files in /exports/stream`.
    pub sources: Vec<String>,
    /// Columns that no file holds a null in (by Parquet statistics; none for rows read from
    /// other formats): reading them needs no null handling.
    pub never_null: Vec<String>,
    /// Columns of JSON text read as `dynamic` values besides the documented ones (found in
    /// the text files of a table no registry documents).
    pub dynamic: Vec<String>,
}

/// How registration treats problems in input files.
#[derive(Debug, Clone, Copy, Default)]
pub struct RegisterOptions {
    /// Any problem in an input file (a malformed line, a value of the wrong
    /// type, a file cut short) fails registration instead of being a warning.
    pub strict: bool,
    /// The zone of datetimes written without one (the portal's CSV): `--export-tz`.
    pub export_zone: ExportZone,
    /// The table every file holds, whatever their names say (`--table NAME=PATH`); streaming
    /// records still go to the table their category names.
    pub table: Option<&'static TableDef>,
}

/// How many registry names a "no tables found" error lists.
const EXPECTED_SHOWN: usize = 6;

/// Registers, in `ctx`, every registry table with export files under `dir`
/// (see [`register_dir_with_report`]); problems in JSON or CSV files are not
/// reported: use [`register_dir_with_report`] to see them.
pub fn register_dir(ctx: &SessionContext, dir: &Path) -> Result<Vec<RegisteredTable>, TableError> {
    register_dir_with_report(ctx, dir, RegisterOptions::default()).map(|(tables, _)| tables)
}

/// Registers, in `ctx`, every registry table with export files under `dir`
/// (or in `dir` itself when it is a file):
/// - Parquet: `<Table>/**/*.parquet` (Hive `key=value` folders become
///   columns) and `<Table>*.parquet`;
/// - streaming API JSON lines (`*.json`, `*.jsonl`, plain or gzip) anywhere,
///   each record routed to its table by `category`;
/// - Graph `runHuntingQuery` responses (`*.json`) and portal CSV exports
///   (`*.csv`), one table per file, named by the file (`AlertInfo.csv`,
///   `AlertInfo_2025-09.csv`) or its folder (`AlertInfo/export.csv`).
///
/// Parquet footers are checked before anything is registered, so on error
/// `ctx` is left unchanged. Problems inside JSON and CSV files come back as
/// warnings (errors when `options.strict`). Tables are registered under their
/// exact (case-sensitive) name: look them up with `TableReference::bare(name)`.
pub fn register_dir_with_report(
    ctx: &SessionContext,
    dir: &Path,
    options: RegisterOptions,
) -> Result<(Vec<RegisteredTable>, Vec<Warning>), TableError> {
    let found = discover(dir)?;
    if found.is_empty() {
        return Err(no_tables(dir));
    }
    register_found(ctx, found, options, None)
}

/// Registers, in `ctx`, the tables of an object store URL (see [`RemoteFiles`]), as
/// [`register_dir_with_report`] registers a folder's. The store must be registered in `ctx`.
pub fn register_remote(
    ctx: &SessionContext,
    remote: &RemoteFiles,
    options: RegisterOptions,
) -> Result<(Vec<RegisteredTable>, Vec<Warning>), TableError> {
    let found = discover_remote(remote)?;
    if found.is_empty() {
        return Err(no_tables(&remote.mirror));
    }
    register_found(ctx, found, options, Some(remote))
}

fn register_found(
    ctx: &SessionContext,
    mut found: Found,
    options: RegisterOptions,
    remote: Option<&RemoteFiles>,
) -> Result<(Vec<RegisteredTable>, Vec<Warning>), TableError> {
    if let Some(def) = options.table {
        found.name_all(def);
    }
    let parquet = found
        .parquet
        .into_values()
        .map(|t| inspect(&t, remote).map(|facts| (t, facts)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut loaded = load(&found.others, options.export_zone)?;
    loaded.warnings.splice(0..0, found.skipped);
    let parquet = parquet
        .into_iter()
        .map(|(files, inspected)| adapt_foreign(files, inspected, options, &mut loaded))
        .collect::<Result<Vec<_>, _>>()?;
    if options.strict && loaded.warnings.iter().any(Warning::is_problem) {
        return Err(TableError::BadInput(loaded.warnings));
    }
    let mut memory = loaded.tables;
    let mut tables = Vec::new();
    for (files, inspected) in parquet.into_iter().filter(|(f, _)| !f.files.is_empty()) {
        let extra = memory.remove(&files.def.name).map(|(_, t)| t);
        let (extra, dynamic) = match extra {
            Some(t) => typed(files.def, t).map(|(t, d)| (Some(t), d))?,
            None => (None, Vec::new()),
        };
        let marked = inspected.dynamic.clone();
        let (mut table, provider) = build(ctx, files, inspected, extra, options.export_zone)?;
        let marked: Vec<String> = marked
            .into_iter()
            .filter(|m| !dynamic.contains(m))
            .collect();
        table.dynamic = dynamic;
        table.dynamic.extend(marked);
        tables.push((table, provider));
    }
    for (_, (def, table)) in memory {
        let (table, dynamic) = typed(def, table)?;
        let (mut table, provider) = build_memory(def, table, options.export_zone)?;
        table.dynamic = dynamic;
        tables.push((table, provider));
    }
    for (table, provider) in &tables {
        register(ctx, &table.name, Arc::clone(provider))?;
    }
    let tables = tables.into_iter().map(|(t, _)| t).collect();
    Ok((tables, loaded.warnings))
}

type Built = (RegisteredTable, Arc<dyn TableProvider>);

/// The rows read from text of a table no registry documents, with the types their values
/// read as, and its `dynamic` columns; a documented table's as they are.
fn typed(def: &TableDef, mut table: LoadedTable) -> Result<(LoadedTable, Vec<String>), TableError> {
    if def.documented {
        return Ok((table, Vec::new()));
    }
    let schema = merge_schema(&def.schema, &table.batches);
    let batches = table
        .batches
        .iter()
        .map(|b| conform(b, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    let (batches, dynamic) = infer_types(batches)?;
    table.batches = batches;
    Ok((table, dynamic))
}

/// Reads a table's foreign Parquet files (see [`crate::parquet_adapt`]) into its rows in
/// memory; the listing keeps the others, file by file.
fn adapt_foreign(
    mut files: ParquetFiles,
    inspected: Inspected,
    options: RegisterOptions,
    loaded: &mut Loaded,
) -> Result<(ParquetFiles, Inspected), TableError> {
    if inspected.foreign.is_empty() {
        return Ok((files, inspected));
    }
    let adapted = inspected
        .foreign
        .par_iter()
        .map(|path| read_adapted(files.def, path, options.export_zone))
        .collect::<Result<Vec<_>, _>>()?;
    let slot = loaded
        .tables
        .entry(files.def.name.clone())
        .or_insert_with(|| (files.def, LoadedTable::default()));
    for (path, file) in inspected.foreign.iter().zip(adapted) {
        slot.1.batches.extend(file.batches);
        slot.1.rows += file.rows;
        slot.1.files.push((path.clone(), Format::Parquet));
        loaded.warnings.extend(file.warnings);
    }
    files.files.retain(|f| !inspected.foreign.contains(f));
    files.hive = None;
    Ok((files, inspected))
}

/// Registers `provider` as `name`; a table of that name already registered (from another
/// folder) becomes one table with the rows of both, columns matched by name.
fn register(
    ctx: &SessionContext,
    name: &str,
    provider: Arc<dyn TableProvider>,
) -> Result<(), TableError> {
    let reference = TableReference::bare(name);
    let provider = match ctx.deregister_table(reference.clone())? {
        Some(earlier) => union_by_name(name, earlier, provider)?,
        None => provider,
    };
    ctx.register_table(reference, provider)?;
    Ok(())
}

/// A table with Parquet files, and maybe rows read from other files too.
fn build(
    ctx: &SessionContext,
    files: ParquetFiles,
    inspected: Inspected,
    memory: Option<LoadedTable>,
    zone: ExportZone,
) -> Result<Built, TableError> {
    crate::file_layouts::remember(ctx.state().config(), inspected.layouts);
    let Some(memory) = memory else {
        let provider = listing_table(
            ctx,
            &files,
            inspected.schema,
            inspected.bloom_filters,
            &inspected.footers,
        )?;
        let provider = as_documented(&files.def.name, files.def, provider)?;
        let mut table = registered(files.def, &files, inspected.rows, provider.schema(), None);
        table.never_null = inspected.never_null;
        return Ok((table, provider));
    };
    let file_schema = text_schema(&inspected.schema, &memory);
    let listing = listing_table(
        ctx,
        &files,
        file_schema,
        inspected.bloom_filters,
        &inspected.footers,
    )?;
    let schema = listing.schema();
    let table = registered(
        files.def,
        &files,
        inspected.rows,
        schema.clone(),
        Some(&memory),
    );
    let mem = text_provider(&files.def.name, &schema, memory, zone)?;
    let provider = union(&files.def.name, listing, mem)?;
    let provider = as_documented(&files.def.name, files.def, provider)?;
    let table = RegisteredTable {
        schema: provider.schema(),
        ..table
    };
    Ok((table, provider))
}

fn build_memory(
    def: &'static TableDef,
    table: LoadedTable,
    zone: ExportZone,
) -> Result<Built, TableError> {
    let schema = text_schema(&def.schema, &table);
    let registered = RegisteredTable {
        name: def.name.clone(),
        files: table.files.iter().map(|(p, _)| p.clone()).collect(),
        rows: table.rows,
        schema: Arc::clone(&schema),
        sources: sources(&[], &table.files),
        never_null: Vec::new(),
        dynamic: Vec::new(),
    };
    let provider = text_provider(&def.name, &schema, table, zone)?;
    Ok((registered, provider))
}

fn registered(
    def: &TableDef,
    files: &ParquetFiles,
    rows: u64,
    schema: SchemaRef,
    memory: Option<&LoadedTable>,
) -> RegisteredTable {
    let others = memory.map_or(&[][..], |m| &m.files[..]);
    let mut all = files.files.clone();
    all.extend(others.iter().map(|(p, _)| p.clone()));
    RegisteredTable {
        name: def.name.clone(),
        files: all,
        rows: rows + memory.map_or(0, |m| m.rows),
        schema,
        sources: sources(&files.files, others),
        never_null: Vec::new(),
        dynamic: Vec::new(),
    }
}

/// One line per (format, folder): `parquet: 3 files in /x/AlertInfo`.
fn sources(parquet: &[PathBuf], others: &[(PathBuf, Format)]) -> Vec<String> {
    let mut groups: BTreeMap<(Format, PathBuf), BTreeSet<&PathBuf>> = BTreeMap::new();
    let all = parquet
        .iter()
        .map(|p| (p, Format::Parquet))
        .chain(others.iter().map(|(p, f)| (p, *f)));
    for (path, format) in all {
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let folder = hive_root(folder);
        groups.entry((format, folder)).or_default().insert(path);
    }
    groups
        .into_iter()
        .map(|((format, folder), files)| match files.len() {
            1 => format!("{}: {}", format.as_str(), files.first().unwrap().display()),
            n => format!("{}: {n} files in {}", format.as_str(), folder.display()),
        })
        .collect()
}

/// `T/date=2025-09-01/h=3` -> `T`: the folder above the Hive folders.
fn hive_root(mut folder: PathBuf) -> PathBuf {
    while file_name(&folder).contains('=') {
        if !folder.pop() {
            break;
        }
    }
    folder
}

/// Entries of `dir` (sorted) that kqlite does not read: neither a folder
/// `<Table>` or holding export files, nor a file in a known format.
/// Hidden entries (`.x`, `_x`) are skipped.
pub fn unknown_entries(dir: &Path) -> Result<Vec<String>, TableError> {
    let mut unknown = Vec::new();
    for entry in sorted_entries(dir)? {
        let name = file_name(&entry);
        if !is_hidden(&name) && !is_known_entry(&entry) {
            unknown.push(name);
        }
    }
    Ok(unknown)
}

fn no_tables(dir: &Path) -> TableError {
    let expected = table_names().into_iter().take(EXPECTED_SHOWN).collect();
    TableError::NoTables {
        dir: dir.to_path_buf(),
        expected,
        unknown: unknown_entries(dir).unwrap_or_default(),
    }
}
