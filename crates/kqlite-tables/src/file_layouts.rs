//! How each attached Parquet file stores its columns, from the footer attach read: its Arrow
//! schema and the string columns whose every data page is dictionary-encoded. A query that
//! filters on such a column reads it as dictionary keys and tests each dictionary entry once
//! (kqlite's `ReadDictionaries` rule); a column with a plain page anywhere is read as strings.
//! One `FileLayouts` lives in the session's configuration, so that attach fills it and the
//! planner reads it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::object_store::path::Path as StorePath;
use datafusion::parquet::basic::Encoding;
use datafusion::parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData};
use datafusion::prelude::SessionConfig;

use crate::dictionary_pages::DictionaryPages;
use crate::footer_stats::Footer;

/// One file's layout.
#[derive(Debug)]
pub struct FileLayout {
    /// The file's size when attached: a file of another size is another file.
    pub size: u64,
    /// The file's Arrow schema, as the Parquet reader derives it from the footer.
    pub schema: SchemaRef,
    /// Top-level string columns stored as dictionary pages only, in every row group.
    pub dictionary_columns: Vec<String>,
    /// The bytes their dictionary pages take in the file, summed over row groups (in the
    /// order of `dictionary_columns`): a bound of how much their distinct values weigh.
    pub dictionary_bytes: Vec<u64>,
    /// Where the dictionary pages of the string columns lie, in the row groups whose chunks
    /// are all dictionary-encoded (local files only).
    pub dictionary_pages: Option<DictionaryPages>,
}

impl FileLayout {
    /// The bytes the dictionary pages of `column` take, if it is stored as dictionaries.
    pub fn dictionary_bytes_of(&self, column: &str) -> Option<u64> {
        let i = self.dictionary_columns.iter().position(|c| c == column)?;
        self.dictionary_bytes.get(i).copied()
    }

    /// The dictionary of string column `column` in each row group, then a null, if the file is
    /// local; None for a row group whose chunk has plain pages or whose page could not be read.
    pub fn dictionaries_of(&self, column: &str) -> Option<Vec<Option<ArrayRef>>> {
        self.dictionary_pages.as_ref()?.values(column)
    }

    /// The bytes of the dictionary pages [`FileLayout::dictionaries_of`] reads.
    pub fn dictionary_page_bytes_of(&self, column: &str) -> Option<u64> {
        self.dictionary_pages.as_ref()?.bytes_of(column)
    }
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
    footer: &Footer,
    schema: &SchemaRef,
) -> Option<(StorePath, FileLayout)> {
    let metadata = &footer.metadata;
    let columns = dictionary_columns(schema, metadata);
    let layout = FileLayout {
        size: footer.size,
        schema: Arc::clone(schema),
        dictionary_bytes: columns
            .iter()
            .map(|&i| dictionary_bytes(metadata, i))
            .collect(),
        dictionary_pages: DictionaryPages::of(
            path,
            footer,
            &string_columns(schema, metadata),
            only_dictionary_pages,
        ),
        dictionary_columns: (columns.iter())
            .map(|&i| {
                metadata
                    .file_metadata()
                    .schema_descr()
                    .column(i)
                    .name()
                    .to_string()
            })
            .collect(),
    };
    Some((crate::footer_stats::store_path(path)?, layout))
}

/// The top-level string columns of `schema` stored as dictionary pages only, by position.
fn dictionary_columns(schema: &SchemaRef, metadata: &ParquetMetaData) -> Vec<usize> {
    let groups = metadata.row_groups();
    (string_columns(schema, metadata).into_iter())
        .filter(|&i| {
            !groups.is_empty() && groups.iter().all(|g| only_dictionary_pages(g.column(i)))
        })
        .collect()
}

/// The top-level string columns of `schema`, by position among the file's leaf columns.
fn string_columns(schema: &SchemaRef, metadata: &ParquetMetaData) -> Vec<usize> {
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
        .collect()
}

/// The bytes the dictionary pages of column `i` take, over all row groups.
fn dictionary_bytes(metadata: &ParquetMetaData, i: usize) -> u64 {
    let page = |chunk: &ColumnChunkMetaData| match chunk.dictionary_page_offset() {
        Some(start) => chunk.data_page_offset().saturating_sub(start).max(0) as u64,
        None => 0,
    };
    metadata
        .row_groups()
        .iter()
        .map(|g| page(g.column(i)))
        .sum()
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

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::metadata::ParquetMetaDataReader;

    use super::*;

    /// A file with a few repeated names (in dictionary pages) and another column of them.
    fn footer(names: Vec<String>) -> (SchemaRef, ParquetMetaData) {
        let few: ArrayRef = Arc::new(StringArray::from(["a", "b"].repeat(names.len() / 2)));
        let many: ArrayRef = Arc::new(StringArray::from(names));
        let batch = RecordBatch::try_from_iter([("few", few), ("many", many)]).unwrap();
        let mut file = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let metadata = ParquetMetaDataReader::new()
            .parse_and_finish(&bytes::Bytes::from(file))
            .unwrap();
        (batch.schema(), metadata)
    }

    #[test]
    fn dictionary_bytes_grow_with_the_distinct_values() {
        let names: Vec<String> = (0..2000).map(|i| format!("user{i}@contoso.com")).collect();
        let (schema, metadata) = footer(names);
        let footer = Footer {
            metadata: Arc::new(metadata),
            size: 1,
            modified: std::time::SystemTime::UNIX_EPOCH,
        };
        let layout = layout_of(Path::new("/f.parquet"), &footer, &schema)
            .unwrap()
            .1;
        assert_eq!(layout.dictionary_columns, ["few", "many"]);
        let (few, many) = (
            layout.dictionary_bytes_of("few").unwrap(),
            layout.dictionary_bytes_of("many").unwrap(),
        );
        assert!(few > 0 && few < 100, "{few}");
        assert!(many > 10 * few, "{many}");
        assert_eq!(layout.dictionary_bytes_of("other"), None);
    }

    #[test]
    fn a_row_group_fallen_back_to_plain_pages_has_no_dictionary_to_read() {
        use datafusion::arrow::array::Array;
        use datafusion::parquet::file::properties::WriterProperties;
        let dir = std::env::temp_dir().join(format!("kqlite-layouts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.parquet");
        // A row group of two names, then one of a thousand: past the dictionary's size limit
        // the writer turns to plain pages.
        let few = (0..1000).map(|i| format!("name{}", i % 2));
        let many = (0..1000).map(|i| format!("a rather long name, number {i}"));
        let names: ArrayRef = Arc::new(StringArray::from_iter_values(few.chain(many)));
        let batch = RecordBatch::try_from_iter([("name", names)]).unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(1000))
            .set_dictionary_page_size_limit(1024)
            .build();
        let footer = crate::footer_stats::written_footer(&path, &batch, properties);
        let layout = layout_of(&path, &footer, &batch.schema()).unwrap().1;
        assert!(layout.dictionary_columns.is_empty());
        let dictionaries = layout.dictionaries_of("name").unwrap();
        let lengths: Vec<Option<usize>> = dictionaries
            .iter()
            .map(|d| Some(d.as_ref()?.len()))
            .collect();
        // Two names and a null; nothing for the second row group.
        assert_eq!(lengths, [Some(3), None]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
