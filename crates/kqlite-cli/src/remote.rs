//! `--data URL`: exports in object storage (`az://`, `abfss://`, `s3://`, `gs://`), mirrored
//! into the cache folder and attached from there (see `kqlite-storage`).

use std::path::PathBuf;

use crate::args::{Args, Command};
use crate::Failure;

/// Where mirrors are kept: `$KQLITE_CACHE`, else `$XDG_CACHE_HOME/kqlite/objects`, else
/// `~/.cache/kqlite/objects`.
fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KQLITE_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kqlite").join("objects")
}

/// `path`, when it is an object store URL, replaced by its local mirror, brought up to date.
async fn resolve_one(path: &mut PathBuf) -> Result<(), Failure> {
    let text = path.to_string_lossy().to_string();
    if !kqlite_storage::is_url(&text) {
        return Ok(());
    }
    let mirrored = kqlite_storage::mirror(&text, &cache_dir()).await;
    let mirrored = mirrored.map_err(|e| {
        eprintln!("error: {e}");
        Failure::Query
    })?;
    eprintln!(
        "note: {text}: {} objects, {} fetched ({:.1} MB), read from {}",
        mirrored.objects,
        mirrored.fetched,
        mirrored.bytes_fetched as f64 / 1e6,
        mirrored.folder.display()
    );
    *path = mirrored.folder;
    Ok(())
}

async fn resolve(paths: &mut [PathBuf]) -> Result<(), Failure> {
    for path in paths.iter_mut() {
        resolve_one(path).await?;
    }
    Ok(())
}

/// The `--data` and `--table` paths of the query, `tables`, `serve` and `reveal`, URLs
/// mirrored.
pub async fn resolve_args(args: &mut Args) -> Result<(), Failure> {
    resolve(&mut args.data).await?;
    for (_, path) in &mut args.table {
        resolve_one(path).await?;
    }
    match &mut args.command {
        Some(Command::Tables { data, .. }) | Some(Command::Reveal { data, .. }) => {
            resolve(data).await
        }
        Some(Command::Serve(serve)) => {
            for (_, path) in &mut serve.table {
                resolve_one(path).await?;
            }
            resolve(&mut serve.data).await
        }
        _ => Ok(()),
    }
}
