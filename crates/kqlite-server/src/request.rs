//! A Kusto request: `{"db": ..., "csl": ..., "properties": ...}` as JSON, with the request
//! properties that matter here (the query clock, its timeout and truncation), read within
//! bounds: a body past the size limit, another content type or malformed JSON is refused.

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use kqlite::limits::QueryLimits;
use serde_json::{Map, Value};

use crate::errors::KustoError;

/// A request, read.
#[derive(Debug)]
pub struct KustoRequest {
    pub database: Option<String>,
    /// The query or management command (`csl`).
    pub text: String,
    /// `query_now`: the clock of `now()` and `ago()`.
    pub now: Option<i64>,
    pub limits: QueryLimits,
    /// `kqlite_chart`: the web page asks for the chart of a `render` as SVG.
    pub chart: bool,
    /// `kqlite_chart_xmin`, `kqlite_chart_xmax`: the x range the page zoomed the chart to,
    /// over the query's own `xmin` and `xmax`.
    pub chart_x: (Option<f64>, Option<f64>),
}

/// The client's request id (`x-ms-client-request-id`), or one of ours.
pub fn request_id(headers: &HeaderMap) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    match headers
        .get("x-ms-client-request-id")
        .and_then(|v| v.to_str().ok())
    {
        Some(id) if id.len() <= 256 => id.to_string(),
        _ => format!(
            "kqlite;{}",
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
    }
}

/// Reads the request in `body`, at most `max_bytes` long; `defaults` are the server's limits.
pub async fn read(
    headers: &HeaderMap,
    body: Body,
    max_bytes: usize,
    defaults: QueryLimits,
) -> Result<KustoRequest, KustoError> {
    check_content_type(headers)?;
    let bytes = axum::body::to_bytes(body, max_bytes).await.map_err(|_| {
        KustoError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "General_BadRequest",
            format!("the request is larger than {max_bytes} bytes, or could not be read"),
        )
    })?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| KustoError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let Value::Object(fields) = value else {
        return Err(KustoError::bad_request(
            "the request body must be a JSON object",
        ));
    };
    let text = match fields.get("csl") {
        Some(Value::String(text)) if !text.trim().is_empty() => text.clone(),
        _ => {
            return Err(KustoError::bad_request(
                "the request has no query text (`csl`)",
            ))
        }
    };
    let database = fields.get("db").and_then(Value::as_str).map(str::to_string);
    let options = options(fields.get("properties"))?;
    let mut request = KustoRequest {
        database,
        text,
        now: None,
        limits: defaults,
        chart: false,
        chart_x: (None, None),
    };
    apply_options(&mut request, &options)?;
    request.limits = request.limits.with_sets_of(&request.text);
    Ok(request)
}

fn check_content_type(headers: &HeaderMap) -> Result<(), KustoError> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = given.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    Err(KustoError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "General_BadRequest",
        format!("the request's Content-Type is {given:?}; Kusto's API takes application/json"),
    ))
}

/// The `Options` of the request properties, which clients send as an object or as the text
/// of one.
fn options(properties: Option<&Value>) -> Result<Map<String, Value>, KustoError> {
    let properties = match properties {
        None | Some(Value::Null) => return Ok(Map::new()),
        Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
            KustoError::bad_request(format!("the request properties are not valid JSON: {e}"))
        })?,
        Some(other) => other.clone(),
    };
    match properties.get("Options") {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(options)) => Ok(options.clone()),
        Some(_) => Err(KustoError::bad_request(
            "the request properties' Options must be an object",
        )),
    }
}

/// The options that change how the query runs; others are accepted and ignored.
fn apply_options(
    request: &mut KustoRequest,
    options: &Map<String, Value>,
) -> Result<(), KustoError> {
    // `notruncation` lifts the truncation limits whatever order they come in.
    let (lifts, others): (Vec<_>, Vec<_>) = options
        .iter()
        .partition(|(name, _)| name.eq_ignore_ascii_case("notruncation"));
    for (name, value) in others.into_iter().chain(lifts) {
        let invalid =
            || KustoError::bad_request(format!("the request option {name} = {value} is not valid"));
        let limits = &mut request.limits;
        match name.to_ascii_lowercase().as_str() {
            "query_now" => {
                request.now = Some(
                    value
                        .as_str()
                        .and_then(kqlite::parse_datetime)
                        .ok_or_else(invalid)?,
                )
            }
            "servertimeout" => limits.timeout = Some(timespan(value).ok_or_else(invalid)?),
            "norequesttimeout" if truthy(value) => limits.timeout = None,
            "notruncation" if truthy(value) => {
                (limits.max_records, limits.max_bytes) = (None, None)
            }
            "truncationmaxrecords" => limits.max_records = Some(count(value).ok_or_else(invalid)?),
            "truncationmaxsize" => limits.max_bytes = Some(count(value).ok_or_else(invalid)?),
            "kqlite_chart" => request.chart = truthy(value),
            "kqlite_chart_xmin" => request.chart_x.0 = Some(value.as_f64().ok_or_else(invalid)?),
            "kqlite_chart_xmax" => request.chart_x.1 = Some(value.as_f64().ok_or_else(invalid)?),
            _ => {}
        }
    }
    Ok(())
}

fn truthy(value: &Value) -> bool {
    matches!(value, Value::Bool(true))
        || value
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

fn count(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

/// A timespan as clients send it: `00:04:00`, `4m`, or Python's `0:04:00`.
fn timespan(value: &Value) -> Option<std::time::Duration> {
    let nanos = kqlite_parser::parse_timespan_text(value.as_str()?)?;
    u64::try_from(nanos)
        .ok()
        .map(std::time::Duration::from_nanos)
}
