//! The one error type of this crate. Every variant carries the data a caller
//! needs to explain the problem; `Display` renders it in one line.

use std::fmt;
use std::path::PathBuf;

use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;

use crate::warning::{Warning, WarningTotals};

/// How many warnings a `BadInput` error shows.
const SHOWN_WARNINGS: usize = 20;

#[derive(Debug)]
pub enum TableError {
    /// Reading or listing `path` failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An object store URL could not be listed or read: the URL and why.
    Storage(kqlite_storage::StorageError),
    /// `path` is not a readable Parquet file (bad magic, truncated footer, ...).
    InvalidParquet { path: PathBuf, detail: String },
    /// A documented column in a file has a type that cannot be read as the
    /// documented type; or an extra column disagrees with an earlier file.
    IncompatibleColumn(Box<ColumnMismatch>),
    /// No registry table has Parquet files under `dir`.
    NoTables {
        dir: PathBuf,
        /// A few of the folder names that would have been recognised.
        expected: Vec<&'static str>,
        /// Entries of `dir` that are not registry tables.
        unknown: Vec<String>,
    },
    /// Writing sample data to `path` failed.
    Write { path: PathBuf, detail: String },
    /// DataFusion refused the table (registration or planning).
    DataFusion(Box<DataFusionError>),
    /// Problems in input files, refused because strict mode is on; or files
    /// an import could not read (the rest was imported).
    BadInput(Vec<Warning>),
    /// A column of a text file none of whose values can be read as its type: a format
    /// kqlite does not know, which must not become a column of nulls.
    UnreadableColumn {
        path: PathBuf,
        column: String,
        values: u64,
        /// Why the first value could not be read.
        example: String,
    },
    /// A column of a table handed over in memory whose type has no Kusto counterpart.
    UnsupportedColumn {
        table: String,
        column: String,
        data_type: DataType,
    },
}

/// A column whose stored type does not fit the table (boxed in [`TableError`]
/// to keep the error small).
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMismatch {
    pub path: PathBuf,
    pub table: String,
    pub column: String,
    /// What the table needs, e.g. `datetime (Timestamp(ns, "UTC"))`.
    pub expected: String,
    pub found: DataType,
    /// Optional advice, e.g. how to store the column instead.
    pub hint: Option<String>,
}

impl fmt::Display for ColumnMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (path, table, column) = (self.path.display(), &self.table, &self.column);
        write!(
            f,
            "{path}: column {table}.{column} has type {}, ",
            self.found
        )?;
        write!(f, "which cannot be read as {}", self.expected)?;
        self.hint.iter().try_for_each(|h| write!(f, " ({h})"))
    }
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            TableError::Storage(e) => e.fmt(f),
            TableError::InvalidParquet { path, detail } => {
                write!(f, "{}: not a valid Parquet file: {detail}", path.display())
            }
            TableError::IncompatibleColumn(mismatch) => mismatch.fmt(f),
            TableError::NoTables {
                dir,
                expected,
                unknown,
            } => {
                write!(f, "{}: no tables found; ", dir.display())?;
                write!(
                    f,
                    "expected <Table>/**/*.parquet, <Table>.parquet, <Table>.csv, "
                )?;
                write!(f, "Graph or streaming API JSON ")?;
                write!(f, "with <Table> one of {}, ...", expected.join(", "))?;
                if unknown.is_empty() {
                    return Ok(());
                }
                write!(f, "; not recognised: {}", unknown.join(", "))
            }
            TableError::Write { path, detail } => {
                write!(f, "{}: cannot write: {detail}", path.display())
            }
            TableError::DataFusion(e) => write!(f, "DataFusion: {e}"),
            TableError::UnsupportedColumn {
                table,
                column,
                data_type,
            } => write!(
                f,
                "not supported yet: column {column} of {table} has the type {data_type}, which no Kusto type holds"
            ),
            TableError::UnreadableColumn {
                path,
                column,
                values,
                example,
            } => write!(
                f,
                "{}: column {column}: none of its {values} values can be read ({example})",
                path.display()
            ),
            TableError::BadInput(warnings) => {
                let totals = WarningTotals::of(warnings);
                write!(f, "problems in the input ({totals})")?;
                for w in warnings.iter().take(SHOWN_WARNINGS) {
                    write!(f, "\n  {w}")?;
                }
                if warnings.len() > SHOWN_WARNINGS {
                    write!(f, "\n  ... {} more", warnings.len() - SHOWN_WARNINGS)?;
                }
                Ok(())
            }
        }
    }
}

impl TableError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> TableError {
        TableError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn from_arrow(e: ArrowError) -> TableError {
        TableError::DataFusion(Box::new(DataFusionError::ArrowError(Box::new(e), None)))
    }

    pub(crate) fn write(path: impl Into<PathBuf>, detail: impl fmt::Display) -> TableError {
        TableError::Write {
            path: path.into(),
            detail: detail.to_string(),
        }
    }
}

impl std::error::Error for TableError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TableError::Io { source, .. } => Some(source),
            TableError::DataFusion(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl From<kqlite_storage::StorageError> for TableError {
    fn from(e: kqlite_storage::StorageError) -> TableError {
        TableError::Storage(e)
    }
}

impl From<DataFusionError> for TableError {
    fn from(e: DataFusionError) -> TableError {
        TableError::DataFusion(Box::new(e))
    }
}
