//! Parquet tables: footers read and checked, then one DataFusion
//! `ListingTable` over a table's files (or over its Hive-partitioned folder,
//! with the partition keys as columns that filters prune on).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::object_store::path::Path as StorePath;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::metadata::PageIndexPolicy;
use datafusion::parquet::file::metadata::ParquetMetaDataReader;
use datafusion::prelude::SessionContext;
use rayon::prelude::*;
use url::Url;

use crate::discover::ParquetFiles;
use crate::error::TableError;
use crate::file_layouts::{layout_of, FileLayout};
use crate::footer_stats::{Footer, FooterStatistics};
use crate::parquet_adapt::needs_adapting;
use crate::remote::{is_remote, object_url, remote_footer, RemoteFiles};
use crate::validate::{table_schema, FileFacts};

/// What the footers of a table's Parquet files say.
pub(crate) struct Inspected {
    pub rows: u64,
    /// Documented columns, then extra columns found in the files.
    pub schema: SchemaRef,
    /// Columns that every file holds with no null, by its statistics.
    pub never_null: Vec<String>,
    /// Whether any file has a bloom filter.
    pub bloom_filters: bool,
    /// Files that only a value-by-value conversion reads ([`crate::parquet_adapt`]); not in
    /// `schema`, `rows` or `footers`.
    pub foreign: Vec<PathBuf>,
    /// Files and their footers, for the statistics queries plan with (not every file of a
    /// very large table: see [`FOOTER_MEMORY`]).
    pub footers: Vec<(PathBuf, Footer)>,
    /// Columns of JSON text a file marks `dynamic` (as `import` writes them).
    pub dynamic: Vec<String>,
    /// How each file stores its columns.
    pub layouts: Vec<(StorePath, FileLayout)>,
}

/// The columns any file's schema marks as `dynamic` JSON text.
fn marked_dynamic(facts: &[FileFacts]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let fields = facts.iter().flat_map(|f| f.schema.fields().iter());
    for field in fields {
        let marked = field.metadata().get(crate::infer::KUSTO_TYPE_KEY);
        if marked.is_some_and(|t| t == "dynamic") && !names.contains(field.name()) {
            names.push(field.name().clone());
        }
    }
    names
}

/// The checked footers of a table's Parquet files.
pub(crate) fn inspect(
    table: &ParquetFiles,
    remote: Option<&RemoteFiles>,
) -> Result<Inspected, TableError> {
    // Footers are small reads, one per file: read them on every core.
    let facts = table
        .files
        .par_iter()
        .map(|f| footer_of(f, remote))
        .collect::<Result<Vec<_>, _>>()?;
    let (facts, foreign): (Vec<_>, Vec<_>) = facts
        .into_iter()
        .partition(|f| !needs_adapting(table.def, f));
    let schema = table_schema(table.def, &facts)?;
    let never_null = schema
        .fields()
        .iter()
        .map(|f| f.name())
        .filter(|name| facts.iter().all(|file| file.non_null.contains(name)))
        .cloned()
        .collect();
    let layouts = facts
        .iter()
        .filter_map(|f| layout_of(&f.path, &f.footer, &f.schema))
        .collect();
    Ok(Inspected {
        layouts,
        rows: facts.iter().map(|f| f.rows).sum(),
        dynamic: marked_dynamic(&facts),
        schema,
        never_null,
        bloom_filters: facts.iter().any(|f| f.bloom_filters),
        foreign: foreign.into_iter().map(|f| f.path).collect(),
        footers: kept_footers(facts),
    })
}

/// Footers kept per table for planning: about 40 KB each, so some 1,600 files. The files
/// past that have their footers read again by each query, as DataFusion does by itself.
const FOOTER_MEMORY: usize = 64 << 20;

/// The footers of `facts`, as long as they fit in [`FOOTER_MEMORY`].
fn kept_footers(facts: Vec<FileFacts>) -> Vec<(PathBuf, Footer)> {
    let mut used = 0;
    facts
        .into_iter()
        .map(|f| (f.path, f.footer))
        .take_while(|(_, footer)| {
            used += footer.metadata.memory_size();
            used <= FOOTER_MEMORY
        })
        .collect()
}

/// The footer of `path`: fetched at attach when it is a remote file, else read from the
/// local file (opened read-only).
fn footer_of(path: &Path, remote: Option<&RemoteFiles>) -> Result<FileFacts, TableError> {
    match remote.and_then(|r| r.get(path)) {
        Some(file) => remote_footer(file),
        None => read_footer(path),
    }
}

