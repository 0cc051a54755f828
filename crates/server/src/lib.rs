//! The deconfliction line over HTTP (axum): routes, authentication, RFC 9457 problems, and the server loop.
//!
//! Architecture invariant: only this crate knows HTTP and the wire format of the API; the core is
//! [`line::Line`], which knows neither. `app(line)` builds the router without a socket, so tests drive it with
//! `oneshot`; `run(listener, line, shutdown)` serves an already-bound listener until `shutdown` resolves.
//!
//! The shell holds every bound of [`Limits`] that concerns HTTP: one in-flight limit for the whole server,
//! a timeout for a whole request, body sizes, and (in [`http`]) connections, header timeouts and streams.
//! Every answer of the API is `Cache-Control: no-store`; every error is a problem, and a refusal at a bound
//! names it (`limit`). Core work, authentication included, runs on blocking threads, never on the async
//! workers. The background loops run apart and supervised (see [`health`]).

pub mod agreement;
pub mod clock;
pub mod event;
pub mod health;
pub mod hotline;
mod http;
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
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde_json::{json, Value};
use tower_http::catch_panic::CatchPanicLayer;

pub use health::Health;
pub use http::stream::{STREAM_HEARTBEAT, STREAM_PROTOCOL};
pub use limits::Limits;
pub use line::{ConflictResponse, Credential, Line, LineError};
use problem::Problem;

/// Largest request body (bytes) by default (see [`Limits::body_bytes`]).
pub const MAX_BODY: usize = 1 << 20;
/// Largest `POST /v1/tracks` body by default (see [`Limits::track_body_bytes`]): a full batch of 10 000
/// reports.
pub const MAX_TRACKS_BODY: usize = 4 << 20;

/// What the HTTP shell keeps beside the line: the loops' heartbeats, open streams, whether the server is
/// closing, and whether the line runs an exercise clock.
#[derive(Debug)]
pub(crate) struct Shell {
    health: Arc<Health>,
    streams: http::stream::Streams,
    closing: tokio::sync::watch::Receiver<bool>,
    closer: tokio::sync::watch::Sender<bool>,
    exercise: bool,
}

impl Shell {
    fn new(health: Arc<Health>, exercise: bool) -> Arc<Self> {
        let (closer, closing) = tokio::sync::watch::channel(false);
        Arc::new(Shell {
            health,
            streams: http::stream::Streams::default(),
            closing,
            closer,
            exercise,
        })
    }
}

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
        // Already found by `per_party`, which counts the request against its party.
        if let Some(Counted(c)) = parts.extensions.get::<Counted>() {
            return Ok(Who(c.clone()));
        }
        let token = request_token(&parts.headers)
            .ok_or_else(|| {
                Problem::unauthorized("send Authorization: Bearer <your party's token>")
            })?
            .to_string();
        // A hash and a read of the credentials, which never wait for the line's lock: done in place.
        line.authenticate_checked(&token)
            .map_err(Problem::from)?
            .map(Who)
            .ok_or_else(|| {
                Problem::unauthorized("the token is not a party's token, or it was revoked")
            })
    }
}

/// The bearer token of a request: `Authorization: Bearer <token>` (the scheme in any case, RFC 9110
/// §11.1), or on a WebSocket handshake the subprotocol `bearer.<token>`.
pub(crate) fn request_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .or_else(|| websocket_token(headers))
}

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

/// The threads that run core work for requests and streams: `work_threads` of them (set once by [`serve`]),
/// fed by one queue. Without a bound, every request waiting for the line's lock held a blocking thread of its
/// own: bursts grew the pool to a hundred threads, which then stayed, each with its own allocator cache. The
/// background loops run apart (on the runtime's blocking pool), so requests can never starve them.
struct WorkPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

impl WorkPool {
    fn new(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for k in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("deconflict-work-{k}"))
                .spawn(move || loop {
                    // A poisoned queue only means another worker panicked while taking a job (jobs run
                    // outside the lock, under catch_unwind); the queue itself is intact.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a work thread: {e}");
            }
        }
        WorkPool {
            jobs: std::sync::Mutex::new(jobs),
        }
    }
}

