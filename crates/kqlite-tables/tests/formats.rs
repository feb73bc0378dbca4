//! The export formats besides Parquet, read directly: each gives the rows of
//! the Parquet sample; bad input is reported with file, line and column.

mod common;

use std::io::Write;
use std::path::Path;

use common::rows::{open, rows};
use common::{context, count_where, scratch, table};
use datafusion::prelude::{ident, lit};
use kqlite_tables::generate::{write_sample, write_sample_formats};
use kqlite_tables::{register_dir_with_report, Position, RegisterOptions, TableError, WarningKind};

const TABLES: [&str; 4] = [
    "DataSecurityEvents",
    "DataSecurityBehaviors",
    "AlertInfo",
    "AlertEvidence",
];

fn sample(name: &str) -> common::Scratch {
    let dir = scratch(name);
    write_sample(&dir.join("parquet"), 42, 1).unwrap();
    write_sample_formats(&dir.join("formats"), 42, 1).unwrap();
    dir
}

async fn same_rows_as_parquet(dir: &Path, format_dir: &str) {
    let (parquet, _) = open(&dir.join("parquet"));
    let (other, warnings) = open(&dir.join("formats").join(format_dir));
    assert!(warnings.is_empty(), "{format_dir}: {warnings:?}");
    for name in TABLES {
        let expected = rows(&parquet, name).await;
        let got = rows(&other, name).await;
        assert_eq!(got.len(), expected.len(), "{format_dir} {name}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "{format_dir} {name}");
        }
    }
}

#[tokio::test]
async fn streaming_json_plain_and_gzip_gives_the_parquet_rows() {
    same_rows_as_parquet(&sample("fmt-stream"), "stream").await;
}

#[tokio::test]
async fn graph_json_gives_the_parquet_rows() {
    same_rows_as_parquet(&sample("fmt-graph"), "graph").await;
}

#[tokio::test]
async fn csv_gives_the_parquet_rows() {
    same_rows_as_parquet(&sample("fmt-csv"), "csv").await;
}

#[tokio::test]
async fn a_mixed_folder_finds_every_format_and_says_where_rows_came_from() {
    let dir = sample("fmt-mixed");
    let ctx = context();
    let (tables, warnings) =
        register_dir_with_report(&ctx, &dir, RegisterOptions::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let alert_info = tables.iter().find(|t| t.name == "AlertInfo").unwrap();
    let text = alert_info.sources.join("\n");
    for format in ["parquet:", "streaming JSON: 2 files", "Graph JSON:", "CSV:"] {
        assert!(text.contains(format), "{text}");
    }
    let (single, _) = open(&dir.join("parquet"));
    let one = table(&single, "AlertInfo").await.count().await.unwrap();
    assert_eq!(
        table(&ctx, "AlertInfo").await.count().await.unwrap(),
        4 * one
    );
    assert_eq!(alert_info.rows, 4 * one as u64);
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const GOOD: &str = r#"{"time":"2025-09-01T10:00:00Z","category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"2025-09-01T10:00:00.1234567Z","AlertId":"a1","Title":"t","NewThing":"x"}}"#;

#[tokio::test]
async fn bad_json_lines_are_reported_with_file_line_and_column() {
    let dir = scratch("fmt-bad-json");
    let file = dir.join("PT1H.json");
    let lines = [
        GOOD,
        r#"{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a2""#,
        r#"{"category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"yesterday","AlertId":"a3"}}"#,
        r#"{"category":"AdvancedHunting-NoSuchTable","properties":{"X":1}}"#,
        r#"{"category":"AdvancedHunting-AlertEvidence","properties":{"AlertId":"a1"}}"#,
    ];
    write(&file, &lines.join("\n"));
    let (ctx, warnings) = open(&dir);
    let at: Vec<_> = warnings
        .iter()
        .map(|w| (w.position, w.kind, w.column.clone()))
        .collect();
    assert_eq!(
        at,
        vec![
            (Position::Line(2), WarningKind::SkippedRow, None),
            (
                Position::Line(3),
                WarningKind::NullValue,
                Some("Timestamp".into())
            ),
        ]
    );
    assert!(warnings.iter().all(|w| w.path == file));
    assert!(
        warnings[0].to_string().contains("PT1H.json:2"),
        "{}",
        warnings[0]
    );
    // The row with a bad value is kept, with a null; the extra property is a column.
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Timestamp").is_null()).await,
        1
    );
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("NewThing").eq(lit("x"))).await,
        1
    );
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Severity").is_null()).await,
        2
    );
    assert_eq!(table(&ctx, "AlertEvidence").await.count().await.unwrap(), 1);
    // A category no registry documents is a table of its own, not a lost row.
    assert_eq!(table(&ctx, "NoSuchTable").await.count().await.unwrap(), 1);
}

