//! Paths into JSON text (`parse_json(S).a.b[1]`, `["k e y"]`, negative positions) and
//! `array_length`, over drawn documents, against `serde_json`'s reading of the same text.
//! kqlite walks the text without building values, so the documents are written to trip a
//! scanner: brackets, quotes, commas and backslashes inside strings, `\u` escapes, whitespace
//! anywhere JSON allows it, nesting, and values that are not JSON at all.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::parquet::arrow::ArrowWriter;
use kqlite::Engine;
use serde_json::Value;

#[path = "support/draws.rs"]
mod draws;
use draws::Draw;

const ROWS: usize = 3000;

const KEYS: &[&str] = &["a", "b", "arr", "k e y", "é"];

const TEXTS: &[&str] = &[
    "x",
    "",
    "}",
    "]",
    "\"",
    "\\",
    ",",
    "a,b}",
    "[1,2]",
    "{\"a\":1}",
    "é",
    "line\nbreak",
    "tab\t",
    "null",
    "true",
    "12",
];

impl Draw {
    fn value(&mut self, depth: usize) -> Value {
        let kinds = if depth < 3 { 8 } else { 5 };
        match self.below(kinds) {
            0 => Value::Null,
            1 => Value::Bool(self.below(2) == 0),
            2 => Value::from(self.below(2000) as i64 - 1000),
            3 => Value::from((self.below(2000) as f64 - 1000.0) / 8.0),
            4 => Value::from(TEXTS[self.below(TEXTS.len())]),
            5 => Value::Array((0..self.below(4)).map(|_| self.value(depth + 1)).collect()),
            _ => Value::Object(
                (0..self.below(4))
                    .map(|_| {
                        (
                            KEYS[self.below(KEYS.len())].to_string(),
                            self.value(depth + 1),
                        )
                    })
                    .collect(),
            ),
        }
    }

    /// `value` as JSON text with whitespace drawn between tokens and some characters
    /// written as `\u` escapes.
    fn text(&mut self, value: &Value, out: &mut String) {
        self.space(out);
        match value {
            Value::String(s) => self.string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    out.push_str(if i > 0 { "," } else { "" });
                    self.text(item, out);
                }
                self.space(out);
                out.push(']');
            }
            Value::Object(members) => {
                out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    out.push_str(if i > 0 { "," } else { "" });
                    self.space(out);
                    self.string(key, out);
                    self.space(out);
                    out.push(':');
                    self.text(item, out);
                }
                self.space(out);
                out.push('}');
            }
            other => out.push_str(&other.to_string()),
        }
        self.space(out);
    }

    fn string(&mut self, s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' | '\\' => write!(out, "\\{c}").unwrap(),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if self.below(4) == 0 && (c as u32) < 0x10000 => {
                    write!(out, "\\u{:04x}", c as u32).unwrap()
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    fn space(&mut self, out: &mut String) {
        out.push_str([" ", "", "", "\n  ", ""][self.below(5)]);
    }
}

/// The documents: mostly objects, some other JSON values, some text that is not JSON.
fn documents() -> Vec<Option<String>> {
    let mut draw = Draw::new(3);
    (0..ROWS)
        .map(|_| match draw.below(20) {
            0 => None,
            1 => Some("not json {\"a\": 1".to_string()),
            2 => Some(String::new()),
            _ => {
                let mut value = draw.value(0);
                if draw.below(4) > 0 {
                    value = Value::Object(
                        KEYS.iter()
                            .map(|k| (k.to_string(), draw.value(1)))
                            .collect(),
                    );
                }
                let mut text = String::new();
                draw.text(&value, &mut text);
                Some(text)
            }
        })
        .collect()
}

/// A step of a path, as written in KQL and as taken in the reference.
enum Step {
    Key(&'static str),
    Index(i64),
}

const PATHS: &[&[Step]] = &[
    &[Step::Key("a")],
    &[Step::Key("b")],
    &[Step::Key("k e y")],
    &[Step::Key("é")],
    &[Step::Key("arr"), Step::Index(0)],
    &[Step::Key("arr"), Step::Index(1)],
    &[Step::Key("arr"), Step::Index(-1)],
    &[Step::Key("a"), Step::Key("b")],
    &[Step::Key("a"), Step::Index(0), Step::Key("arr")],
    &[Step::Index(0)],
    &[Step::Key("b"), Step::Key("a"), Step::Key("b")],
];

fn kql_path(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(k) if k.chars().all(|c| c.is_ascii_alphanumeric()) => format!(".{k}"),
            Step::Key(k) => format!("[\"{k}\"]"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

fn walk<'a>(mut value: &'a Value, path: &[Step]) -> Option<&'a Value> {
    for step in path {
        value = match (step, value) {
            (Step::Key(k), Value::Object(members)) => members.get(*k)?,
            (Step::Index(i), Value::Array(items)) => {
                let at = if *i < 0 { items.len() as i64 + i } else { *i };
                items.get(usize::try_from(at).ok()?)?
            }
            _ => return None,
        };
    }
    Some(value)
}

/// Numbers as floats, so that `2.5` and `2.50`, `-0.0` and `0`, compare equal.
fn normal(value: Value) -> Value {
    match value {
        Value::Number(n) => Value::from(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(normal).collect()),
        Value::Object(members) => {
            Value::Object(members.into_iter().map(|(k, v)| (k, normal(v))).collect())
        }
        other => other,
    }
}

/// Whether kqlite's `tostring()` of the value (`got`) says what the reference value says.
fn agrees(got: &str, want: Option<&Value>) -> bool {
    match want {
        None | Some(Value::Null) => got.is_empty(),
        Some(Value::String(s)) => got == s,
        Some(Value::Bool(b)) => got == b.to_string(),
        Some(Value::Number(n)) => got.parse::<f64>().ok() == n.as_f64(),
        Some(container) => {
            serde_json::from_str::<Value>(got).is_ok_and(|g| normal(g) == normal(container.clone()))
        }
    }
}

fn write_table(dir: &Path, documents: &[Option<String>]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("Id", DataType::Int64, false),
        Field::new("S", DataType::Utf8, true),
    ]));
    let ids = Int64Array::from_iter_values(0..documents.len() as i64);
    let texts = StringArray::from_iter(documents.iter().map(Option::as_deref));
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(texts)]);
    let table = dir.join("Docs");
    std::fs::create_dir_all(&table).unwrap();
    let file = std::fs::File::create(table.join("part-0000.parquet")).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch.unwrap()).unwrap();
    writer.close().unwrap();
}