static WORK: std::sync::OnceLock<WorkPool> = std::sync::OnceLock::new();

fn work_pool() -> &'static WorkPool {
    WORK.get_or_init(|| WorkPool::new(Limits::default().work_threads))
}

/// Why core work gave no answer: it panicked (the panic is logged by the panic hook), or no work thread runs.
#[derive(Debug)]
pub(crate) struct WorkFailed;

/// Runs `f` on one of the work threads and waits for it without holding an async worker.
pub(crate) async fn on_worker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkFailed> {
    let (done, answer) = tokio::sync::oneshot::channel();
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = done.send(outcome);
    });
    let sent = match work_pool().jobs.lock() {
        Ok(jobs) => jobs.send(job).is_ok(),
        Err(poisoned) => poisoned.into_inner().send(job).is_ok(),
    };
    if !sent {
        return Err(WorkFailed);
    }
    match answer.await {
        Ok(Ok(value)) => Ok(value),
        _ => Err(WorkFailed),
    }
}

/// Runs core work (it may take a lock, compute, or wait for an fsync) on a blocking thread, off the async
/// workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, LineError> + Send + 'static,
) -> Result<T, Problem> {
    on_worker(f)
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

/// `GET /v1/declarations/{id}?party=P`: the caller's own `id`, or the one of that id shared with it (ids live
/// in each party's own namespace; `party` names whose when several parties shared one of that id).
async fn read_one(
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
    let page = page_of(&q)?;
    let list = blocking(move || line.list_page(&party, &filter, &page)).await?;
    Ok(listed("declarations", list))
}

/// The page a list request asks for: `limit` (1 to the line's `page_max`) and `after` (the `next` of the
/// page before).
fn page_of(q: &std::collections::HashMap<String, String>) -> Result<line::Page, Problem> {
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
fn listed(name: &str, page: line::Listed) -> Json<Value> {
    let mut body = serde_json::Map::new();
    body.insert(name.into(), Value::Array(page.items));
    body.insert("next".into(), json!(page.next));
    body.insert("cursor".into(), json!(page.cursor));
    Json(Value::Object(body))
}

async fn conflicts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.conflicts_page(&party, &page)).await?;
    Ok(listed("conflicts", list))
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
    let page = page_of(&q)?;
    let list = blocking(move || line.messages_page(&who, &which, &page)).await?;
    Ok(listed("messages", list))
}

