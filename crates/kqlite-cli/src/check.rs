//! `kqlite check FILE_OR_DIR...`: parse every query of a query library and report each
//! failure as `file:line:col: message`, then `N parsed, M failed`.
//!
//! A file holds one query, or several separated by blank lines. The whole file is tried
//! first (a query may contain blank lines); when it fails and the file has several
//! blank-line-separated chunks, each chunk is a query of its own, and a chunk that starts
//! with `|` continues the one before it.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kqlite_parser::{parse_query, split_queries, ParseError};

/// Extensions read when walking a directory; any file named explicitly is read.
const DIR_EXTENSIONS: &[&str] = &["kql"];

/// Check `paths` (files, or directories walked recursively for `*.kql`) and print the report.
pub fn run(paths: &[PathBuf]) -> ExitCode {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let tally = check_paths(paths, &mut out);
    let ok = writeln!(out, "{} parsed, {} failed", tally.parsed, tally.failed).is_ok();
    if ok && tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Counts of queries parsed and failed (a file that cannot be read counts as one failure).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub parsed: usize,
    pub failed: usize,
}

/// Check every file under `paths`, writing one line per failure to `out`.
pub fn check_paths(paths: &[PathBuf], out: &mut dyn Write) -> Tally {
    let mut tally = Tally::default();
    for path in paths {
        let mut files = Vec::new();
        if let Err(e) = collect(path, true, &mut files) {
            let _ = writeln!(out, "{}: {e}", path.display());
            tally.failed += 1;
        }
        for file in files {
            check_file(&file, out, &mut tally);
        }
    }
    tally
}

/// `path` itself when it is a file; the `*.kql` files below it, sorted, when a directory.
fn collect(path: &Path, explicit: bool, files: &mut Vec<PathBuf>) -> io::Result<()> {
    if !path.is_dir() {
        let wanted = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| DIR_EXTENSIONS.contains(&e));
        if explicit || wanted {
            files.push(path.to_path_buf());
        }
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        collect(&entry, false, files)?;
    }
    Ok(())
}

fn check_file(path: &Path, out: &mut dyn Write, tally: &mut Tally) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(out, "{}: {e}", path.display());
            tally.failed += 1;
            return;
        }
    };
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let byte = e.valid_up_to();
            let _ = writeln!(out, "{}: not UTF-8 text (byte {byte})", path.display());
            tally.failed += 1;
            return;
        }
    };
    for (offset, error) in check_text(text, tally) {
        let shifted = ParseError {
            span: kqlite_parser::Span::new(error.span.start + offset, error.span.end + offset),
            ..error
        };
        let (line, col) = shifted.line_col(text);
        let _ = writeln!(out, "{}:{line}:{col}: {}", path.display(), shifted.message);
    }
}

/// Parse the queries of one file; returns each failure with the offset of its query.
fn check_text(text: &str, tally: &mut Tally) -> Vec<(usize, ParseError)> {
    let chunks = queries(text);
    if chunks.is_empty() {
        return Vec::new();
    }
    let whole = parse_query(text);
    if whole.is_ok() || chunks.len() == 1 {
        return record(tally, whole.err().map(|e| (0, e)));
    }
    let mut failures = Vec::new();
    for (offset, chunk) in chunks {
        if let Some(e) = record(tally, parse_query(chunk).err().map(|e| (offset, e))).pop() {
            failures.push(e);
        }
    }
    failures
}

fn record(tally: &mut Tally, failure: Option<(usize, ParseError)>) -> Vec<(usize, ParseError)> {
    match failure {
        Some(f) => {
            tally.failed += 1;
            vec![f]
        }
        None => {
            tally.parsed += 1;
            Vec::new()
        }
    }
}

/// The blank-line-separated chunks of `text`, a chunk that starts with `|` joined to the one
/// before it.
fn queries(text: &str) -> Vec<(usize, &str)> {
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (offset, chunk) in split_queries(text) {
        let end = offset + chunk.len();
        let continues = chunk.trim_start().starts_with('|');
        match merged.last_mut() {
            Some(last) if continues => last.1 = end,
            _ => merged.push((offset, end)),
        }
    }
    merged
        .into_iter()
        .map(|(start, end)| (start, &text[start..end]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Tally, Vec<String>) {
        // A folder per text: the tests run at once.
        let folder = format!("kqlite-check-{}-{}", std::process::id(), text.len());
        let dir = std::env::temp_dir().join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("q.kql");
        std::fs::write(&file, text).unwrap();
        let mut out = Vec::new();
        let tally = check_paths(std::slice::from_ref(&file), &mut out);
        std::fs::remove_dir_all(&dir).unwrap();
        let out = String::from_utf8(out).unwrap();
        let name = file.display().to_string();
        let lines = out.lines().map(|l| l.replace(&name, "F")).collect();
        (tally, lines)
    }

    #[test]
    fn one_query_with_blank_lines_inside() {
        let (tally, lines) = check("let x = 1;\n\nT\n| where a == x\n\n| take 5\n");
        assert_eq!(
            tally,
            Tally {
                parsed: 1,
                failed: 0
            }
        );
        assert!(lines.is_empty());
    }

    #[test]
    fn several_queries_report_file_positions() {
        let (tally, lines) = check("T | take 1\n\nU\n| wherre x\n\nV | count\n");
        assert_eq!(
            tally,
            Tally {
                parsed: 2,
                failed: 1
            }
        );
        assert_eq!(
            lines,
            ["F:4:3: unknown operator 'wherre'; did you mean 'where'?"]
        );
    }

    #[test]
    fn invalid_utf8_is_a_failure() {
        let dir = std::env::temp_dir().join(format!("kqlite-check-bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.kql");
        std::fs::write(&file, b"T | where a == \"\xff\"").unwrap();
        let mut out = Vec::new();
        let tally = check_paths(std::slice::from_ref(&dir), &mut out);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            tally,
            Tally {
                parsed: 0,
                failed: 1
            }
        );
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.ends_with("bad.kql: not UTF-8 text (byte 16)\n"),
            "{out}"
        );
    }
}
