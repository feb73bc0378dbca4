//! Filters over string columns stored as dictionary pages test each dictionary entry once
//! (`ReadDictionaries`): they must keep exactly the rows the same filters keep over the same
//! table stored in plain pages. The sample's `DataSecurityEvents` is written twice, in row
//! groups of 300 rows (several dictionaries per file), and every query runs over both.

use std::path::{Path, PathBuf};

use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use kqlite::output::{print, Format};
use kqlite::Engine;

const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

/// Filters over nullable columns (DeviceName has nulls, ExternalUrlDomains mostly nulls,
/// TeamsChannelName only nulls), negations, lists, regexes, functions of the column, a
/// column compared with another (not read as a dictionary) and the tested column shown after.
const QUERIES: &[&str] = &[
    "DataSecurityEvents | where ActionType == 'FilePrinted' | count",
    "DataSecurityEvents | where ActionType =~ 'fileprinted' | project ActionType, DeviceName | order by DeviceName asc",
    "DataSecurityEvents | where DeviceName != 'x' | count",
    "DataSecurityEvents | where isempty(DeviceName) | count",
    "DataSecurityEvents | where isnotempty(ExternalUrlDomains) | summarize count() by ExternalUrlDomains | order by ExternalUrlDomains asc",
    "DataSecurityEvents | where ExternalUrlDomains !contains 'drop' | count",
    "DataSecurityEvents | where ExternalUrlDomains !in ('dropbox.com', 'wetransfer.com') | count",
    "DataSecurityEvents | where TeamsChannelName == '' | count",
    "DataSecurityEvents | where TeamsChannelName != '' | count",
    "DataSecurityEvents | where ActionType in~ ('fileprinted', 'FILEUPLOADEDTOCLOUD') and DeviceName startswith 'D' | summarize count() by ActionType, DeviceName | order by ActionType asc, DeviceName asc",
    "DataSecurityEvents | where ObjectName matches regex @'\\.(zip|7z)$' | project ObjectName | order by ObjectName asc",
    "DataSecurityEvents | where strlen(DeviceName) > 20 and not(DeviceName has 'contoso') | count",
    "DataSecurityEvents | where tolower(SiteUrl) contains 'sharepoint' or isempty(SiteUrl) | count",
    "DataSecurityEvents | where DeviceName == AccountUpn or DeviceName endswith '.com' | count",
    "DataSecurityEvents | where ActionType != 'FilePrinted' and Timestamp > ago(30d) | summarize count() by bin(Timestamp, 1d) | order by Timestamp asc",
];

/// Aggregations keyed by string columns (nulls in DeviceName, ExternalUrlDomains mostly null,
/// TeamsChannelName only null) or by string functions of them, behind filters (not coded),
/// with columns also read by aggregates (those stay strings) and with keys that are not
/// strings of one column.
const GROUPINGS: &[&str] = &[
    "DataSecurityEvents | summarize n = count() by a = tolower(ActionType) | order by a asc",
    "DataSecurityEvents | summarize count() by ActionType | order by ActionType asc",
    "DataSecurityEvents | summarize count(), dcount(AccountUpn) by DeviceName, ActionType | order by DeviceName asc, ActionType asc",
    "DataSecurityEvents | where Timestamp > ago(30d) | summarize count() by ExternalUrlDomains | order by ExternalUrlDomains asc",
    "DataSecurityEvents | where ActionType =~ 'fileprinted' | summarize count() by ActionType, DeviceName | order by DeviceName asc",
    "DataSecurityEvents | summarize count() by TeamsChannelName",
    "DataSecurityEvents | summarize dcount(ActionType) by DeviceName | order by DeviceName asc",
    "DataSecurityEvents | summarize count() by ActionType, L = strlen(DeviceName) | order by ActionType asc, L asc",
    "DataSecurityEvents | summarize count() by D = substring(DeviceName, 0, 3), bin(Timestamp, 1d) | order by D asc, Timestamp asc",
    "DataSecurityEvents | summarize arg_max(Timestamp, *) by ActionType | project ActionType, Timestamp, ObjectName | order by ActionType asc",
    "DataSecurityEvents | distinct DeviceName | order by DeviceName asc",
    "DataSecurityEvents | summarize n = count() by ActionType | top 3 by n desc",
    "DataSecurityEvents | where ActionType == 'FilePrinted' | summarize n = count() by AccountUpn | order by AccountUpn asc",
    "DataSecurityEvents | summarize n = count(), m = max(ActionType) by ActionType | order by ActionType asc",
    "DataSecurityEvents | summarize n = count() by k = strcat(ActionType, DeviceName) | order by k asc",
];

