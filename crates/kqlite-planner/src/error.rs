//! Planning errors: data with a span, rendered once at the edge (the CLI).

use std::fmt;

use datafusion::error::DataFusionError;
use datafusion::logical_expr::{LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::Span;

/// The three kinds of failure, kept apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The query is wrong: unknown column, type mismatch, bad argument.
    User,
    /// Valid KQL that kqlite does not run yet.
    NotSupported,
    /// A bug in kqlite.
    Internal,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PlanError {
    pub kind: ErrorKind,
    pub span: Span,
    pub message: String,
    /// Extra lines such as "did you mean" or the available columns.
    pub help: Option<String>,
}

pub type PlanResult<T> = Result<T, PlanError>;

impl PlanError {
    pub fn user(span: Span, message: impl Into<String>) -> Self {
        PlanError {
            kind: ErrorKind::User,
            span,
            message: message.into(),
            help: None,
        }
    }

    pub fn not_supported(span: Span, feature: impl fmt::Display) -> Self {
        PlanError {
            kind: ErrorKind::NotSupported,
            span,
            message: format!("not supported yet: {feature}"),
            help: None,
        }
    }

    /// An error of the engine's, in Kusto's terms where it is one about types.
    pub(crate) fn engine(span: Span, error: impl fmt::Display) -> Self {
        let text = error.to_string();
        let message = crate::engine_messages::in_kusto_terms(&text).unwrap_or(text);
        PlanError::user(span, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanError {}

/// Attaches a span to DataFusion's errors on the way up.
pub(crate) trait WithSpan<T> {
    fn at(self, span: Span) -> PlanResult<T>;
}

impl<T> WithSpan<T> for Result<T, DataFusionError> {
    fn at(self, span: Span) -> PlanResult<T> {
        self.map_err(|e| {
            let text = e.strip_backtrace();
            if let Some(message) = crate::engine_messages::in_kusto_terms(&text) {
                return PlanError::user(span, message);
            }
            let kind = match &e {
                DataFusionError::NotImplemented(_) => ErrorKind::NotSupported,
                DataFusionError::Internal(_) => ErrorKind::Internal,
                _ => ErrorKind::User,
            };
            PlanError {
                kind,
                span,
                message: clean_message(&e),
                help: None,
            }
        })
    }
}

/// Builds a plan, placing any error at `span`.
pub(crate) fn build(
    builder: Result<LogicalPlanBuilder, DataFusionError>,
    span: Span,
) -> PlanResult<LogicalPlan> {
    builder.and_then(|b| b.build()).at(span)
}

/// DataFusion prefixes messages with its own error class and sometimes a backtrace hint.
fn clean_message(e: &DataFusionError) -> String {
    let text = e.strip_backtrace();
    let text = text.trim_start_matches("Error during planning: ");
    let text = text.trim_start_matches("type_coercion\ncaused by\n");
    text.to_string()
}
