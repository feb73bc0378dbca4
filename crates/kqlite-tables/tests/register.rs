//! register_dir: discovery, schema building, per-file adaptation through
//! DataFusion, and the errors for files that do not fit.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use common::{batch, collect, context, count_where, scratch, table, write_parquet};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, DictionaryArray, Int16Array, Int32Array, Int64Array,
    LargeStringArray, ListArray, StringArray, TimestampMicrosecondArray, TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::{
    DataType, Int32Type, Int64Type, TimeUnit, TimestampNanosecondType,
};
use datafusion::physical_plan::displayable;
use datafusion::prelude::{ident, lit};
use datafusion::scalar::ScalarValue;
use kqlite_tables::{
    defender_schema, register_dir, register_dir_with_report, unknown_entries, RegisterOptions,
    TableError,
};

/// 2025-09-15T12:00:00Z
const MID_SEPT_MS: i64 = 1_757_937_600_000;

fn strings(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn millis(values: &[i64]) -> ArrayRef {
    Arc::new(TimestampMillisecondArray::from(values.to_vec()))
}

fn ns_utc(ns: i64) -> ScalarValue {
    ScalarValue::TimestampNanosecond(Some(ns), Some("UTC".into()))
}

/// An AlertInfo file with a ms timestamp (no time zone), ids and titles.
fn alert_info_file(path: &Path, n: usize) {
    let ts: Vec<i64> = (0..n as i64).map(|i| MID_SEPT_MS + i * 60_000).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("da{i}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let titles = vec!["Suspicious PowerShell"; n];
    let b = batch(vec![
        ("Timestamp", millis(&ts)),
        ("AlertId", strings(&ids)),
        ("Title", strings(&titles)),
    ]);
    write_parquet(path, &b);
}

fn expect_err(result: Result<Vec<kqlite_tables::RegisteredTable>, TableError>) -> TableError {
    match result {
        Ok(tables) => panic!("expected an error, registered {tables:?}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn missing_documented_columns_read_as_typed_nulls() {
    let dir = scratch("missing");
    alert_info_file(&dir.join("AlertInfo/part-0.parquet"), 5);
    let ctx = context();
    let tables = register_dir(&ctx, &dir).unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].rows, 5);
    assert_eq!(tables[0].schema, defender_schema("AlertInfo").unwrap());
    let df = table(&ctx, "AlertInfo")
        .await
        .select(vec![ident("Severity"), ident("AlertId")])
        .unwrap();
    let out = collect(df).await;
    assert_eq!(out.column(0).data_type(), &DataType::Utf8View);
    assert_eq!(out.column(0).null_count(), 5);
    assert_eq!(out.column(1).null_count(), 0);
    // Filters on an absent column.
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Severity").eq(lit("High"))).await,
        0
    );
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Severity").is_null()).await,
        5
    );
}

#[tokio::test]
async fn millisecond_timestamps_read_as_nanoseconds_utc() {
    let dir = scratch("millis");
    alert_info_file(&dir.join("AlertInfo/part-0.parquet"), 3);
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let df = table(&ctx, "AlertInfo")
        .await
        .select(vec![ident("Timestamp")])
        .unwrap();
    let out = collect(df).await;
    let ts = out.column(0).as_primitive::<TimestampNanosecondType>();
    assert_eq!(
        ts.data_type(),
        &DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
    );
    assert_eq!(ts.value(0), MID_SEPT_MS * 1_000_000);
    let later = ident("Timestamp").gt_eq(lit(ns_utc((MID_SEPT_MS + 60_000) * 1_000_000)));
    assert_eq!(count_where(&ctx, "AlertInfo", later).await, 2);
}