/// The query's rows as JSON objects.
fn rows(runtime: &tokio::runtime::Runtime, engine: &Engine, query: &str) -> Vec<Value> {
    let results = runtime.block_on(engine.run(query)).unwrap();
    let mut out = Vec::new();
    kqlite::output::print(&results[0], kqlite::output::Format::Json, &mut out).unwrap();
    match serde_json::from_slice(&out).unwrap() {
        Value::Array(rows) => rows,
        other => panic!("{query}: {other}"),
    }
}

/// The documents written under `root` as the table `Docs`, and an engine over it.
fn attached(root: &Path, documents: &[Option<String>]) -> (tokio::runtime::Runtime, Engine) {
    write_table(root, documents);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    runtime.block_on(engine.attach(root)).unwrap();
    (runtime, engine)
}

fn root(test: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kqlite-{test}-{}", std::process::id()))
}

#[test]
fn paths_read_what_a_json_parser_reads() {
    let (documents, root) = (documents(), root("paths"));
    let (runtime, engine) = attached(&root, &documents);
    let parsed: Vec<Option<Value>> = documents
        .iter()
        .map(|d| d.as_deref().and_then(|d| serde_json::from_str(d).ok()))
        .collect();
    let (mut failures, mut found) = (String::new(), 0);
    for path in PATHS {
        let kql = kql_path(path);
        let query = format!(
            "Docs | extend d = parse_json(S) | project Id, v = tostring(d{kql}), n = array_length(d{kql}) | order by Id asc"
        );
        let got = rows(&runtime, &engine, &query);
        assert_eq!(got.len(), ROWS, "{query}");
        for (row, doc) in got.iter().zip(&parsed) {
            let want = doc.as_ref().and_then(|d| walk(d, path));
            found += usize::from(want.is_some_and(|w| !w.is_null()));
            let value = row["v"].as_str().unwrap_or_default();
            let length = want.and_then(Value::as_array).map(Vec::len);
            if !agrees(value, want) || row["n"].as_u64() != length.map(|n| n as u64) {
                let id = &row["Id"];
                let doc = &documents[id.as_u64().unwrap() as usize];
                writeln!(
                    failures,
                    "{kql} of row {id} {doc:?}: got {row}, want {want:?}"
                )
                .unwrap();
            }
        }
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(failures.is_empty(), "{failures}");
    assert!(found > PATHS.len() * ROWS / 6, "{found} values found");
}

/// What `mv-expand` makes of a value: a row per item of an array (none for an empty one), one
/// row for anything else; None for a property bag, whose rows are its properties.
fn expanded(value: Option<&Value>) -> Option<Vec<Option<&Value>>> {
    match value {
        Some(Value::Array(items)) => Some(items.iter().map(Some).collect()),
        Some(Value::Object(_)) => None,
        other => Some(vec![other]),
    }
}

#[test]
fn mv_expand_makes_the_items_a_json_parser_reads() {
    let (documents, root) = (documents(), root("mv-expand"));
    let (runtime, engine) = attached(&root, &documents);
    let query = "Docs | mv-expand with_itemindex = i x = parse_json(S).arr \
                 | project Id, i, v = tostring(x) | order by Id asc, i asc";
    let mut got: Vec<Vec<Value>> = vec![Vec::new(); ROWS];
    for row in rows(&runtime, &engine, query) {
        got[row["Id"].as_u64().unwrap() as usize].push(row["v"].clone());
    }
    let (mut failures, mut compared) = (String::new(), 0);
    let path = [Step::Key("arr")];
    for (id, document) in documents.iter().enumerate() {
        let parsed = document
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok());
        let Some(want) = expanded(parsed.as_ref().and_then(|d| walk(d, &path))) else {
            continue;
        };
        let texts = got[id].iter().map(|v| v.as_str().unwrap_or_default());
        let same = got[id].len() == want.len() && texts.zip(&want).all(|(g, w)| agrees(g, *w));
        if !same {
            writeln!(
                failures,
                "row {id} {document:?}: got {:?}, want {want:?}",
                got[id]
            )
            .unwrap();
        }
        compared += want.len();
    }
    std::fs::remove_dir_all(&root).unwrap();
    assert!(failures.is_empty(), "{failures}");
    assert!(compared > ROWS / 2, "{compared} items compared");
}
