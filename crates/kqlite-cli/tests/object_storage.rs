//! `--data az://...` against Azurite, Microsoft's Azure Storage emulator (npm's `azurite`),
//! started by the test on a loopback port: the sample's Parquet folders and the streaming
//! API's JSON layout uploaded to a container, hunts over the URLs give the answers of the
//! local folders, a second run fetches nothing, and a missing container or an unreachable
//! store is an error naming the URL, quickly.

#[path = "support/azurite.rs"]
mod azurite;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use azurite::{files, Azurite};

const NOW: &str = "2025-10-01";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn hunts() -> Vec<PathBuf> {
    let mut hunts = files(&repo().join("testdata/hunts"));
    hunts.sort();
    hunts
}

fn skipped() -> bool {
    let skip = std::env::var_os("KQLITE_SKIP_AZURITE").is_some();
    if skip {
        eprintln!("skipped: KQLITE_SKIP_AZURITE is set");
    }
    skip
}

#[test]
fn hunts_over_a_container_give_the_answers_of_the_folders() {
    if skipped() {
        return;
    }
    let azurite = Azurite::start();
    assert_eq!(
        azurite.put("/exports", &[("restype", "container")], &[], b""),
        201
    );
    let sample = repo().join("testdata/sample");
    azurite.upload("exports", "defender", &sample);
    let formats = Path::new(env!("CARGO_TARGET_TMPDIR")).join("storage-formats");
    let _ = std::fs::remove_dir_all(&formats);
    kqlite_tables::generate::write_sample_formats(&formats, 42, 1).unwrap();
    azurite.upload("exports", "stream", &formats.join("stream"));
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}", azurite.port));
    let pairs = [
        ("az://exports/defender", sample.clone()),
        ("az://exports/stream", formats.join("stream")),
    ];
    for (url, local) in &pairs {
        for hunt in hunts() {
            let hunt = hunt.to_str().unwrap();
            // The answer, or the error (a hunt over a table a layout lacks), without the
            // mirror's note.
            let ask = |data: &str| {
                let args = ["--data", data, "--now", NOW, "--format", "csv", "-f", hunt];
                let output = azurite.kqlite(&cache, &args);
                let errors = text(&output.stderr);
                let errors: Vec<&str> = errors
                    .lines()
                    .filter(|l| !l.starts_with("note: az://"))
                    .collect();
                (
                    output.status.code(),
                    text(&output.stdout),
                    errors.join("\n"),
                )
            };
            let (remote, local) = (ask(url), ask(local.to_str().unwrap()));
            assert_eq!(remote, local, "{url}: {hunt}");
            if *url == "az://exports/defender" {
                assert_eq!(remote.0, Some(0), "{hunt}: {}", remote.2);
            }
        }
    }
    // Everything is in the cache now: a second run lists and fetches nothing more.
    let again = azurite.kqlite(&cache, &["tables", "--data", "az://exports/defender"]);
    let note = text(&again.stderr);
    assert!(
        note.contains("Parquet files read in place (0 footers fetched"),
        "{note}"
    );
    assert!(note.contains("other files mirrored"), "{note}");
    assert!(note.contains("(0 fetched, 0.0 MB)"), "{note}");
    eprintln!("{note}");
    // Parquet is read in place: only footers are kept, never a whole file.
    let kept = files(&cache);
    assert!(kept
        .iter()
        .any(|f| f.extension().is_some_and(|e| e == "tail")));
    let whole = kept
        .iter()
        .find(|f| f.extension().is_some_and(|e| e == "parquet"));
    assert!(whole.is_none(), "{whole:?}");
    assert!(text(&again.stdout).contains("DataSecurityEvents"));
    // `--table NAME=URL` names what a URL holds.
    let named = azurite.kqlite(
        &cache,
        &[
            "--table",
            "Uploads=az://exports/defender/DataSecurityEvents",
            "--format",
            "csv",
            "Uploads | count",
        ],
    );
    assert_eq!(
        text(&named.stdout),
        "Count\n2071\n",
        "{}",
        text(&named.stderr)
    );
}

#[test]
fn a_missing_container_or_an_unreachable_store_is_an_error_naming_the_url() {
    if skipped() {
        return;
    }
    let azurite = Azurite::start();
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache-errors");
    let missing = azurite.kqlite(&cache, &["--data", "az://nosuch/x", "AlertInfo | count"]);
    assert_eq!(missing.status.code(), Some(1));
    let message = text(&missing.stderr);
    assert!(message.contains("az://nosuch/x:"), "{message}");
    let started = Instant::now();
    let unreachable = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(["--data", "az://exports/x", "AlertInfo | count"])
        .env("AZURE_STORAGE_USE_EMULATOR", "true")
        .env("AZURITE_BLOB_STORAGE_URL", "http://127.0.0.1:9")
        .env("KQLITE_CACHE", &cache)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(unreachable.status.code(), Some(1));
    let message = text(&unreachable.stderr);
    assert!(message.contains("az://exports/x:"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "bounded retries"
    );
}
