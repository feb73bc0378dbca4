//! Every string predicate, over drawn values, in every Parquet layout, against a plain
//! reference: case-insensitive means both sides lowercased, character by character, and a
//! null string is the empty string (Kusto has no null strings). The values are made to hit
//! the kernels' edges: lengths around a view's 12 held bytes and the 16-byte words, shared
//! prefixes, letters whose lowercase is ASCII (the Kelvin sign) or longer (İ), values at the
//! end of their page, and pages that leave the dictionary mid-column.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::WriterProperties;
use kqlite::Engine;

#[path = "support/draws.rs"]
mod draws;
use draws::Draw;

const ROWS: usize = 3000;

/// Pieces values and needles are made of.
const PIECES: &[&str] = &[
    "File", "file", "FILE", "Copied", "copied", "To", "Media", ".zip", ".ZIP", "a", "A", "x",
    "\u{212A}", "k", "K", "\u{130}", "i", "ß", "é", "É", " ", "-", "2024", "ab", "AB",
];

impl Draw {
    fn text(&mut self, pieces: usize) -> String {
        (0..pieces)
            .map(|_| PIECES[self.below(PIECES.len())])
            .collect()
    }

    /// A value: null, empty, or up to eleven pieces (lengths 1 to about 40 bytes).
    fn value(&mut self) -> Option<String> {
        match self.below(20) {
            0 => None,
            1 => Some(String::new()),
            _ => {
                let pieces = 1 + self.below(11);
                Some(self.text(pieces))
            }
        }
    }
}

fn values() -> Vec<Option<String>> {
    let mut draw = Draw::new(7);
    // Few distinct values, so that dictionaries are kept, then a tail of many.
    let common: Vec<_> = (0..40).map(|_| draw.value()).collect();
    (0..ROWS)
        .map(|i| match i < ROWS / 2 {
            true => common[draw.below(common.len())].clone(),
            false => draw.value(),
        })
        .collect()
}

/// Needles: pieces alone, pairs, parts of values with their case changed, long ones.
fn needles(values: &[Option<String>]) -> Vec<String> {
    let mut draw = Draw::new(11);
    let mut out: Vec<String> = [
        "file", "FILE", "k", "kk", ".zip", "ß", "i", "e", "", "media",
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..6 {
        out.push(draw.text(2));
    }
    for _ in 0..10 {
        let Some(v) = values[draw.below(values.len())].as_ref() else {
            continue;
        };
        let chars: Vec<char> = v.chars().collect();
        let from = draw.below(chars.len() + 1);
        let to = from + draw.below(chars.len() - from + 1);
        let part: String = chars[from..to].iter().collect();
        out.push(match draw.below(2) {
            0 => part.to_uppercase(),
            _ => part,
        });
    }
    out.retain(|n| !n.contains(['"', '\\']));
    out.sort();
    out.dedup();
    out
}

fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The reference answer of `value <op> needle`.
fn reference(op: &str, value: &str, needle: &str) -> bool {
    let (v, n) = (fold(value), fold(needle));
    match op {
        "==" => value == needle,
        "=~" => v == n,
        "contains" => v.contains(&n),
        "contains_cs" => value.contains(needle),
        "startswith" => v.starts_with(&n),
        "startswith_cs" => value.starts_with(needle),
        "endswith" => v.ends_with(&n),
        "endswith_cs" => value.ends_with(needle),
        "has" => has_term(&v, &n, true, true),
        "has_cs" => has_term(value, needle, true, true),
        "hasprefix" => has_term(&v, &n, true, false),
        "hassuffix" => has_term(&v, &n, false, true),
        _ => match op.strip_prefix('!') {
            Some("=") => value != needle,
            Some("~") => v != n,
            Some(positive) => !reference(positive, value, needle),
            None => unreachable!("{op}"),
        },
    }
}

/// A term is a run of ASCII letters and digits and of characters other than ASCII: `has`
/// finds the needle starting a term (`left`) and ending one (`right`), where its own first and
/// last characters are term characters.
fn has_term(hay: &str, needle: &str, left: bool, right: bool) -> bool {
    let term = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || !c.is_ascii());
    let bounded = |i: usize| {
        let (before, after) = (
            hay[..i].chars().next_back(),
            hay[i + needle.len()..].chars().next(),
        );
        (!left || !term(needle.chars().next()) || !term(before))
            && (!right || !term(needle.chars().next_back()) || !term(after))
    };
    (0..hay.len())
        .filter(|&i| hay.is_char_boundary(i) && hay[i..].starts_with(needle))
        .any(bounded)
}

const OPS: &[&str] = &[
    "==",
    "!=",
    "=~",
    "!~",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "hasprefix",
    "!hasprefix",
    "hassuffix",
    "!hassuffix",
];

/// The rows' ids as a count and a sum, which a wrong set of rows would hardly keep both.
fn expected(values: &[Option<String>], keep: impl Fn(&str) -> bool) -> String {
    let kept: Vec<usize> = (0..values.len())
        .filter(|&i| keep(values[i].as_deref().unwrap_or("")))
        .collect();
    format!(
        "{},{}",
        kept.len(),
        kept.iter().map(|i| id(*i)).sum::<i64>()
    )
}

