//! The mirror: the objects under a prefix, fetched into a cache folder when new or changed
//! (by size and entity tag), laid out as in the store; objects gone from the store leave the
//! mirror too. A manifest beside the mirrored folder remembers what was fetched.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use serde_json::{json, Value};
use url::Url;

use crate::listing::Listing;
use crate::StorageError;

/// At most this many objects are fetched at once.
const PARALLEL: usize = 8;
const MANIFEST: &str = ".kqlite-mirror.json";

/// What a mirror run found and fetched.
#[derive(Debug, Clone)]
pub struct Mirrored {
    /// The local folder that holds what the URL names: attach it.
    pub folder: PathBuf,
    pub objects: usize,
    pub fetched: usize,
    pub bytes_fetched: u64,
}

/// Mirrors the objects of `listing` that `keep` accepts into a folder of `cache` (one per
/// URL); the folder is made even when none is kept.
pub async fn mirror(
    listing: &Listing,
    cache: &Path,
    keep: impl Fn(&ObjectMeta) -> bool,
) -> Result<Mirrored, StorageError> {
    let url = listing.url.as_str();
    let failed = |e: object_store::Error| StorageError::new(url, cause(&e));
    let root = cache.join(folder_name(url));
    let container = root.join(container_of(url));
    let listed: Vec<ObjectMeta> = listing
        .objects
        .iter()
        .filter(|m| keep(m))
        .cloned()
        .collect();
    let known = load_manifest(&root);
    let stale: Vec<&ObjectMeta> = listed
        .iter()
        .filter(|m| !is_current(m, &known, &container))
        .collect();
    // Boxed, so that the future of an attach stays `Send` for any caller.
    let fetches: Vec<BoxFuture<'_, Result<(), object_store::Error>>> = stale
        .iter()
        .map(|m| fetch(Arc::clone(&listing.store), m, &container).boxed())
        .collect();
    let results: Vec<Result<(), object_store::Error>> = futures::stream::iter(fetches)
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    results
        .into_iter()
        .collect::<Result<(), _>>()
        .map_err(failed)?;
    forget_gone(&known, &listed, &container);
    save_manifest(&root, &listed).map_err(|e| StorageError::new(url, e))?;
    let folder = container.join(listing.prefix.as_ref());
    std::fs::create_dir_all(&folder).map_err(|e| StorageError::new(url, e))?;
    Ok(Mirrored {
        folder,
        objects: listed.len(),
        fetched: stale.len(),
        bytes_fetched: stale.iter().map(|m| m.size).sum(),
    })
}

/// Fetches one object to its place under `container`, through a temporary file.
async fn fetch(
    store: Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    container: &Path,
) -> Result<(), object_store::Error> {
    let local = container.join(meta.location.as_ref());
    let temp = local.with_extension("kqlite-partial");
    let io = |e: std::io::Error| object_store::Error::Generic {
        store: "cache",
        source: format!("{}: {e}", local.display()).into(),
    };
    if let Some(parent) = local.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut file = std::fs::File::create(&temp).map_err(io)?;
    let mut chunks = store.get(&meta.location).await?.into_stream();
    while let Some(chunk) = chunks.next().await {
        file.write_all(&chunk?).map_err(io)?;
    }
    std::fs::rename(&temp, &local).map_err(io)
}

/// Whether the mirror holds `meta`'s object as the store has it now.
fn is_current(meta: &ObjectMeta, known: &BTreeMap<String, Value>, container: &Path) -> bool {
    let Some(entry) = known.get(meta.location.as_ref()) else {
        return false;
    };
    let local = std::fs::metadata(container.join(meta.location.as_ref()));
    entry["size"] == meta.size
        && entry["e_tag"] == json!(meta.e_tag)
        && local.is_ok_and(|l| l.len() == meta.size)
}

/// Removes the mirrored files whose objects the store no longer lists.
fn forget_gone(known: &BTreeMap<String, Value>, listed: &[ObjectMeta], container: &Path) {
    for location in known.keys() {
        if !listed.iter().any(|m| m.location.as_ref() == location) {
            let _ = std::fs::remove_file(container.join(location));
        }
    }
}

fn load_manifest(root: &Path) -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(root.join(MANIFEST)).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or_default()
}

fn save_manifest(root: &Path, listed: &[ObjectMeta]) -> std::io::Result<()> {
    let entries: serde_json::Map<String, Value> = listed
        .iter()
        .map(|m| {
            (
                m.location.to_string(),
                json!({"size": m.size, "e_tag": m.e_tag}),
            )
        })
        .collect();
    std::fs::create_dir_all(root)?;
    std::fs::write(root.join(MANIFEST), Value::Object(entries).to_string())
}

/// The cache folder of `url`: readable, and distinct per URL.
pub(crate) fn folder_name(url: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    url.hash(&mut hasher);
    let readable: String = url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(80)
        .collect();
    format!("{readable}-{:016x}", hasher.finish())
}

/// The container or bucket `url` names: `abfss://container@account...`, the first path
/// segment of an `https://account.blob.core.windows.net/container/...` URL, else the host.
fn container_of(url: &str) -> String {
    let Ok(parsed) = Url::parse(url) else {
        return "store".to_string();
    };
    if !parsed.username().is_empty() {
        return parsed.username().to_string();
    }
    let host = parsed.host_str().unwrap_or("store");
    if host.contains('.') {
        let first = parsed.path_segments().and_then(|mut s| s.next());
        return first.filter(|s| !s.is_empty()).unwrap_or(host).to_string();
    }
    host.to_string()
}

/// What went wrong, with the causes under it (`error sending request: ... Connection
/// refused`), and what to check for a missing store or a refused credential.
pub(crate) fn cause(error: &object_store::Error) -> String {
    let hint = match error {
        object_store::Error::NotFound { .. } => "not found: no such container, bucket or prefix",
        object_store::Error::PermissionDenied { .. } => "access denied by the store",
        object_store::Error::Unauthenticated { .. } => {
            "not authenticated: check the credentials in the environment"
        }
        _ => "",
    };
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        let inner_text = inner.to_string();
        if !text.contains(&inner_text) {
            text.push_str(&format!(": {inner_text}"));
        }
        source = inner.source();
    }
    let text = condensed(&text);
    match hint {
        "" => text,
        hint => format!("{hint} ({text})"),
    }
}

/// A store's XML error answer (`<Code>ContainerNotFound</Code><Message>...`) as its code and
/// the first line of its message.
fn condensed(text: &str) -> String {
    let between = |open: &str, close: &str| {
        let start = text.find(open)? + open.len();
        let end = text[start..].find(close)? + start;
        Some(text[start..end].trim().to_string())
    };
    let (Some(code), Some(message)) = (between("<Code>", "</Code>"), between("<Message>", "\n"))
    else {
        return text.to_string();
    };
    let status = text.split(": <?xml").next().unwrap_or_default();
    let status = status.rsplit(" - ").next().unwrap_or_default();
    format!("{code}: {message} ({status})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_come_from_each_form_of_url() {
        assert_eq!(container_of("az://exports/defender/x"), "exports");
        assert_eq!(
            container_of("abfss://logs@acct.dfs.core.windows.net/y=2025"),
            "logs"
        );
        assert_eq!(container_of("s3://bucket/prefix"), "bucket");
        assert_ne!(folder_name("az://a/b"), folder_name("az://a/c"));
    }
}
