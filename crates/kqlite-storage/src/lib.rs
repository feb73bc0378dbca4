//! Exports in object storage, attached as folders. `--data az://container/prefix` (also
//! `abfss://container@account.dfs.core.windows.net/prefix`, `s3://bucket/prefix`,
//! `gs://bucket/prefix`) lists the objects under the prefix and mirrors them into a local
//! cache, fetching only the objects that are new or changed since the last run; kqlite then
//! reads the mirror as any folder, so every format, layout and time pruning works alike.
//!
//! The store is only read. Credentials come from each cloud's environment variables
//! (`object_store`'s `from_env` builders; for Azure also a connection string in
//! `AZURE_STORAGE_CONNECTION_STRING`). Requests time out and are retried a bounded number of
//! times, so an unreachable store is an error, never a hang.

mod credentials;
mod mirror;
mod open;

use std::fmt;

pub use mirror::{mirror, Mirrored};

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
