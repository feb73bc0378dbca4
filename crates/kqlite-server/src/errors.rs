//! Errors as Kusto reports them: an HTTP status and a `{"error": {...}}` body (before any
//! result was sent), or the same object inside the result stream (after): Kusto's clients
//! raise both with the `@message` text.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// One error, in Kusto's terms.
#[derive(Debug, Clone)]
pub struct KustoError {
    pub status: StatusCode,
    /// Kusto's error code (`General_BadRequest`, `LimitsExceeded`...).
    pub code: &'static str,
    /// The exception type Kusto names (`@type`).
    pub kind: &'static str,
    /// What went wrong, for a person (`@message`).
    pub message: String,
    /// Line and column in the query, from 1.
    pub position: Option<(usize, usize)>,
}

impl KustoError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        let kind = match status {
            StatusCode::UNAUTHORIZED => {
                "Kusto.Common.Svc.Exceptions.UnauthorizedOperationException"
            }
            StatusCode::FORBIDDEN => "Kusto.Data.Exceptions.ForbiddenOperationException",
            StatusCode::TOO_MANY_REQUESTS => "Kusto.DataNode.Exceptions.ThrottledException",
            s if s.is_server_error() => "Kusto.Data.Exceptions.KustoServiceException",
            _ => "Kusto.Data.Exceptions.KustoBadRequestException",
        };
        KustoError {
            status,
            code,
            kind,
            message: message.into(),
            position: None,
        }
    }

    /// A request that cannot be read (400).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "General_BadRequest", message)
    }

    /// A query's error: a syntax or semantic error points at its line and column.
    pub fn query(error: &kqlite::Error, text: &str) -> Self {
        let position = error
            .span()
            .map(|span| kqlite::diagnostic::line_column(text, span.start));
        let (kind, prefix) = match error {
            e if e.is_syntax() => ("Kusto.Data.Exceptions.SyntaxException", "Syntax error"),
            kqlite::Error::Plan(_) => ("Kusto.Data.Exceptions.SemanticException", "Semantic error"),
            _ => (
                "Kusto.Data.Exceptions.KustoServiceException",
                "Query execution has failed",
            ),
        };
        let place = position.map_or(String::new(), |(l, c)| format!(" (line {l}, column {c})"));
        let status = if error.is_internal() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::BAD_REQUEST
        };
        KustoError {
            status,
            code: "General_BadRequest",
            kind,
            message: format!("{prefix}: {error}{place}"),
            position,
        }
    }

    /// The OneApi error object, `{"error": {...}}`.
    pub fn to_json(&self, request_id: &str) -> Value {
        let mut error = json!({
            "code": self.code,
            "message": summary(self.status),
            "@type": self.kind,
            "@message": self.message,
            "@context": { "clientRequestId": request_id, "service": "kqlite" },
            "@permanent": !matches!(self.status, StatusCode::TOO_MANY_REQUESTS),
        });
        if let Some((line, column)) = self.position {
            error["@line"] = json!(line);
            error["@column"] = json!(column);
        }
        json!({ "error": error })
    }

    /// The HTTP answer for an error met before any result was sent.
    pub fn response(&self, request_id: &str) -> Response {
        let body = self.to_json(request_id).to_string();
        let headers = [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                header::HeaderName::from_static("x-ms-client-request-id"),
                request_id.to_string(),
            ),
        ];
        (self.status, headers, body).into_response()
    }
}

/// Kusto's short `message`, by status; the detail is in `@message`.
fn summary(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => "Unauthorized",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests",
        s if s.is_server_error() => "Internal service error",
        _ => "Request is invalid and cannot be executed.",
    }
}
