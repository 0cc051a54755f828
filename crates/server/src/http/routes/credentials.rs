//! `/v1/credentials`: a party's credentials (list, issue, revoke).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::{Line, Shell};

/// `GET /v1/credentials`: who the caller is (credential, party, role), the line's time and clock rate,
/// whether the line is an exercise (its clock is not real time), and the party's credentials.
pub(crate) async fn credentials(
    State(line): State<Arc<Line>>,
    Extension(shell): Extension<Arc<Shell>>,
    Who(who): Who,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let (now, rate) = line.clock_reading();
    let party = who.party.clone();
    let page = page_of(&q)?;
    let list = blocking(move || line.credentials_page(&party, &page)).await?;
    Ok(Json(json!({
        "you": who.id,
        "party": who.party,
        "role": who.role,
        "now": deconflict_space::units::format_time(now),
        "clock_rate": rate,
        "exercise": shell.exercise || rate != 1.0,
        "credentials": list.items,
        "next": list.next,
        "cursor": list.cursor,
    })))
}

/// `POST /v1/credentials` with `{"role": …}`: a new token for the caller's party, shown once.
pub(crate) async fn issue_credential(
    State(line): State<Arc<Line>>,
    Who(who): Who,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let v = if body.is_empty() {
        json!({})
    } else {
        parse_body(&body)?
    };
    let (id, token) = blocking(move || line.issue_credential_body(&who, &v)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "token": token}))).into_response())
}

pub(crate) async fn revoke_credential(
    State(line): State<Arc<Line>>,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.revoke_credential(&who, &id)).await?,
    ))
}
