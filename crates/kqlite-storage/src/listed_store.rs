//! The store as kqlite reads it: every read goes to the store, the metadata of an object the
//! attach listed comes from that listing (DataFusion asks for it once per file and query,
//! a round trip each), and every write is refused: kqlite never writes to the exports it reads.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;
use futures::StreamExt;
use object_store::path::Path as StorePath;
use object_store::{
    Attributes, CopyOptions, GetOptions, GetResult, GetResultPayload, ListResult, MultipartUpload,
    ObjectMeta, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// A store, read-only, with the metadata of the objects listed at attach.
#[derive(Debug)]
pub struct ListedStore {
    inner: Arc<dyn ObjectStore>,
    listed: HashMap<StorePath, ObjectMeta>,
}

impl ListedStore {
    pub fn new(inner: Arc<dyn ObjectStore>, objects: &[ObjectMeta]) -> ListedStore {
        let listed = objects
            .iter()
            .map(|m| (m.location.clone(), m.clone()))
            .collect();
        ListedStore { inner, listed }
    }

    /// Only an unconditional request for the metadata alone is answered from the listing.
    fn listed_head(&self, location: &StorePath, options: &GetOptions) -> Option<GetResult> {
        let plain = options.if_match.is_none()
            && options.if_none_match.is_none()
            && options.if_modified_since.is_none()
            && options.if_unmodified_since.is_none()
            && options.range.is_none()
            && options.version.is_none();
        let meta = self
            .listed
            .get(location)
            .filter(|_| options.head && plain)?;
        Some(GetResult {
            payload: GetResultPayload::Stream(futures::stream::empty().boxed()),
            meta: meta.clone(),
            range: 0..meta.size,
            attributes: Attributes::default(),
        })
    }
}

fn refused(location: &StorePath) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("kqlite only reads exports: not writing {location}").into(),
    }
}

impl fmt::Display for ListedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "read-only {}", self.inner)
    }
}

#[async_trait]
impl ObjectStore for ListedStore {
    async fn put_opts(&self, at: &StorePath, _: PutPayload, _: PutOptions) -> Result<PutResult> {
        Err(refused(at))
    }

    async fn put_multipart_opts(
        &self,
        at: &StorePath,
        _: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(refused(at))
    }

    async fn get_opts(&self, location: &StorePath, options: GetOptions) -> Result<GetResult> {
        match self.listed_head(location, &options) {
            Some(result) => Ok(result),
            None => self.inner.get_opts(location, options).await,
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<StorePath>>,
    ) -> BoxStream<'static, Result<StorePath>> {
        locations.map(|l| l.and_then(|l| Err(refused(&l)))).boxed()
    }

    fn list(&self, prefix: Option<&StorePath>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(&self, prefix: Option<&StorePath>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, _: &StorePath, to: &StorePath, _: CopyOptions) -> Result<()> {
        Err(refused(to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::ObjectStoreExt;

    #[tokio::test]
    async fn reads_pass_metadata_is_listed_and_writes_are_refused() {
        let memory = Arc::new(InMemory::new());
        let at = StorePath::from("t/a.parquet");
        memory
            .put(&at, PutPayload::from_static(b"abc"))
            .await
            .unwrap();
        let listed: Vec<ObjectMeta> = vec![memory.head(&at).await.unwrap()];
        let store = ListedStore::new(memory.clone(), &listed);
        // Changed after the listing: the listed metadata stands, the bytes are read anew.
        memory
            .put(&at, PutPayload::from_static(b"abcd"))
            .await
            .unwrap();
        assert_eq!(store.head(&at).await.unwrap().size, 3);
        assert_eq!(
            store.get(&at).await.unwrap().bytes().await.unwrap().len(),
            4
        );
        assert!(store.put(&at, PutPayload::from_static(b"x")).await.is_err());
        assert!(store.delete(&at).await.is_err());
        assert!(store.copy(&at, &StorePath::from("t/b")).await.is_err());
        assert_eq!(memory.head(&at).await.unwrap().size, 4);
    }
}
