//! Exports in object storage. `--data az://container/prefix` (also
//! `abfss://container@account.dfs.core.windows.net/prefix`, `s3://bucket/prefix`,
//! `gs://bucket/prefix`) lists the objects under the prefix once. Parquet files are read in
//! place, as DataFusion reads any store ([`Listing`]); their footers, read at attach, are kept
//! on disk ([`footers`]). Files of the other formats, which are read whole anyway, are
//! mirrored into a local cache, fetching only what is new or changed since the last run
//! ([`mirror`]).
//!
//! The store is only read ([`ListedStore`] refuses writes). Credentials come from each
//! cloud's environment variables (`object_store`'s `from_env` builders; for Azure also a
//! connection string in `AZURE_STORAGE_CONNECTION_STRING`). Requests time out and are retried
//! a bounded number of times, so an unreachable store is an error, never a hang. A cluster's
//! executors open the stores a plan names from their own environment ([`StoreRegistry`]).

mod credentials;
mod footers;
mod listed_store;
mod listing;
mod mirror;
mod open;
mod registry;

use std::fmt;
use std::path::PathBuf;

pub use footers::{footers, Footers};
pub use listed_store::ListedStore;
pub use listing::{list, store_root, Listing};
pub use mirror::{mirror, Mirrored};
pub use open::fetch_blocking;
pub use registry::StoreRegistry;

/// Where mirrors and footers are kept: `$KQLITE_CACHE`, else `$XDG_CACHE_HOME/kqlite/objects`,
/// else `~/.cache/kqlite/objects`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KQLITE_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kqlite").join("objects")
}

/// The URL schemes read as object storage.
const SCHEMES: &[&str] = &["az", "azure", "abfs", "abfss", "adl", "s3", "s3a", "gs"];

/// Whether `text` names an object store location rather than a local path.
pub fn is_url(text: &str) -> bool {
    text.split_once("://")
        .is_some_and(|(scheme, _)| SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// Reading a store failed: the URL and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageError {
    pub url: String,
    pub detail: String,
}

impl StorageError {
    fn new(url: &str, detail: impl fmt::Display) -> StorageError {
        StorageError {
            url: url.to_string(),
            detail: detail.to_string(),
        }
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.detail)
    }
}

impl std::error::Error for StorageError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_of_the_clouds_are_told_from_paths() {
        assert!(is_url("az://exports/defender"));
        assert!(is_url("abfss://c@acct.dfs.core.windows.net/x"));
        assert!(is_url("S3://bucket/prefix"));
        assert!(!is_url("testdata/sample"));
        assert!(!is_url("file:///tmp/x"));
    }
}
