//! Which export format a file is, and which table it holds when the format
//! does not say (Parquet, Graph JSON and CSV are one table per file).

use std::io::Read;
use std::path::Path;

use crate::schema::{table_def_ignore_case, TableDef};

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
    // The head's last line may be cut short; whole lines must parse.
    let last = lines.len() - 1;
    let record = |(i, line): (usize, &&str)| is_record(line, i == 0 || i == last);
    lines
        .iter()
        .enumerate()
        .any(record)
        .then_some(Format::StreamJson)
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
    // Folders and files are not always cased as documented (`alertinfo/`).
    if let Some(def) = table_def_ignore_case(&stem) {
        return Some(def);
    }
    let relative = path.strip_prefix(root).unwrap_or(path);
    let folders = relative.parent()?.components().rev();
    folders
        .filter_map(|c| table_def_ignore_case(&c.as_os_str().to_string_lossy()))
        .next()
        .or_else(|| {
            root.file_name()
                .and_then(|n| table_def_ignore_case(&n.to_string_lossy()))
        })
}