async fn agreements(
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
async fn agreement(
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

async fn propose_agreement(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let body = parse_body(&body)?;
    let a = blocking(move || line.propose_agreement(&party, body)).await?;
    Ok((StatusCode::CREATED, Json(a)).into_response())
}

/// `POST /v1/agreements/{id}/accept`, or `/suspend` with `{"reason": …}`; `?proposer=P` as for reading one.
async fn agreement_action(
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

/// `POST /v1/tracks`: a batch of the caller's track reports.
async fn report_tracks(
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
async fn own_tracks(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.tracks_page(&party, &page)).await?;
    Ok(listed("tracks", list))
}

/// `GET /v1/alerts?limit=&after=`: a page of the caller's alerts.
async fn alerts(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let page = page_of(&q)?;
    let list = blocking(move || line.alerts_page(&party, &page)).await?;
    Ok(listed("alerts", list))
}

/// `GET /v1/credentials`: who the caller is (credential, party, role), the line's time and clock rate,
/// whether the line is an exercise (its clock is not real time), and the party's credentials.
async fn credentials(
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
    let (id, token) = blocking(move || line.issue_credential_body(&who, &v)).await?;
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

async fn checkpoint(State(line): State<Arc<Line>>, _caller: Caller) -> Result<Response, Problem> {
    let latest = blocking(move || Ok(line.store().latest_checkpoint()?)).await?;
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
/// The response header of a leaf with a sealed audience: the openings the caller may hold.
pub const AUDIENCE_OPENINGS: &str = "deconflict-audience-openings";

async fn entry_leaf(
    State(line): State<Arc<Line>>,
    Caller(party): Caller,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let seq = sequence_number(&seq)?;
    let caller = party.clone();
    let entry = blocking(move || line.entry_for(&party, seq)).await?;
    let mut res = (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{seq}.leaf\""),
            ),
        ],
        entry.header.leaf(),
    )
        .into_response();
    // A sealed audience's openings, as `party=salt` items: the actor's entry, every one (it may prove whom
    // it told); any other member, its own (it may prove that it was told, and learns nobody else).
    if let deconflict_ledger::Audience::Sealed(openings) = &entry.header.audience {
        let shown: Vec<String> = openings
            .iter()
            .filter(|(p, _)| entry.header.actor == caller || **p == caller)
            .map(|(p, salt)| format!("{p}={}", hex::encode(salt)))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&shown.join(", ")) {
            res.headers_mut()
                .insert(HeaderName::from_static(AUDIENCE_OPENINGS), v);
        }
    }
    Ok(res)
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

/// The line's totals and the loops' figures, in the Prometheus text format (on the metrics listener only).
async fn metrics(line: Arc<Line>, health: Arc<Health>) -> Result<Response, Problem> {
    let totals = blocking(move || line.totals()).await?;
    let mut out = String::new();
    for (name, value) in totals {
        out.push_str(&format!("# TYPE {name} gauge\n{name} {value}\n"));
    }
    out.push_str(&health.metrics());
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

/// `GET /healthz`: 200 while every background loop keeps to its period, else 503 naming the late ones.
async fn healthz(health: &Health) -> Response {
    let late = health.late();
    if late.is_empty() {
        return "ok\n".into_response();
    }
    let names: Vec<&str> = late.iter().map(|l| l.name).collect();
    let detail = late
        .iter()
        .map(|l| {
            format!(
                "{} (no run completed for {:.1} s; it runs every {:.1} s)",
                l.name,
                l.since.as_secs_f64(),
                l.period.as_secs_f64()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Problem::unhealthy(format!("late: {detail}"))
        .with("late", json!(names))
        .into_response()
}

async fn not_found() -> Problem {
    Problem::not_found("no such endpoint")
}

/// The web picture's content security policy: its own scripts, workers, styles and API only, so that text
/// another party wrote can never run as code in a party's page, nor send anything elsewhere.
pub const WEB_CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Requests handled at once by default (see [`Limits::max_in_flight`]); more are refused with 503
/// (`overloaded`) rather than queued.
pub const MAX_IN_FLIGHT: usize = 1024;

/// The router, with the line's limits.
pub fn app(line: Arc<Line>) -> Router {
    app_options(line, &Options::default())
}

/// The router, handling at most `max_in_flight` requests at once whatever the line's limits say (a stream
/// counts only while it opens).
pub fn app_with(line: Arc<Line>, max_in_flight: usize) -> Router {
    let shell = Shell::new(Arc::new(Health::new(Duration::ZERO)), false);
    router(line, &Options::default(), shell, max_in_flight)
}

/// The router as `options` ask: the API, and the web picture's files from `options.web` at `/` (every path
/// the API does not answer; no token needed for them, the page signs in with one). Without a web directory,
/// and for any file missing from it, the answer is the API's 404 problem. No loops run behind it (see
/// [`serve`]), so `/healthz` is 200.
pub fn app_options(line: Arc<Line>, options: &Options) -> Router {
    let shell = Shell::new(
        Arc::new(Health::new(options.health_grace)),
        options.exercise,
    );
    let max_in_flight = line.limits().max_in_flight;
    router(line, options, shell, max_in_flight)
}

/// The operator's router (`--metrics-listen`): `/metrics` and `/healthz`, nothing of the API.
fn metrics_router(line: Arc<Line>, health: Arc<Health>) -> Router {
    let h = Arc::clone(&health);
    Router::new()
        .route(
            "/metrics",
            get(move || metrics(Arc::clone(&line), Arc::clone(&h))),
        )
        .route(
            "/healthz",
            get(move || {
                let health = Arc::clone(&health);
                async move { healthz(&health).await }
            }),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn(wire))
}

/// Whether a path names a dot-file or passes through a dot-directory (also when its dot is escaped).
fn dotted(path: &str) -> bool {
    path.split('/')
        .any(|s| s.starts_with('.') || s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%2e")))
}

fn router(line: Arc<Line>, options: &Options, shell: Arc<Shell>, max_in_flight: usize) -> Router {
    use axum::error_handling::HandleErrorLayer;
    use tower::ServiceBuilder;
    let limits = line.limits().clone();
    let document = Arc::new(openapi::document());
    let health = Arc::clone(&shell.health);
    let api = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let d = Arc::clone(&document);
                async move { Json((*d).clone()) }
            }),
        )
        .route(
            "/metrics",
            get(|| async {
                Problem::not_found(
                    "metrics are served to the operator on a listener of their own (deconflict serve \
                     --metrics-listen), not here",
                )
            }),
        )
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
                .layer(DefaultBodyLimit::max(limits.track_body_bytes))
                .get(own_tracks),
        )
        .route("/v1/alerts", get(alerts))
        .route("/v1/stream", get(http::stream::stream))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/entries/{seq}/proof", get(entry_proof))
        .route("/v1/log/entries/{seq}/leaf", get(entry_leaf));
    let api = match &options.web {
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
                // The picture's files may be kept, if checked again before use.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(
                    tower_http::services::ServeDir::new(dir)
                        .append_index_html_on_directories(true)
                        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
                            not_found,
                        )),
                );
            // Dot-files and dot-directories (.git, .env, …) are never served.
            api.fallback(move |req: axum::extract::Request| {
                let files = files.clone();
                async move {
                    if dotted(req.uri().path()) {
                        return not_found().await.into_response();
                    }
                    match tower::ServiceExt::oneshot(files, req).await {
                        Ok(res) => res.into_response(),
                        Err(never) => match never {},
                    }
                }
            })
        }
        None => api.fallback(not_found),
    };
    let api = api
        .layer(axum::middleware::from_fn_with_state(
            (
                Arc::clone(&line),
                Arc::new(PartyInFlight::default()),
                limits.in_flight_per_party.max(1),
            ),
            per_party,
        ))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(Extension(shell))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::internal("the request failed").into_response()
        }))
        .with_state(line);
    // One bound and one clock for the whole server: the router as a whole is wrapped, not each route.
    let request_timeout = limits.request_timeout;
    let whole = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(
            move |e: tower::BoxError| async move {
                if e.is::<tower::timeout::error::Elapsed>() {
                    Problem::timed_out("request_timeout", request_timeout)
                } else if e.is::<tower::load_shed::error::Overloaded>() {
                    Problem::overloaded("too many requests at once; retry shortly")
                } else {
                    tracing::error!("serving a request: {e}");
                    Problem::internal("the request failed")
                }
            },
        ))
        .timeout(request_timeout)
        .load_shed()
        .concurrency_limit(max_in_flight)
        .service(api);
    // `/healthz` stands outside the in-flight bound: a flood of requests must not make the line look dead.
    Router::new()
        .route(
            "/healthz",
            get(move || {
                let health = Arc::clone(&health);
                async move { healthz(&health).await }
            }),
        )
        .fallback_service(whole)
        .layer(axum::middleware::from_fn(wire))
        .layer(Extension(BodyLimits {
            body_bytes: limits.body_bytes,
            track_body_bytes: limits.track_body_bytes,
        }))
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
}

