//! Where the dictionary page of each row group of a column lies in a local Parquet file, and
//! reading one without the column's data pages: a filter can then ask whether a row group's
//! dictionary holds any value it accepts before a single key of the row group is decoded.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use datafusion::arrow::array::{make_view, ArrayRef, StringViewArray};
use datafusion::arrow::buffer::{Buffer, NullBuffer};
use datafusion::parquet::basic::{Compression, Encoding};
use datafusion::parquet::column::page::{Page, PageReader};
use datafusion::parquet::file::metadata::ColumnChunkMetaData;
use datafusion::parquet::file::serialized_reader::SerializedPageReader;
use datafusion::parquet::schema::types::ColumnDescPtr;

use crate::footer_stats::Footer;

/// The dictionary pages of the string columns of one local file.
#[derive(Debug)]
pub struct DictionaryPages {
    path: PathBuf,
    /// When the file was last changed, as attach saw it: a file changed since is not read.
    modified: SystemTime,
    /// Per column: its descriptor and, per row group, its dictionary page where every data
    /// page of the row group's chunk is dictionary-encoded.
    columns: Vec<(ColumnDescPtr, Vec<Option<PageSpan>>)>,
}

/// Bytes `start..end` of the file hold a dictionary page (its header included).
#[derive(Debug, Clone, Copy)]
struct PageSpan {
    start: u64,
    end: u64,
    codec: Compression,
}

impl DictionaryPages {
    /// The dictionary pages of the columns at `indices` (leaf columns of the file), in the
    /// row groups where `dictionary_only` says a chunk is all dictionary-encoded; None for a
    /// file that is not local or has no such chunk.
    pub(crate) fn of(
        path: &Path,
        footer: &Footer,
        indices: &[usize],
        dictionary_only: fn(&ColumnChunkMetaData) -> bool,
    ) -> Option<Self> {
        if crate::remote::is_remote(path) {
            return None;
        }
        let metadata = &footer.metadata;
        let descr = metadata.file_metadata().schema_descr();
        let spans = |i: usize| -> Vec<Option<PageSpan>> {
            (metadata.row_groups().iter())
                .map(|group| Some(group.column(i)).filter(|c| dictionary_only(c)))
                .map(|chunk| span_of(chunk?))
                .collect()
        };
        let columns: Vec<_> = (indices.iter())
            .map(|&i| (descr.column(i), spans(i)))
            .filter(|(_, spans)| spans.iter().any(Option::is_some))
            .collect();
        (!columns.is_empty()).then(|| DictionaryPages {
            path: path.to_path_buf(),
            modified: footer.modified,
            columns,
        })
    }

    /// The bytes of `column`'s dictionary pages, over the row groups that have one.
    pub fn bytes_of(&self, column: &str) -> Option<u64> {
        let (_, spans) = self.column(column)?;
        Some(spans.iter().flatten().map(|s| s.end - s.start).sum())
    }

    /// The values of the dictionary of `column` and a null after them (the rows may hold
    /// nulls besides), one array per row group; None for a row group without a dictionary
    /// page or whose page could not be read as strings.
    pub fn values(&self, column: &str) -> Option<Vec<Option<ArrayRef>>> {
        let (descr, spans) = self.column(column)?;
        let unchanged = |file: &File| {
            let modified = file.metadata().and_then(|m| m.modified());
            modified.is_ok_and(|m| m == self.modified)
        };
        let Some(mut file) = File::open(&self.path).ok().filter(unchanged) else {
            return Some(vec![None; spans.len()]);
        };
        Some(
            (spans.iter())
                .map(|span| read_page(&mut file, descr, (*span)?))
                .collect(),
        )
    }

    fn column(&self, name: &str) -> Option<&(ColumnDescPtr, Vec<Option<PageSpan>>)> {
        self.columns.iter().find(|(descr, _)| descr.name() == name)
    }
}

fn span_of(chunk: &ColumnChunkMetaData) -> Option<PageSpan> {
    let start = u64::try_from(chunk.dictionary_page_offset()?).ok()?;
    let end = u64::try_from(chunk.data_page_offset()).ok()?;
    (start < end).then_some(PageSpan {
        start,
        end,
        codec: chunk.compression(),
    })
}

