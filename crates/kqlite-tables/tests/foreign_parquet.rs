//! Parquet written by other tools: documented columns spelled in another case or stored as
//! another type are read by value, converted where no value is lost, and the values that
//! do not convert are null with one warning per file and column. One such file never
//! stops the others.

mod common;

use std::sync::Arc;

use common::rows::{open, text_rows};
use common::{batch, collect, scratch, table, write_parquet};
use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use datafusion::prelude::ident;
use kqlite_tables::WarningKind;

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

#[tokio::test]
async fn foreign_types_and_spellings_are_converted_per_value() {
    let dir = scratch("foreign");
    let pandas = batch(vec![
        ("AlertId", strings(&[Some("a1"), Some("a2"), Some("a3")])),
        (
            "Timestamp",
            strings(&[
                Some("2024-10-09T10:00:00Z"),
                Some("Oct 9, 2024 2:41:10 PM"),
                Some("soon"),
            ]),
        ),
        (
            "FileSize",
            Arc::new(Float64Array::from(vec![Some(1024.0), Some(1.5), None])),
        ),
        (
            "ApplicationId",
            Arc::new(Int64Array::from(vec![7, 5_000_000_000, 9])),
        ),
        (
            "DEVICENAME",
            strings(&[Some("pc1"), Some("pc2"), Some("pc3")]),
        ),
    ]);
    write_parquet(&dir.join("AlertEvidence").join("pandas.parquet"), &pandas);
    let native = batch(vec![
        ("AlertId", strings(&[Some("a4")])),
        ("FileSize", Arc::new(Int64Array::from(vec![2048]))),
    ]);
    write_parquet(&dir.join("AlertEvidence").join("native.parquet"), &native);

    let (ctx, warnings) = open(&dir);
    let columns = [
        "AlertId",
        "Timestamp",
        "FileSize",
        "ApplicationId",
        "DeviceName",
    ];
    let df = table(&ctx, "AlertEvidence")
        .await
        .select(columns.iter().map(|c| ident(*c)).collect::<Vec<_>>())
        .unwrap()
        .sort(vec![ident("AlertId").sort(true, true)])
        .unwrap();
    let rows: Vec<String> = text_rows(&collect(df).await)
        .iter()
        .map(|r| r.replace('\u{1f}', "|"))
        .collect();
    assert_eq!(
        rows,
        vec![
            "a1|2024-10-09T10:00:00Z|1024|7|pc1",
            "a2|2024-10-09T14:41:10Z|||pc2",
            "a3|||9|pc3",
            "a4||2048||",
        ]
    );
    let mut lost: Vec<_> = warnings
        .iter()
        .map(|w| (w.column.clone().unwrap(), w.kind, w.count))
        .collect();
    lost.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        lost,
        vec![
            ("ApplicationId".to_string(), WarningKind::NullValue, 1),
            ("FileSize".to_string(), WarningKind::NullValue, 1),
            ("Timestamp".to_string(), WarningKind::NullValue, 1),
        ]
    );
    assert!(warnings.iter().all(|w| w.path.ends_with("pandas.parquet")));
    assert!(
        warnings[0].to_string().contains("without loss"),
        "{}",
        warnings[0]
    );
}

#[tokio::test]
async fn a_name_spelled_two_ways_is_one_column() {
    let dir = scratch("spellings");
    let older = batch(vec![("Isp", strings(&[Some("Contoso")]))]);
    let newer = batch(vec![("ISP", strings(&[Some("Fabrikam")]))]);
    write_parquet(&dir.join("CloudAppEvents").join("older.parquet"), &older);
    write_parquet(&dir.join("CloudAppEvents").join("newer.parquet"), &newer);
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    let df = table(&ctx, "CloudAppEvents").await;
    let names: Vec<&str> = df
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("isp"))
            .count(),
        1,
        "{names:?}"
    );
    let df = df
        .select(vec![ident("ISP")])
        .unwrap()
        .sort(vec![ident("ISP").sort(true, true)])
        .unwrap();
    assert_eq!(text_rows(&collect(df).await), vec!["Contoso", "Fabrikam"]);
}

#[tokio::test]
async fn timestamps_past_the_nanosecond_range_are_named_not_silently_lost() {
    use datafusion::arrow::array::TimestampMicrosecondArray;
    let dir = scratch("far-dates");
    // 2025-09-01 and 9999-12-31, in microseconds (as Spark and pandas write them).
    let micros =
        TimestampMicrosecondArray::from(vec![1_756_684_800_000_000, 253_402_214_400_000_000]);
    let file = batch(vec![
        ("AlertId", strings(&[Some("a1"), Some("a2")])),
        ("Timestamp", Arc::new(micros)),
    ]);
    write_parquet(&dir.join("AlertInfo").join("spark.parquet"), &file);
    let (ctx, warnings) = open(&dir);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].column.as_deref(), Some("Timestamp"));
    assert!(warnings[0].path.ends_with("spark.parquet"));
}

/// The file at `path` with the first field of its embedded Arrow schema given type id 184,
/// which no Arrow version knows (the base64 text keeps its length, so the footer does too).
fn with_unknown_embedded_type(path: &std::path::Path) {
    use base64::prelude::{Engine, BASE64_STANDARD};
    let file = std::fs::File::open(path).unwrap();
    let metadata = datafusion::parquet::file::metadata::ParquetMetaDataReader::new()
        .parse_and_finish(&file)
        .unwrap();
    let kv = metadata.file_metadata().key_value_metadata().unwrap();
    let encoded = kv.iter().find(|kv| kv.key == "ARROW:schema").unwrap();
    let encoded = encoded.value.clone().unwrap();
    let decoded = BASE64_STANDARD.decode(&encoded).unwrap();
    let type_of_first = |bytes: &[u8]| {
        let message = arrow_ipc::root_as_message(&bytes[8..]).ok()?;
        Some(message.header_as_schema()?.fields()?.get(0).type_type())
    };
    let damaged = (0..decoded.len())
        .map(|i| {
            let mut bytes = decoded.clone();
            bytes[i] = 184;
            bytes
        })
        .find(|bytes| type_of_first(bytes) == Some(arrow_ipc::Type(184)))
        .expect("the byte of the first field's type id");
    let damaged = BASE64_STANDARD.encode(damaged);
    let contents = std::fs::read(path).unwrap();
    let at = contents
        .windows(encoded.len())
        .position(|w| w == encoded.as_bytes())
        .unwrap();
    let mut contents = contents;
    contents[at..at + encoded.len()].copy_from_slice(damaged.as_bytes());
    std::fs::write(path, contents).unwrap();
}

#[test]
fn a_damaged_embedded_arrow_schema_is_an_error_naming_the_file() {
    // Found by fuzzing: arrow-ipc panics decoding such a schema.
    let dir = scratch("damaged-arrow-schema");
    let path = dir.join("AlertInfo/part-0.parquet");
    write_parquet(&path, &batch(vec![("AlertId", strings(&[Some("a1")]))]));
    with_unknown_embedded_type(&path);
    let ctx = common::context();
    let options = kqlite_tables::RegisterOptions::default();
    let error = kqlite_tables::register_dir_with_report(&ctx, &dir, options).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("part-0.parquet") && message.contains("ARROW:schema"),
        "{message}"
    );
}
