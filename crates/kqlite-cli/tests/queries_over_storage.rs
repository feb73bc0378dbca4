//! Every block of `testdata/queries` over the sample read from Azurite (`az://exports/defender`,
//! its Parquet read in place) gives the answer it gives over the folder. One test in its own
//! binary: the store's settings are this process's environment, set before any thread starts.

#[path = "support/azurite.rs"]
mod azurite;
#[path = "../../kqlite/tests/support/blocks.rs"]
mod blocks;

use std::path::Path;

use kqlite::Engine;

#[test]
fn query_files_over_a_container_answer_as_over_the_folder() {
    if std::env::var_os("KQLITE_SKIP_AZURITE").is_some() {
        return eprintln!("skipped: KQLITE_SKIP_AZURITE is set");
    }
    let store = azurite::Azurite::start();
    store.create_container("exports");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    store.upload("exports", "defender", &root.join("sample"));
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("blocks-cache-{}", store.port));
    // The only test of this binary, before its runtime starts: no other thread reads these.
    std::env::set_var("AZURE_STORAGE_USE_EMULATOR", "true");
    std::env::set_var(
        "AZURITE_BLOB_STORAGE_URL",
        format!("http://127.0.0.1:{}", store.port),
    );
    std::env::set_var("KQLITE_CACHE", &cache);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    let attached = runtime.block_on(engine.attach(Path::new("az://exports/defender")));
    assert!(attached.is_ok_and(|tables| tables.len() >= 7));
    engine.set_now(Some(blocks::NOW));
    engine.set_base_dir(Some(root.to_path_buf()));
    let (count, failures) = blocks::differing_blocks(&runtime, &engine, &root, |_| {});
    assert!(count > 200, "{count} blocks");
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
