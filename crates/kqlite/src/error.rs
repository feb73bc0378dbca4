//! One error type for the whole pipeline; rendered once, by the caller, with the query text.

use std::fmt;

use datafusion::error::DataFusionError;
use kqlite_parser::ParseError;
use kqlite_planner::{ErrorKind, PlanError};
use kqlite_tables::TableError;

use crate::diagnostic;

#[derive(Debug)]
pub enum Error {
    Parse(ParseError),
    Plan(PlanError),
    Table(TableError),
    Execution(DataFusionError),
}

impl Error {
    /// The error with the query line it points at, for a terminal or a log.
    pub fn render(&self, text: &str) -> String {
        match self {
            Error::Parse(e) => {
                let notes: Vec<String> = if e.expected.is_empty() {
                    Vec::new()
                } else {
                    vec![format!("expected one of: {}", e.expected.join(", "))]
                };
                diagnostic::render(text, e.span, &e.message, &notes)
            }
            Error::Plan(e) => {
                let notes: Vec<String> = e.help.iter().cloned().collect();
                diagnostic::render(text, e.span, &e.message, &notes)
            }
            other => format!("error: {other}\n"),
        }
    }

    /// The error with its span moved by `offset` bytes: for a query that starts `offset` bytes
    /// into a larger text, such as a .kql file.
    pub fn shifted(self, offset: usize) -> Self {
        self.with_span(|at| at + offset)
    }

    /// The error with its span moved back by `offset` bytes: for a query that ran behind a
    /// prefix of `offset` bytes (such as the `let` statements of query parameters).
    pub fn shifted_back(self, offset: usize) -> Self {
        self.with_span(|at| at.saturating_sub(offset))
    }

    fn with_span(mut self, moved: impl Fn(usize) -> usize) -> Self {
        let span = match &mut self {
            Error::Parse(e) => &mut e.span,
            Error::Plan(e) => &mut e.span,
            _ => return self,
        };
        span.start = moved(span.start);
        span.end = moved(span.end);
        self
    }

    /// Where in the query the error points, when it points somewhere.
    pub fn span(&self) -> Option<kqlite_parser::Span> {
        match self {
            Error::Parse(e) => Some(e.span),
            Error::Plan(e) => Some(e.span),
            _ => None,
        }
    }

    /// Whether the query is at fault (it does not parse or does not plan) rather than the
    /// data or the machine.
    pub fn is_syntax(&self) -> bool {
        matches!(self, Error::Parse(_))
    }

    /// Whether kqlite itself is at fault (a bug to report) rather than the query or the data.
    pub fn is_internal(&self) -> bool {
        matches!(self, Error::Plan(e) if e.kind == ErrorKind::Internal)
            || matches!(self, Error::Execution(DataFusionError::Internal(m))
                if kqlite_planner::in_kusto_terms(m).is_none())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Parse(e) => write!(f, "{e}"),
            Error::Plan(e) => write!(f, "{e}"),
            Error::Table(e) => write!(f, "{e}"),
            Error::Execution(e) => write!(f, "{}", execution_message(e)),
        }
    }
}

/// A DataFusion or Arrow error in the user's terms: the cause without the engine's class
/// prefixes (`Arrow error: Compute error: ...`); a bug of ours says so.
fn execution_message(e: &DataFusionError) -> String {
    let root = e.find_root();
    if let Some(message) = kqlite_planner::in_kusto_terms(&root.strip_backtrace()) {
        return message;
    }
    if let DataFusionError::Internal(message) = root {
        return format!("internal error, a bug in kqlite: {message}");
    }
    if let DataFusionError::ResourcesExhausted(message) = root {
        return format!(
            "the query needs more memory than it may use (--memory-limit gives it more): {message}"
        );
    }
    let mut text = root.strip_backtrace();
    for prefix in [
        "Arrow error: ",
        "Compute error: ",
        "Execution error: ",
        "External error: ",
        "Error during planning: ",
        "Invalid argument error: ",
        "Cast error: ",
        "Parser error: ",
        "Object Store error: ",
    ] {
        while let Some(rest) = text.strip_prefix(prefix) {
            text = rest.to_string();
        }
    }
    match text.as_str() {
        t if t.ends_with("Divide by zero error") => "division by zero".to_string(),
        t if t.contains("overflow") => "arithmetic overflow: a result does not fit a long, or \
            a datetime is outside the range kqlite holds (1677-09-21 to 2262-04-11)"
            .to_string(),
        t if t.starts_with("Can't cast value ") => {
            let value = t["Can't cast value ".len()..]
                .split(' ')
                .next()
                .unwrap_or("");
            format!("the value {value} does not fit the type it is converted to")
        }
        _ => text,
    }
}

impl std::error::Error for Error {}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::Parse(e)
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        Error::Plan(e)
    }
}

impl From<TableError> for Error {
    fn from(e: TableError) -> Self {
        Error::Table(e)
    }
}

impl From<DataFusionError> for Error {
    fn from(e: DataFusionError) -> Self {
        Error::Execution(e)
    }
}
