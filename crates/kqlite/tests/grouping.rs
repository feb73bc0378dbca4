//! Aggregations keyed by a string column, over drawn rows in two files of many row groups
//! (each with its own dictionary) and in plain pages, against groups made in the test. An
//! aggregation over dictionary pages groups by codes of each row group's dictionary entries;
//! the groups must be the strings' groups: a null key is the empty string's group (Kusto has
//! no null strings), case and non-ASCII letters make groups of their own, and `tolower`
//! merges them as lowercasing each character does.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use kqlite::Engine;
use serde_json::{json, Value};

#[path = "support/draws.rs"]
mod draws;
use draws::Draw;

const ROWS: usize = 4000;

const NAMES: &[&str] = &[
    "FilePrinted",
    "fileprinted",
    "FILEPRINTED",
    "FileCopiedToRemovableMedia",
    "",
    "\u{212A}elvin",
    "kelvin",
    "\u{130}stanbul",
    "istanbul",
    "straße",
    "é",
    "É",
    "a",
    "a value longer than twelve bytes",
    "A VALUE LONGER THAN TWELVE BYTES",
];

struct Row {
    id: i64,
    key: Option<String>,
    value: i64,
    maybe: Option<i64>,
}

/// Keys from the names and, in the second half, from numbered names too (so that the row
/// groups' dictionaries differ).
fn rows() -> Vec<Row> {
    let mut draw = Draw::new(13);
    (0..ROWS)
        .map(|i| {
            let key = match draw.below(12) {
                0 => None,
                1 if i >= ROWS / 2 => Some(format!("Device-{}", draw.below(40))),
                _ => Some(NAMES[draw.below(NAMES.len())].to_string()),
            };
            let value = draw.below(1000) as i64 - 300;
            let maybe = (draw.below(3) > 0).then(|| draw.below(50) as i64);
            Row {
                id: i as i64,
                key,
                value,
                maybe,
            }
        })
        .collect()
}

fn write_file(path: &Path, rows: &[Row], dictionaries: bool) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Id", DataType::Int64, false),
        Field::new("K", DataType::Utf8, true),
        Field::new("V", DataType::Int64, false),
        Field::new("W", DataType::Int64, true),
    ]));
    let columns: Vec<Arc<dyn datafusion::arrow::array::Array>> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.id))),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.key.as_deref()),
        )),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.value))),
        Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.maybe))),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let properties = WriterProperties::builder()
        .set_dictionary_enabled(dictionaries)
        .set_max_row_group_row_count(Some(300))
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        schema,
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// The rows in two files under `root/Events`.
fn write_table(root: &Path, rows: &[Row], dictionaries: bool) {
    let table = root.join("Events");
    std::fs::create_dir_all(&table).unwrap();
    let (first, second) = rows.split_at(ROWS / 2);
    write_file(&table.join("part-0000.parquet"), first, dictionaries);
    write_file(&table.join("part-0001.parquet"), second, dictionaries);
}

/// What each group gives: the row count, sum and max of V, how many W are not null, and the largest
/// id with its V (`arg_max`).
#[derive(Default)]
struct Group {
    n: i64,
    sum: i64,
    max: Option<i64>,
    counted: i64,
    last: Option<(i64, i64)>,
}

impl Group {
    fn add(&mut self, row: &Row) {
        self.n += 1;
        self.sum += row.value;
        self.max = self.max.max(Some(row.value));
        self.counted += i64::from(row.maybe.is_some());
        self.last = self.last.max(Some((row.id, row.value)));
    }

    fn json(&self) -> Value {
        let (id, v) = self.last.unwrap();
        json!([self.n, self.sum, self.max, self.counted, id, v])
    }
}

fn groups<'a>(
    rows: impl IntoIterator<Item = &'a Row>,
    key: impl Fn(&str) -> String,
) -> BTreeMap<String, Value> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for row in rows {
        let k = key(row.key.as_deref().unwrap_or(""));
        groups.entry(k).or_default().add(row);
    }
    groups.into_iter().map(|(k, g)| (k, g.json())).collect()
}

/// `count(W)` counts rows, nulls too, as Kusto does (recorded on the real engine).
const AGGREGATES: &str = "n = count(), s = sum(V), m = max(V), c = countif(isnotnull(W)), \
     w = count(W), a = arg_max(Id, V)";

fn answer(
    runtime: &tokio::runtime::Runtime,
    engine: &Engine,
    query: &str,
) -> BTreeMap<String, Value> {
    let results = runtime.block_on(engine.run(query)).unwrap();
    let mut out = Vec::new();
    kqlite::output::print(&results[0], kqlite::output::Format::Json, &mut out).unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&out).unwrap();
    rows.iter()
        .map(|r| {
            let key = r["k"].as_str().unwrap_or_default().to_string();
            assert_eq!(r["w"], r["n"], "count(W) counts every row");
            (key, json!([r["n"], r["s"], r["m"], r["c"], r["a"], r["V"]]))
        })
        .collect()
}

fn root() -> PathBuf {
    std::env::temp_dir().join(format!("kqlite-grouping-{}", std::process::id()))
}

#[test]
fn groups_by_dictionary_codes_are_the_groups_of_the_strings() {
    let (rows, root) = (rows(), root());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // .NET's case rule: one char to one char (`ß` keeps its case, `İ` lowers to `i`).
    let fold = |k: &str| -> String {
        k.chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect()
    };
    let upper_of = |k: &str| -> String {
        k.chars()
            .map(|c| {
                let mut upper = c.to_uppercase();
                match (upper.next(), upper.next()) {
                    (Some(one), None) => one,
                    _ => c,
                }
            })
            .collect()
    };
    let kept: Vec<&Row> = rows.iter().filter(|r| r.value > 100).collect();
    let checks: [(&str, BTreeMap<String, Value>); 5] = [
        ("by k = K", groups(&rows, str::to_string)),
        ("by k = tolower(K)", groups(&rows, fold)),
        ("by k = strcat(K, '|')", groups(&rows, |k| format!("{k}|"))),
        ("by k = toupper(K) | where k != ''", {
            let mut upper = groups(&rows, upper_of);
            upper.remove("");
            upper
        }),
        ("by k = K", groups(kept, str::to_string)),
    ];
    let mut failures = String::new();
    for (layout, dictionaries) in [("dictionary", true), ("plain", false)] {
        let dir = root.join(layout);
        write_table(&dir, &rows, dictionaries);
        let mut engine = Engine::new();
        runtime.block_on(engine.attach(&dir)).unwrap();
        for (i, (key, want)) in checks.iter().enumerate() {
            let filter = if i == checks.len() - 1 {
                "| where V > 100 "
            } else {
                ""
            };
            let query = format!("Events {filter}| summarize {AGGREGATES} {key}");
            let got = answer(&runtime, &engine, &query);
            if &got != want {
                writeln!(failures, "{layout}: {query}:\n got {got:?}\nwant {want:?}").unwrap();
            }
        }
        let plan = runtime
            .block_on(engine.explain(&format!("Events | summarize {AGGREGATES} by k = K")))
            .unwrap();
        assert_eq!(
            plan.contains("codes_per_dictionary_entry"),
            dictionaries,
            "{layout}: {plan}"
        );
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(failures.is_empty(), "{failures}");
}
