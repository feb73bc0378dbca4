//! Which export format a file is, and which table it holds when the format
//! does not say (Parquet, Graph JSON and CSV are one table per file).

use std::io::Read;
use std::path::Path;

use crate::schema::{table_def_ignore_case, table_def_or_undocumented, TableDef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Parquet,
    /// Streaming API records, one JSON object per line, routed by `category`.
    StreamJson,
    /// A Graph `runHuntingQuery` response: `{"schema": [...], "results": [...]}`.
    GraphJson,
    /// The portal's CSV export: a header row of column names.
    Csv,
    /// A JSON document of records: `[{...}, ...]` or `{"records": [...]}`.
    JsonRecords,
    /// An Event Hubs Capture file: Avro events whose bodies hold records.
    EventHubsAvro,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::StreamJson => "streaming JSON",
            Format::GraphJson => "Graph JSON",
            Format::Csv => "CSV",
            Format::JsonRecords => "JSON records",
            Format::EventHubsAvro => "Event Hubs capture",
        }
    }
}

/// The format of `path` by its name (`.parquet`, `.csv`, `.avro`, `.json`, `.jsonl`,
/// `.ndjson`, each optionally `.gz`); JSON files are told apart by their
/// first lines. None for other files.
pub fn detect_format(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "parquet" => Some(Format::Parquet),
        "csv" => Some(Format::Csv),
        "avro" => Some(Format::EventHubsAvro),
        "jsonl" | "ndjson" => Some(Format::StreamJson),
        "json" => sniff_json(path),
        _ => None,
    }
}

/// How much of a JSON file is looked at to tell its kind.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Streaming records are objects on one line with a `category` or
/// `properties` key; a Graph response has `schema` and `results`. Other JSON
/// files (`truth.json`, settings) are not exports: None. Every line of the
/// head counts, not only the first: a file whose first line is a BOM, a
/// comment or garbage still holds records, and its reader warns about the rest.
fn sniff_json(path: &Path) -> Option<Format> {
    let Ok(reader) = super::open(path, &super::NoProgress) else {
        return Some(Format::StreamJson); // the error is reported when it is read
    };
    let mut bytes = Vec::new();
    let _ = reader.take(SNIFF_BYTES).read_to_end(&mut bytes);
    // Lossy: invalid UTF-8, or a character cut at the end of the head, must not hide the rest.
    let head = String::from_utf8_lossy(&bytes);
    let head = head.trim_start_matches('\u{feff}');
    let lines: Vec<&str> = head
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if is_graph(head, lines.first().copied()?) {
        return Some(Format::GraphJson);
    }
    if is_document(head) {
        return Some(Format::JsonRecords);
    }
    // The head's last line may be cut short; whole lines must parse.
    let last = lines.len() - 1;
    let record = |(i, line): (usize, &&str)| is_record(line, i == 0 || i == last);
    let objects = || lines.iter().filter(|l| is_object(l)).count();
    // Records of the streaming API, or JSON lines of any table (two objects at least: one
    // object alone is more likely a settings file).
    (lines.iter().enumerate().any(record) || objects() >= 2).then_some(Format::StreamJson)
}

/// A document of records: an array of objects, or an object whose first key is `records`
/// (on one line, or pretty-printed).
fn is_document(head: &str) -> bool {
    let head = head.trim_start();
    if let Some(rest) = head.strip_prefix('[') {
        return rest.trim_start().starts_with(['{', ']']);
    }
    let key = head.strip_prefix('{').map(str::trim_start);
    key.and_then(|k| k.get(..9))
        .is_some_and(|k| k.eq_ignore_ascii_case("\"records\""))
}

fn is_object(line: &str) -> bool {
    line.starts_with('{')
        && matches!(
            serde_json::from_str::<serde_json::Value>(line),
            Ok(serde_json::Value::Object(_))
        )
}

/// A Graph response: one document whose first line opens it (pretty-printed) or holds it
/// whole, with `schema` and `results`.
fn is_graph(head: &str, first: &str) -> bool {
    let keys = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower.contains("\"schema\"") && lower.contains("\"results\"")
    };
    match serde_json::from_str::<serde_json::Value>(first) {
        Ok(serde_json::Value::Object(_)) => keys(first),
        _ => !first.contains("\"category\"") && keys(head),
    }
}