const DRAWN_PER_ROW: &[&str] = &[
    "DataSecurityEvents | where strlen(DeviceName) + rand() > 20 | count",
    "DataSecurityEvents | where ActionType == 'FilePrinted' or rand() < 0.5 | count",
    "DataSecurityEvents | where strlen(DeviceName) + rand() > 20 | project DeviceName, L = strlen(DeviceName)",
];

fn sample_table() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/sample/DataSecurityEvents/part-0000.parquet")
}

/// The sample table rewritten into `dir/DataSecurityEvents`, with dictionaries or not.
fn write_copy(dir: &Path, dictionaries: bool) {
    write_part(dir, dictionaries, "part-0000.parquet");
}

fn write_part(dir: &Path, dictionaries: bool, name: &str) {
    let input = std::fs::File::open(sample_table()).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(input)
        .unwrap()
        .build()
        .unwrap();
    let table = dir.join("DataSecurityEvents");
    std::fs::create_dir_all(&table).unwrap();
    let output = std::fs::File::create(table.join(name)).unwrap();
    let properties = WriterProperties::builder()
        .set_dictionary_enabled(dictionaries)
        .set_max_row_group_row_count(Some(300))
        .build();
    let schema = datafusion::arrow::array::RecordBatchReader::schema(&reader);
    let mut writer = ArrowWriter::try_new(output, schema, Some(properties)).unwrap();
    for batch in reader {
        writer.write(&batch.unwrap()).unwrap();
    }
    writer.close().unwrap();
}

/// The sample written twice under a fresh folder (with dictionaries, and in plain pages), an
/// engine over each copy, and the runtime they run on.
fn two_copies(name: &str) -> (PathBuf, tokio::runtime::Runtime, Engine, Engine) {
    let root =
        std::env::temp_dir().join(format!("kqlite-dictionary-{name}-{}", std::process::id()));
    let (dictionary, plain) = (root.join("dictionary"), root.join("plain"));
    write_copy(&dictionary, true);
    write_copy(&plain, false);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (by_entry, by_row) = (engine(&runtime, &dictionary), engine(&runtime, &plain));
    (root, runtime, by_entry, by_row)
}

fn engine(runtime: &tokio::runtime::Runtime, dir: &Path) -> Engine {
    let mut engine = Engine::new();
    runtime.block_on(engine.attach(dir)).unwrap();
    engine.set_now(Some(NOW));
    engine
}

