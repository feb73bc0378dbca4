//! The stores of a process that runs plans made elsewhere (a cluster's executor): a store a
//! plan names is opened from this process's environment the first time it is asked for.

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::ObjectStore;
use url::Url;

use crate::listed_store::ListedStore;
use crate::open::open;

/// Local files, and every cloud store kqlite reads, each opened when first named.
#[derive(Debug, Default)]
pub struct StoreRegistry {
    opened: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for StoreRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.opened.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.opened.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.opened.get_store(url) {
            return Ok(store);
        }
        if !crate::is_url(url.as_str()) {
            return self.opened.get_store(url);
        }
        let (store, _) = open(url.as_str()).map_err(|e| DataFusionError::External(Box::new(e)))?;
        let store: Arc<dyn ObjectStore> = Arc::new(ListedStore::new(store, &[]));
        self.opened.register_store(url, Arc::clone(&store));
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_store_is_opened_when_first_named_and_kept() {
        let registry = StoreRegistry::default();
        let url = Url::parse("s3://bucket").unwrap();
        let first = registry.get_store(&url).unwrap();
        let again = registry.get_store(&url).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(registry.get_store(&Url::parse("file:///").unwrap()).is_ok());
        assert!(registry.get_store(&Url::parse("ftp://x").unwrap()).is_err());
    }
}
