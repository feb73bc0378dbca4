//! The sample generator: determinism, sizes, planted stories, and that its
//! output registers and queries through DataFusion.

mod common;

use std::path::PathBuf;

use common::{collect, context, count_where, scratch, table};
use datafusion::arrow::array::AsArray;
use datafusion::functions::expr_fn::{ends_with, lower};
use datafusion::prelude::{ident, lit};
use datafusion::scalar::ScalarValue;
use kqlite_tables::generate::write_sample;
use kqlite_tables::{defender_schema, register_dir};
use serde_json::Value;

const CONFIDENTIAL: &str = "8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8";

fn truth(dir: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("truth.json")).unwrap()).unwrap()
}

fn story<'a>(truth: &'a Value, id: &str) -> &'a Value {
    let stories = truth["stories"].as_array().unwrap();
    stories.iter().find(|s| s["id"] == id).unwrap()
}

fn utc(iso_day: &str) -> ScalarValue {
    let days = match iso_day {
        "2025-09-22" => 21,
        "2025-09-24" => 23,
        "2025-09-27" => 26,
        _ => panic!("unknown day"),
    };
    let ns = (1_756_684_800i64 + days * 86_400) * 1_000_000_000;
    ScalarValue::TimestampNanosecond(Some(ns), Some("UTC".into()))
}

#[test]
fn same_seed_same_files() {
    let (a, b) = (scratch("gen-a"), scratch("gen-b"));
    let first = write_sample(&a, 7, 1).unwrap();
    write_sample(&b, 7, 1).unwrap();
    for t in &first.tables {
        for part in std::fs::read_dir(&t.path).unwrap() {
            let part = part.unwrap().path();
            let other = b.join(part.strip_prefix(&a).unwrap());
            assert_eq!(
                std::fs::read(&part).unwrap(),
                std::fs::read(other).unwrap(),
                "{}",
                part.display()
            );
        }
    }
    let c = scratch("gen-c");
    write_sample(&c, 8, 1).unwrap();
    assert_ne!(
        truth(&a)["stories"][0]["alert"],
        truth(&c)["stories"][0]["alert"]
    );
}

#[test]
fn scale_one_is_small_and_has_the_planned_sizes() {
    let dir = scratch("gen-size");
    let summary = write_sample(&dir, 42, 1).unwrap();
    assert!(summary.bytes < 1_000_000, "{} bytes", summary.bytes);
    let rows = |name: &str| summary.tables.iter().find(|t| t.name == name).unwrap().rows;
    // 1,688 background events and 383 planted ones.
    assert_eq!(rows("DataSecurityEvents"), 2071);
    assert!((250..=400).contains(&rows("DataSecurityBehaviors")));
    assert_eq!(rows("AlertInfo"), 42);
    assert!((90..=160).contains(&rows("AlertEvidence")));
    let truth = truth(&dir);
    assert_eq!(story(&truth, "personal_cloud_zip_uploads")["count"], 46);
    assert_eq!(story(&truth, "departing_user_usb_copies")["count"], 212);
    let gmail = story(&truth, "confidential_files_to_gmail");
    assert_eq!(gmail["count"], 54);
    assert_eq!(gmail["count_by_actor"].as_object().unwrap().len(), 2);
    assert_eq!(gmail["alert"]["ids"].as_array().unwrap().len(), 2);
}

#[test]
fn scale_grows_background_only() {
    let dir = scratch("gen-scale");
    let summary = write_sample(&dir, 42, 3).unwrap();
    let events = summary
        .tables
        .iter()
        .find(|t| t.name == "DataSecurityEvents")
        .unwrap();
    assert_eq!(events.rows, 383 + 3 * 1688);
    assert_eq!(
        story(&truth(&dir), "departing_user_usb_copies")["count"],
        212
    );
}