/// The body sizes, for naming the one a 413 is about.
#[derive(Debug, Clone, Copy)]
struct BodyLimits {
    body_bytes: usize,
    track_body_bytes: usize,
}

/// The wire's hygiene around every answer: an error the HTTP layer answered without a problem (405, 413 from
/// a body limit, a refused WebSocket handshake, …) becomes one, and every answer that says nothing of caching
/// is `Cache-Control: no-store`.
/// Requests of each party being handled now (see [`Limits::in_flight_per_party`]).
#[derive(Debug, Default)]
struct PartyInFlight(parking_lot::Mutex<std::collections::HashMap<String, usize>>);

/// The credential of a request that [`per_party`] counted.
#[derive(Clone)]
struct Counted(line::Credential);

/// One request of a party, counted until its answer is made.
struct InFlight {
    counts: Arc<PartyInFlight>,
    party: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock();
        if let Some(n) = counts.get_mut(&self.party) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.party);
            }
        }
    }
}

/// Holds each party to `in_flight_per_party` requests at once (429 beyond it), so that one party's slow
/// bodies or bursts cannot take every slot of the whole server. A request without a valid token is not
/// counted here (it is refused as soon as its handler asks who it is).
async fn per_party(
    State((line, counts, most)): State<(Arc<Line>, Arc<PartyInFlight>, usize)>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(credential) = request_token(req.headers()).and_then(|t| line.authenticate(t)) else {
        return next.run(req).await;
    };
    let party = credential.party.clone();
    // The handler's `Who` takes it from here: the token is hashed once a request.
    req.extensions_mut().insert(Counted(credential));
    let _counted = {
        let mut all = counts.0.lock();
        let n = all.entry(party.clone()).or_default();
        if *n >= most {
            return Problem::too_many(
                "in_flight_per_party",
                format!(
                    "{most} requests of your party are being handled already; retry when one is answered \
                     (limit in_flight_per_party)"
                ),
            )
            .into_response();
        }
        *n += 1;
        InFlight {
            counts: Arc::clone(&counts),
            party,
        }
    };
    next.run(req).await
}

