//! Parquet files read in place from object storage. Each is named by its URL, kept as a path
//! (`az://container/AlertInfo/date=2025-09-01/part-0.parquet`) so that tables, Hive keys and
//! messages come from its folders and name as they do on disk; its footer was fetched at
//! attach (`kqlite-storage`), and DataFusion reads its pages from the store.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::{Buf, Bytes};
use datafusion::parquet::errors::{ParquetError, Result as ParquetResult};
use datafusion::parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};
use datafusion::parquet::file::reader::{ChunkReader, Length};

use crate::error::TableError;
use crate::footer_stats::Footer;
use crate::validate::FileFacts;

/// One Parquet object of a store.
#[derive(Debug, Clone)]
pub struct RemoteParquet {
    /// `scheme://authority/path`, as DataFusion opens it.
    pub url: String,
    pub size: u64,
    pub modified: SystemTime,
    /// The end of the object, holding its footer.
    pub tail: Bytes,
}

/// What an object store URL holds: its Parquet files, read in place, and the folder its other
/// files were mirrored into.
#[derive(Debug)]
pub struct RemoteFiles {
    /// The URL attached, without a closing `/`.
    pub base_url: String,
    pub mirror: PathBuf,
    pub files: Vec<RemoteParquet>,
    by_url: HashMap<String, usize>,
}

impl RemoteFiles {
    pub fn new(base_url: &str, mirror: PathBuf, files: Vec<RemoteParquet>) -> RemoteFiles {
        let by_url = files
            .iter()
            .enumerate()
            .map(|(i, f)| (f.url.clone(), i))
            .collect();
        RemoteFiles {
            base_url: base_url.trim_end_matches('/').to_string(),
            mirror,
            files,
            by_url,
        }
    }

    /// The remote file `path` names, if it names one.
    pub(crate) fn get(&self, path: &Path) -> Option<&RemoteParquet> {
        let index = self.by_url.get(path.to_str()?)?;
        self.files.get(*index)
    }
}

/// Whether `path` is an object's URL rather than a local path.
pub(crate) fn is_remote(path: &Path) -> bool {
    path.to_str().is_some_and(kqlite_storage::is_url)
}

/// The URL a remote path names (`end` appended to its path), with its object's name
/// percent-encoded as DataFusion expects (`#`, `?` and spaces are part of a name, not of the
/// URL's syntax); None for a local path.
pub(crate) fn object_url(path: &Path, end: &str) -> Option<url::Url> {
    let text = path.to_str().filter(|t| kqlite_storage::is_url(t))?;
    let (scheme, rest) = text.split_once("://")?;
    let (authority, name) = rest.split_once('/').unwrap_or((rest, ""));
    let mut url = url::Url::parse(&format!("{scheme}://{authority}")).ok()?;
    url.set_path(&format!("{name}{end}"));
    Some(url)
}

/// A remote file's footer facts, from the tail fetched at attach.
pub(crate) fn remote_footer(file: &RemoteParquet) -> Result<FileFacts, TableError> {
    let path = PathBuf::from(&file.url);
    let tail = Tail {
        bytes: file.tail.clone(),
        start: file.size.saturating_sub(file.tail.len() as u64),
        size: file.size,
    };
    // With the page index when the tail holds it (then a query reads none), else without.
    let with_index = ParquetMetaDataReader::new().with_page_index_policy(PageIndexPolicy::Optional);
    let metadata = with_index
        .parse_and_finish(&tail)
        .or_else(|_| ParquetMetaDataReader::new().parse_and_finish(&file.tail))
        .map(Arc::new)
        .map_err(|e| TableError::InvalidParquet {
            path: path.clone(),
            detail: e.to_string(),
        })?;
    let footer = Footer {
        metadata,
        size: file.size,
        modified: file.modified,
    };
    crate::listing::facts(path, footer)
}

/// The end of a file, read at the file's own offsets; reading before it fails.
struct Tail {
    bytes: Bytes,
    start: u64,
    size: u64,
}

impl Tail {
    fn at(&self, offset: u64) -> ParquetResult<usize> {
        let at = offset.checked_sub(self.start).map(|a| a as usize);
        at.filter(|a| *a <= self.bytes.len()).ok_or_else(|| {
            ParquetError::EOF(format!("offset {offset} is before the fetched footer"))
        })
    }
}

impl Length for Tail {
    fn len(&self) -> u64 {
        self.size
    }
}

impl ChunkReader for Tail {
    type T = bytes::buf::Reader<Bytes>;

    fn get_read(&self, start: u64) -> ParquetResult<Self::T> {
        Ok(self.bytes.slice(self.at(start)?..).reader())
    }

    fn get_bytes(&self, start: u64, length: usize) -> ParquetResult<Bytes> {
        let from = self.at(start)?;
        let end = from + length;
        if end > self.bytes.len() {
            return Err(ParquetError::EOF(format!(
                "{length} bytes at {start}: past the end"
            )));
        }
        Ok(self.bytes.slice(from..end))
    }
}

/// The whole object, for a file that only a value-by-value conversion reads.
pub(crate) fn fetch_whole(path: &Path) -> Result<Bytes, TableError> {
    let url = path.to_string_lossy();
    kqlite_storage::fetch_blocking(&url).map_err(|e| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail: e.detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_encoded_into_their_urls() {
        let url = |p: &str, end| object_url(Path::new(p), end).map(|u| u.to_string());
        assert_eq!(
            url("az://exports/T/a b#1?.parquet", ""),
            Some("az://exports/T/a%20b%231%3F.parquet".to_string())
        );
        assert_eq!(
            url("az://exports/T", "/"),
            Some("az://exports/T/".to_string())
        );
        let location = object_url(Path::new("az://c/T/x y.parquet"), "").unwrap();
        assert_eq!(
            datafusion::object_store::path::Path::from_url_path(location.path())
                .unwrap()
                .as_ref(),
            "T/x y.parquet"
        );
        assert_eq!(url("/tmp/local.parquet", ""), None);
    }
}
