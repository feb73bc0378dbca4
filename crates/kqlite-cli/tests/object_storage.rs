//! `--data az://...` against Azurite, Microsoft's Azure Storage emulator (npm's `azurite`),
//! started by the test on a loopback port: the sample's Parquet folders and the streaming
//! API's JSON, Graph JSON and portal CSV layouts uploaded to a container, hunts over the URLs
//! give the answers of the local folders, a second run fetches nothing, Parquet is read in
//! place (only footers cached), and a missing container or an unreachable store is an error
//! naming the URL, quickly.

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

/// Exit code, output and errors of `kqlite ARGS` with the store's settings, without the note
/// saying what a URL's files were read from (the only line a folder does not print).
fn answer(azurite: &Azurite, cache: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = azurite.kqlite(cache, args);
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
    azurite.create_container("exports");
    let sample = repo().join("testdata/sample");
    azurite.upload("exports", "defender", &sample);
    let formats = Path::new(env!("CARGO_TARGET_TMPDIR")).join("storage-formats");
    let _ = std::fs::remove_dir_all(&formats);
    kqlite_tables::generate::write_sample_formats(&formats, 42, 1).unwrap();
    for layout in ["stream", "graph", "csv"] {
        azurite.upload("exports", layout, &formats.join(layout));
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-{}", azurite.port));
    let pairs = [
        ("az://exports/defender", sample.clone()),
        ("az://exports/stream", formats.join("stream")),
        ("az://exports/graph", formats.join("graph")),
        ("az://exports/csv", formats.join("csv")),
    ];
    for (url, local) in &pairs {
        for hunt in hunts() {
            let hunt = hunt.to_str().unwrap();
            // The answer, or the error (a hunt over a table a layout lacks), without the
            // mirror's note.
            let ask = |data: &str| {
                let args = ["--data", data, "--now", NOW, "--format", "csv", "-f", hunt];
                answer(&azurite, &cache, &args)
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
        note.contains("Parquet read in place: 8 files (0 footers fetched"),
        "{note}"
    );
    assert!(note.contains("other formats mirrored into"), "{note}");
    assert!(note.contains(": 1 file (0 fetched, 0.0 MB)"), "{note}");
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

/// A Parquet file another tool wrote (pandas' float64 `FileSize`), which only a value-by-value
/// conversion reads: fetched whole from the store.
fn write_foreign_parquet(path: &Path) {
    use datafusion::arrow::array::{ArrayRef, Float64Array, StringArray};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ids: ArrayRef = std::sync::Arc::new(StringArray::from(vec!["a1", "a2"]));
    let sizes: ArrayRef = std::sync::Arc::new(Float64Array::from(vec![1024.0, 1.5]));
    let batch = RecordBatch::try_from_iter([("AlertId", ids), ("FileSize", sizes)]).unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn imported_and_foreign_parquet_read_in_place_answer_as_on_disk() {
    if skipped() {
        return;
    }
    let azurite = Azurite::start();
    azurite.create_container("exports");
    let local = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("kinds-{}", azurite.port));
    let _ = std::fs::remove_dir_all(&local);
    // `import`'s layout: `date=` folders that prune on `Timestamp`, and its marker file.
    let imported = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .arg("import")
        .arg(repo().join("testdata/sample/DataSecurityEvents"))
        .arg("--to")
        .arg(local.join("imported"))
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    write_foreign_parquet(&local.join("foreign/AlertEvidence/pandas.parquet"));
    azurite.upload("exports", "kinds", &local);
    let cache =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-kinds-{}", azurite.port));
    let cases = [
        (
            "imported",
            "DataSecurityEvents | where Timestamp between (datetime(2025-09-10) .. 2d) \
             | summarize n = count() by ActionType | order by ActionType asc",
        ),
        (
            "foreign",
            "AlertEvidence | project AlertId, FileSize | order by AlertId asc",
        ),
    ];
    for (folder, query) in cases {
        let url = format!("az://exports/kinds/{folder}");
        let folder = local.join(folder);
        let ask = |data: &str| {
            answer(
                &azurite,
                &cache,
                &["--data", data, "--format", "csv", query],
            )
        };
        let (remote, here) = (ask(&url), ask(folder.to_str().unwrap()));
        assert_eq!(remote.0, Some(0), "{url}: {}", remote.2);
        assert_eq!(remote.1, here.1, "{url}");
        assert!(remote.1.lines().count() > 1, "{url}: no rows");
    }
    let whole = files(&cache)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "parquet"))
        .count();
    assert_eq!(whole, 0, "nothing is kept whole");
}
