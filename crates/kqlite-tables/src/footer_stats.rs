//! The per-file statistics a `ListingTable` collects when a query is planned, computed from
//! the footers attach already read. Without it, DataFusion reads every file's footer and page
//! index again on the planning thread, one file after another: 20-60 ms of a query at 10M
//! rows, more than some hunts take to run. Statistics are computed the first time a file is
//! asked for, as DataFusion would compute them; a file changed since attach fails DataFusion's
//! size and time check, which then reads the footer itself and stores what it found here.
//! A footer asked for also goes to DataFusion's file metadata cache, so that opening the file
//! reads only its page index: each footer a query reads is parsed once, at attach.
//! Computing a file's statistics decodes its Arrow schema again (about 0.1 ms a file), so the
//! first file asked for has every file of the table computed, on every core: a query reads
//! every file of a table that has no Hive partitions.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Once};
use std::time::{Duration, SystemTime};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::{HashMap as DfHashMap, Result, TableReference};
use datafusion::datasource::physical_plan::parquet::metadata::{
    ordering_from_parquet_metadata, CachedParquetMetaData, DFParquetMetadata,
};
use datafusion::execution::cache::cache_manager::{
    CachedFileMetadata, CachedFileMetadataEntry, FileMetadataCache,
};
use datafusion::execution::cache::default_cache::DefaultCache;
use datafusion::execution::cache::{Cache, CacheEntryInfo, SchemaFingerprint, TableScopedPath};
use datafusion::object_store::path::Path as StorePath;
use datafusion::object_store::ObjectMeta;
use datafusion::parquet::file::metadata::ParquetMetaData;
use rayon::prelude::*;

/// A Parquet footer read at attach, with what DataFusion checks a cached entry against.
#[derive(Debug, Clone)]
pub(crate) struct Footer {
    pub metadata: Arc<ParquetMetaData>,
    pub size: u64,
    pub modified: SystemTime,
}

/// Statistics of the files of one table, from their attach-time footers.
pub(crate) struct FooterStatistics {
    footers: HashMap<StorePath, Footer>,
    file_schema: SchemaRef,
    fingerprint: Arc<SchemaFingerprint>,
    footer_cache: Arc<FileMetadataCache>,
    /// Computed entries, and those DataFusion stored after reading a footer itself.
    computed: DefaultCache<TableScopedPath, CachedFileMetadata>,
    /// Whether the first miss computes every file's entry (not when partitions may be pruned).
    all_at_once: bool,
    computed_all: Once,
}

/// The object-store path DataFusion reads the file at `path` by: its URL's path, without
/// resolving the (already canonical) local path again.
pub(crate) fn store_path(path: &Path) -> Option<StorePath> {
    let url = match crate::remote::is_remote(path) {
        true => crate::remote::object_url(path, "")?,
        false => url::Url::from_file_path(path).ok()?,
    };
    StorePath::from_url_path(url.path()).ok()
}

/// Room for the statistics of some thousands of files.
const MEMORY_LIMIT: usize = 256 << 20;