fn id(row: usize) -> i64 {
    (row as i64 * 7919) % 100_003
}

/// Layouts: dictionary pages, plain pages, dictionaries that overflow into plain pages
/// mid-column, and small pages (many buffers in a batch).
fn layouts() -> Vec<(&'static str, WriterProperties)> {
    let builder = || WriterProperties::builder().set_max_row_group_row_count(Some(1000));
    vec![
        ("dictionary", builder().build()),
        ("plain", builder().set_dictionary_enabled(false).build()),
        (
            "overflowing",
            builder().set_dictionary_page_size_limit(256).build(),
        ),
        (
            "small-pages",
            builder()
                .set_dictionary_enabled(false)
                .set_data_page_size_limit(512)
                .set_data_page_row_count_limit(37)
                .set_write_batch_size(37)
                .build(),
        ),
    ]
}

fn write_table(dir: &Path, values: &[Option<String>], properties: WriterProperties) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Id", DataType::Int64, false),
        Field::new("S", DataType::Utf8, true),
    ]));
    let ids = Int64Array::from_iter_values((0..values.len()).map(id));
    let texts = StringArray::from_iter(values.iter().map(Option::as_deref));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(texts)]);
    let table = dir.join("Texts");
    std::fs::create_dir_all(&table).unwrap();
    let file = std::fs::File::create(table.join("part-0000.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, Some(properties)).unwrap();
    writer.write(&batch.unwrap()).unwrap();
    writer.close().unwrap();
}

fn engine(runtime: &tokio::runtime::Runtime, dir: &Path) -> Engine {
    let mut engine = Engine::new();
    runtime.block_on(engine.attach(dir)).unwrap();
    engine
}

/// The query's one row as `n,s`.
fn answer(runtime: &tokio::runtime::Runtime, engine: &Engine, query: &str) -> String {
    let results = runtime.block_on(engine.run(query)).unwrap();
    let mut out = Vec::new();
    kqlite::output::print(&results[0], kqlite::output::Format::Csv, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    text.lines().nth(1).unwrap_or_default().to_string()
}

/// Patterns for `matches regex`, whose kernel rules values out by the bytes every match holds
/// before it runs the automaton; the reference runs the automaton on every value.
const PATTERNS: &[&str] = &[
    "^File",
    "(?i)^file",
    "(?i)k",
    r"\.(zip|ZIP)$",
    "Copied.*Media",
    "(?i)file.?copied",
    "[0-9]{4}",
    "ß|é",
    "^$",
    "^a",
    "A$",
    "",
];

/// The kept rows' count and the sum of their ids.
const SUMMARY: &str = "summarize n = count(), s = sum(Id) | extend s = coalesce(s, 0)";

fn root() -> PathBuf {
    std::env::temp_dir().join(format!("kqlite-string-predicates-{}", std::process::id()))
}

#[test]
fn every_predicate_keeps_the_rows_the_reference_keeps() {
    let (values, runtime, root) = (values(), tokio::runtime::Runtime::new().unwrap(), root());
    let needles = needles(&values);
    let mut failures = String::new();
    let mut checked = 0;
    for (layout, properties) in layouts() {
        let dir = root.join(layout);
        write_table(&dir, &values, properties);
        let engine = engine(&runtime, &dir);
        let mut check = |test: String, keep: &dyn Fn(&str) -> bool| {
            let query = format!("Texts | where S {test} | {SUMMARY}");
            let (got, want) = (answer(&runtime, &engine, &query), expected(&values, keep));
            if got != want {
                writeln!(failures, "{layout}: {query}: got {got}, want {want}").unwrap();
            }
            checked += 1;
        };
        for op in OPS {
            for needle in needles
                .iter()
                .filter(|n| !n.is_empty() || !op.contains("has"))
            {
                check(format!("{op} \"{needle}\""), &|v| reference(op, v, needle));
            }
        }
        for pattern in PATTERNS {
            let regex = regex::Regex::new(pattern).unwrap();
            check(format!("matches regex @\"{pattern}\""), &|v| {
                regex.is_match(v)
            });
        }
        for list in needles.windows(3) {
            let quoted = list.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>();
            let (cs, ci) = (
                |v: &str| list.iter().any(|n| n == v),
                |v: &str| list.iter().any(|n| fold(n) == fold(v)),
            );
            for (op, positive) in [("in", true), ("!in", false), ("in~", true), ("!in~", false)] {
                let test = format!("{op} ({})", quoted.join(", "));
                match op.ends_with('~') {
                    true => check(test, &|v| ci(v) == positive),
                    false => check(test, &|v| cs(v) == positive),
                }
            }
            let terms: Vec<_> = list.iter().filter(|n| !n.is_empty()).collect();
            let list = terms.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>();
            let has = |v: &str, n: &str| reference("has", v, n);
            let test = format!("has_any ({})", list.join(", "));
            check(test, &|v| terms.iter().any(|n| has(v, n)));
            let test = format!("has_all ({})", list.join(", "));
            check(test, &|v| terms.iter().all(|n| has(v, n)));
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(failures.is_empty(), "{failures}");
    assert!(checked > 4 * OPS.len() * 20, "{checked} queries");
}