/// A streaming-API record on one line; a `cut` line (the head's first or last) may also be
/// one too long for the head.
fn is_record(line: &str, cut: bool) -> bool {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(line) {
        let has = |k: &str| map.keys().any(|key| key.eq_ignore_ascii_case(k));
        return has("category") || has("properties");
    }
    cut && line.starts_with("{\"")
        && (line.contains("\"category\"") || line.contains("\"properties\""))
}

/// The table a one-table file holds: the documented table that the file's name names up to
/// its first character that is not a letter or digit (`DataSecurityEvents.csv`,
/// `DataSecurityEvents_2025-09.csv`), else the nearest folder between `root` and the file,
/// or `root`, that names one (ignoring case and the prefixes of export containers,
/// `insights-logs-advancedhunting-<table>`, `am-<table>`); else an undocumented table
/// named by the top folder under `root`, the file, or `root` ([`undocumented_name`]).
pub fn table_hint(path: &Path, root: &Path) -> Option<&'static TableDef> {
    documented_hint(path, root).or_else(|| {
        let name = undocumented_name(path, root)?;
        Some(table_def_or_undocumented(&name))
    })
}

fn documented_hint(path: &Path, root: &Path) -> Option<&'static TableDef> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let stem: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    // Folders and files are not always cased as documented (`alertinfo/`).
    if let Some(def) = table_def_ignore_case(&stem) {
        return Some(def);
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let folders = relative.parent()?.components().rev();
    let named = |name: &str| table_def_ignore_case(container_table(name));
    folders
        .filter_map(|c| named(&c.as_os_str().to_string_lossy()))
        .next()
        .or_else(|| root.file_name().and_then(|n| named(&n.to_string_lossy())))
}

/// The prefixes of the containers and folders that export paths write a table into.
const CONTAINER_PREFIXES: &[&str] = &["insights-logs-advancedhunting-", "insights-logs-", "am-"];

/// A folder name without its export container's prefix.
fn container_table(folder: &str) -> &str {
    CONTAINER_PREFIXES
        .iter()
        .find_map(|p| {
            let head = folder.get(..p.len())?;
            head.eq_ignore_ascii_case(p).then(|| &folder[p.len()..])
        })
        .unwrap_or(folder)
}

/// File names that say nothing of their table (Spark's parts, the streaming API's hours).
const GENERIC_STEMS: &[&str] = &["part", "pt1h", "pt05m", "data", "export", "results"];

/// The name of a table no registry documents: the top folder under `root` that is not a
/// Hive `key=value` folder, else the file when it lies in `root` (unless its name is
/// generic), else `root`; as a KQL name (letters, digits and `_`, without a trailing
/// `_2025`-like part).
fn undocumented_name(path: &Path, root: &Path) -> Option<String> {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let mut folders = relative.parent()?.components();
    let top = folders.find_map(|c| {
        let name = c.as_os_str().to_string_lossy();
        (!name.contains('=')).then(|| kql_name(container_table(&name)))?
    });
    let stem = || {
        let name = path.file_name()?.to_string_lossy().into_owned();
        let stem = kql_name(&name)?;
        (!GENERIC_STEMS.contains(&stem.to_ascii_lowercase().as_str())).then_some(stem)
    };
    let root_name = || kql_name(container_table(&root.file_name()?.to_string_lossy()));
    top.or_else(stem).or_else(root_name)
}

/// `text` up to its first character that is not a letter, digit or `_`, without trailing
/// `_<digits>` parts; None unless it starts with a letter or `_`.
fn kql_name(text: &str) -> Option<String> {
    let mut name: &str = &text[..text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len())];
    while let Some((head, tail)) = name.rsplit_once('_') {
        if head.is_empty() || tail.is_empty() || !tail.chars().all(|c| c.is_ascii_digit()) {
            break;
        }
        name = head;
    }
    let first = name.chars().next()?;
    (first.is_ascii_alphabetic() || first == '_').then(|| name.to_string())
}
