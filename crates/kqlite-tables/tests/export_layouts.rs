//! Every layout the export paths write, each built small here: the streaming API's storage
//! containers, Log Analytics data export, Event Hubs Capture (Avro), the Office 365
//! Management Activity API's content blobs, and tables no registry documents.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_avro::writer::AvroWriter;
use common::rows::open;
use common::{batch, collect, count_where, scratch, table, write_parquet};
use datafusion::arrow::array::{ArrayRef, AsArray, BinaryArray, Int64Array, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{ident, lit};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

const RECORD: &str = r#"{"time":"2025-09-01T10:05:00Z","tenantId":"t","category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"2025-09-01T10:00:00Z","AlertId":"a1","Title":"t"}}"#;

#[tokio::test]
async fn streaming_api_containers_with_hour_folders() {
    let dir = scratch("layout-stream");
    let hour = "y=2025/m=09/d=01/h=10/m=00/PT1H.json";
    write(
        &dir.join("insights-logs-advancedhunting-alertinfo")
            .join(hour),
        RECORD,
    );
    // A record without its category goes to the table its container names.
    let bare = r#"{"Timestamp":"2025-09-01T11:00:00Z","AlertId":"a2"}"#;
    write(
        &dir.join("insights-logs-advancedhunting-alertinfo/y=2025/m=09/d=01/h=11/m=00/PT1H.json"),
        &format!("{bare}\n{bare}"),
    );
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 3);
    // The envelope's time is kept as the hidden ingestion time.
    let ingested = ident("$IngestionTime").is_not_null();
    assert_eq!(count_where(&ctx, "AlertInfo", ingested).await, 1);
}

#[tokio::test]
async fn log_analytics_data_export_lands_in_the_documented_sentinel_table() {
    let dir = scratch("layout-la");
    let path =
        "am-signinlogs/WorkspaceResourceId=/subscriptions/s/y=2025/m=09/d=01/h=10/m=05/PT05M.json";
    let lines = [
        r#"{"TimeGenerated":"2025-09-01T10:05:00Z","UserPrincipalName":"a@contoso.com","ResultType":"0","Type":"SigninLogs"}"#,
        r#"{"TimeGenerated":"2025-09-01T10:06:00Z","UserPrincipalName":"b@contoso.com","ResultType":"50126","Type":"SigninLogs"}"#,
    ];
    write(&dir.join(path), &lines.join("\n"));
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    let df = table(&ctx, "SigninLogs").await;
    assert_eq!(
        df.schema()
            .field_with_unqualified_name("TimeGenerated")
            .unwrap()
            .data_type(),
        &DataType::Timestamp(
            datafusion::arrow::datatypes::TimeUnit::Nanosecond,
            Some("UTC".into())
        )
    );
    assert_eq!(
        count_where(&ctx, "SigninLogs", ident("ResultType").eq(lit("50126"))).await,
        1
    );
}

#[tokio::test]
async fn event_hubs_capture_bodies_hold_streaming_records() {
    let dir = scratch("layout-avro");
    let bodies: Vec<&[u8]> = vec![
        br#"{"records":[{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a1"}},{"category":"AdvancedHunting-AlertEvidence","properties":{"AlertId":"a1"}}]}"#,
        br#"{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a2"}}"#,
        b"not json",
    ];
    let events = batch(vec![
        (
            "SequenceNumber",
            Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef,
        ),
        ("Offset", Arc::new(StringArray::from(vec!["1", "2", "3"]))),
        (
            "EnqueuedTimeUtc",
            Arc::new(StringArray::from(vec!["9/1/2025 10:00:00 AM"; 3])),
        ),
        ("Body", Arc::new(BinaryArray::from(bodies))),
    ]);
    let path = dir.join("ns/hub/0/2025/09/01/10/00/00.avro");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = AvroWriter::new(file, events.schema().as_ref().clone()).unwrap();
    writer.write(&events).unwrap();
    writer.finish().unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    assert_eq!(table(&ctx, "AlertEvidence").await.count().await.unwrap(), 1);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].to_string().contains("00.avro: result row 2"),
        "{}",
        warnings[0]
    );
}

#[tokio::test]
async fn office_365_content_blobs_are_audit_records() {
    let dir = scratch("layout-o365");
    let blob = r#"[
 {"CreationTime":"2025-09-01T10:00:00","Id":"1","Operation":"AlertTriggered","RecordType":40,"UserType":4,"Workload":"SecurityComplianceCenter","AlertId":"x","Category":"InsiderRiskManagement","Status":"Active","Version":1},
 {"CreationTime":"2025-09-02T10:00:00","Id":"2","Operation":"AlertUpdated","RecordType":40,"UserType":4,"Workload":"SecurityComplianceCenter","AlertId":"x","Category":"InsiderRiskManagement","Status":"Resolved"}
]"#;
    write(&dir.join("Audit.General/blob-1.json"), blob);
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    let irm = ident("Category").eq(lit("InsiderRiskManagement"));
    assert_eq!(count_where(&ctx, "O365AuditRecords", irm).await, 2);
    let df = table(&ctx, "O365AuditRecords").await;
    let types = df
        .select(vec![ident("RecordType"), ident("Version")])
        .unwrap();
    let out = collect(types).await;
    assert_eq!(out.column(0).data_type(), &DataType::Int32);
    assert_eq!(out.column(1).as_string_view().value(0), "1");
}