#[tokio::test]
async fn compatible_physical_types_are_cast() {
    let dir = scratch("compatible");
    let us_tz: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from(vec![MID_SEPT_MS * 1_000]).with_timezone("+02:00"),
    );
    let dict: DictionaryArray<Int32Type> = vec!["User"].into_iter().collect();
    let b = batch(vec![
        ("Timestamp", us_tz),
        ("AlertId", Arc::new(LargeStringArray::from(vec!["da1"]))),
        ("EntityType", Arc::new(dict)),
        ("FileSize", Arc::new(Int32Array::from(vec![1234]))),
        ("ApplicationId", Arc::new(Int16Array::from(vec![7]))),
        (
            "Title",
            Arc::new(BinaryArray::from(vec![b"legacy".as_ref()])),
        ),
    ]);
    write_parquet(&dir.join("AlertEvidence.parquet"), &b);
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let cols = [
        "Timestamp",
        "AlertId",
        "EntityType",
        "FileSize",
        "ApplicationId",
        "Title",
    ];
    let df = table(&ctx, "AlertEvidence").await;
    let df = df
        .select(cols.iter().map(|c| ident(*c)).collect::<Vec<_>>())
        .unwrap();
    let out = collect(df).await;
    let ts = out.column(0).as_primitive::<TimestampNanosecondType>();
    assert_eq!(ts.value(0), MID_SEPT_MS * 1_000_000);
    assert_eq!(out.column(1).as_string_view().value(0), "da1");
    assert_eq!(out.column(2).as_string_view().value(0), "User");
    assert_eq!(out.column(3).as_primitive::<Int64Type>().value(0), 1234);
    assert_eq!(out.column(4).as_primitive::<Int32Type>().value(0), 7);
    assert_eq!(out.column(5).as_string_view().value(0), "legacy");
    let filter = ident("EntityType")
        .eq(lit("User"))
        .and(ident("FileSize").gt(lit(1000i64)));
    assert_eq!(count_where(&ctx, "AlertEvidence", filter).await, 1);
}

#[tokio::test]
async fn extra_columns_are_appended_and_queryable() {
    let dir = scratch("extra");
    let first = batch(vec![
        ("AlertId", strings(&["a", "b"])),
        ("TenantId", strings(&["t1", "t2"])),
    ]);
    let second = batch(vec![
        ("Score", Arc::new(Int64Array::from(vec![10])) as ArrayRef),
        ("AlertId", strings(&["c"])),
        (
            "TenantId",
            Arc::new(LargeStringArray::from(vec!["t1"])) as ArrayRef,
        ),
    ]);
    write_parquet(&dir.join("AlertInfo/day=1/part-0.parquet"), &first);
    write_parquet(&dir.join("AlertInfo/day=2/part-0.parquet"), &second);
    let ctx = context();
    let tables = register_dir(&ctx, &dir).unwrap();
    let schema = &tables[0].schema;
    // The Hive folders `day=1`, `day=2` add a `day` column after the file columns.
    assert_eq!(schema.fields().len(), 11);
    assert_eq!(schema.field(10).name(), "day");
    assert_eq!(schema.field(8).name(), "TenantId");
    assert_eq!(schema.field(8).data_type(), &DataType::Utf8View);
    assert_eq!(schema.field(9).name(), "Score");
    assert_eq!(tables[0].rows, 3);
    assert_eq!(tables[0].files.len(), 2);
    assert!(tables[0].files[0] < tables[0].files[1]);
    let df = table(&ctx, "AlertInfo").await;
    let df = df.filter(ident("TenantId").eq(lit("t1"))).unwrap();
    let df = df
        .select(vec![ident("AlertId"), ident("TenantId"), ident("Score")])
        .unwrap();
    let out = collect(df.sort(vec![ident("AlertId").sort(true, true)]).unwrap()).await;
    assert_eq!(out.num_rows(), 2);
    assert_eq!(out.column(0).as_string_view().value(1), "c");
    assert_eq!(out.column(2).as_primitive::<Int64Type>().value(1), 10);
    assert!(out.column(2).is_null(0));
}

