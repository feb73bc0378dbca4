//! `kqlite import SOURCE... --to DIR [--strict]`: a progress bar around
//! `kqlite_tables::import::import`, then the warnings and the throughput.
//!
//! The bar is indicatif's: it keeps the redraw rate low, fits the terminal
//! width, and draws nothing when stderr is not a terminal.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use kqlite_tables::import::{import, input_bytes, ImportOptions};
use kqlite_tables::{ExportZone, Progress, WarningTotals};

/// How many warnings are printed one per line; the rest are counted.
const SHOWN_WARNINGS: usize = 20;

/// Runs the import; false when it failed (already reported).
pub fn run(sources: &[PathBuf], to: &Path, strict: bool, zone: ExportZone) -> bool {
    let mut options = ImportOptions::new(to);
    options.strict = strict;
    options.export_zone = zone;
    let (files, bytes) = match input_bytes(sources, to) {
        Ok(sizes) => sizes,
        Err(e) => return fail(&e.to_string()),
    };
    let bar = Bar::new(files, bytes);
    let outcome = import(sources, &options, &bar);
    bar.bar.finish_and_clear();
    let summary = match outcome {
        Ok(summary) => summary,
        Err(e) => return fail(&e.to_string()),
    };
    for w in summary.warnings.iter().filter(|w| !w.is_problem()) {
        eprintln!("note: {w}");
    }
    for w in summary
        .warnings
        .iter()
        .filter(|w| w.is_problem())
        .take(SHOWN_WARNINGS)
    {
        eprintln!("warning: {w}");
    }
    if summary.warnings.len() > SHOWN_WARNINGS {
        eprintln!(
            "warning: ... {} more",
            summary.warnings.len() - SHOWN_WARNINGS
        );
    }
    for e in &summary.errors {
        eprintln!("error: {e}");
    }
    println!("{summary}");
    let all: Vec<_> = summary
        .errors
        .iter()
        .chain(&summary.warnings)
        .cloned()
        .collect();
    if !all.is_empty() {
        eprintln!("problems in the input: {}", WarningTotals::of(&all));
    }
    if summary.failed(strict) {
        if strict && !summary.warnings.is_empty() {
            eprintln!("error: --strict: files with problems were not imported");
        }
        return false;
    }
    true
}

fn fail(message: &str) -> bool {
    eprintln!("error: {message}");
    false
}

/// Bytes read against the input size; files and rows in the message.
struct Bar {
    bar: ProgressBar,
    files: u64,
    done: AtomicU64,
    rows: AtomicU64,
}

impl Bar {
    fn new(files: u64, bytes: u64) -> Bar {
        let target = if io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(bytes), target);
        let template =
            "{spinner} [{elapsed_precise}] {wide_bar} {binary_bytes}/{binary_total_bytes} \
                        ({binary_bytes_per_sec}) {msg}";
        let style =
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        let me = Bar {
            bar,
            files,
            done: AtomicU64::new(0),
            rows: AtomicU64::new(0),
        };
        me.message();
        me
    }

    fn message(&self) {
        let (done, rows) = (self.done.load(Relaxed), self.rows.load(Relaxed));
        self.bar
            .set_message(format!("files {done}/{} rows {rows}", self.files));
    }
}

impl Progress for Bar {
    fn bytes(&self, n: u64) {
        self.bar.inc(n);
    }

    fn rows(&self, n: u64) {
        self.rows.fetch_add(n, Relaxed);
        self.message();
    }

    fn file_done(&self, _path: &Path) {
        self.done.fetch_add(1, Relaxed);
        self.message();
    }
}
