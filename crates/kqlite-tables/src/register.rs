//! Finding a directory's Parquet files, validating their footers against the
//! registry, and registering one DataFusion `ListingTable` per Defender table.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::TableReference;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::metadata::ParquetMetaDataReader;
use datafusion::prelude::SessionContext;
use url::Url;

use crate::error::TableError;
use crate::schema::{table_def, table_names, TableDef};
use crate::validate::{table_schema, FileFacts};

/// A table registered by [`register_dir`].
#[derive(Debug, Clone)]
pub struct RegisteredTable {
    pub name: String,
    /// The table's files, in scan order.
    pub files: Vec<PathBuf>,
    /// Row count summed from the file footers.
    pub rows: u64,
    /// Documented columns, then the extra columns found in the files.
    pub schema: SchemaRef,
}

/// Symbolic links are followed; this bounds the recursion if they loop.
const MAX_DEPTH: usize = 32;

/// How many registry names a "no tables found" error lists.
const EXPECTED_SHOWN: usize = 6;

/// Registers, in `ctx`, every registry table with Parquet files under `dir`:
/// `dir/<Table>/**/*.parquet` and `dir/<Table>.parquet`. Each file's footer is
/// read and checked before anything is registered, so on error `ctx` is left
/// unchanged. Tables are registered under their exact (case-sensitive) name:
/// look them up with `TableReference::bare(name)`, since a plain `&str` is
/// lowercased by DataFusion.
pub fn register_dir(ctx: &SessionContext, dir: &Path) -> Result<Vec<RegisteredTable>, TableError> {
    let found = discover(dir)?;
    if found.is_empty() {
        return Err(no_tables(dir));
    }
    let tables = found
        .into_values()
        .map(|(def, files)| inspect_table(def, files))
        .collect::<Result<Vec<_>, _>>()?;
    for table in &tables {
        let provider = listing_table(ctx, table)?;
        ctx.register_table(TableReference::bare(table.name.as_str()), provider)?;
    }
    Ok(tables)
}

/// Entries of `dir` (sorted) that name no registry table: neither a folder
/// `<Table>` nor a file `<Table>.parquet`. Hidden entries (`.x`, `_x`) are skipped.
pub fn unknown_entries(dir: &Path) -> Result<Vec<String>, TableError> {
    let mut unknown = Vec::new();
    for entry in sorted_entries(dir)? {
        let name = file_name(&entry);
        if !is_hidden(&name) && table_of_entry(&entry).is_none() {
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

/// Registry tables with at least one file, each with its files sorted.
fn discover(dir: &Path) -> Result<BTreeMap<String, (&'static TableDef, Vec<PathBuf>)>, TableError> {
    let mut found: BTreeMap<String, (&'static TableDef, Vec<PathBuf>)> = BTreeMap::new();
    for entry in sorted_entries(dir)? {
        let Some(def) = table_of_entry(&entry) else {
            continue;
        };
        let mut files = Vec::new();
        collect_parquet(&entry, 0, &mut files)?;
        let slot = found.entry(def.name.clone()).or_insert((def, Vec::new()));
        slot.1.extend(files);
    }
    found.retain(|_, (_, files)| !files.is_empty());
    for (_, files) in found.values_mut() {
        files.sort();
    }
    Ok(found)
}

/// The registry table an entry of the export directory stands for.
fn table_of_entry(entry: &Path) -> Option<&'static TableDef> {
    let name = file_name(entry);
    if entry.is_dir() {
        return table_def(&name);
    }
    let stem = name.strip_suffix(".parquet")?;
    entry.is_file().then(|| table_def(stem)).flatten()
}

fn collect_parquet(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), TableError> {
    if path.is_file() {
        if is_parquet_name(&file_name(path)) {
            out.push(path.to_path_buf());
        }
        return Ok(());
    }
    if !path.is_dir() || depth >= MAX_DEPTH {
        return Ok(());
    }
    for entry in sorted_entries(path)? {
        if !is_hidden(&file_name(&entry)) {
            collect_parquet(&entry, depth + 1, out)?;
        }
    }
    Ok(())
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, TableError> {
    let read = std::fs::read_dir(dir).map_err(|e| TableError::io(dir, e))?;
    let mut entries = Vec::new();
    for entry in read {
        entries.push(entry.map_err(|e| TableError::io(dir, e))?.path());
    }
    entries.sort();
    Ok(entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Spark and Hadoop keep bookkeeping in `_SUCCESS`, `_temporary/`, `.crc` files.
fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

fn is_parquet_name(name: &str) -> bool {
    !is_hidden(name) && name.to_ascii_lowercase().ends_with(".parquet")
}

fn inspect_table(def: &TableDef, files: Vec<PathBuf>) -> Result<RegisteredTable, TableError> {
    let facts = files
        .iter()
        .map(|f| read_footer(f))
        .collect::<Result<Vec<_>, _>>()?;
    let schema = table_schema(def, &facts)?;
    Ok(RegisteredTable {
        name: def.name.clone(),
        rows: facts.iter().map(|f| f.rows).sum(),
        files,
        schema,
    })
}

/// Reads only the footer of `path` (opened read-only): row count and Arrow schema.
pub(crate) fn read_footer(path: &Path) -> Result<FileFacts, TableError> {
    let invalid = |detail: String| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail,
    };
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .map_err(|e| invalid(e.to_string()))?;
    let file_metadata = metadata.file_metadata();
    let schema = parquet_to_arrow_schema(
        file_metadata.schema_descr(),
        file_metadata.key_value_metadata(),
    )
    .map_err(|e| invalid(e.to_string()))?;
    Ok(FileFacts {
        path: path.to_path_buf(),
        rows: u64::try_from(file_metadata.num_rows()).unwrap_or(0),
        schema: Arc::new(schema),
    })
}

/// A `ListingTable` over exactly the table's files, with the table schema as
/// file schema: DataFusion fills absent columns with nulls and casts the
/// compatible types per file.
fn listing_table(
    ctx: &SessionContext,
    table: &RegisteredTable,
) -> Result<Arc<ListingTable>, TableError> {
    let urls = table
        .files
        .iter()
        .map(|f| file_url(f))
        .collect::<Result<Vec<_>, _>>()?;
    let parquet_options = ctx.state().default_table_options().parquet;
    let format = ParquetFormat::default().with_options(parquet_options);
    let options = ListingOptions::new(Arc::new(format)).with_file_extension("");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(Arc::clone(&table.schema));
    Ok(Arc::new(ListingTable::try_new(config)?))
}

/// A URL for one local file. The path is made canonical (object-store paths
/// may not hold `..`), and the URL is built directly so that `[`, `*` or `?`
/// in a path are not taken for a glob.
fn file_url(path: &Path) -> Result<ListingTableUrl, TableError> {
    let canonical = std::fs::canonicalize(path).map_err(|e| TableError::io(path, e))?;
    let url = Url::from_file_path(&canonical).map_err(|()| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail: "path cannot be expressed as a file URL".to_string(),
    })?;
    Ok(ListingTableUrl::try_new(url, None)?)
}