/// Reads only the footer of `path` (opened read-only): row count and Arrow schema.
pub(crate) fn read_footer(path: &Path) -> Result<FileFacts, TableError> {
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    let stat = file.metadata().map_err(|e| TableError::io(path, e))?;
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .map(Arc::new)
        .map_err(|e| TableError::InvalidParquet {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    let footer = Footer {
        size: stat.len(),
        modified: stat.modified().map_err(|e| TableError::io(path, e))?,
        metadata,
    };
    facts(path.to_path_buf(), footer)
}

/// What a file's footer says: its rows, Arrow schema, columns without nulls, bloom filters.
pub(crate) fn facts(path: PathBuf, footer: Footer) -> Result<FileFacts, TableError> {
    let invalid = |detail: String| TableError::InvalidParquet {
        path: path.clone(),
        detail,
    };
    let metadata = &footer.metadata;
    let file_metadata = metadata.file_metadata();
    crate::embedded_schema::check(file_metadata).map_err(invalid)?;
    let schema = parquet_to_arrow_schema(
        file_metadata.schema_descr(),
        file_metadata.key_value_metadata(),
    )
    .map_err(|e| invalid(e.to_string()))?;
    Ok(FileFacts {
        rows: u64::try_from(file_metadata.num_rows()).unwrap_or(0),
        schema: Arc::new(schema),
        non_null: non_null_columns(metadata),
        bloom_filters: metadata.row_groups().iter().any(|group| {
            group
                .columns()
                .iter()
                .any(|c| c.bloom_filter_offset().is_some())
        }),
        path,
        footer,
    })
}

/// The flat columns whose every row group records zero nulls.
fn non_null_columns(
    metadata: &datafusion::parquet::file::metadata::ParquetMetaData,
) -> Vec<String> {
    let descr = metadata.file_metadata().schema_descr();
    (0..descr.num_columns())
        .filter(|&i| descr.column(i).path().parts().len() == 1)
        .filter(|&i| {
            metadata.row_groups().iter().all(|group| {
                let stats = group.column(i).statistics();
                stats.and_then(|s| s.null_count_opt()) == Some(0)
            })
        })
        .map(|i| descr.column(i).name().to_string())
        .collect()
}

/// A `ListingTable` with `file_schema` as the schema of every file:
/// DataFusion fills absent columns with nulls and casts the compatible types
/// per file. Hive partition keys, if any, are appended as string columns.
/// Bloom filters are looked for only in tables whose footers list some: looking costs
/// 5-9% of a query's time on files without them. Planning takes the files' statistics from
/// the `footers` attach read ([`FooterStatistics`]).
pub(crate) fn listing_table(
    ctx: &SessionContext,
    table: &ParquetFiles,
    file_schema: SchemaRef,
    bloom_filters: bool,
    footers: &[(PathBuf, Footer)],
) -> Result<Arc<ListingTable>, TableError> {
    let mut parquet_options = ctx.state().default_table_options().parquet;
    parquet_options.global.bloom_filter_on_read &= bloom_filters;
    let format = ParquetFormat::default().with_options(parquet_options);
    let (urls, options) = match &table.hive {
        Some((dir, keys)) => {
            let partitions = keys.iter().map(|k| (k.clone(), DataType::Utf8)).collect();
            let options = ListingOptions::new(Arc::new(format))
                .with_file_extension(".parquet")
                .with_table_partition_cols(partitions);
            (vec![dir_url(dir)?], options)
        }
        None => {
            let urls = table
                .files
                .iter()
                .map(|f| file_url(f))
                .collect::<Result<_, _>>()?;
            (
                urls,
                ListingOptions::new(Arc::new(format)).with_file_extension(""),
            )
        }
    };
    let statistics = FooterStatistics::new(
        footers
            .iter()
            .map(|(path, footer)| (path.as_path(), footer)),
        Arc::clone(&file_schema),
        ctx.runtime_env().cache_manager.get_file_metadata_cache(),
        table.hive.is_none(),
    );
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(file_schema);
    let table = ListingTable::try_new(config)?.with_cache(Some(Arc::new(statistics)));
    Ok(Arc::new(table))
}

/// A URL for one file. A local path is made canonical (object-store paths may not hold
/// `..`), and the URL is built directly so that `[`, `*` or `?` in a path are not taken for a
/// glob; a remote file is named by its URL already.
fn file_url(path: &Path) -> Result<ListingTableUrl, TableError> {
    let url = match remote_url(path, "") {
        Some(url) => url?,
        None => Url::from_file_path(canonical(path)?).map_err(|()| not_a_url(path))?,
    };
    Ok(ListingTableUrl::try_new(url, None)?)
}

/// A URL for a folder (ends with `/`, so DataFusion lists it).
fn dir_url(path: &Path) -> Result<ListingTableUrl, TableError> {
    let url = match remote_url(path, "/") {
        Some(url) => url?,
        None => Url::from_directory_path(canonical(path)?).map_err(|()| not_a_url(path))?,
    };
    Ok(ListingTableUrl::try_new(url, None)?)
}

/// The URL a remote path is (with `end` appended), None for a local path.
fn remote_url(path: &Path, end: &str) -> Option<Result<Url, TableError>> {
    is_remote(path).then(|| object_url(path, end).ok_or_else(|| not_a_url(path)))
}

/// An absolute path without `..` is kept as it is: found under a folder made canonical when
/// attached, it needs no `readlink` per component and file.
fn canonical(path: &Path) -> Result<std::path::PathBuf, TableError> {
    let parent = |c: std::path::Component| c == std::path::Component::ParentDir;
    if path.is_absolute() && !path.components().any(parent) {
        return Ok(path.to_path_buf());
    }
    std::fs::canonicalize(path).map_err(|e| TableError::io(path, e))
}

fn not_a_url(path: &Path) -> TableError {
    TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail: "path cannot be expressed as a file URL".to_string(),
    }
}

/// Reads every row of the Parquet file at `path`: the error that makes it unreadable, if
/// any. For naming the file behind a query's read error, which DataFusion does not.
pub fn read_whole_file(path: &Path) -> Result<(), TableError> {
    if is_remote(path) {
        return Ok(()); // not fetched whole again: the query's own error stands
    }
    let invalid = |detail: String| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail,
    };
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    crate::embedded_schema::check_file(&file).map_err(invalid)?;
    // With its page index, as queries read it.
    let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
    let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)
        .and_then(|b| b.build())
        .map_err(|e| invalid(e.to_string()))?;
    for batch in reader {
        batch.map_err(|e| invalid(e.to_string()))?;
    }
    Ok(())
}
