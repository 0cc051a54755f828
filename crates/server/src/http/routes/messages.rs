//! `/v1/messages`: the hotline (send, inbox and outbox, acknowledge, answer).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::*;
use crate::http::auth::*;
use crate::http::work::*;
use crate::line::LineError;
use crate::problem::Problem;
use crate::Line;
use deconflict_domain::state::decide::Answer;

fn invalid(field: &str, detail: &str) -> Problem {
    LineError::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
    .into()
}

pub(crate) async fn send(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let m = blocking(move || line.send(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

pub(crate) async fn messages(
    State(line): State<Arc<Line>>,
    Who(who): Who,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let which = q.get("box").map_or("inbox", String::as_str).to_string();
    if !["inbox", "outbox", "escalated"].contains(&which.as_str()) {
        return Err(Problem::bad_request(format!(
            "box={which:?}: expected inbox, outbox or escalated"
        )));
    }
    let page = page_of(&q)?;
    let list = blocking(move || line.messages_page(&who, &which, &page)).await?;
    Ok(listed("messages", list))
}

pub(crate) async fn acknowledge_message(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.acknowledge_message(&party, &id, None)).await?,
    ))
}

pub(crate) async fn answer_message(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let v = parse_body(&body)?;
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("", "the body must be a JSON object: {text, template}"))?;
    if let Some(k) = obj
        .keys()
        .find(|k| !["text", "template"].contains(&k.as_str()))
    {
        return Err(invalid(k, "unknown field; expected text, template"));
    }
    let text = match obj.get("text") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(invalid("text", "expected a string")),
    };
    let template = obj.get("template").filter(|t| !t.is_null()).cloned();
    let answer = Answer { text, template };
    Ok(Json(
        blocking(move || line.acknowledge_message(&party, &id, Some(answer))).await?,
    ))
}