#[tokio::test]
async fn tables_no_registry_documents_take_their_schema_from_the_files() {
    let dir = scratch("layout-any");
    write(
        &dir.join("Watchlist_2025_09.csv"),
        "Upn,Score,Since,Tags,Code\na@contoso.com,3,2025-09-01T00:00:00Z,\"[\"\"hr\"\"]\",007\nb@contoso.com,4.5,,[],010\n",
    );
    let people = batch(vec![(
        "Upn",
        Arc::new(StringArray::from(vec!["a@contoso.com"])) as ArrayRef,
    )]);
    write_parquet(&dir.join("People/part-0.parquet"), &people);
    let (ctx, warnings) = open(&dir);
    assert!(warnings.is_empty(), "{warnings:?}");
    let out = collect(table(&ctx, "Watchlist").await).await;
    let types: Vec<DataType> = out
        .schema()
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(types[1], DataType::Float64);
    assert!(matches!(types[2], DataType::Timestamp(..)));
    assert_eq!(
        types[4],
        DataType::Utf8View,
        "codes with leading zeros stay text"
    );
    assert_eq!(table(&ctx, "People").await.count().await.unwrap(), 1);
}

/// An Event Hubs capture file of `bodies`, one Avro block per slice.
fn capture_file(blocks: &[&[&[u8]]]) -> Vec<u8> {
    let mut out = Vec::new();
    let first = capture_events(blocks[0]);
    let mut writer = AvroWriter::new(&mut out, first.schema().as_ref().clone()).unwrap();
    for bodies in blocks {
        writer.write(&capture_events(bodies)).unwrap();
    }
    writer.finish().unwrap();
    out
}

fn capture_events(bodies: &[&[u8]]) -> datafusion::arrow::array::RecordBatch {
    let n = bodies.len();
    batch(vec![
        (
            "SequenceNumber",
            Arc::new(Int64Array::from(vec![1; n])) as ArrayRef,
        ),
        ("Body", Arc::new(BinaryArray::from(bodies.to_vec()))),
    ])
}

/// Avro's zig-zag varint, at the start of `bytes`: its value and length.
fn avro_long(bytes: &[u8]) -> (i64, usize) {
    let (mut value, mut length) = (0u64, 0);
    while bytes[length] & 0x80 != 0 {
        value |= u64::from(bytes[length] & 0x7f) << (7 * length);
        length += 1;
    }
    value |= u64::from(bytes[length]) << (7 * length);
    ((value >> 1) as i64 ^ -((value & 1) as i64), length + 1)
}

fn push_avro_long(out: &mut Vec<u8>, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        out.push((zigzag as u8 & 0x7f) | 0x80);
        zigzag >>= 7;
    }
    out.push(zigzag as u8);
}

#[tokio::test]
async fn a_damaged_capture_block_is_a_warning_never_a_hang() {
    let dir = scratch("layout-avro-damaged");
    let record: &[u8] =
        br#"{"category":"AdvancedHunting-AlertInfo","properties":{"AlertId":"a1"}}"#;
    let bytes = capture_file(&[&[record, record], &[record]]);
    // The header ends with the sync marker that also ends every block.
    let sync = &bytes[bytes.len() - 16..];
    let header_end = bytes.windows(16).position(|w| w == sync).unwrap() + 16;
    let (count, a) = avro_long(&bytes[header_end..]);
    let (size, b) = avro_long(&bytes[header_end + a..]);
    let data_start = header_end + a + b;
    let data = &bytes[data_start..data_start + size as usize];
    // Block 1 holds five bytes past its records, and says so in its size (arrow-avro's own
    // reader loops on such a block); block 2 is cut inside, its size unchanged.
    let mut damaged = bytes[..header_end].to_vec();
    push_avro_long(&mut damaged, count);
    push_avro_long(&mut damaged, size + 5);
    damaged.extend_from_slice(data);
    damaged.extend_from_slice(&[0; 5]);
    damaged.extend_from_slice(sync);
    let second = data_start + size as usize + 16;
    damaged.extend_from_slice(&bytes[second..second + 10]);
    damaged.extend_from_slice(&bytes[second + 14..]);
    let path = dir.join("ns/hub/0/2025/09/01/10/00/00.avro");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, damaged).unwrap();
    let (ctx, warnings) = open(&dir);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
    let warning = warnings[0].to_string();
    assert!(
        warning.contains("damaged") && warning.contains("the 2 events before were read"),
        "{warning}"
    );
}
