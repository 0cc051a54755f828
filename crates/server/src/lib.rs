//! The deconfliction line over HTTP (axum): routes, authentication, RFC 9457 problems, and the server loop.
//!
//! Architecture invariant: only this crate knows HTTP and the wire format of the API; the core is
//! [`line::Line`], which knows neither. `app(line)` builds the router without a socket, so tests drive it with
//! `oneshot`; `run(listener, line, shutdown)` serves an already-bound listener until `shutdown` resolves.

pub mod agreement;
pub mod clock;
pub mod hotline;
pub mod limits;
pub mod line;
pub mod openapi;
mod problem;
pub mod tracks;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;

pub use limits::Limits;
pub use line::{ConflictResponse, Credential, Line, LineError};
use problem::Problem;

/// Largest request body (bytes).
pub const MAX_BODY: usize = 1 << 20;
/// Largest `POST /v1/tracks` body: a full batch of 10 000 reports.
pub const MAX_TRACKS_BODY: usize = 4 << 20;

/// The caller's party, from `Authorization: Bearer <token>`.
#[derive(Debug)]
pub struct Caller(pub String);

/// The caller's whole credential (party, role, credential id).
#[derive(Debug)]
pub struct Who(pub Credential);

impl FromRequestParts<Arc<Line>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        let Who(c) = Who::from_request_parts(parts, line).await?;
        Ok(Caller(c.party))
    }
}

impl FromRequestParts<Arc<Line>> for Who {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .or_else(|| websocket_token(&parts.headers))
            .ok_or_else(|| {
                Problem::unauthorized("send Authorization: Bearer <your party's token>")
            })?;
        line.authenticate_checked(token.trim())
            .map_err(Problem::from)?
            .map(Who)
            .ok_or_else(|| {
                Problem::unauthorized("the token is not a party's token, or it was revoked")
            })
    }
}

/// Runs blocking core work (it may wait for an fsync) off the async workers.
/// The subprotocol a stream answers with when the token came as one (see `websocket_token`).
pub const STREAM_PROTOCOL: &str = "deconflict";

/// A browser cannot set headers on a WebSocket: it offers the subprotocols `deconflict` and
/// `bearer.<token>` instead (a token is made of characters a subprotocol name may hold), and the stream
/// answers `deconflict`. Only on a WebSocket handshake; the token never appears in a URL.
fn websocket_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::UPGRADE)?;
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("bearer."))
}

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

