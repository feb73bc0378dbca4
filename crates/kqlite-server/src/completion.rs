//! `POST /v1/kqlite/complete`: the web page's completion, by the REPL's rules
//! (`kqlite::completion`) over this server's tables: the body is `{"text": ..., "cursor":
//! BYTE_OFFSET}`, the answer `{"word": ..., "items": [{"display": ..., "replacement": ...}]}`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::{request, KustoError, Server};

/// At most this many words in an answer: a list to pick from, not a catalogue.
const MOST: usize = 100;

pub(crate) async fn complete(
    State(server): State<Arc<Server>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match answer(server, &headers, body).await {
        Ok(json) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json.to_string(),
        )
            .into_response(),
        Err(error) => error.response(&request::request_id(&headers)),
    }
}

async fn answer(server: Arc<Server>, headers: &HeaderMap, body: Body) -> Result<Value, KustoError> {
    server.authorize(headers)?;
    let bytes = axum::body::to_bytes(body, server.options.max_request_bytes)
        .await
        .map_err(|_| KustoError::bad_request("the request body is too large"))?;
    let (text, cursor) = text_and_cursor(&bytes)?;
    // Columns come from planning the pipeline, which may run a `toscalar`: off the runtime.
    let planned = tokio::task::spawn_blocking(move || {
        let analysis = kqlite::completion::analyze(&text, cursor);
        let found = kqlite::completion::candidates(&analysis, &server.engine);
        (analysis.word, found)
    });
    let (word, found) = planned
        .await
        .map_err(|_| KustoError::bad_request("completion failed"))?;
    let items: Vec<Value> = found
        .into_iter()
        .take(MOST)
        .map(|c| json!({"display": c.display, "replacement": c.replacement}))
        .collect();
    Ok(json!({ "word": word, "items": items }))
}

/// The text and the cursor (moved back onto a character boundary, within the text).
fn text_and_cursor(body: &[u8]) -> Result<(String, usize), KustoError> {
    let parsed: Value = serde_json::from_slice(body)
        .map_err(|e| KustoError::bad_request(format!("the body is not JSON: {e}")))?;
    let text = parsed["text"].as_str().ok_or_else(|| {
        KustoError::bad_request(
            "the body needs \"text\" (the query) and \"cursor\" (a byte offset)",
        )
    })?;
    let mut cursor = parsed["cursor"]
        .as_u64()
        .map_or(text.len(), |c| c as usize)
        .min(text.len());
    while !text.is_char_boundary(cursor) {
        cursor -= 1;
    }
    Ok((text.to_string(), cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_stays_inside_the_text_on_a_character() {
        // "print été": the first "é" spans bytes 6 and 7.
        let body = br#"{"text": "print \u00e9t\u00e9", "cursor": 7}"#;
        assert_eq!(text_and_cursor(body).unwrap().1, 6);
        let past = br#"{"text": "print", "cursor": 99}"#;
        assert_eq!(text_and_cursor(past).unwrap().1, 5);
        assert!(text_and_cursor(br#"{"cursor": 1}"#).is_err());
    }
}
