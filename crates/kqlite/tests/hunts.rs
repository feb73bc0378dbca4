//! The hunting pack (`testdata/hunts/*.kql`) finds exactly the planted actors that
//! `truth.json` names for each hunt: on the committed sample, and on freshly generated data
//! with another seed and more users.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use kqlite::{Engine, QueryResult};
use serde_json::Value;

const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// The hunt files, by stem.
fn hunts() -> BTreeMap<String, String> {
    let dir = testdata().join("hunts");
    let mut hunts = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "kql") {
            let stem = path.file_stem().unwrap().to_string_lossy().to_string();
            hunts.insert(stem, std::fs::read_to_string(&path).unwrap());
        }
    }
    hunts
}

/// The values of `name` in the rows of `result`, as text.
fn column(result: &QueryResult, name: &str) -> Option<Vec<String>> {
    let index = result.schema.index_of(name).ok()?;
    let mut values = Vec::new();
    for batch in &result.batches {
        let text = cast(batch.column(index), &DataType::Utf8).unwrap();
        let text = text.as_string::<i32>();
        values.extend((0..text.len()).map(|i| text.value(i).to_string()));
    }
    Some(values)
}

fn check_hunt(
    engine: &Engine,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    kql: &str,
    want: &Value,
) -> Result<(), String> {
    let results = runtime
        .block_on(engine.run(kql))
        .map_err(|e| format!("{name}: {e}"))?;
    let result = results.last().ok_or(format!("{name}: no result"))?;
    let actors = column(result, "AccountUpn").ok_or(format!("{name}: no AccountUpn column"))?;
    let mut found = actors.clone();
    found.sort();
    found.dedup();
    let mut expected: Vec<String> = want["actors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    expected.sort();
    if found != expected {
        return Err(format!("{name}: found {found:?}, planted {expected:?}"));
    }
    let Some(files) = want.get("files").and_then(Value::as_object) else {
        return Ok(());
    };
    let counts = column(result, "Files").ok_or(format!("{name}: no Files column"))?;
    for (upn, n) in actors.iter().zip(&counts) {
        if files[upn].as_u64() != n.parse().ok() {
            return Err(format!(
                "{name}: {upn} has {n} files, planted {}",
                files[upn]
            ));
        }
    }
    Ok(())
}

fn run_pack(data: &Path) {
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("truth.json")).unwrap()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    runtime
        .block_on(engine.attach(data))
        .expect("data attaches");
    engine.set_now(Some(NOW));
    let hunts = hunts();
    let expected = truth["hunts"]
        .as_object()
        .expect("truth.json lists the hunts");
    let names: Vec<&String> = expected.keys().collect();
    assert_eq!(
        hunts.keys().collect::<Vec<_>>(),
        names,
        "every hunt has a truth entry"
    );
    let failures: Vec<String> = hunts
        .iter()
        .filter_map(|(name, kql)| check_hunt(&engine, &runtime, name, kql, &expected[name]).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} hunts failed on {}:\n{}",
        failures.len(),
        hunts.len(),
        data.display(),
        failures.join("\n")
    );
}

#[test]
fn hunts_find_the_planted_actors_in_the_sample() {
    run_pack(&testdata().join("sample"));
}

#[test]
fn hunts_find_the_planted_actors_in_generated_data() {
    let dir = std::env::temp_dir().join(format!("kqlite-hunts-{}", std::process::id()));
    kqlite_tables::generate::write_sample(&dir, 7, 25).unwrap();
    run_pack(&dir);
    std::fs::remove_dir_all(&dir).ok();
}
