//! Parquet footers read in place: the tail of each object (its metadata, then the length and
//! magic that close the file), fetched once and kept on disk under the object's name, size
//! and entity tag, so that attaching a prefix again reads no footer it already has.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use crate::listing::Listing;
use crate::StorageError;

/// The first request reads this much of an object's end: the whole footer of most files.
const TAIL_GUESS: u64 = 64 * 1024;
/// Footers fetched at once.
const PARALLEL: usize = 16;
const FOLDER: &str = ".kqlite-footers";

/// The tails of some objects of a listing, in the order asked for.
#[derive(Debug)]
pub struct Footers {
    pub tails: Vec<Bytes>,
    /// How many were fetched from the store rather than found on disk.
    pub fetched: usize,
}

/// The tail of each of `objects` that holds its Parquet footer, from `cache` when kept there.
pub async fn footers(
    listing: &Listing,
    objects: &[&ObjectMeta],
    cache: &Path,
) -> Result<Footers, StorageError> {
    let folder = cache
        .join(crate::mirror::folder_name(&listing.url))
        .join(FOLDER);
    std::fs::create_dir_all(&folder).map_err(|e| StorageError::new(&listing.url, e))?;
    // Boxed, so that the future of an attach stays `Send` for any caller.
    let reads: Vec<BoxFuture<'_, Result<(Bytes, bool), StorageError>>> = objects
        .iter()
        .map(|m| tail(listing, m, &folder).boxed())
        .collect();
    let read: Vec<Result<(Bytes, bool), StorageError>> = futures::stream::iter(reads)
        .buffered(PARALLEL)
        .collect()
        .await;
    let mut footers = Footers {
        tails: Vec::with_capacity(objects.len()),
        fetched: 0,
    };
    for result in read {
        let (bytes, fetched) = result?;
        footers.fetched += usize::from(fetched);
        footers.tails.push(bytes);
    }
    Ok(footers)
}

/// One object's tail, and whether it was fetched.
async fn tail(
    listing: &Listing,
    meta: &ObjectMeta,
    folder: &Path,
) -> Result<(Bytes, bool), StorageError> {
    let kept = folder.join(kept_name(meta));
    if let Ok(bytes) = std::fs::read(&kept) {
        return Ok((Bytes::from(bytes), false));
    }
    let failed = |e: object_store::Error| {
        StorageError::new(&listing.object_url(meta), crate::mirror::cause(&e))
    };
    let bytes = fetch_tail(listing.store.as_ref(), meta)
        .await
        .map_err(failed)?;
    keep(&kept, &bytes).map_err(|e| StorageError::new(&listing.url, e))?;
    Ok((bytes, true))
}

/// The end of the object, long enough to hold the footer its last 8 bytes announce (or the
/// guess, when they announce none: the reader then says what is wrong with the file).
async fn fetch_tail(store: &dyn ObjectStore, meta: &ObjectMeta) -> object_store::Result<Bytes> {
    let size = meta.size;
    let guess = store
        .get_range(&meta.location, size.saturating_sub(TAIL_GUESS)..size)
        .await?;
    let needed = footer_length(&guess).map_or(0, |n| n + 8);
    if needed <= guess.len() as u64 || needed > size {
        return Ok(guess);
    }
    store.get_range(&meta.location, size - needed..size).await
}

/// The footer length a Parquet file's last 8 bytes give.
fn footer_length(tail: &[u8]) -> Option<u64> {
    let end = tail.get(tail.len().checked_sub(8)?..)?;
    let length = u32::from_le_bytes(end[..4].try_into().ok()?);
    Some(u64::from(length))
}

/// Written through a temporary file, so that an interrupted run leaves no half footer.
fn keep(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = path.with_extension("partial");
    std::fs::File::create(&temp)?.write_all(bytes)?;
    std::fs::rename(&temp, path)
}

/// A stable name for an object's footer as it is now: a changed object gets another.
fn kept_name(meta: &ObjectMeta) -> PathBuf {
    let key = format!(
        "{}\n{}\n{}",
        meta.location,
        meta.size,
        meta.e_tag.as_deref().unwrap_or("")
    );
    // FNV-1a: stable across builds, unlike the standard library's hasher.
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    PathBuf::from(format!("{hash:016x}.tail"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footer_length_is_read_from_the_last_eight_bytes() {
        let mut tail = vec![0u8; 20];
        tail.extend_from_slice(&300u32.to_le_bytes());
        tail.extend_from_slice(b"PAR1");
        assert_eq!(footer_length(&tail), Some(300));
        assert_eq!(footer_length(b"PAR1"), None);
    }
}
