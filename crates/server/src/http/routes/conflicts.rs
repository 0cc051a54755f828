//! `/v1/conflicts`: a party's conflicts, and its acknowledgement, acceptance or dispute of one.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde_json::Value;

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::{ConflictResponse, Line};

pub(crate) async fn conflicts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.conflicts_page(&party, &page)).await?;
    Ok(listed("conflicts", list))
}

/// `POST /v1/conflicts/{id}/acknowledge|accept|dispute`, a dispute with `{"reason": …}`.
pub(crate) async fn respond(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let response = match action.as_str() {
        "acknowledge" => ConflictResponse::Acknowledge,
        "accept" => ConflictResponse::Accept,
        "dispute" => ConflictResponse::Dispute,
        _ => return Err(Problem::not_found("no such endpoint")),
    };
    let reason = if body.is_empty() {
        None
    } else {
        let v = parse_body(&body)?;
        v.get("reason").and_then(Value::as_str).map(str::to_string)
    };
    Ok(Json(
        blocking(move || line.respond(&party, &id, response, reason)).await?,
    ))
}