/// `POST /v1/declarations/{id}/cancel|activate|end` with `If-Match`.
async fn transition(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Problem> {
    let expected = if_match(&headers)?;
    let to = match action.as_str() {
        "cancel" => None,
        "activate" => Some(line::State::Active),
        "end" => Some(line::State::Ended),
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

async fn read_one(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let v = line.get(&party, &id)?;
    let version = v["version"].as_u64().unwrap_or(0);
    Ok(with_etag(StatusCode::OK, version, v))
}

fn number_list<const N: usize>(name: &str, text: &str) -> Result<[f64; N], Problem> {
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

fn time_param(name: &str, text: &str) -> Result<i64, Problem> {
    deconflict_space::units::parse_time(text).map_err(|e| {
        Problem::from(LineError::Invalid {
            field: name.into(),
            detail: format!("{name}={text:?}: {e}"),
        })
    })
}

/// `GET /v1/declarations?bbox=min_lon,min_lat,max_lon,max_lat&from=T&to=T&include=closed&outline=true`.
async fn list(
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
    Ok(Json(json!({"declarations": line.list(&party, &filter)?})))
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
    Who(who): Who,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let which = q.get("box").map_or("inbox", String::as_str).to_string();
    if !["inbox", "outbox", "escalated"].contains(&which.as_str()) {
        return Err(Problem::bad_request(format!(
            "box={which:?}: expected inbox, outbox or escalated"
        )));
    }
    let list = blocking(move || match which.as_str() {
        "outbox" => line.outbox(&who.party),
        "escalated" => line.escalated(&who),
        _ => line.inbox(&who.party),
    })
    .await?;
    Ok(Json(json!({"messages": list})))
}

async fn agreements(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
) -> Result<Json<Value>, Problem> {
    Ok(Json(json!({"agreements": line.agreements(&party)?})))
}

async fn agreement(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(line.agreement(&party, &id)?))
}

async fn propose_agreement(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let a = blocking(move || line.propose_agreement(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// `POST /v1/agreements/{id}/accept`, or `/suspend` with `{"reason": …}`.
async fn agreement_action(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path((id, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
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
        blocking(move || line.agreement_action(&party, &id, suspend)).await?,
    ))
}

/// `POST /v1/tracks`: a batch of the caller's track reports.
async fn report_tracks(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    if let Some(done) = line.report_track_bytes(&party, &body) {
        return Ok(Json(done?));
    }
    let body = parse_body(&body)?;
    Ok(Json(line.report_tracks(&party, body)?))
}

/// `GET /v1/tracks`: the caller's own live tracks.
async fn own_tracks(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
) -> Result<Json<Value>, Problem> {
    Ok(Json(json!({"tracks": line.tracks_of(&party)})))
}

async fn alerts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
) -> Result<Json<Value>, Problem> {
    Ok(Json(json!({"alerts": line.alerts(&party)?})))
}

/// `GET /v1/credentials`: who the caller is (credential, party, role), the line's time and clock rate, and the
/// party's credentials.
async fn credentials(State(line): State<Arc<Line>>, Who(who): Who) -> Result<Json<Value>, Problem> {
    let (now, rate) = line.clock_reading();
    Ok(Json(json!({
        "you": who.id,
        "party": who.party,
        "role": who.role,
        "now": deconflict_space::units::format_time(now),
        "clock_rate": rate,
        "credentials": line.credentials(&who.party)?,
    })))
}

/// `POST /v1/credentials` with `{"role": …}`: a new token for the caller's party, shown once.
async fn issue_credential(
    State(line): State<Arc<Line>>,
    Who(who): Who,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let v = if body.is_empty() {
        json!({})
    } else {
        parse_body(&body)?
    };
    let role = match v.get("role") {
        None => who.role.clone(),
        Some(r) => r
            .as_str()
            .ok_or_else(|| {
                Problem::from(LineError::Invalid {
                    field: "role".into(),
                    detail: "expected duty_officer, commander or chief".into(),
                })
            })?
            .to_string(),
    };
    let (id, token) = blocking(move || line.issue_credential(&who, &role)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "token": token}))).into_response())
}

async fn revoke_credential(
    State(line): State<Arc<Line>>,
    Who(who): Who,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(
        blocking(move || line.revoke_credential(&who, &id)).await?,
    ))
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
    Ok(ws
        .protocols([STREAM_PROTOCOL])
        .on_upgrade(move |socket| follow(line, party, cursor, socket)))
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
            let read = match line.recent_events(&party, cursor, 500) {
                Some(found) => Ok(Ok(found)),
                None => {
                    let (l, p) = (Arc::clone(&line), party.clone());
                    tokio::task::spawn_blocking(move || l.events(&p, cursor, 500)).await
                }
            };
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
                    socket.send(Message::Text(e.as_ref().into())),
                );
                match send.await {
                    Ok(Ok(())) => {}
                    Ok(Err(_)) => return,
                    Err(_) => {
                        let resume = serde_json::from_str::<Value>(&e)
                            .ok()
                            .and_then(|v| v["seq"].as_u64())
                            .unwrap_or(cursor);
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

fn sequence_number(text: &str) -> Result<u64, Problem> {
    text.parse::<u64>().map_err(|_| {
        Problem::bad_request(format!("log entry {text:?}: expected a sequence number"))
    })
}

/// `GET /v1/log/entries/{seq}/proof`: a `c2sp.org/tlog-proof@v1` of an entry the caller may read, against
/// the latest checkpoint; verify it offline with `deconflict log verify-proof`.
async fn entry_proof(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let seq = sequence_number(&seq)?;
    let text = blocking(move || {
        line.entry_for(&party, seq)?;
        let latest = line.store().latest_checkpoint()?;
        let Some(note) = latest else {
            return Err(LineError::NotFound("a checkpoint (the log has none yet)".into()));
        };
        if seq >= note.size {
            return Err(LineError::NotFound(format!(
                "a checkpoint covering entry {seq} (the latest has {} entries; one is signed within seconds)",
                note.size
            )));
        }
        let hashes = deconflict_store::Tree(line.store()).inclusion_proof(seq, note.size)?;
        Ok(deconflict_ledger::TlogProof {
            extra: None,
            index: seq,
            hashes,
            checkpoint: note.note,
        }
        .to_text())
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{seq}.tlog-proof\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// `GET /v1/log/entries/{seq}/leaf`: the entry's leaf bytes (what its proof proves), for an entry the caller
/// may read.
async fn entry_leaf(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let seq = sequence_number(&seq)?;
    let entry = blocking(move || line.entry_for(&party, seq)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{seq}.leaf\""),
            ),
        ],
        entry.header.leaf(),
    )
        .into_response())
}

/// `POST /v1/declarations/preview`: the conflicts a declaration would have, storing nothing.
async fn preview(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Json<Value>, Problem> {
    let body = parse_body(&body)?;
    Ok(Json(blocking(move || line.preview(&party, body)).await?))
}

/// `GET /v1/declarations/{id}/advice`: advice for the caller's own conflicting declaration.
async fn advice(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    Ok(Json(blocking(move || line.advice(&party, &id)).await?))
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

/// The web picture's content security policy: its own scripts, workers, styles and API only, so that text
/// another party wrote can never run as code in a party's page, nor send anything elsewhere.
pub const WEB_CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Requests handled at once by default; more are refused with 503 (`overloaded`) rather than queued.
pub const MAX_IN_FLIGHT: usize = 1024;

/// The router, with [`MAX_IN_FLIGHT`].
pub fn app(line: Arc<Line>) -> Router {
    app_with(line, MAX_IN_FLIGHT)
}

/// The router, handling at most `max_in_flight` requests at once (a stream counts only while it opens).
pub fn app_with(line: Arc<Line>, max_in_flight: usize) -> Router {
    app_options(
        line,
        &Options {
            max_in_flight,
            ..Options::default()
        },
    )
}

/// The router as `options` ask: the API, and the web picture's files from `options.web` at `/` (every path
/// the API does not answer; no token needed for them, the page signs in with one). Without a web directory,
/// and for any file missing from it, the answer is the API's 404 problem.
pub fn app_options(line: Arc<Line>, options: &Options) -> Router {
    let max_in_flight = options.max_in_flight;
    use axum::error_handling::HandleErrorLayer;
    use tower::ServiceBuilder;
    let document = Arc::new(openapi::document());
    let router = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let d = Arc::clone(&document);
                async move { Json((*d).clone()) }
            }),
        )
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/declarations", get(list).post(create))
        .route("/v1/declarations/preview", post(preview))
        .route("/v1/declarations/{id}/advice", get(advice))
        .route("/v1/declarations/{id}", get(read_one).put(replace))
        .route("/v1/declarations/{id}/{action}", post(transition))
        .route("/v1/conflicts", get(conflicts))
        .route("/v1/conflicts/{id}/{action}", post(respond))
        .route("/v1/messages", get(messages).post(send))
        .route("/v1/messages/{id}/acknowledge", post(acknowledge_message))
        .route("/v1/messages/{id}/answer", post(answer_message))
        .route("/v1/agreements", get(agreements).post(propose_agreement))
        .route("/v1/agreements/{id}", get(agreement))
        .route("/v1/agreements/{id}/{action}", post(agreement_action))
        .route("/v1/credentials", get(credentials).post(issue_credential))
        .route("/v1/credentials/{id}/revoke", post(revoke_credential))
        .route(
            "/v1/tracks",
            post(report_tracks)
                .layer(DefaultBodyLimit::max(MAX_TRACKS_BODY))
                .get(own_tracks),
        )
        .route("/v1/alerts", get(alerts))
        .route("/v1/stream", get(stream))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/entries/{seq}/proof", get(entry_proof))
        .route("/v1/log/entries/{seq}/leaf", get(entry_leaf));
    let router = match &options.web {
        Some(dir) => {
            use tower_http::set_header::SetResponseHeaderLayer;
            let files = ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(WEB_CSP),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                .service(
                    tower_http::services::ServeDir::new(dir)
                        .append_index_html_on_directories(true)
                        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
                            not_found,
                        )),
                );
            router.fallback_service(files)
        }
        None => router.fallback(not_found),
    };
    router
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::internal("the request failed").into_response()
        }))
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    Problem::overloaded("too many requests at once; retry shortly")
                }))
                .load_shed()
                .concurrency_limit(max_in_flight),
        )
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(
                    |res: &Response, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "served");
                    },
                ),
        )
        .with_state(line)
}