#[tokio::test]
async fn bad_csv_rows_are_reported_with_line_and_column() {
    let dir = scratch("fmt-bad-csv");
    let file = dir.join("AlertInfo_2025-09.csv");
    write(
        &file,
        "Timestamp,AlertId,Title\n2025-09-01T10:00:00Z,a1,t\n2025-09-01T11:00:00Z,a2\nnot a time,a3,t\n",
    );
    let evidence = dir.join("AlertEvidence").join("export.csv");
    write(
        &evidence,
        "AlertId,RemediationStatus,EvidenceRole\na1,None,Impacted\n",
    );
    let (ctx, warnings) = open(&dir);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].position, Position::Line(3));
    assert_eq!(warnings[0].kind, WarningKind::SkippedRow);
    assert!(warnings[0].message.contains("2 fields"), "{}", warnings[0]);
    assert_eq!(warnings[1].position, Position::Line(4));
    assert_eq!(warnings[1].column.as_deref(), Some("Timestamp"));
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    assert_eq!(table(&ctx, "AlertEvidence").await.count().await.unwrap(), 1);
}

#[test]
fn strict_turns_problems_into_an_error() {
    let dir = scratch("fmt-strict");
    write(&dir.join("PT1H.json"), &format!("{GOOD}\n{{oops\n"));
    let strict = RegisterOptions {
        strict: true,
        ..RegisterOptions::default()
    };
    let err = register_dir_with_report(&context(), &dir, strict).unwrap_err();
    assert!(matches!(err, TableError::BadInput(_)), "{err:?}");
    assert!(err.to_string().contains("PT1H.json:2"), "{err}");
}

#[tokio::test]
async fn a_truncated_gzip_file_is_reported_and_its_first_rows_kept() {
    let dir = scratch("fmt-gz-cut");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..5000 {
        writeln!(gz, "{}", GOOD.replace("\"a1\"", &format!("\"a{i}\""))).unwrap();
    }
    let bytes = gz.finish().unwrap();
    let file = dir.join("PT1H.json.gz");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::Truncated);
    assert_eq!(warnings[0].path, file);
    let kept = table(&ctx, "AlertInfo").await.count().await.unwrap();
    assert!(kept > 0 && kept < 5000, "{kept}");
}

#[tokio::test]
async fn a_graph_response_is_named_by_its_folder_and_typed_by_its_schema() {
    let dir = scratch("fmt-graph-folder");
    let response = r#"{"schema":[{"name":"Timestamp","type":"DateTime"},{"name":"AlertId","type":"String"},{"name":"Hits","type":"Int64"}],
        "results":[{"Timestamp":"2025-09-01T10:00:00Z","AlertId":"a1","Hits":3},{"Timestamp":"2025-09-02T10:00:00Z","AlertId":"a2","Hits":"x"}]}"#;
    write(&dir.join("AlertInfo").join("response.json"), response);
    let (ctx, warnings) = open(&dir);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].position, Position::Row(1));
    assert_eq!(warnings[0].column.as_deref(), Some("Hits"));
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Hits").gt(lit(2i64))).await,
        1
    );
}

