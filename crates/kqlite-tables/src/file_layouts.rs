//! How each attached Parquet file stores its columns, from the footer attach read: its Arrow
//! schema and the string columns whose every data page is dictionary-encoded. A query that
//! filters on such a column reads it as dictionary keys and tests each dictionary entry once
//! (kqlite's `ReadDictionaries` rule); a column with a plain page anywhere is read as strings.
//! One `FileLayouts` lives in the session's configuration, so that attach fills it and the
//! planner reads it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::object_store::path::Path as StorePath;
use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};
use datafusion::prelude::SessionConfig;

/// One file's layout.
#[derive(Debug)]
pub struct FileLayout {
    /// The file's size when attached: a file of another size is another file.
    pub size: u64,
    /// The file's Arrow schema, as the Parquet reader derives it from the footer.
    pub schema: SchemaRef,
    /// Top-level string columns stored as dictionary pages only, in every row group.
    pub dictionary_columns: Vec<String>,
}

/// The layouts of the files attached in one session, by object-store path.
#[derive(Debug, Default)]
pub struct FileLayouts {
    files: RwLock<HashMap<StorePath, Arc<FileLayout>>>,
}

impl FileLayouts {
    /// The layout of the file at `location` if it is the file attached there (same size).
    pub fn get(&self, location: &StorePath, size: u64) -> Option<Arc<FileLayout>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(location).filter(|l| l.size == size).cloned()
    }

    fn insert(&self, layouts: impl IntoIterator<Item = (StorePath, FileLayout)>) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        files.extend(layouts.into_iter().map(|(k, v)| (k, Arc::new(v))));
    }
}

/// `config` with an empty [`FileLayouts`].
pub(crate) fn with_layouts(config: SessionConfig) -> SessionConfig {
    config.with_extension(Arc::new(FileLayouts::default()))
}

/// Records `layouts` in the session's [`FileLayouts`], if it has one.
pub(crate) fn remember(config: &SessionConfig, layouts: Vec<(StorePath, FileLayout)>) {
    if let Some(kept) = config.get_extension::<FileLayouts>() {
        kept.insert(layouts);
    }
}

/// The layout of the file at `path`, from its footer and the Arrow schema derived from it.
pub(crate) fn layout_of(
    path: &Path,
    size: u64,
    schema: &SchemaRef,
    metadata: &ParquetMetaData,
) -> Option<(StorePath, FileLayout)> {
    let layout = FileLayout {
        size,
        schema: Arc::clone(schema),
        dictionary_columns: dictionary_columns(schema, metadata),
    };
    Some((crate::footer_stats::store_path(path)?, layout))
}

/// The top-level string columns of `schema` stored as dictionary pages only.
fn dictionary_columns(schema: &SchemaRef, metadata: &ParquetMetaData) -> Vec<String> {
    let descr = metadata.file_metadata().schema_descr();
    let is_string = |name: &str| {
        schema.field_with_name(name).is_ok_and(|f| {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        })
    };
    (0..descr.num_columns())
        .filter(|&i| descr.column(i).path().parts().len() == 1)
        .filter(|&i| is_string(descr.column(i).name()))
        .filter(|&i| {
            let groups = metadata.row_groups();
            !groups.is_empty() && groups.iter().all(|g| only_dictionary_pages(g.column(i)))
        })
        .map(|i| descr.column(i).name().to_string())
        .collect()
}

/// Whether every data page of the chunk is dictionary-encoded, by its page encoding
/// statistics (a chunk without them is not known to be).
fn only_dictionary_pages(chunk: &ColumnChunkMetaData) -> bool {
    let dictionary =
        |e: Encoding| matches!(e, Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY);
    if chunk.dictionary_page_offset().is_none() {
        return false;
    }
    if let Some(mask) = chunk.page_encoding_stats_mask() {
        return mask.is_only(Encoding::RLE_DICTIONARY) || mask.is_only(Encoding::PLAIN_DICTIONARY);
    }
    use datafusion::parquet::basic::PageType;
    chunk.page_encoding_stats().is_some_and(|stats| {
        stats
            .iter()
            .filter(|s| matches!(s.page_type, PageType::DATA_PAGE | PageType::DATA_PAGE_V2))
            .all(|s| dictionary(s.encoding))
    })
}