/// How a server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests handled at once; more are refused with 503 `overloaded`.
    pub max_in_flight: usize,
    /// How often (real time) the background work runs: the tactical scan of live tracks, escalation of
    /// overdue messages, checkpoints.
    pub scan_period: Duration,
    /// The web picture's built files, served at `/`.
    pub web: Option<std::path::PathBuf>,
}

/// The default period of the tactical scan.
pub const SCAN_PERIOD: Duration = Duration::from_millis(250);

impl Default for Options {
    fn default() -> Self {
        Options {
            max_in_flight: MAX_IN_FLIGHT,
            scan_period: SCAN_PERIOD,
            web: None,
        }
    }
}

/// Serves `line` on `listener` until `shutdown` resolves; escalates overdue messages and signs checkpoints in
/// the background.
pub async fn run(
    listener: tokio::net::TcpListener,
    line: Arc<Line>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, line, Options::default(), shutdown).await
}

/// As [`run`], with `options`.
pub async fn run_with(
    listener: tokio::net::TcpListener,
    line: Arc<Line>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // On a log other nodes write to, keep this node current with their entries.
    line.follow()?;
    let ticker = {
        let line = Arc::clone(&line);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(options.scan_period);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let line = Arc::clone(&line);
                let done = tokio::task::spawn_blocking(move || {
                    line.escalate_overdue()?;
                    line.scan_tracks()?;
                    line.checkpoint_tick()
                })
                .await;
                if let Ok(Err(e)) = done {
                    tracing::warn!("background tick: {e}");
                }
            }
        })
    };
    let served = axum::serve(listener, app_options(line, &options))
        .with_graceful_shutdown(shutdown)
        .await;
    ticker.abort();
    served
}
