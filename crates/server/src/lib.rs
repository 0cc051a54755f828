//! The deconfliction line over HTTP (axum): routes, authentication, RFC 9457 problems, and the server loop.
//!
//! Architecture invariant: only this crate knows HTTP and the wire format of the API; the core is
//! [`line::Line`], which knows neither. `app(line)` builds the router without a socket, so tests drive it with
//! `oneshot`; `run(listener, line, shutdown)` serves an already-bound listener until `shutdown` resolves.

pub mod clock;
pub mod hotline;
pub mod line;
mod problem;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;

pub use line::{ConflictResponse, Line, LineError};
use problem::Problem;

/// Largest request body (bytes).
pub const MAX_BODY: usize = 1 << 20;

/// The caller's party, from `Authorization: Bearer <token>`.
#[derive(Debug)]
pub struct Caller(pub String);

impl FromRequestParts<Arc<Line>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| {
                Problem::unauthorized("send Authorization: Bearer <your party's token>")
            })?;
        line.authenticate(token.trim())
            .map(Caller)
            .ok_or_else(|| Problem::unauthorized("the token is not a party's token"))
    }
}

/// Runs blocking core work (it may wait for an fsync) off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, LineError> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Problem::internal("the request failed"))?
        .map_err(Problem::from)
}

fn parse_body(bytes: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(bytes)
        .map_err(|e| Problem::bad_request(format!("the body is not JSON: {e}")))
}

/// `If-Match: "3"` (or `3`) → 3.
fn if_match(headers: &HeaderMap) -> Result<Option<u64>, Problem> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or_default().trim().trim_matches('"');
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| Problem::bad_request(format!("If-Match {text:?} is not a version number")))
}

fn with_etag(status: StatusCode, version: u64, body: Value) -> Response {
    (
        status,
        [(header::ETAG, format!("\"{version}\""))],
        Json(body),
    )
        .into_response()
}

async fn create(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let d = blocking(move || line.declare(&party, body)).await?;
    Ok(with_etag(StatusCode::CREATED, d.version, d.body))
}

