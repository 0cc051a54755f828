//! `/v1/agreements`: propose, read, list, accept and suspend agreements.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::Line;

pub(crate) async fn agreements(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.agreements_page(&party, &page)).await?;
    Ok(listed("agreements", list))
}

/// `GET /v1/agreements/{id}?proposer=P` (ids live in each proposer's namespace; `proposer` names whose when
/// the caller takes part in several of that id).
pub(crate) async fn agreement(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let proposer = q.get("proposer").cloned();
    Ok(Json(
        blocking(move || line.agreement(&party, &id, proposer.as_deref())).await?,
    ))
}

pub(crate) async fn propose_agreement(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let a = blocking(move || line.propose_agreement(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// `POST /v1/agreements/{id}/accept`, or `/suspend` with `{"reason": …}`; `?proposer=P` as for reading one.
pub(crate) async fn agreement_action(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let proposer = q.get("proposer").cloned();
    let suspend = match action.as_str() {
        "accept" => None,
        "suspend" => {
            let v = if body.is_empty() {
                json!({})
            } else {
                parse_body(&body)?
            };
            Some(
                v.get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            )
        }
        _ => return Err(Problem::not_found("no such endpoint")),
    };
    Ok(Json(
        blocking(move || line.agreement_action(&party, &id, proposer.as_deref(), suspend)).await?,
    ))
}