async fn wire(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let tracks = req.uri().path() == "/v1/tracks";
    let method = req.method().clone();
    let sizes = req.extensions().get::<BodyLimits>().copied();
    // A body announced larger than its bound is refused before any of it is read (or waited for).
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = announced {
        let (limit, bytes) = match (tracks, sizes) {
            (true, Some(s)) => ("track_body_bytes", s.track_body_bytes),
            (false, Some(s)) => ("body_bytes", s.body_bytes),
            (true, None) => ("track_body_bytes", MAX_TRACKS_BODY),
            (false, None) => ("body_bytes", MAX_BODY),
        };
        if len > bytes as u64 {
            return Problem::too_large(limit, bytes).into_response();
        }
    }
    let mut res = next.run(req).await;
    let status = res.status();
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let kept = res.headers().clone();
        let problem = match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                let (limit, bytes) = match (tracks, sizes) {
                    (true, Some(s)) => ("track_body_bytes", s.track_body_bytes),
                    (false, Some(s)) => ("body_bytes", s.body_bytes),
                    (true, None) => ("track_body_bytes", MAX_TRACKS_BODY),
                    (false, None) => ("body_bytes", MAX_BODY),
                };
                Problem::too_large(limit, bytes)
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                Problem::status_only(status, format!("{method} is not allowed here"))
            }
            _ => {
                let reason = res.into_body();
                let text = axum::body::to_bytes(reason, 1024).await.unwrap_or_default();
                let text = String::from_utf8_lossy(&text);
                let detail = if text.trim().is_empty() {
                    status.canonical_reason().unwrap_or("error").to_string()
                } else {
                    text.trim().to_string()
                };
                Problem::status_only(status, detail)
            }
        };
        res = problem.into_response();
        for name in [
            header::ALLOW,
            header::SEC_WEBSOCKET_VERSION,
            header::CONNECTION,
        ] {
            if let Some(v) = kept.get(&name) {
                res.headers_mut().insert(name, v.clone());
            }
        }
    }
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// How a server runs (its bounds are the line's [`Limits`]).
#[derive(Clone)]
pub struct Options {
    /// How often (real time) each background loop runs: the tactical scan of live tracks, escalation of
    /// overdue messages, checkpoints.
    pub scan_period: Duration,
    /// The web picture's built files, served at `/`.
    pub web: Option<std::path::PathBuf>,
    /// A loop is late, and `/healthz` 503, when it has not completed a run for three periods and this.
    pub health_grace: Duration,
    /// After the shutdown signal, how long open connections have to finish before they are dropped.
    pub shutdown_grace: Duration,
    /// The line's clock is not real time (`--clock-start`, `--clock-speed`, a demo): it is an exercise.
    pub exercise: bool,
    /// Called at the start of each run of each loop, with its name, on the run's thread (for tests: it may
    /// block to stall a loop, or panic).
    pub before_run: Option<health::BeforeRun>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("scan_period", &self.scan_period)
            .field("web", &self.web)
            .field("health_grace", &self.health_grace)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("exercise", &self.exercise)
            .field("before_run", &self.before_run.is_some())
            .finish()
    }
}