fn csv(runtime: &tokio::runtime::Runtime, engine: &Engine, query: &str) -> String {
    let results = runtime.block_on(engine.run(query)).unwrap();
    let mut out = Vec::new();
    for result in &results {
        print(result, Format::Csv, &mut out).unwrap();
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn dictionary_filters_keep_the_rows_plain_filters_keep() {
    let (root, runtime, by_entry, by_row) = two_copies("reads");
    let mut read_as_dictionary = 0;
    for query in QUERIES {
        let plan = runtime.block_on(by_entry.explain(query)).unwrap();
        read_as_dictionary += usize::from(plan.contains("per_dictionary_entry"));
        let plain_plan = runtime.block_on(by_row.explain(query)).unwrap();
        assert!(
            !plain_plan.contains("per_dictionary_entry"),
            "{query}: {plain_plan}"
        );
        let (got, want) = (
            csv(&runtime, &by_entry, query),
            csv(&runtime, &by_row, query),
        );
        assert_eq!(got, want, "{query}");
        assert!(want.lines().count() > 1, "{query} returns rows");
    }
    // All but the two-column comparison test a column as a dictionary.
    assert_eq!(read_as_dictionary, QUERIES.len() - 1);
    // A conjunct drawing a value per row is never answered per dictionary entry.
    for query in DRAWN_PER_ROW {
        let plan = runtime.block_on(by_entry.explain(query)).unwrap();
        assert!(!plan.contains("per_dictionary_entry"), "{query}: {plan}");
        csv(&runtime, &by_entry, query);
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn aggregations_keyed_by_dictionary_codes_give_the_groups_of_strings() {
    let (root, runtime, by_code, by_string) = two_copies("groups");
    let mut coded = Vec::new();
    for query in GROUPINGS {
        let plan = runtime.block_on(by_code.explain(query)).unwrap();
        if plan.contains("codes_per_dictionary_entry") {
            coded.push(*query);
        }
        let (got, want) = (
            csv(&runtime, &by_code, query),
            csv(&runtime, &by_string, query),
        );
        assert_eq!(got, want, "{query}");
        assert!(want.lines().count() > 1, "{query} returns rows");
    }
    // All but those behind a filter, a key whose column an aggregate also reads, and a key
    // of two columns.
    let filtered = GROUPINGS.iter().filter(|q| q.contains("where")).count();
    assert_eq!(
        coded.len(),
        GROUPINGS.len() - filtered - 2,
        "coded: {coded:#?}"
    );
    assert!(coded.iter().all(|q| !q.contains("where")));
    std::fs::remove_dir_all(&root).unwrap();
}

/// Filters that only some row groups' dictionaries pass (by a function statistics cannot
/// answer), alone or with another column's test.
const SKIPPING: &[&str] = &[
    "DataSecurityEvents | where ObjectName =~ 'ONBOARDING GUIDE V3.DOCX' | project Timestamp, ObjectName | order by Timestamp asc",
    "DataSecurityEvents | where ObjectName endswith 'Roadmap v5.xlsx' | count",
    "DataSecurityEvents | where ObjectName in~ ('design spec v5.xlsx', 'q3 forecast_74.docx') | count",
    "DataSecurityEvents | where DeviceName =~ 'NWILKE-LT14.contoso.com' and ObjectName contains 'v5' | count",
];

/// Filters every row group's dictionary passes (each holds an empty device name).
const PASSED_BY_ALL: &[&str] = &[
    "DataSecurityEvents | where ObjectName !has 'Onboarding' | count",
    "DataSecurityEvents | where isempty(DeviceName) or DeviceName =~ 'nwilke-lt14.contoso.com' | count",
    "DataSecurityEvents | where DeviceName !in~ ('nwilke-lt14.contoso.com') | count",
];

/// Asserts that both engines give the query's rows, and returns how many rows each scanned.
fn same_rows_scanning(
    runtime: &tokio::runtime::Runtime,
    (skipping, reading): (&Engine, &Engine),
    query: &str,
) -> (usize, usize) {
    let (got, want) = (csv(runtime, skipping, query), csv(runtime, reading, query));
    assert_eq!(got, want, "{query}");
    (
        rows_scanned(runtime, skipping, query),
        rows_scanned(runtime, reading, query),
    )
}

/// The rows the query's scans read.
fn rows_scanned(runtime: &tokio::runtime::Runtime, engine: &Engine, query: &str) -> usize {
    runtime.block_on(async {
        let plan = engine.plan(query).unwrap().remove(0);
        let (physical, stream) = engine.stream_physical(plan).await.unwrap();
        datafusion::physical_plan::common::collect(stream)
            .await
            .unwrap();
        scan_rows(physical.as_ref())
    })
}

fn scan_rows(plan: &dyn datafusion::physical_plan::ExecutionPlan) -> usize {
    let own = match plan.name() {
        "DataSourceExec" => plan.metrics().and_then(|m| m.output_rows()).unwrap_or(0),
        _ => 0,
    };
    own + plan
        .children()
        .iter()
        .map(|c| scan_rows(c.as_ref()))
        .sum::<usize>()
}

#[test]
fn row_groups_no_dictionary_entry_passes_are_not_read() {
    let (root, runtime, skipping, reading) = two_copies("skips");
    for query in SKIPPING {
        let (read, all) = same_rows_scanning(&runtime, (&skipping, &reading), query);
        assert!(
            all > 2000 && read < all,
            "{query}: {read} of {all} rows read"
        );
        let analyzed = runtime.block_on(skipping.analyze(query)).unwrap();
        let first = analyzed.lines().next().unwrap();
        assert!(
            first.contains("row groups skipped by their dictionaries"),
            "{first}"
        );
    }
    for query in PASSED_BY_ALL {
        assert_eq!(
            csv(&runtime, &skipping, query),
            csv(&runtime, &reading, query)
        );
        assert_eq!(
            rows_scanned(&runtime, &skipping, query),
            rows_scanned(&runtime, &reading, query),
            "{query}"
        );
    }
    // A table of two files, one with dictionaries and one without: the first one's row
    // groups are still skipped, though the column is read as strings.
    let (mixed, both_plain) = (root.join("mixed"), root.join("both-plain"));
    write_part(&mixed, true, "part-0000.parquet");
    write_part(&mixed, false, "part-0001.parquet");
    write_part(&both_plain, false, "part-0000.parquet");
    write_part(&both_plain, false, "part-0001.parquet");
    let (skipping, reading) = (engine(&runtime, &mixed), engine(&runtime, &both_plain));
    for query in SKIPPING {
        let (read, all) = same_rows_scanning(&runtime, (&skipping, &reading), query);
        assert!(
            read < all && read > all / 2,
            "{query}: {read} of {all} rows read"
        );
        let plan = runtime.block_on(skipping.explain(query)).unwrap();
        assert!(!plan.contains("per_dictionary_entry"), "{query}: {plan}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}
