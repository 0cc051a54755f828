//! `/v1/declarations`: create, replace, read, list (with filters and pages), state changes, preview and
//! advice.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::Value;

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::line;
use crate::problem::Problem;
use crate::{Line, LineError};

pub(crate) async fn create(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let d = blocking(move || line.declare(&party, body)).await?;
    Ok(with_etag(StatusCode::CREATED, d.version, d.body))
}

pub(crate) async fn replace(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let expected = if_match(&headers)?;
    let body = parse_body(&body)?;
    let d = blocking(move || line.new_version(&party, &id, expected, body)).await?;
    Ok(with_etag(StatusCode::OK, d.version, d.body))
}

/// `POST /v1/declarations/{id}/cancel|activate|end` with `If-Match`.
pub(crate) async fn transition(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Problem> {
    let expected = if_match(&headers)?;
    let to = match action.as_str() {
        "cancel" => None,
        "activate" => Some(line::Lifecycle::Active),
        "end" => Some(line::Lifecycle::Ended),
        _ => return Err(Problem::not_found("no such endpoint")),
    };
    Ok(Json(
        blocking(move || match to {
            None => line.cancel(&party, &id, expected),
            Some(to) => line.set_state(&party, &id, expected, to),
        })
        .await?,
    ))
}

/// `GET /v1/declarations/{id}?party=P`: the caller's own `id`, or the one of that id shared with it (ids live
/// in each party's own namespace; `party` names whose when several parties shared one of that id).
pub(crate) async fn read_one(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, Problem> {
    let owner = q.get("party").cloned();
    let v = blocking(move || line.get(&party, &id, owner.as_deref())).await?;
    let version = v["version"].as_u64().unwrap_or(0);
    Ok(with_etag(StatusCode::OK, version, v))
}

pub(crate) fn number_list<const N: usize>(name: &str, text: &str) -> Result<[f64; N], Problem> {
    let parts: Vec<Option<f64>> = text
        .split(',')
        .map(|x| x.trim().parse::<f64>().ok())
        .collect();
    let numbers: Option<Vec<f64>> = parts.into_iter().collect();
    numbers
        .and_then(|n| <[f64; N]>::try_from(n).ok())
        .ok_or_else(|| {
            Problem::from(LineError::Invalid {
                field: name.into(),
                detail: format!("{name}={text:?}: expected {N} comma-separated numbers"),
            })
        })
}

pub(crate) fn time_param(name: &str, text: &str) -> Result<i64, Problem> {
    deconflict_space::units::parse_time(text).map_err(|e| {
        Problem::from(LineError::Invalid {
            field: name.into(),
            detail: format!("{name}={text:?}: {e}"),
        })
    })
}

/// `GET /v1/declarations?bbox=min_lon,min_lat,max_lon,max_lat&from=T&to=T&include=closed&outline=true`.
pub(crate) async fn list(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let mut filter = line::ListFilter {
        include_closed: q
            .get("include")
            .is_some_and(|v| v == "closed" || v == "cancelled"),
        outline: q.get("outline").is_some_and(|v| v == "true" || v == "1"),
        ..Default::default()
    };
    if let Some(b) = q.get("bbox") {
        let b: [f64; 4] = number_list("bbox", b)?;
        let ok = (-180.0..=180.0).contains(&b[0])
            && (-180.0..=180.0).contains(&b[2])
            && (-90.0..=90.0).contains(&b[1])
            && (-90.0..=90.0).contains(&b[3])
            && b[1] <= b[3];
        if !ok {
            return Err(Problem::from(LineError::Invalid {
                field: "bbox".into(),
                detail:
                    "bbox: expected min_lon,min_lat,max_lon,max_lat in degrees, min_lat ≤ max_lat"
                        .into(),
            }));
        }
        filter.bbox = Some(b);
    }
    if let Some(t) = q.get("from") {
        filter.from_ms = Some(time_param("from", t)?);
    }
    if let Some(t) = q.get("to") {
        filter.to_ms = Some(time_param("to", t)?);
    }
    let page = page_of(&q)?;
    let list = blocking(move || line.list_page(&party, &filter, &page)).await?;
    Ok(listed("declarations", list))
}

/// `POST /v1/declarations/preview`: the conflicts a declaration would have, storing nothing.
pub(crate) async fn preview(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let body = parse_body(&body)?;
    Ok(Json(blocking(move || line.preview(&party, body)).await?))
}

/// `GET /v1/declarations/{id}/advice`: advice for the caller's own conflicting declaration.
pub(crate) async fn advice(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(blocking(move || line.advice(&party, &id)).await?))
}