/// The default period of the tactical scan.
pub const SCAN_PERIOD: Duration = Duration::from_millis(250);
/// The default grace beyond three periods before a loop is late.
pub const HEALTH_GRACE: Duration = Duration::from_secs(1);
/// The default time open connections have to finish after the shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Default for Options {
    fn default() -> Self {
        Options {
            scan_period: SCAN_PERIOD,
            web: None,
            health_grace: HEALTH_GRACE,
            shutdown_grace: SHUTDOWN_GRACE,
            exercise: false,
            before_run: None,
        }
    }
}

/// Where a server listens: the API, and optionally the operator's metrics.
#[derive(Debug)]
pub struct Listeners {
    pub api: tokio::net::TcpListener,
    /// `/metrics` and `/healthz` for the operator; without it there are no metrics.
    pub metrics: Option<tokio::net::TcpListener>,
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
    serve(
        Listeners {
            api: listener,
            metrics: None,
        },
        line,
        options,
        shutdown,
    )
    .await
}

/// Serves `line` on `listeners` until `shutdown` resolves, with its background loops (the tactical scan,
/// escalation, checkpoints), each supervised apart. After the shutdown signal, open requests have
/// `options.shutdown_grace` to finish; then this returns even if some have not (the caller should not wait
/// for blocking threads either: see `tokio::runtime::Runtime::shutdown_timeout`).
pub async fn serve(
    listeners: Listeners,
    line: Arc<Line>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // On a log other nodes write to, keep this node current with their entries.
    line.follow()?;
    let health = Arc::new(Health::new(options.health_grace));
    let loops = spawn_loops(&line, &health, &options);
    let shell = Shell::new(Arc::clone(&health), options.exercise);
    let closing = shell.closing.clone();
    http::conn::on_shutdown(shutdown, shell.closer.clone());
    let limits = line.limits().clone();
    // The first server of the process sets the bound (a process serves one line).
    if WORK.get().is_none() {
        let _ = WORK.set(WorkPool::new(limits.work_threads));
    }
    let conn = http::conn::ConnLimits {
        max_connections: limits.max_connections,
        header_timeout: limits.header_timeout,
        grace: options.shutdown_grace,
    };
    let api = http::conn::serve(
        listeners.api,
        router(Arc::clone(&line), &options, shell, limits.max_in_flight),
        conn,
        closing.clone(),
    );
    match listeners.metrics {
        Some(listener) => {
            let metrics = http::conn::serve(
                listener,
                metrics_router(Arc::clone(&line), health),
                conn,
                closing,
            );
            tokio::join!(api, metrics);
        }
        None => api.await,
    }
    for l in loops {
        l.abort();
    }
    Ok(())
}

/// How often the shared log's follower goes round at least (it waits for growth a second at most).
const FOLLOWER_PERIOD: Duration = Duration::from_secs(2);

/// Starts the background loops, each its own task running its body on a blocking thread.
fn spawn_loops(
    line: &Arc<Line>,
    health: &Health,
    options: &Options,
) -> Vec<tokio::task::JoinHandle<()>> {
    // The shared log's follower is a thread of the line's; it goes round at least every second.
    let weak = Arc::downgrade(line);
    health.watch(
        "follower",
        FOLLOWER_PERIOD,
        Box::new(move || weak.upgrade().and_then(|l| l.follower_beat())),
    );
    let period = options.scan_period;
    let bodies: [(&'static str, health::Body); 3] = [
        ("scan", {
            let line = Arc::clone(line);
            Arc::new(move || line.scan_tracks().map(|_| ()).map_err(|e| e.to_string()))
        }),
        ("escalation", {
            let line = Arc::clone(line);
            Arc::new(move || {
                line.escalate_overdue()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
        ("checkpoint", {
            let line = Arc::clone(line);
            Arc::new(move || {
                line.checkpoint_tick()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
    ];
    bodies
        .into_iter()
        .map(|(name, body)| {
            let beat = health.register(name, period);
            tokio::spawn(health::supervise(
                name,
                beat,
                period,
                body,
                options.before_run.clone(),
            ))
        })
        .collect()
}
