//! The objects under a URL's prefix, listed once when the URL is attached.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path as StorePath;
use object_store::{ObjectMeta, ObjectStore};
use url::Url;

use crate::listed_store::ListedStore;
use crate::open::open;
use crate::StorageError;

/// What a URL names in its store.
#[derive(Debug)]
pub struct Listing {
    pub url: String,
    /// The store, read-only; a listed object's metadata comes from the listing.
    pub store: Arc<dyn ObjectStore>,
    /// The store as DataFusion names it: `scheme://authority` (`az://container`).
    pub root: Url,
    pub prefix: StorePath,
    pub objects: Vec<ObjectMeta>,
}

/// Lists the objects under `url`; none is an error (a misspelt container or prefix).
pub async fn list(url: &str) -> Result<Listing, StorageError> {
    let (store, prefix) = open(url)?;
    let objects: Vec<ObjectMeta> = store
        .list(Some(&prefix))
        .try_collect()
        .await
        .map_err(|e| StorageError::new(url, crate::mirror::cause(&e)))?;
    if objects.is_empty() {
        let why = "no objects under this prefix (is the container or bucket name right?)";
        return Err(StorageError::new(url, why));
    }
    Ok(Listing {
        url: url.to_string(),
        store: Arc::new(ListedStore::new(store, &objects)),
        root: store_root(url)?,
        prefix,
        objects,
    })
}

/// `scheme://authority` of `url`: the key DataFusion finds a store under.
pub fn store_root(url: &str) -> Result<Url, StorageError> {
    let parsed = Url::parse(url).map_err(|e| StorageError::new(url, e))?;
    let root = &parsed[..url::Position::BeforePath];
    Url::parse(root).map_err(|e| StorageError::new(url, e))
}

impl Listing {
    /// The URL of an object of the store: `az://container/path/of/object`.
    pub fn object_url(&self, meta: &ObjectMeta) -> String {
        format!("{}/{}", self.root_text(), meta.location)
    }

    /// The URL of the prefix, without a closing `/`.
    pub fn prefix_url(&self) -> String {
        match self.prefix.as_ref() {
            "" => self.root_text().to_string(),
            prefix => format!("{}/{prefix}", self.root_text()),
        }
    }

    fn root_text(&self) -> &str {
        self.root.as_str().trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_root_keeps_scheme_user_and_host() {
        let root = |u| store_root(u).unwrap().to_string();
        assert_eq!(root("az://exports/defender/x"), "az://exports");
        assert_eq!(
            root("abfss://logs@acct.dfs.core.windows.net/y=2025"),
            "abfss://logs@acct.dfs.core.windows.net"
        );
        assert_eq!(root("s3://bucket"), "s3://bucket");
    }
}
