//! Attaching an object store URL: listed once; its Parquet objects read in place (footers
//! fetched, or found in the cache), its other files mirrored into the cache (`kqlite-storage`).

use kqlite_storage::{Listing, StorageError};
use kqlite_tables::{RemoteFiles, RemoteParquet};

/// A URL's files, its listing (whose store the session must know), and a line saying what
/// was read from where.
pub(crate) struct Opened {
    pub remote: RemoteFiles,
    pub listing: Listing,
    pub note: String,
}

pub(crate) async fn open(url: &str) -> Result<Opened, StorageError> {
    let listing = kqlite_storage::list(url).await?;
    let cache = kqlite_storage::cache_dir();
    let parquet: Vec<_> = listing.objects.iter().filter(|m| is_parquet(m)).collect();
    let mirrored = kqlite_storage::mirror(&listing, &cache, |m| !is_parquet(m)).await?;
    let footers = kqlite_storage::footers(&listing, &parquet, &cache).await?;
    let note = format!(
        "{url}: {} Parquet files read in place ({} footers fetched, the others cached); \
         {} other files mirrored into {} ({} fetched, {:.1} MB)",
        parquet.len(),
        footers.fetched,
        mirrored.objects,
        mirrored.folder.display(),
        mirrored.fetched,
        mirrored.bytes_fetched as f64 / 1e6,
    );
    let files = parquet
        .iter()
        .zip(footers.tails)
        .map(|(meta, tail)| RemoteParquet {
            url: listing.object_url(meta),
            size: meta.size,
            modified: meta.last_modified.into(),
            tail,
        })
        .collect();
    let remote = RemoteFiles::new(&listing.prefix_url(), mirrored.folder, files);
    Ok(Opened {
        remote,
        listing,
        note,
    })
}

fn is_parquet(meta: &object_store::ObjectMeta) -> bool {
    let name = meta.location.filename().unwrap_or_default();
    name.to_ascii_lowercase().ends_with(".parquet")
}