/// The strings of the dictionary page at `span`.
fn read_page(file: &mut File, descr: &ColumnDescPtr, span: PageSpan) -> Option<ArrayRef> {
    let length = usize::try_from(span.end - span.start).ok()?;
    let mut bytes = vec![0; length];
    file.seek(SeekFrom::Start(span.start)).ok()?;
    file.read_exact(&mut bytes).ok()?;
    // The page alone, as a column chunk of one page starting at offset 0.
    let chunk = ColumnChunkMetaData::builder(Arc::clone(descr))
        .set_compression(span.codec)
        .set_dictionary_page_offset(Some(0))
        .set_data_page_offset(i64::try_from(length).ok()?)
        .set_total_compressed_size(i64::try_from(length).ok()?)
        .build()
        .ok()?;
    let bytes = bytes::Bytes::from(bytes);
    let mut pages = SerializedPageReader::new(Arc::new(bytes), &chunk, 0, None).ok()?;
    match pages.get_next_page().ok()?? {
        Page::DictionaryPage {
            buf,
            num_values,
            encoding: Encoding::PLAIN | Encoding::PLAIN_DICTIONARY,
            ..
        } => plain_strings(buf, num_values as usize),
        _ => None,
    }
}

/// `count` strings in Parquet's PLAIN encoding (a 4-byte little-endian length before each),
/// then a null, as views into `page`; None unless the page is exactly that, in UTF-8.
fn plain_strings(page: bytes::Bytes, count: usize) -> Option<ArrayRef> {
    // Each value takes at least its 4-byte length: a damaged header's count cannot be true.
    if count > page.len() / 4 {
        return None;
    }
    let mut views = Vec::with_capacity(count + 1);
    let mut at = 0;
    for _ in 0..count {
        let length = u32::from_le_bytes(*page.get(at..)?.first_chunk::<4>()?) as usize;
        let value = page.get(at + 4..at + 4 + length)?;
        views.push(make_view(value, 0, u32::try_from(at + 4).ok()?));
        at += 4 + length;
    }
    if at != page.len() {
        return None;
    }
    views.push(0);
    let nulls = NullBuffer::from_iter((0..=count).map(|i| i < count));
    // Lengths under 128 are ASCII bytes too: an all-ASCII page is valid UTF-8 throughout.
    let ascii = page.is_ascii();
    let (views, buffers) = (views.into(), vec![Buffer::from(page)]);
    let array = match ascii {
        // SAFETY: every view lies within the page (checked above) and the page is ASCII.
        true => unsafe { StringViewArray::new_unchecked(views, buffers, Some(nulls)) },
        false => StringViewArray::try_new(views, buffers, Some(nulls)).ok()?,
    };
    Some(Arc::new(array))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, RecordBatch, StringArray, StringViewArray};
    use datafusion::parquet::file::properties::WriterProperties;

    use super::*;

    #[test]
    fn reads_each_row_groups_own_dictionary() {
        let dir =
            std::env::temp_dir().join(format!("kqlite-dictionary-pages-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.parquet");
        let names: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a"),
            Some("b"),
            Some("a"),
            Some("c"),
            None,
            Some("ü"),
        ]));
        let batch = RecordBatch::try_from_iter([("name", names)]).unwrap();
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .set_compression(Compression::SNAPPY)
            .build();
        let footer = crate::footer_stats::written_footer(&path, &batch, properties);
        let pages = DictionaryPages::of(&path, &footer, &[0], |_| true).unwrap();
        let values: Vec<Vec<String>> = (pages.values("name").unwrap().into_iter())
            .map(|array| {
                let array = array.unwrap();
                let strings = array.as_any().downcast_ref::<StringViewArray>().unwrap();
                assert!(strings.is_null(strings.len() - 1));
                strings.iter().flatten().map(str::to_string).collect()
            })
            .collect();
        assert_eq!(values, [vec!["a", "b"], vec!["c", "ü"]]);
        // A file changed since attach is not read.
        let changed = DictionaryPages {
            modified: SystemTime::UNIX_EPOCH,
            ..pages
        };
        assert!(changed.values("name").unwrap().iter().all(Option::is_none));
        assert!(changed.values("other").is_none());
        // Row groups whose chunk is not all dictionary-encoded have no page to read.
        let none = DictionaryPages::of(&path, &footer, &[0], |_| false);
        assert!(none.is_none());
        let page = |bytes: &'static [u8]| bytes::Bytes::from_static(bytes);
        assert!(
            plain_strings(page(&[1, 0, 0, 0, b'x', 9]), 1).is_none(),
            "bytes left over"
        );
        assert!(
            plain_strings(page(&[1, 0, 0, 0, 0xff]), 1).is_none(),
            "not UTF-8"
        );
        assert!(
            plain_strings(page(&[9, 0, 0, 0, b'x']), 1).is_none(),
            "cut short"
        );
        assert!(
            plain_strings(page(&[0, 0, 0, 0]), u32::MAX as usize).is_none(),
            "a count no page of this size can hold"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
