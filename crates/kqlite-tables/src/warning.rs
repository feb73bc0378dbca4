//! Problems in input files that do not stop a load: a row that could not be
//! read (skipped), a value that could not be read as its column's type (read
//! as null), a compressed file cut short. Each names the file, and where known
//! the line (JSON lines, CSV) or result row (Graph JSON) and the column.
//! Nothing is dropped without one.

use std::fmt;
use std::path::PathBuf;

/// How many detailed warnings one file keeps; the rest are counted in one
/// [`WarningKind::More`] warning.
pub const DETAILED_PER_FILE: usize = 10;

/// Where in a file a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// The whole file.
    File,
    /// A 1-based line (JSON lines, CSV).
    Line(u64),
    /// A 0-based row of a Graph `results` array.
    Row(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// The row could not be read at all and was left out.
    SkippedRow,
    /// One value could not be read as its column's type; the row was kept with a null there.
    NullValue,
    /// The file ends early (truncated gzip, read error); the rows before were kept.
    Truncated,
    /// The file could not be read at all.
    FailedFile,
    /// `count` more problems in this file, of any kind (rows skipped: `skipped`, values
    /// read as null: `nulled`).
    More { skipped: u64, nulled: u64 },
    /// Not a problem: how the file was read where it does not say (a time zone).
    Assumption,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: PathBuf,
    pub position: Position,
    pub column: Option<String>,
    pub kind: WarningKind,
    pub message: String,
    /// How many problems this warning stands for (1, or the count of a `More`).
    pub count: u64,
}

impl Warning {
    /// Whether this is a problem in the input (strict mode refuses it), not a note.
    pub fn is_problem(&self) -> bool {
        self.kind != WarningKind::Assumption
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        match self.position {
            Position::File => {}
            Position::Line(n) => write!(f, ":{n}")?,
            Position::Row(n) => write!(f, ": result row {n}")?,
        }
        if let Some(column) = &self.column {
            write!(f, ": column {column}")?;
        }
        let what = match self.kind {
            WarningKind::SkippedRow => "row skipped: ",
            WarningKind::NullValue => "value read as null: ",
            WarningKind::Truncated => "file cut short: ",
            WarningKind::FailedFile => "file not read: ",
            WarningKind::More { .. } | WarningKind::Assumption => "",
        };
        write!(f, ": {what}{}", self.message)
    }
}

/// Totals over a list of warnings, for the line printed at the end of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WarningTotals {
    pub rows_skipped: u64,
    pub values_nulled: u64,
    pub files_cut_short: u64,
    pub files_failed: u64,
    /// Problems counted only in `More` warnings that are not skipped rows.
    pub other: u64,
}

impl WarningTotals {
    pub fn of(warnings: &[Warning]) -> WarningTotals {
        let mut t = WarningTotals::default();
        for w in warnings {
            match w.kind {
                WarningKind::SkippedRow => t.rows_skipped += w.count,
                WarningKind::NullValue => t.values_nulled += w.count,
                WarningKind::Truncated => t.files_cut_short += w.count,
                WarningKind::FailedFile => t.files_failed += w.count,
                WarningKind::More { skipped, nulled } => {
                    t.rows_skipped += skipped;
                    t.values_nulled += nulled;
                    t.other += w.count - skipped - nulled;
                }
                WarningKind::Assumption => {}
            }
        }
        t
    }
}

impl fmt::Display for WarningTotals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            (self.rows_skipped, "row", "skipped"),
            (self.values_nulled, "value", "read as null"),
            (self.other, "other value problem", ""),
            (self.files_cut_short, "file", "cut short"),
            (self.files_failed, "file", "not read"),
        ];
        let text: Vec<String> = parts
            .iter()
            .filter(|(n, ..)| *n > 0)
            .map(|(n, what, how)| {
                let s = if *n == 1 { "" } else { "s" };
                format!("{n} {what}{s} {how}").trim_end().to_string()
            })
            .collect();
        if text.is_empty() {
            return write!(f, "no problems");
        }
        write!(f, "{}", text.join(", "))
    }
}

/// The warnings of one file, capped at [`DETAILED_PER_FILE`] detailed ones.
#[derive(Debug, Default)]
pub(crate) struct FileWarnings {
    pub detailed: Vec<Warning>,
    more: u64,
    more_skipped: u64,
    more_nulled: u64,
}

impl FileWarnings {
    pub fn push(&mut self, warning: Warning) {
        let always = matches!(
            warning.kind,
            WarningKind::FailedFile | WarningKind::Assumption
        );
        if self.detailed.len() < DETAILED_PER_FILE || always {
            self.detailed.push(warning);
            return;
        }
        self.more += warning.count;
        match warning.kind {
            WarningKind::SkippedRow => self.more_skipped += warning.count,
            WarningKind::NullValue => self.more_nulled += warning.count,
            _ => {}
        }
    }

    /// The detailed warnings, then one `More` warning if any were left out.
    pub fn finish(mut self, path: &std::path::Path) -> Vec<Warning> {
        if self.more > 0 {
            self.detailed.push(Warning {
                path: path.to_path_buf(),
                position: Position::File,
                column: None,
                kind: WarningKind::More {
                    skipped: self.more_skipped,
                    nulled: self.more_nulled,
                },
                message: format!(
                    "{} more problems ({} rows skipped, {} values read as null)",
                    self.more, self.more_skipped, self.more_nulled
                ),
                count: self.more,
            });
        }
        self.detailed
    }
}
