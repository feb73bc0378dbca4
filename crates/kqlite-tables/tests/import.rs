//! `import`: every format into partitioned Parquet that reads back as the
//! same rows; re-runs replace; inputs untouched; bad files reported.

mod common;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::rows::{open, rows};
use common::{scratch, table};
use datafusion::arrow::array::AsArray;
use datafusion::arrow::datatypes::TimestampNanosecondType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
use kqlite_tables::generate::{write_sample, write_sample_formats};
use kqlite_tables::import::{import, ImportOptions, ImportSummary};
use kqlite_tables::{NoProgress, WarningKind};

const TABLES: [&str; 4] = [
    "DataSecurityEvents",
    "DataSecurityBehaviors",
    "AlertInfo",
    "AlertEvidence",
];

fn run(sources: &[PathBuf], to: &Path, strict: bool) -> ImportSummary {
    let mut options = ImportOptions::new(to);
    options.strict = strict;
    options.row_group_rows = 500; // several parts per table and day
    import(sources, &options, &NoProgress).unwrap()
}

fn parts(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "parquet") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    parts_and_all(dir)
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (p, (meta.len(), meta.modified().unwrap()))
        })
        .collect()
}

fn parts_and_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn every_format_imports_to_the_same_rows() {
    let dir = scratch("imp-all");
    write_sample(&dir.join("parquet"), 42, 1).unwrap();
    write_sample_formats(&dir.join("formats"), 42, 1).unwrap();
    let (expected_ctx, _) = open(&dir.join("parquet"));
    for source in ["parquet", "formats/stream", "formats/graph", "formats/csv"] {
        let out = dir.join("out").join(source.replace('/', "-"));
        let summary = run(&[dir.join(source)], &out, true);
        assert!(
            summary.warnings.is_empty() && summary.errors.is_empty(),
            "{summary:?}"
        );
        let (ctx, warnings) = open(&out);
        assert!(warnings.is_empty());
        for name in TABLES {
            assert_eq!(
                rows(&ctx, name).await,
                rows(&expected_ctx, name).await,
                "{source} {name}"
            );
            // Same columns as before import: the date folders are not a column.
            let schema = table(&ctx, name).await.schema().as_arrow().clone();
            assert!(schema.field_with_name("date").is_err(), "{source} {name}");
        }
    }
}

#[tokio::test]
async fn layout_is_by_table_and_day_sorted_and_zstd() {
    let dir = scratch("imp-layout");
    write_sample_formats(&dir.join("in"), 42, 1).unwrap();
    let out = dir.join("out");
    run(&[dir.join("in/stream")], &out, false);
    let files = parts(&out);
    assert!(files.len() > 30, "{}", files.len());
    for file in &files {
        let relative = file
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let pieces: Vec<&str> = relative.split('/').collect();
        assert_eq!(pieces.len(), 3, "{relative}");
        assert!(TABLES.contains(&pieces[0]), "{relative}");
        assert!(pieces[1].starts_with("date=2025-09-"), "{relative}");
        assert!(pieces[2].starts_with("part-") && pieces[2].ends_with(".parquet"));
        check_part(file, &pieces[1][5..]);
    }
}

/// One row group, zstd, sorted by Timestamp, every row on the folder's day.
fn check_part(file: &Path, day: &str) {
    let reader = SerializedFileReader::new(File::open(file).unwrap()).unwrap();
    let meta = reader.metadata();
    assert_eq!(meta.num_row_groups(), 1);
    assert!(matches!(
        meta.row_group(0).column(0).compression(),
        Compression::ZSTD(_)
    ));
    let batches = ParquetRecordBatchReaderBuilder::try_new(File::open(file).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut last = i64::MIN;
    for batch in batches {
        let batch = batch.unwrap();
        let time = batch.column_by_name("Timestamp").unwrap();
        for &t in time.as_primitive::<TimestampNanosecondType>().values() {
            assert!(t >= last, "{} not sorted", file.display());
            last = t;
        }
    }
    let first_day = kqlite_day(last);
    assert_eq!(first_day, day, "{}", file.display());
}

fn kqlite_day(ns: i64) -> String {
    let secs = ns / 1_000_000_000;
    let days = secs / 86_400;
    // 2025-09-01 is day 20332.
    format!("2025-09-{:02}", days - 20332 + 1)
}

#[tokio::test]
async fn a_second_run_replaces_and_leaves_inputs_untouched() {
    let dir = scratch("imp-rerun");
    write_sample_formats(&dir.join("in"), 42, 1).unwrap();
    let before = snapshot(&dir.join("in"));
    let out = dir.join("out");
    let first = run(&[dir.join("in")], &out, false);
    let files = parts(&out);
    let second = run(
        &[
            dir.join("in/stream"),
            dir.join("in/csv"),
            dir.join("in/graph"),
        ],
        &out,
        false,
    );
    assert_eq!(first.rows, second.rows);
    assert_eq!(parts(&out), files);
    let (ctx, _) = open(&out);
    let (direct, _) = open(&dir.join("in"));
    for name in TABLES {
        assert_eq!(rows(&ctx, name).await, rows(&direct, name).await, "{name}");
    }
    assert_eq!(snapshot(&dir.join("in")), before);
}

#[tokio::test]
async fn a_truncated_file_is_an_error_and_the_rest_is_imported() {
    let dir = scratch("imp-cut");
    let files = write_sample_formats(&dir.join("in"), 42, 1).unwrap();
    let gz = &files.stream[1];
    let bytes = std::fs::read(gz).unwrap();
    std::fs::write(gz, &bytes[..bytes.len() / 3]).unwrap();
    let parquet = dir.join("in/bad/AlertInfo.parquet");
    std::fs::create_dir_all(parquet.parent().unwrap()).unwrap();
    std::fs::write(&parquet, b"PAR1 not really").unwrap();
    let out = dir.join("out");
    let summary = run(&[dir.join("in")], &out, false);
    let mut failed: Vec<_> = summary
        .errors
        .iter()
        .map(|e| (e.path.clone(), e.kind))
        .collect();
    failed.sort_by_key(|(p, _)| p.clone());
    assert_eq!(
        failed,
        vec![
            (parquet, WarningKind::FailedFile),
            (gz.clone(), WarningKind::Truncated)
        ]
    );
    assert!(summary.failed(false));
    let (ctx, _) = open(&out);
    let (direct, _) = open(&dir.join("in/csv"));
    assert!(rows(&ctx, "AlertInfo").await.len() > rows(&direct, "AlertInfo").await.len());
}

#[test]
fn strict_import_fails_and_does_not_write_a_file_with_problems() {
    let dir = scratch("imp-strict");
    let good = r#"{"category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"2025-09-01T10:00:00Z","AlertId":"a1"}}"#;
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/a.json"), format!("{good}\n")).unwrap();
    std::fs::write(dir.join("in/b.json"), format!("{good}\n{{broken\n")).unwrap();
    let out = dir.join("out");
    let summary = run(&[dir.join("in")], &out, true);
    assert!(summary.failed(true));
    assert_eq!(summary.warnings.len(), 1);
    assert_eq!(
        summary.warnings[0].position,
        kqlite_tables::Position::Line(2)
    );
    assert_eq!(parts(&out).len(), 1);
}