/// Registers `dir`, expecting one warning: its file, column and text.
fn one_warning(dir: &Path) -> (datafusion::prelude::SessionContext, String) {
    let ctx = context();
    let options = RegisterOptions::default();
    let (_, warnings) = register_dir_with_report(&ctx, dir, options).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    (ctx, warnings[0].to_string())
}

#[tokio::test]
async fn text_timestamps_are_read_and_the_others_named() {
    let dir = scratch("bad-ts");
    let path = dir.join("AlertInfo/part-0.parquet");
    let text = strings(&["2025-09-01", "soon"]);
    write_parquet(&path, &batch(vec![("Timestamp", text)]));
    let (ctx, warning) = one_warning(&dir);
    for needle in [path.to_str().unwrap(), "Timestamp", "datetime", "Utf8"] {
        assert!(warning.contains(needle), "{needle:?} not in {warning}");
    }
    let first = ns_utc(1_756_684_800_000_000_000);
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Timestamp").eq(lit(first))).await,
        1
    );
    assert_eq!(
        count_where(&ctx, "AlertInfo", ident("Timestamp").is_null()).await,
        1
    );
}

#[tokio::test]
async fn unreadable_object_size_is_null_and_named() {
    let dir = scratch("bad-size");
    let path = dir.join("DataSecurityEvents/part-0.parquet");
    write_parquet(&path, &batch(vec![("ObjectSize", strings(&["12 KB"]))]));
    let (ctx, warning) = one_warning(&dir);
    for needle in [path.to_str().unwrap(), "ObjectSize", "as int", "Utf8"] {
        assert!(warning.contains(needle), "{needle:?} not in {warning}");
    }
    assert_eq!(
        table(&ctx, "DataSecurityEvents")
            .await
            .count()
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn nested_dynamic_column_is_read_as_json_text() {
    let dir = scratch("nested");
    let list =
        ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), Some(2)]), None]);
    let path = dir.join("DataSecurityBehaviors/part-0.parquet");
    write_parquet(
        &path,
        &batch(vec![("DeviceInfo", Arc::new(list) as ArrayRef)]),
    );
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let df = table(&ctx, "DataSecurityBehaviors").await;
    let out = collect(df.select(vec![ident("DeviceInfo")]).unwrap()).await;
    let values = out.column(0).as_string_view();
    assert_eq!(values.value(0), "[1,2]");
    assert!(values.is_null(1));
}

#[test]
fn truncated_parquet_names_the_file() {
    let dir = scratch("truncated");
    let good = dir.join("AlertInfo/part-0.parquet");
    alert_info_file(&good, 4);
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.join("AlertInfo/part-1.parquet");
    std::fs::write(&bad, &bytes[..bytes.len() - 20]).unwrap();
    let err = expect_err(register_dir(&context(), &dir));
    assert!(matches!(err, TableError::InvalidParquet { .. }), "{err:?}");
    assert!(err.to_string().contains(bad.to_str().unwrap()), "{err}");
}

#[test]
fn text_file_named_parquet_names_the_file() {
    let dir = scratch("not-parquet");
    let bad = dir.join("AlertInfo.parquet");
    std::fs::write(&bad, "Timestamp,AlertId\n2025-09-01,da1\n").unwrap();
    let err = expect_err(register_dir(&context(), &dir));
    assert!(err.to_string().contains(bad.to_str().unwrap()), "{err}");
}

#[test]
fn no_tables_lists_expected_and_unknown_names() {
    let dir = scratch("empty");
    std::fs::create_dir_all(dir.join("alerts")).unwrap();
    std::fs::write(dir.join("alerts/readme.txt"), b"not an export").unwrap();
    std::fs::create_dir_all(dir.join("AlertEvidence")).unwrap(); // no files
    let err = expect_err(register_dir(&context(), &dir));
    let text = err.to_string();
    assert!(text.contains("AADSignInEventsBeta"), "{text}");
    assert!(text.contains("not recognised: alerts"), "{text}");
    assert_eq!(unknown_entries(&dir).unwrap(), vec!["alerts".to_string()]);
}

