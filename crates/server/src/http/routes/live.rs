//! `/v1/tracks` and `/v1/alerts`: live track reports and the alerts a party is part of.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::Json;
use serde_json::Value;

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::Line;

/// `POST /v1/tracks`: a batch of the caller's track reports.
pub(crate) async fn report_tracks(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let done = on_worker(move || {
        if let Some(done) = line.report_track_bytes(&party, &body) {
            return done.map_err(Problem::from);
        }
        let body = parse_body(&body)?;
        line.report_tracks(&party, body).map_err(Problem::from)
    })
    .await
    .map_err(|_| Problem::internal("the request failed"))??;
    Ok(Json(done))
}

/// `GET /v1/tracks`: the caller's own live tracks.
/// `GET /v1/tracks?limit=&after=`: a page of the caller's own live tracks.
pub(crate) async fn own_tracks(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.tracks_page(&party, &page)).await?;
    Ok(listed("tracks", list))
}

/// `GET /v1/alerts?limit=&after=`: a page of the caller's alerts.
pub(crate) async fn alerts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.alerts_page(&party, &page)).await?;
    Ok(listed("alerts", list))
}