#[tokio::test]
async fn hive_partitions_are_columns_that_filter() {
    let dir = scratch("fmt-hive");
    let src = scratch("fmt-hive-src");
    write_sample(&src, 42, 1).unwrap();
    let file = std::fs::read_dir(src.join("AlertInfo"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    for day in ["2025-09-01", "2025-09-02"] {
        let to = dir.join(format!("AlertInfo/date={day}/part-0.parquet"));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    let (ctx, _) = open(&dir);
    let all = table(&ctx, "AlertInfo").await.count().await.unwrap();
    let one_day = count_where(&ctx, "AlertInfo", ident("date").eq(lit("2025-09-02"))).await;
    assert!(all > 0);
    assert_eq!(one_day * 2, all);
}

/// Whatever the first line of a streaming file is, every record after it is read, and the
/// line is a warning naming the file.
#[tokio::test]
async fn a_bad_first_line_loses_no_record_after_it() {
    let firsts: [&[u8]; 5] = [
        b"// exported by a script",
        b"{}",
        b"garbage",
        b"\xff\xfe not text",
        b"   ",
    ];
    for (i, first) in firsts.iter().enumerate() {
        let dir = scratch(&format!("fmt-first-line-{i}"));
        let mut bytes = first.to_vec();
        for _ in 0..50 {
            bytes.extend_from_slice(b"\n");
            bytes.extend_from_slice(GOOD.as_bytes());
        }
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("PT1H.json"), bytes).unwrap();
        let (ctx, warnings) = open(&dir);
        let count = table(&ctx, "AlertInfo").await.count().await.unwrap();
        assert_eq!(count, 50, "first line {:?}", String::from_utf8_lossy(first));
        if i < 4 {
            let line1 = warnings.iter().any(|w| w.position == Position::Line(1));
            assert!(
                line1,
                "no warning for {:?}: {warnings:?}",
                String::from_utf8_lossy(first)
            );
        }
    }
}

/// A byte order mark, and a character cut by the end of the head the format is told from,
/// are no reason to drop a file.
#[tokio::test]
async fn a_bom_or_a_character_across_the_sniffed_head_keeps_the_file() {
    let dir = scratch("fmt-bom-utf8");
    let mut bom = "\u{feff}".to_string();
    bom.push_str(&[GOOD; 3].join("\n"));
    write(&dir.join("bom/PT1H.json"), &bom);
    // 'é' is two bytes: pad the first line so that it straddles byte 65,536.
    let title = format!(
        "{}é",
        "x".repeat(65_536 - 1 - GOOD.find("\"t\"").unwrap() - 1)
    );
    let long = GOOD.replace("\"t\"", &format!("\"{title}\""));
    assert_eq!(long.as_bytes()[65_535], "é".as_bytes()[0]);
    write(
        &dir.join("utf8/PT1H.json"),
        &[long.as_str(), GOOD].join("\n"),
    );
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 5);
}

/// A symbolic link back up the tree reads nothing twice; a folder cased unlike the table
/// still names it; a file that names no table is reported, not silently left out.
#[cfg(unix)]
#[tokio::test]
async fn links_and_folders_are_read_once_or_reported() {
    let dir = scratch("fmt-links");
    let folder = dir.join("alertinfo");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("PT1H.json"), [GOOD; 4].join("\n")).unwrap();
    std::os::unix::fs::symlink("..", folder.join("loop")).unwrap();
    std::os::unix::fs::symlink(&folder, dir.join("again")).unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 4);
    let reported: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(reported.len(), 2, "{reported:?}");
    let links = reported
        .iter()
        .filter(|w| w.contains("through a symbolic link"));
    assert_eq!(links.count(), 2, "{reported:?}");
}

/// A line too long to be a record (a decompression bomb) is skipped as it is read, never
/// held: the records around it are kept.
#[tokio::test]
async fn a_line_longer_than_a_record_may_be_is_skipped() {
    use flate2::{write::GzEncoder, Compression};
    let dir = scratch("fmt-long-line");
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(GOOD.as_bytes()).unwrap();
    gz.write_all(b"\n{\"x\":\"").unwrap();
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..65 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(b"\"}\n").unwrap();
    gz.write_all(GOOD.as_bytes()).unwrap();
    std::fs::write(dir.join("PT1H.json.gz"), gz.finish().unwrap()).unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].position, Position::Line(2));
    assert!(
        warnings[0].message.contains("longer than"),
        "{}",
        warnings[0]
    );
}

/// A CSV record too long to be one (a decompression bomb) stops the file with a warning;
/// the rows before it are kept and it is never held whole.
#[tokio::test]
async fn a_csv_record_longer_than_a_line_may_be_cuts_the_file_short() {
    use flate2::{write::GzEncoder, Compression};
    let dir = scratch("fmt-long-csv");
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(b"Timestamp,AlertId,Title\n2025-09-01T10:00:00Z,a1,t\n2025-09-01T10:00:00Z,a2,")
        .unwrap();
    let chunk = vec![b'A'; 1 << 20];
    for _ in 0..65 {
        gz.write_all(&chunk).unwrap();
    }
    gz.write_all(b"\n").unwrap();
    std::fs::write(dir.join("AlertInfo.csv.gz"), gz.finish().unwrap()).unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 1);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].kind, WarningKind::Truncated);
    assert!(
        warnings[0].message.contains("longer than"),
        "{}",
        warnings[0]
    );
}
