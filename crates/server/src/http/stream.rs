//! `/v1/stream`: a party's events over a WebSocket, from a cursor, then live.
//!
//! A stream holds little: at most one frame waits in its buffer (every send is flushed), and a client that
//! does not take a frame — an event or a heartbeat — within `stream_send_timeout` is cut off with a close
//! frame naming the cursor to resume from. A party holds at most `streams_per_party` streams. The credential
//! is checked again whenever the stream wakes and at least every second: a revoked token's stream is closed
//! at once (policy violation). When the server shuts down, streams close with their cursor.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Extension;
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use crate::problem::Problem;
use crate::{request_token, Line, Shell, Who};

/// The subprotocol a stream answers with when the token came as one (see `http::auth::websocket_token`).
pub const STREAM_PROTOCOL: &str = "deconflict";
/// How often an idle stream carries a heartbeat.
pub const STREAM_HEARTBEAT: Duration = Duration::from_secs(15);
/// How often an open stream checks that its credential still stands, at least.
pub const STREAM_RECHECK: Duration = Duration::from_secs(1);
/// Events read at once.
const BATCH: usize = 500;

/// Close codes (RFC 6455 §7.4.1).
const GOING_AWAY: u16 = 1001;
const POLICY_VIOLATION: u16 = 1008;
const INTERNAL: u16 = 1011;

/// Open streams per party.
#[derive(Debug, Default)]
pub(crate) struct Streams(Mutex<HashMap<String, usize>>);

/// One open stream of a party; the count goes down when it is dropped.
pub(crate) struct Slot {
    streams: Arc<Shell>,
    party: String,
}

impl Streams {
    fn take(shell: &Arc<Shell>, party: &str, max: usize) -> Option<Slot> {
        let mut open = shell.streams.0.lock();
        let n = open.entry(party.to_string()).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot {
            streams: Arc::clone(shell),
            party: party.to_string(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.streams.streams.0.lock();
        if let Some(n) = open.get_mut(&self.party) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.party);
            }
        }
    }
}

pub(crate) async fn stream(
    State(line): State<Arc<Line>>,
    Extension(shell): Extension<Arc<Shell>>,
    Who(who): Who,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Result<Response, Problem> {
    let cursor = match q.get("cursor") {
        None => 0,
        Some(c) => c
            .parse::<u64>()
            .map_err(|_| Problem::bad_request(format!("cursor {c:?} is not a number")))?,
    };
    let token = request_token(&headers)
        .map(str::to_string)
        .ok_or_else(|| Problem::unauthorized("send Authorization: Bearer <your party's token>"))?;
    let limits = line.limits().clone();
    let slot = Streams::take(&shell, &who.party, limits.streams_per_party).ok_or_else(|| {
        Problem::too_many(
            "streams_per_party",
            format!(
                "your party has {} streams open already; close one first",
                limits.streams_per_party
            ),
        )
    })?;
    // What waits to be written is one frame at most (each send is flushed); what a client may send is small.
    let largest = limits.body_bytes.max(limits.track_body_bytes);
    Ok(ws
        .protocols([STREAM_PROTOCOL])
        .write_buffer_size(0)
        .max_write_buffer_size(largest.saturating_mul(4).max(1 << 20))
        .max_message_size(64 << 10)
        .max_frame_size(64 << 10)
        .on_upgrade(move |socket| {
            let follower = Follower {
                line,
                token,
                party: who.party,
                socket,
                send_timeout: limits.stream_send_timeout,
                closing: shell.closing.clone(),
            };
            async move {
                follower.follow(cursor).await;
                drop(slot);
            }
        }))
}

struct Follower {
    line: Arc<Line>,
    token: String,
    party: String,
    socket: WebSocket,
    send_timeout: Duration,
    closing: tokio::sync::watch::Receiver<bool>,
}

/// Why a send did not go through.
enum Cut {
    /// The client is gone.
    Gone,
    /// The client did not take the frame in time.
    Slow,
}

impl Follower {
    async fn send(&mut self, text: &str) -> Result<(), Cut> {
        match tokio::time::timeout(
            self.send_timeout,
            self.socket.send(Message::Text(text.into())),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Cut::Gone),
            Err(_) => Err(Cut::Slow),
        }
    }

    /// Closes with `code` and `reason` (best effort: a client that takes nothing does not get it either).
    async fn close(mut self, code: u16, reason: String) {
        let frame = Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }));
        let _ = tokio::time::timeout(self.send_timeout, self.socket.send(frame)).await;
    }

    /// Whether the stream's token is still its party's (not revoked). Checked in place: a hash and a read of
    /// the credentials, which never wait for the line's lock. (On the blocking pool, every stream woken by
    /// each entry took a thread of its own: a hundred streams kept a hundred threads, each with its own
    /// allocator cache, and memory grew with them.)
    fn credential_stands(&self) -> bool {
        self.line
            .authenticate(&self.token)
            .is_some_and(|c| c.party == self.party)
    }

    /// Sends every entry the party may read from `cursor` on, in order, then follows the log. Each event
    /// carries the cursor to resume from; a reconnecting client that sends its last cursor misses nothing and
    /// gets nothing twice.
    async fn follow(mut self, mut cursor: u64) {
        let mut grown = self.line.subscribe();
        let mut heartbeat = tokio::time::interval(STREAM_HEARTBEAT);
        heartbeat.tick().await;
        let mut recheck = tokio::time::interval(STREAM_RECHECK);
        recheck.tick().await;
        loop {
            if !self.credential_stands() {
                let reason = format!(
                    "the credential was revoked; resume from cursor {cursor} with a valid one"
                );
                return self.close(POLICY_VIOLATION, reason).await;
            }
            if *self.closing.borrow() {
                let reason = format!("the server is shutting down; resume from cursor {cursor}");
                return self.close(GOING_AWAY, reason).await;
            }
            // Catch up with everything committed so far.
            loop {
                let read = match self.line.recent_events(&self.party, cursor, BATCH) {
                    Some(found) => Ok(found),
                    None => {
                        let (l, p) = (Arc::clone(&self.line), self.party.clone());
                        match crate::on_worker(move || l.events(&p, cursor, BATCH)).await {
                            Ok(Ok(found)) => Ok(found),
                            _ => Err(()),
                        }
                    }
                };
                let Ok((events, next)) = read else {
                    let reason = format!("cannot read the log; resume from cursor {cursor}");
                    return self.close(INTERNAL, reason).await;
                };
                if next == cursor {
                    break;
                }
                for e in events {
                    match self.send(&e).await {
                        Ok(()) => {}
                        Err(Cut::Gone) => return,
                        Err(Cut::Slow) => {
                            let resume = serde_json::from_str::<Value>(&e)
                                .ok()
                                .and_then(|v| v["seq"].as_u64())
                                .unwrap_or(cursor);
                            let reason = format!("too slow; resume from cursor {resume}");
                            return self.close(POLICY_VIOLATION, reason).await;
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
                    match self.send(&beat).await {
                        Ok(()) => {}
                        Err(Cut::Gone) => return,
                        Err(Cut::Slow) => {
                            let reason = format!("too slow; resume from cursor {cursor}");
                            return self.close(POLICY_VIOLATION, reason).await;
                        }
                    }
                },
                _ = recheck.tick() => {},
                _ = crate::http::conn::closed(&mut self.closing) => {},
                incoming = self.socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
}