impl FooterStatistics {
    pub(crate) fn new<'a>(
        footers: impl IntoIterator<Item = (&'a Path, &'a Footer)>,
        file_schema: SchemaRef,
        footer_cache: Arc<FileMetadataCache>,
        all_at_once: bool,
    ) -> Self {
        let footers = footers
            .into_iter()
            .filter_map(|(path, footer)| Some((store_path(path)?, footer.clone())))
            .collect();
        FooterStatistics {
            footers,
            fingerprint: Arc::new(SchemaFingerprint::from_schema(&file_schema)),
            file_schema,
            footer_cache,
            computed: DefaultCache::new(MEMORY_LIMIT).with_name("kqlite footer statistics"),
            all_at_once,
            computed_all: Once::new(),
        }
    }

    /// Computes the entry of every footer of a table in parallel, for the table's first query.
    fn compute_all(&self, table: &Option<TableReference>) {
        self.footers.par_iter().for_each(|(path, _)| {
            let key = TableScopedPath {
                table: table.clone(),
                path: path.clone(),
            };
            if !self.computed.contains_key(&key) {
                self.entry_from_footer(&key);
            }
        });
    }

    /// The entry for `key` from its attach-time footer, if attach read it.
    fn entry_from_footer(&self, key: &TableScopedPath) -> Option<CachedFileMetadata> {
        let footer = self.footers.get(&key.path)?;
        let statistics = DFParquetMetadata::statistics_from_parquet_metadata(
            &footer.metadata,
            &self.file_schema,
        )
        .ok()?;
        let ordering = ordering_from_parquet_metadata(&footer.metadata, &self.file_schema).ok()?;
        let meta = ObjectMeta {
            location: key.path.clone(),
            last_modified: footer.modified.into(),
            size: footer.size,
            e_tag: None,
            version: None,
        };
        let parsed = CachedParquetMetaData::new(Arc::clone(&footer.metadata));
        let footer_entry = CachedFileMetadataEntry::new(meta.clone(), Arc::new(parsed));
        self.footer_cache.put(&key.path, footer_entry);
        let entry = CachedFileMetadata::new(
            meta,
            Arc::clone(&self.fingerprint),
            Arc::new(statistics),
            ordering,
        );
        self.computed.put(key, entry.clone());
        Some(entry)
    }
}

impl Cache<TableScopedPath, CachedFileMetadata> for FooterStatistics {
    fn get(&self, key: &TableScopedPath) -> Option<CachedFileMetadata> {
        if let Some(entry) = self.computed.get(key) {
            return Some(entry);
        }
        if self.all_at_once && self.footers.contains_key(&key.path) {
            self.computed_all.call_once(|| self.compute_all(&key.table));
            if let Some(entry) = self.computed.get(key) {
                return Some(entry);
            }
        }
        self.entry_from_footer(key)
    }

    fn put(&self, key: &TableScopedPath, value: CachedFileMetadata) -> Option<CachedFileMetadata> {
        self.computed.put(key, value)
    }

    fn remove(&self, key: &TableScopedPath) -> Option<CachedFileMetadata> {
        self.computed.remove(key)
    }

    fn contains_key(&self, key: &TableScopedPath) -> bool {
        self.computed.contains_key(key) || self.footers.contains_key(&key.path)
    }

    fn len(&self) -> usize {
        self.computed.len()
    }

    fn clear(&self) {
        self.computed.clear()
    }

    fn name(&self) -> String {
        self.computed.name()
    }

    fn cache_limit(&self) -> usize {
        self.computed.cache_limit()
    }

    fn update_cache_limit(&self, limit: usize) {
        self.computed.update_cache_limit(limit)
    }

    fn cache_ttl(&self) -> Option<Duration> {
        self.computed.cache_ttl()
    }

    fn update_cache_ttl(&self, ttl: Option<Duration>) {
        self.computed.update_cache_ttl(ttl)
    }

    fn drop_table_entries(&self, table_ref: &TableReference) -> Result<()> {
        self.computed.drop_table_entries(table_ref)
    }

    fn list_entries(&self) -> DfHashMap<TableScopedPath, CacheEntryInfo<CachedFileMetadata>> {
        self.computed.list_entries()
    }
}

/// Writes `batch` to `path` with `properties`, and reads the file's footer back.
#[cfg(test)]
pub(crate) fn written_footer(
    path: &Path,
    batch: &datafusion::arrow::array::RecordBatch,
    properties: datafusion::parquet::file::properties::WriterProperties,
) -> Footer {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::metadata::ParquetMetaDataReader;
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    let file = std::fs::File::open(path).unwrap();
    let stat = file.metadata().unwrap();
    Footer {
        metadata: Arc::new(
            ParquetMetaDataReader::new()
                .parse_and_finish(&file)
                .unwrap(),
        ),
        size: stat.len(),
        modified: stat.modified().unwrap(),
    }
}