async fn replace(
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

async fn cancel(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Problem> {
    let expected = if_match(&headers)?;
    Ok(Json(
        blocking(move || line.cancel(&party, &id, expected)).await?,
    ))
}

async fn read_one(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let v = line.get(&party, &id)?;
    let version = v["version"].as_u64().unwrap_or(0);
    Ok(with_etag(StatusCode::OK, version, v))
}

async fn list(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let all = q.get("include").is_some_and(|v| v == "cancelled");
    Ok(Json(json!({"declarations": line.list(&party, all)?})))
}

async fn conflicts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
) -> Result<Json<Value>, Problem> {
    Ok(Json(json!({"conflicts": line.conflicts(&party)?})))
}

/// `POST /v1/conflicts/{id}/acknowledge|accept|dispute`, a dispute with `{"reason": …}`.
async fn respond(
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

async fn send(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let m = blocking(move || line.send(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

async fn messages(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let outbox = match q.get("box").map(String::as_str) {
        None | Some("inbox") => false,
        Some("outbox") => true,
        Some(other) => {
            return Err(Problem::bad_request(format!(
                "box={other:?}: expected inbox or outbox"
            )))
        }
    };
    let list = blocking(move || {
        if outbox {
            line.outbox(&party)
        } else {
            line.inbox(&party)
        }
    })
    .await?;
    Ok(Json(json!({"messages": list})))
}

async fn acknowledge_message(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.acknowledge_message(&party, &id, None)).await?,
    ))
}

async fn answer_message(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let v = parse_body(&body)?;
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(Json(
        blocking(move || line.acknowledge_message(&party, &id, Some(text))).await?,
    ))
}

/// How long a stream client may take to accept one frame before it is cut off.
pub const STREAM_SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an idle stream carries a heartbeat.
pub const STREAM_HEARTBEAT: Duration = Duration::from_secs(15);

async fn stream(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
    ws: axum::extract::ws::WebSocketUpgrade,
) -> Result<Response, Problem> {
    let cursor = match q.get("cursor") {
        None => 0,
        Some(c) => c
            .parse::<u64>()
            .map_err(|_| Problem::bad_request(format!("cursor {c:?} is not a number")))?,
    };
    Ok(ws.on_upgrade(move |socket| follow(line, party, cursor, socket)))
}

/// Sends `party` every entry it may read from `cursor` on, in order, then follows the log. Each event carries
/// the cursor to resume from; a reconnecting client that sends its last cursor misses nothing and gets
/// nothing twice.
async fn follow(
    line: Arc<Line>,
    party: String,
    mut cursor: u64,
    mut socket: axum::extract::ws::WebSocket,
) {
    use axum::extract::ws::{CloseFrame, Message};
    use tokio::sync::broadcast::error::RecvError;
    let mut grown = line.subscribe();
    let mut heartbeat = tokio::time::interval(STREAM_HEARTBEAT);
    heartbeat.tick().await;
    let close = |code: u16, reason: String| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    loop {
        // Catch up with everything committed so far.
        loop {
            let (l, p) = (Arc::clone(&line), party.clone());
            let read = tokio::task::spawn_blocking(move || l.events(&p, cursor, 500)).await;
            let Ok(Ok((events, next))) = read else {
                let _ = socket
                    .send(close(
                        1011,
                        format!("cannot read the log; resume from cursor {cursor}"),
                    ))
                    .await;
                return;
            };
            if next == cursor {
                break;
            }
            for e in events {
                let send = tokio::time::timeout(
                    STREAM_SEND_TIMEOUT,
                    socket.send(Message::Text(e.to_string().into())),
                );
                match send.await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return,
                    Err(_) => {
                        let resume = e["seq"].as_u64().unwrap_or(cursor);
                        let _ = socket
                            .send(close(
                                1008,
                                format!("too slow; resume from cursor {resume}"),
                            ))
                            .await;
                        return;
                    }
                }
            }
            cursor = next;
        }
        tokio::select! {
            r = grown.recv() => match r {
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            },
            _ = heartbeat.tick() => {
                let beat = json!({"heartbeat": true, "cursor": cursor}).to_string();
                if socket.send(Message::Text(beat.into())).await.is_err() {
                    return;
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

async fn checkpoint(State(line): State<Arc<Line>>, _caller: Caller) -> Result<Response, Problem> {
    use deconflict_store::LogStore;
    let latest = line
        .store()
        .latest_checkpoint()
        .map_err(|e| Problem::from(LineError::from(e)))?;
    match latest {
        Some(c) => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            c.note,
        )
            .into_response()),
        None => Err(Problem::not_found("the log has no checkpoint yet")),
    }
}

async fn metrics(State(line): State<Arc<Line>>) -> Result<Response, Problem> {
    let mut out = String::new();
    for (name, value) in line.totals()? {
        out.push_str(&format!("# TYPE {name} gauge\n{name} {value}\n"));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response())
}

async fn not_found() -> Problem {
    Problem::not_found("no such endpoint")
}

/// The router.
pub fn app(line: Arc<Line>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/declarations", get(list).post(create))
        .route("/v1/declarations/{id}", get(read_one).put(replace))
        .route("/v1/declarations/{id}/cancel", post(cancel))
        .route("/v1/conflicts", get(conflicts))
        .route("/v1/conflicts/{id}/{action}", post(respond))
        .route("/v1/messages", get(messages).post(send))
        .route("/v1/messages/{id}/acknowledge", post(acknowledge_message))
        .route("/v1/messages/{id}/answer", post(answer_message))
        .route("/v1/stream", get(stream))
        .route("/v1/log/checkpoint", get(checkpoint))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::internal("the request failed").into_response()
        }))
        .with_state(line)
}

/// Serves `line` on `listener` until `shutdown` resolves; escalates overdue messages and signs checkpoints in
/// the background.
pub async fn run(
    listener: tokio::net::TcpListener,
    line: Arc<Line>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let ticker = {
        let line = Arc::clone(&line);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(250));
            loop {
                every.tick().await;
                let line = Arc::clone(&line);
                let done = tokio::task::spawn_blocking(move || {
                    line.escalate_overdue()?;
                    line.checkpoint_tick()
                })
                .await;
                if let Ok(Err(e)) = done {
                    tracing::warn!("background tick: {e}");
                }
            }
        })
    };
    let served = axum::serve(listener, app(line))
        .with_graceful_shutdown(shutdown)
        .await;
    ticker.abort();
    served
}