#[test]
fn missing_dir_is_an_io_error() {
    let dir = scratch("gone").join("nope");
    let err = expect_err(register_dir(&context(), &dir));
    assert!(matches!(err, TableError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("nope"));
}

/// Every file's length, mtime and permissions, keyed by path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime, bool)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
            }
            let readonly = meta.permissions().readonly();
            out.insert(path, (meta.len(), meta.modified().unwrap(), readonly));
        }
    }
    out
}

#[tokio::test]
async fn registration_and_queries_leave_the_directory_untouched() {
    let dir = scratch("untouched");
    alert_info_file(&dir.join("AlertInfo/part-0.parquet"), 10);
    alert_info_file(&dir.join("AlertInfo.parquet"), 2);
    let before = snapshot(&dir);
    let ctx = context();
    let tables = register_dir(&ctx, &dir).unwrap();
    assert_eq!(tables[0].files.len(), 2);
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 12);
    assert_eq!(snapshot(&dir), before);
}

#[tokio::test]
async fn odd_paths_work() {
    let dir = scratch("odd [paths]");
    alert_info_file(&dir.join("AlertInfo/2025-09 [a*b]/part 0.parquet"), 2);
    let ctx = context();
    register_dir(&ctx, &dir.join("AlertInfo/..")).unwrap();
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 2);
}

#[tokio::test]
async fn filters_and_projections_reach_the_parquet_scan() {
    let dir = scratch("pushdown");
    alert_info_file(&dir.join("AlertInfo/part-0.parquet"), 3);
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let filter = ident("Timestamp").gt(lit(ns_utc(MID_SEPT_MS * 1_000_000)));
    let df = table(&ctx, "AlertInfo").await.filter(filter).unwrap();
    let df = df.select(vec![ident("AlertId")]).unwrap();
    let plan = df.create_physical_plan().await.unwrap();
    let text = displayable(plan.as_ref()).indent(true).to_string();
    // The predicate prunes row groups in the scan; the rows are filtered after decoding.
    assert!(text.contains("predicate="), "{text}");
    assert!(text.contains("pruning_predicate="), "{text}");
    assert!(text.contains("projection=[Timestamp, AlertId]"), "{text}");
}

/// `AlertId == id` over `name`, run; its physical plan with every operator's metrics.
async fn executed_plan(ctx: &datafusion::prelude::SessionContext, name: &str, id: &str) -> String {
    let df = table(ctx, name)
        .await
        .filter(ident("AlertId").eq(lit(id)))
        .unwrap();
    let plan = df.create_physical_plan().await.unwrap();
    let batches = datafusion::physical_plan::collect(Arc::clone(&plan), ctx.task_ctx())
        .await
        .unwrap();
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 0);
    let shown =
        datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(plan.as_ref())
            .indent(true)
            .to_string();
    shown
}

#[tokio::test]
async fn bloom_filters_are_read_only_in_tables_whose_files_have_them() {
    use datafusion::parquet::arrow::ArrowWriter;
    use datafusion::parquet::file::properties::WriterProperties;

    let dir = scratch("bloom");
    let ids = batch(vec![("AlertId", strings(&["da1", "da3"]))]);
    let with_bloom = dir.join("AlertInfo/part-0.parquet");
    std::fs::create_dir_all(with_bloom.parent().unwrap()).unwrap();
    let props = WriterProperties::builder()
        .set_bloom_filter_enabled(true)
        .build();
    let file = std::fs::File::create(&with_bloom).unwrap();
    let mut writer = ArrowWriter::try_new(file, ids.schema(), Some(props)).unwrap();
    writer.write(&ids).unwrap();
    writer.close().unwrap();
    write_parquet(&dir.join("AlertEvidence/part-0.parquet"), &ids);

    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    // "da2" lies between the min and max, so only a bloom filter can rule the row group out.
    let bloom = "row_groups_pruned_bloom_filter=1 total → 0 matched";
    let info = executed_plan(&ctx, "AlertInfo", "da2").await;
    assert!(info.contains(bloom), "{info}");
    executed_plan(&ctx, "AlertEvidence", "da2").await;
    assert!(reads_bloom_filters(&ctx, "AlertInfo").await);
    assert!(!reads_bloom_filters(&ctx, "AlertEvidence").await);
}

