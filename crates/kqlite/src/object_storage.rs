//! Attaching an object store URL: listed once; its Parquet objects read in place (footers
//! fetched, or found in the cache), its files of other export formats mirrored into the cache
//! (`kqlite-storage`); objects of no export format are left in the store.

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
    let mirrored = kqlite_storage::mirror(&listing, &cache, is_text_export).await?;
    let footers = kqlite_storage::footers(&listing, &parquet, &cache).await?;
    let note = format!(
        "{url}: Parquet read in place: {} ({} fetched, the others cached); \
         other formats mirrored into {}: {} ({} fetched, {:.1} MB)",
        count(parquet.len(), "file"),
        count(footers.fetched, "footer"),
        mirrored.folder.display(),
        count(mirrored.objects, "file"),
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

/// `1 file`, `2 files`.
fn count(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

fn is_parquet(meta: &object_store::ObjectMeta) -> bool {
    extension(meta) == "parquet"
}

/// An object of a format read whole (the streaming API's JSON, Graph JSON, CSV, Event Hubs
/// Capture's Avro, `import`'s marker): what is mirrored. Other objects are not fetched.
fn is_text_export(meta: &object_store::ObjectMeta) -> bool {
    matches!(
        extension(meta).as_str(),
        "json" | "jsonl" | "ndjson" | "csv" | "avro"
    )
}

/// The object's extension, lowercased, under any `.gz`.
fn extension(meta: &object_store::ObjectMeta) -> String {
    let name = meta
        .location
        .filename()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.rsplit_once('.')
        .map(|(_, e)| e.to_string())
        .unwrap_or_default()
}
