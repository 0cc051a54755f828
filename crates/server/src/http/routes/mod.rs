//! The API's handlers, one module per resource. Each reads the request (path, query, body, headers), asks the
//! line on a work thread, and writes the answer; none does domain work itself. Helpers shared by them are here.

mod agreements;
mod conflicts;
mod credentials;
mod declarations;
mod live;
pub(crate) mod log;
mod messages;
mod notifications;
mod ops;
mod report;

pub(crate) use {
    agreements::*, conflicts::*, credentials::*, declarations::*, live::*, log::*, messages::*,
    notifications::*, ops::*, report::*,
};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::line;
use crate::problem::Problem;
use crate::LineError;

pub(crate) fn parse_body(bytes: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(bytes)
        .map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))
}

/// `If-Match: "3"` (or `3`) → 3.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or_default().trim().trim_matches('"');
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::bad_request(format!("If-Match {text:?} is not a version number")))
}

pub(crate) fn with_etag(status: StatusCode, version: u64, body: Value) -> Response {
    (
        status,
        [(header::ETAG, format!("\"{version}\""))],
        Json(body),
    )
        .into_response()
}

/// The page a list request asks for: `limit` (1 to the line's `page_max`) and `after` (the `next` of the
/// page before).
pub(crate) fn page_of(
    q: &std::collections::HashMap<String, String>,
) -> Result<line::Page, Problem> {
    let limit = match q.get("limit") {
        None => None,
        Some(n) => Some(n.parse::<usize>().map_err(|_| {
            Problem::from(LineError::Invalid {
                field: "limit".into(),
                detail: format!("limit={n:?}: expected a number of items"),
            })
        })?),
    };
    Ok(line::Page {
        limit,
        after: q.get("after").cloned(),
    })
}

/// A page of a list as answered: `{<name>: [...], next, cursor}`. Ask for the next page with `after=next`
/// (null on the last page); `cursor` is where a stream carrying every later change starts.
pub(crate) fn listed(name: &str, page: line::Listed) -> Json<Value> {
    let mut body = serde_json::Map::new();
    body.insert(name.into(), Value::Array(page.items));
    body.insert("next".into(), json!(page.next));
    body.insert("cursor".into(), json!(page.cursor));
    Json(Value::Object(body))
}