#[tokio::test]
async fn sample_registers_and_the_stories_are_found_by_queries() {
    let dir = scratch("gen-query");
    let summary = write_sample(&dir, 42, 1).unwrap();
    let ctx = context();
    let tables = register_dir(&ctx, &dir).unwrap();
    assert_eq!(tables.len(), 8);
    for t in &tables {
        let generated = summary.tables.iter().find(|g| g.name == t.name).unwrap();
        assert_eq!(t.rows as usize, generated.rows, "{}", t.name);
        assert_eq!(t.schema, defender_schema(&t.name).unwrap(), "{}", t.name);
        assert_eq!(
            table(&ctx, &t.name).await.count().await.unwrap(),
            generated.rows
        );
    }
    let truth = truth(&dir);

    let megan = ident("Timestamp")
        .gt_eq(lit(utc("2025-09-24")))
        .and(ident("ActionType").eq(lit("FileUploadedToCloud")))
        .and(lower(ident("ExternalUrlDomains")).eq(lit("drive.google.com")))
        .and(ends_with(lower(ident("ObjectName")), lit(".zip")));
    let expected = story(&truth, "personal_cloud_zip_uploads")["count"]
        .as_u64()
        .unwrap();
    let only_megan = megan
        .clone()
        .and(ident("AccountUpn").eq(lit("megan.bowen@contoso.com")));
    assert_eq!(
        count_where(&ctx, "DataSecurityEvents", megan).await as u64,
        expected
    );
    assert_eq!(
        count_where(&ctx, "DataSecurityEvents", only_megan).await as u64,
        expected
    );

    let adele = ident("AccountUpn")
        .eq(lit("adele.vance@contoso.com"))
        .and(ident("ActionType").eq(lit("FileCopiedToRemovableMedia")))
        .and(ident("Timestamp").gt_eq(lit(utc("2025-09-22"))))
        .and(ident("Timestamp").lt(lit(utc("2025-09-27"))));
    assert_eq!(count_where(&ctx, "DataSecurityEvents", adele).await, 212);

    let gmail = ident("ActionType")
        .eq(lit("FileUploadedToCloud"))
        .and(lower(ident("ExternalUrlDomains")).eq(lit("mail.google.com")))
        .and(ident("SensitivityLabelId").eq(lit(CONFIDENTIAL)));
    assert_eq!(count_where(&ctx, "DataSecurityEvents", gmail).await, 54);

    // Mixed case is present, so a case-sensitive comparison finds fewer.
    let exact = ident("ExternalUrlDomains").eq(lit("mail.google.com"));
    let gmail_exact = exact.and(ident("SensitivityLabelId").eq(lit(CONFIDENTIAL)));
    assert!(count_where(&ctx, "DataSecurityEvents", gmail_exact).await < 54);
}

#[tokio::test]
async fn story_alerts_have_user_and_file_evidence() {
    let dir = scratch("gen-alerts");
    write_sample(&dir, 42, 1).unwrap();
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let truth = truth(&dir);
    let departing = story(&truth, "departing_user_usb_copies");
    let id = departing["alert"]["ids"][0].as_str().unwrap();
    let info = table(&ctx, "AlertInfo")
        .await
        .filter(ident("AlertId").eq(lit(id)))
        .unwrap();
    let info = collect(
        info.select(vec![ident("ServiceSource"), ident("Category")])
            .unwrap(),
    )
    .await;
    assert_eq!(info.num_rows(), 1);
    assert_eq!(
        info.column(0).as_string_view().value(0),
        "Microsoft Insider Risk Management"
    );
    let evidence = table(&ctx, "AlertEvidence")
        .await
        .filter(ident("AlertId").eq(lit(id)))
        .unwrap();
    let evidence = evidence
        .select(vec![ident("EntityType"), ident("AccountUpn")])
        .unwrap();
    let evidence = collect(evidence).await;
    let kinds = evidence.column(0).as_string_view();
    let users: Vec<_> = (0..evidence.num_rows())
        .filter(|&i| kinds.value(i) == "User")
        .collect();
    assert_eq!(users.len(), 1);
    assert_eq!(
        evidence.column(1).as_string_view().value(users[0]),
        "adele.vance@contoso.com"
    );
    assert!(
        (0..evidence.num_rows())
            .filter(|&i| kinds.value(i) == "File")
            .count()
            >= 10
    );
    let behaviors = departing["behavior_ids"].as_array().unwrap();
    assert_eq!(behaviors.len(), 5);
}

/// The committed sample (`testdata/sample`) is what the generator writes for
/// seed 42, scale 1. Regenerate with
/// `cargo run -p kqlite-tables --example make_sample -- testdata/sample`.
#[test]
fn committed_sample_is_current() {
    let committed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    if !committed.join("truth.json").exists() {
        eprintln!("no committed sample at {}", committed.display());
        return;
    }
    let fresh = scratch("gen-committed");
    write_sample(&fresh, 42, 1).unwrap();
    assert_eq!(
        truth(&committed),
        truth(&fresh),
        "regenerate testdata/sample"
    );
}