async fn reads_bloom_filters(ctx: &datafusion::prelude::SessionContext, name: &str) -> bool {
    use datafusion::datasource::file_format::parquet::ParquetFormat;
    use datafusion::datasource::listing::ListingTable;

    let reference = datafusion::common::TableReference::bare(name);
    let provider = ctx.table_provider(reference).await.unwrap();
    let listing = provider
        .downcast_ref::<ListingTable>()
        .expect("a listing table");
    let format = listing.options().format.as_ref();
    let parquet = format.downcast_ref::<ParquetFormat>().expect("Parquet");
    parquet.options().global.bloom_filter_on_read
}

#[tokio::test]
async fn planning_takes_file_statistics_from_the_footers_read_at_attach() {
    use datafusion::datasource::physical_plan::parquet::metadata::CachedParquetMetaData;
    use datafusion::object_store::path::Path as StorePath;

    let dir = scratch("footer statistics");
    let file = dir.join("AlertInfo/part-0.parquet");
    alert_info_file(&file, 7);
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    // The footer planning used is the one attach parsed (no page index: the scan has not
    // run), handed on so that the scan does not parse it again.
    let frame = table(&ctx, "AlertInfo").await;
    frame.create_physical_plan().await.unwrap();
    let location = StorePath::from_filesystem_path(file.canonicalize().unwrap()).unwrap();
    let cache = ctx.runtime_env().cache_manager.get_file_metadata_cache();
    let entry = cache
        .get(&location)
        .expect("the footer, cached while planning");
    let footer = entry.file_metadata.as_any();
    let footer = footer.downcast_ref::<CachedParquetMetaData>().unwrap();
    assert!(footer.parquet_metadata().column_index().is_none());
}

#[tokio::test]
async fn the_first_query_of_a_table_hands_on_the_footers_of_all_its_files() {
    use datafusion::object_store::path::Path as StorePath;

    let dir = scratch("all footers");
    let files: Vec<_> = (0..3)
        .map(|i| dir.join(format!("AlertInfo/part-{i}.parquet")))
        .collect();
    for file in &files {
        alert_info_file(file, 4);
    }
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    let frame = table(&ctx, "AlertInfo").await;
    frame.create_physical_plan().await.unwrap();
    let cache = ctx.runtime_env().cache_manager.get_file_metadata_cache();
    for file in &files {
        let location = StorePath::from_filesystem_path(file.canonicalize().unwrap()).unwrap();
        assert!(cache.get(&location).is_some(), "{}", file.display());
    }
}

#[tokio::test]
async fn a_file_rewritten_after_attach_is_read_as_it_is_now() {
    let dir = scratch("rewritten");
    let file = dir.join("AlertInfo/part-0.parquet");
    alert_info_file(&file, 3);
    // An unchanged file beside it: its statistics are computed with the stale one's.
    alert_info_file(&dir.join("AlertInfo/part-1.parquet"), 2);
    let ctx = context();
    register_dir(&ctx, &dir).unwrap();
    alert_info_file(&file, 5);
    // Neither the row count planned from statistics nor the scan uses the old footer.
    assert_eq!(table(&ctx, "AlertInfo").await.count().await.unwrap(), 7);
    let ids = table(&ctx, "AlertInfo")
        .await
        .filter(ident("AlertId").eq(lit("da4")))
        .unwrap();
    assert_eq!(ids.count().await.unwrap(), 1);
}
