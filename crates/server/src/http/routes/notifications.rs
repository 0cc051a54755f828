//! `/v1/notifications` and `/v1/deconfliction-requests`: humanitarian notifications (notify, inbox and
//! outbox, acknowledge, re-confirm), incident reports at a notified site, and deconfliction requests.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::Line;

pub(crate) async fn notify(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let v = blocking(move || line.notify(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub(crate) async fn notifications(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let which = q.get("box").map_or("all", String::as_str).to_string();
    if !["all", "inbox", "outbox"].contains(&which.as_str()) {
        return Err(Problem::bad_request(format!(
            "box={which:?}: expected all, inbox or outbox"
        )));
    }
    let page = page_of(&q)?;
    let list = blocking(move || line.notifications_page(&party, &which, &page)).await?;
    Ok(listed("notifications", list))
}

pub(crate) async fn notification(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.notification(&party, &id)).await?,
    ))
}

pub(crate) async fn notification_action(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let reconfirm = match action.as_str() {
        "acknowledge" => false,
        "reconfirm" => true,
        _ => {
            return Err(Problem::from(crate::LineError::NotFound(format!(
                "{id}/{action}"
            ))))
        }
    };
    Ok(Json(
        blocking(move || line.notification_step(&party, &id, reconfirm)).await?,
    ))
}

pub(crate) async fn report_incident(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    // Written out on the work thread: the answer carries a proof bundle, which may be large.
    let text = blocking(move || line.report_incident(&party, body).map(|v| v.to_string())).await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

pub(crate) async fn request_deconfliction(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let v = blocking(move || line.request_deconfliction(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub(crate) async fn deconfliction_requests(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.deconfliction_page(&party, &page)).await?;
    Ok(listed("requests", list))
}

pub(crate) async fn deconfliction_request(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.deconfliction_request(&party, &id)).await?,
    ))
}

pub(crate) async fn answer_deconfliction(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let body = parse_body(&body)?;
    Ok(Json(
        blocking(move || line.answer_deconfliction(&party, &id, body)).await?,
    ))
}
