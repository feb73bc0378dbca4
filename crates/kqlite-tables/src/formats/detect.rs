//! Which export format a file is, and which table it holds when the format
//! does not say (Parquet, Graph JSON and CSV are one table per file).

use std::io::Read;
use std::path::Path;

use crate::schema::{table_def, TableDef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Parquet,
    /// Streaming API records, one JSON object per line, routed by `category`.
    StreamJson,
    /// A Graph `runHuntingQuery` response: `{"schema": [...], "results": [...]}`.
    GraphJson,
    /// The portal's CSV export: a header row of column names.
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::StreamJson => "streaming JSON",
            Format::GraphJson => "Graph JSON",
            Format::Csv => "CSV",
        }
    }
}

/// The format of `path` by its name (`.parquet`, `.csv`, `.json`, `.jsonl`,
/// `.ndjson`, each optionally `.gz`); JSON files are told apart by their
/// first line. None for other files.
pub fn detect_format(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "parquet" => Some(Format::Parquet),
        "csv" => Some(Format::Csv),
        "jsonl" | "ndjson" => Some(Format::StreamJson),
        "json" => sniff_json(path),
        _ => None,
    }
}

/// How much of a JSON file is looked at to tell its kind.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Streaming records are objects on one line with a `category` or
/// `properties` key; a Graph response has `schema` and `results`. Other JSON
/// files (`truth.json`, settings) are not exports: None.
fn sniff_json(path: &Path) -> Option<Format> {
    let Ok(reader) = super::open(path, &super::NoProgress) else {
        return Some(Format::StreamJson); // the error is reported when it is read
    };
    let mut head = String::new();
    let _ = reader.take(SNIFF_BYTES).read_to_string(&mut head);
    let first = head.lines().find(|l| !l.trim().is_empty())?;
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(first.trim()) {
        let has = |k: &str| map.keys().any(|key| key.eq_ignore_ascii_case(k));
        return match () {
            _ if has("category") || has("properties") => Some(Format::StreamJson),
            _ if has("schema") && has("results") => Some(Format::GraphJson),
            _ => None,
        };
    }
    // A record cut short on the first line, or a pretty-printed document.
    let record_like = first.trim_start().starts_with("{\"")
        && (first.contains("\"category\"") || first.contains("\"properties\""));
    if record_like {
        return Some(Format::StreamJson);
    }
    let lower = head.to_ascii_lowercase();
    lower.contains("\"results\"").then_some(Format::GraphJson)
}

/// The table a one-table file holds: its name up to the first character that
/// is not a letter or digit (`DataSecurityEvents.csv`,
/// `DataSecurityEvents_2025-09.csv`), or else the nearest folder between
/// `root` and the file named as a table.
pub fn table_hint(path: &Path, root: &Path) -> Option<&'static TableDef> {
    let name = path.file_name()?.to_string_lossy().into_owned();
    let stem: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if let Some(def) = table_def(&stem) {
        return Some(def);
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let folders = relative.parent()?.components().rev();
    folders
        .filter_map(|c| table_def(&c.as_os_str().to_string_lossy()))
        .next()
        .or_else(|| {
            root.file_name()
                .and_then(|n| table_def(&n.to_string_lossy()))
        })
}
