//! A hostile or careless client cannot hold the server: headers and bodies trickled, idle connections, more
//! connections or requests than allowed, streams that never read, a revoked token's stream, and the answers
//! at each bound (problems naming the limit). Background loops are supervised, and `/healthz` tells when one
//! is late. Each test runs the server on a loopback port with small limits, so that it takes seconds.
//!
//! Longer than the project's ~800 lines on purpose: one suite of findings about the wire, sharing its
//! server and client helpers; each test stands alone and names the finding it pins.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{connect, raw_request};
use deconflict_server::{app, app_options, Limits, Line, Options};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tower::ServiceExt;

fn line_with(dir: &std::path::Path, limits: Limits) -> Arc<Line> {
    Arc::new(
        Line::open(dir, "test.example/line")
            .expect("open")
            .with_limits(limits),
    )
}

/// Waits until the server closes `stream` (EOF or reset), reading and discarding what it sends; the time it
/// took, or `None` if it stayed open for `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = within.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(start.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickled_headers_and_idle_connections_are_cut_off_within_the_header_timeout() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            header_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
    );
    let server = common::serve(&line).await;

    // Headers a byte at a time, each well within the timeout: the whole must still arrive within it.
    let mut trickle = TcpStream::connect(&server.addr).await.expect("connect");
    let started = Instant::now();
    let request =
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut = false;
    for b in request {
        if trickle.write_all(&[*b]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        if started.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    let took = if cut {
        Some(started.elapsed())
    } else {
        closed_within(&mut trickle, Duration::from_secs(2))
            .await
            .map(|_| started.elapsed())
    };
    assert!(
        took.is_some_and(|t| t < Duration::from_millis(1500)),
        "a client trickling its headers was not cut off: {took:?}"
    );

    // A connection that never sends anything.
    let mut idle = TcpStream::connect(&server.addr).await.expect("connect");
    let took = closed_within(&mut idle, Duration::from_secs(3)).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_millis(1500)),
        "an idle connection stayed open: {took:?}"
    );

    // A kept-alive connection, idle after its first request.
    let mut kept = TcpStream::connect(&server.addr).await.expect("connect");
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let n = kept.read(&mut buf).await.expect("answer");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let took = closed_within(&mut kept, Duration::from_secs(3)).await;
    assert!(
        took.is_some_and(|t| t < Duration::from_millis(1500)),
        "an idle kept-alive connection stayed open: {took:?}"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_body_is_cut_off_within_the_request_timeout_with_a_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            request_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let server = common::serve(&line).await;
    let mut stream = TcpStream::connect(&server.addr).await.expect("connect");
    stream
        .write_all(
            format!(
                "POST /v1/declarations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {us}\r\n\
                 Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .await
        .expect("write");
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(3) {
        // One byte every 100 ms: never idle long, never done.
        let _ = stream.write_all(b" ").await;
        match tokio::time::timeout(Duration::from_millis(100), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                closed = true;
                break;
            }
            Ok(Ok(n)) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        closed && took < Duration::from_millis(2000),
        "the trickling client was not cut off ({took:?}): {text}"
    );
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    assert!(text.contains("\"limit\":\"request_timeout\""), "{text}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_bound_wait_until_one_closes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            max_connections: 2,
            header_timeout: Duration::from_secs(5),
            ..Limits::default()
        },
    );
    let server = common::serve(&line).await;
    let first = TcpStream::connect(&server.addr).await.expect("connect");
    let _second = TcpStream::connect(&server.addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(&server.addr).await.expect("connect");
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut buf = [0u8; 1024];
    let early = tokio::time::timeout(Duration::from_millis(400), third.read(&mut buf)).await;
    assert!(
        early.is_err(),
        "a third connection was served beyond max_connections = 2"
    );
    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(3), third.read(&mut buf))
        .await
        .expect("served once a connection closed")
        .expect("read");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    server.stop().await;
}

/// Starts a POST whose body never comes, so that it stays in flight.
async fn hold_in_flight(addr: &str, path: &str, token: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Length: 100\r\n\r\n{{"
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_flight_bound_is_one_for_the_whole_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            max_in_flight: 2,
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let server = common::serve(&line).await;
    let _a = hold_in_flight(&server.addr, "/v1/declarations", &us).await;
    let _b = hold_in_flight(&server.addr, "/v1/messages", &us).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, headers, body) = raw_request(
        &server.addr,
        &format!("GET /v1/conflicts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {us}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/problem+json"),
        "{headers:?}"
    );
    let body: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(body["limit"], "max_in_flight", "{body}");
    server.stop().await;
}

/// Red team: one party's slow bodies took every in-flight slot of the whole server, `/healthz` included, and
/// a body announced at 10 GB was waited for until the request timeout. Now each party has its own share of
/// the slots, `/healthz` stands outside the bound, and an announced size past the bound is refused at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_partys_slow_bodies_cannot_take_the_whole_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            max_in_flight: 4,
            in_flight_per_party: 2,
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let ru = line.register_party("ru-gs", "military").expect("ru");
    let tr = line.register_party("tr-gs", "military").expect("tr");
    let server = common::serve(&line).await;
    let get = |token: &str, path: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n")
    };
    let _a = hold_in_flight(&server.addr, "/v1/declarations", &us).await;
    let _b = hold_in_flight(&server.addr, "/v1/messages", &us).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // us has used its share: refused, naming the limit; ru is served.
    let (status, _, body) = raw_request(&server.addr, &get(&us, "/v1/conflicts")).await;
    assert_eq!(status, 429, "{body}");
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(problem["limit"], "in_flight_per_party", "{problem}");
    let (status, _, body) = raw_request(&server.addr, &get(&ru, "/v1/conflicts")).await;
    assert_eq!(status, 200, "{body}");
    // The whole server's bound reached (ru holds two more): others wait or are shed, /healthz still answers.
    let _c = hold_in_flight(&server.addr, "/v1/declarations", &ru).await;
    let _d = hold_in_flight(&server.addr, "/v1/messages", &ru).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, body) = raw_request(&server.addr, &get(&tr, "/v1/conflicts")).await;
    assert_eq!(status, 503, "{body}");
    let (status, _, body) = raw_request(
        &server.addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A body announced past the bound is refused before any of it is waited for.
    let started = Instant::now();
    let (status, _, body) = raw_request(
        &server.addr,
        &format!(
            "POST /v1/declarations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tr}\r\n\
             Content-Length: 10000000000\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let problem: Value = serde_json::from_str(&body).expect("problem");
    assert_eq!(problem["limit"], "body_bytes", "{problem}");
    server.stop().await;
}

async fn call(
    router: &axum::Router,
    method: Method,
    uri: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::from(body)).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, value)
}

fn is_problem(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("content-type")
        .is_some_and(|v| v == "application/problem+json")
}

#[tokio::test]
async fn every_answer_is_a_problem_at_the_wire_and_never_cached() {
    let dir = tempfile::tempdir().expect("temp dir");
    let web = dir.path().join("web");
    std::fs::create_dir_all(web.join(".git")).expect("web dir");
    std::fs::write(web.join("index.html"), "<!doctype html>").expect("index");
    std::fs::write(web.join(".env"), "SECRET=1").expect("dot-file");
    std::fs::write(web.join(".git/config"), "SECRET-REPO").expect("dot-dir");
    let line = line_with(
        &dir.path().join("data"),
        Limits {
            body_bytes: 1000,
            track_body_bytes: 2000,
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let router = app_options(
        Arc::clone(&line),
        &Options {
            web: Some(web),
            ..Options::default()
        },
    );
    let auth = format!("Bearer {us}");
    let bearer = [("authorization", auth.as_str())];

    // 413 names the limit, for bodies and for track batches.
    let (s, h, b) = call(
        &router,
        Method::POST,
        "/v1/declarations",
        &bearer,
        vec![b' '; 1001],
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_problem(&h), "{h:?}");
    assert_eq!(b["limit"], "body_bytes", "{b}");
    let (s, h, b) = call(
        &router,
        Method::POST,
        "/v1/tracks",
        &bearer,
        vec![b' '; 2001],
    )
    .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(is_problem(&h), "{h:?}");
    assert_eq!(b["limit"], "track_body_bytes", "{b}");

    // 405 is a problem too, and still says what is allowed.
    let (s, h, b) = call(&router, Method::DELETE, "/v1/conflicts", &bearer, vec![]).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert!(is_problem(&h), "{h:?} {b}");
    assert!(h.get("allow").is_some(), "{h:?}");

    // The scheme of Authorization is case-insensitive (RFC 9110).
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let auth = format!("{scheme} {us}");
        let (s, h, b) = call(
            &router,
            Method::GET,
            "/v1/conflicts",
            &[("authorization", &auth)],
            vec![],
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{scheme}: {b}");
        assert_eq!(h["cache-control"], "no-store", "{scheme}");
    }
    let (s, h, _) = call(
        &router,
        Method::GET,
        "/v1/conflicts",
        &[("authorization", "Basic eDp5")],
        vec![],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h["cache-control"], "no-store");

    // Every API answer is no-store; the picture's files may be kept (checked again).
    for path in ["/healthz", "/openapi.json", "/v1/nothing"] {
        let (_, h, _) = call(&router, Method::GET, path, &[], vec![]).await;
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
    let (s, h, _) = call(&router, Method::GET, "/", &[], vec![]).await;
    assert_eq!(s, StatusCode::OK);
    assert_ne!(h["cache-control"], "no-store");

    // Dot-files and dot-directories are never served, escaped or not.
    for path in [
        "/.env",
        "/.git/config",
        "/%2eenv",
        "/%2Egit/config",
        "/x/../.env",
    ] {
        let (s, h, b) = call(&router, Method::GET, path, &[], vec![]).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {b}");
        assert!(is_problem(&h), "{path}");
        assert!(!b.to_string().contains("SECRET"), "{path}: {b}");
    }

    // Metrics are not on the API's listener.
    let (s, h, b) = call(&router, Method::GET, "/metrics", &[], vec![]).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{b}");
    assert!(is_problem(&h));
    assert!(!b.to_string().contains("deconflict_"), "{b}");

    // The line is not an exercise.
    let (_, _, b) = call(&router, Method::GET, "/v1/credentials", &bearer, vec![]).await;
    assert_eq!(b["exercise"], false, "{b}");
    let router = app_options(
        line,
        &Options {
            exercise: true,
            ..Options::default()
        },
    );
    let (_, _, b) = call(&router, Method::GET, "/v1/credentials", &bearer, vec![]).await;
    assert_eq!(b["exercise"], true, "{b}");
}

#[tokio::test]
async fn a_websocket_handshake_gone_wrong_is_a_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(dir.path(), Limits::default());
    let us = line.register_party("us-cjtf", "military").expect("us");
    let auth = format!("Bearer {us}");
    let (s, h, b) = call(
        &app(line),
        Method::GET,
        "/v1/stream",
        &[("authorization", &auth)],
        vec![],
    )
    .await;
    assert!(s.is_client_error(), "{s}");
    assert!(is_problem(&h), "{h:?} {b}");
}

/// A stream socket whose receive buffer is small, so that a client that does not read fills it at once.
async fn stingy_stream(addr: &str, token: &str) -> common::Ws {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("buffer");
    let tcp = socket
        .connect(addr.parse().expect("addr"))
        .await
        .expect("connect");
    let mut req = format!("ws://{addr}/v1/stream?cursor=0")
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    tokio_tungstenite::client_async(req, tokio_tungstenite::MaybeTlsStream::Plain(tcp))
        .await
        .expect("handshake")
        .0
}

/// A declaration of some hundreds of kilobytes: 8 volumes, each a polygon of 900 vertices, starting in an
/// hour.
fn large_declaration(id: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let time = |ms: i64| deconflict_space::units::format_time(ms);
    let volumes: Vec<Value> = (0..8)
        .map(|v| {
            let ring: Vec<Value> = (0..900)
                .map(|k| {
                    let a = f64::from(k) / 900.0 * std::f64::consts::TAU;
                    json!([
                        38.0 + f64::from(v) * 0.3 + 0.1 * a.cos(),
                        35.0 + 0.1 * a.sin()
                    ])
                })
                .collect();
            json!({"footprint": {"polygon": ring},
                   "altitude": {"lower_m": 1000, "upper_m": 2000},
                   "time": {"start": time(now + 3_600_000), "end": time(now + 7_200_000)}})
        })
        .collect();
    json!({"id": id, "kind": "air_operation", "volumes": volumes})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_client_that_does_not_read_is_cut_off() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            stream_send_timeout: Duration::from_millis(300),
            // Large declarations make large events.
            vertices_per_declaration: usize::MAX,
            vertices_per_party: usize::MAX,
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    // Some megabytes of events for us-cjtf: its own large declarations.
    let sent = 32;
    let l = Arc::clone(&line);
    tokio::task::spawn_blocking(move || {
        for i in 0..sent {
            l.declare("us-cjtf", large_declaration(&format!("us-{i}")))
                .expect("declare");
        }
    })
    .await
    .expect("join");
    let server = common::serve(&line).await;
    let mut ws = stingy_stream(&server.addr, &us).await;
    // Not reading for a while: the server gives up on this client.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let mut events = 0;
    let mut close = None;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(m) = ws.next().await {
            match m {
                Ok(Message::Text(_)) => events += 1,
                Ok(Message::Close(c)) => {
                    close = c;
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the stream of a client that did not read went on"
    );
    assert!(
        events < sent + 3,
        "every event reached a client that did not read ({events})"
    );
    if let Some(c) = close {
        assert!(c.reason.contains("resume from cursor"), "{c:?}");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_per_party_are_bounded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            streams_per_party: 2,
            ..Limits::default()
        },
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let ru = line.register_party("ru-gs", "military").expect("ru");
    let server = common::serve(&line).await;
    let first = connect(&server.addr, &us, 0).await;
    let _second = connect(&server.addr, &us, 0).await;
    let mut req = format!("ws://{}/v1/stream", server.addr)
        .into_client_request()
        .expect("request");
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {us}").parse().expect("header"),
    );
    match tokio_tungstenite::connect_async(req.clone()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            assert_eq!(res.status(), 429);
            let body =
                String::from_utf8_lossy(res.body().as_deref().unwrap_or_default()).to_string();
            assert!(body.contains("streams_per_party"), "{body}");
        }
        other => panic!(
            "a third stream of one party was opened: {:?}",
            other.map(|_| ())
        ),
    }
    // Another party is not affected; a closed stream frees its place.
    let _ru = connect(&server.addr, &ru, 0).await;
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        if tokio_tungstenite::connect_async(req.clone()).await.is_ok() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "a closed stream's place was not freed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_tokens_stream_closes_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(dir.path(), Limits::default());
    let chief = line
        .register_party_as("us-cjtf", "military", "chief")
        .expect("us");
    let (id, token) = line
        .issue_operator_credential("us-cjtf", "duty_officer")
        .expect("credential");
    let server = common::serve(&line).await;
    let mut ws = connect(&server.addr, &token, 0).await;
    // It streams.
    let first = tokio::time::timeout(Duration::from_secs(3), ws.next())
        .await
        .expect("an event");
    assert!(matches!(first, Some(Ok(Message::Text(_)))), "{first:?}");
    let l = Arc::clone(&line);
    tokio::task::spawn_blocking(move || {
        let caller = l.authenticate(&chief).expect("chief");
        l.revoke_credential(&caller, &id)
    })
    .await
    .expect("join")
    .expect("revoke");
    let revoked = Instant::now();
    let closed = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(m) = ws.next().await {
            match m {
                Ok(Message::Close(c)) => return c,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("the revoked token's stream was not closed");
    assert!(revoked.elapsed() < Duration::from_millis(1500));
    let c = closed.expect("a close frame");
    assert_eq!(u16::from(c.code), 1008, "{c:?}");
    assert!(c.reason.contains("revoked"), "{c:?}");
    server.stop().await;
}

async fn get(addr: &str, path: &str) -> (u16, Value, String) {
    let (status, _, body) = raw_request(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let value = serde_json::from_str(&body).unwrap_or(Value::Null);
    (status, value, body)
}

/// Polls `path` until `ok` holds of its answer, for at most `within`; how long it took.
async fn until(
    addr: &str,
    path: &str,
    within: Duration,
    ok: impl Fn(u16, &Value, &str) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let (s, v, text) = get(addr, path).await;
        if ok(s, &v, &text) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{path} did not change within {within:?}: {s} {text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sets a flag back to false when dropped.
struct Release(Arc<AtomicBool>);

impl Drop for Release {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_loop_turns_healthz_503_naming_it_and_a_panicking_loop_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(dir.path(), Limits::default());
    let stall = Arc::new(AtomicBool::new(false));
    // Whatever happens below, the stalled loop is let go when the test ends: a failed assertion must fail the
    // test, not leave the runtime waiting for ever for that loop's thread.
    let _release = Release(Arc::clone(&stall));
    let panics = Arc::new(AtomicUsize::new(0));
    let period = Duration::from_millis(100);
    let before: deconflict_server::health::BeforeRun = {
        let (stall, panics) = (Arc::clone(&stall), Arc::clone(&panics));
        Arc::new(move |name| {
            if name == "scan" {
                while stall.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
            if name == "escalation" && panics.fetch_add(1, Ordering::SeqCst) == 1 {
                panic!("the second escalation run fails");
            }
        })
    };
    let (server, metrics) = common::serve_with_metrics(
        &line,
        Options {
            scan_period: period,
            health_grace: Duration::ZERO,
            before_run: Some(before),
            ..Options::default()
        },
    )
    .await;
    let wait = Duration::from_secs(5);
    until(&server.addr, "/healthz", wait, |s, _, _| s == 200).await;

    stall.store(true, Ordering::SeqCst);
    let took = until(&server.addr, "/healthz", wait, |s, v, _| {
        s == 503 && v["late"] == json!(["scan"])
    })
    .await;
    // Three periods and some slack: on a loaded machine the loop's thread and the probe may both be late.
    assert!(
        took < period * 3 + Duration::from_secs(2),
        "late only after {took:?}"
    );
    let (_, v, _) = get(&server.addr, "/healthz").await;
    assert_eq!(v["type"], "urn:deconflict:problem:unhealthy", "{v}");
    assert!(
        v["detail"].as_str().is_some_and(|d| d.contains("scan")),
        "{v}"
    );
    // The operator's metrics say so too.
    until(&metrics, "/metrics", wait, |_, _, text| {
        text.contains("deconflict_loop_late{loop=\"scan\"} 1")
    })
    .await;

    stall.store(false, Ordering::SeqCst);
    until(&server.addr, "/healthz", wait, |s, _, _| s == 200).await;

    // The escalation loop panicked once and went on.
    until(&metrics, "/metrics", wait, |_, _, text| {
        text.contains("deconflict_loop_panics_total{loop=\"escalation\"} 1")
            && text
                .lines()
                .find_map(|l| l.strip_prefix("deconflict_loop_runs_total{loop=\"escalation\"} "))
                .and_then(|n| n.parse::<u64>().ok())
                .is_some_and(|n| n >= 4)
    })
    .await;
    let (_, _, text) = get(&metrics, "/metrics").await;
    for name in [
        "deconflict_loop_last_run_seconds{loop=\"scan\"}",
        "deconflict_loop_last_duration_seconds{loop=\"checkpoint\"}",
        "deconflict_ledger_entries",
    ] {
        assert!(text.contains(name), "{name} not in {text}");
    }
    server.stop().await;
}

/// A log store that fails when told to: appends (as a full or failing disk would, after the line applied the
/// write), or reading checkpoints (so that the checkpoint loop fails on every run).
#[derive(Debug)]
struct Faulty {
    log: deconflict_store::SqliteLog,
    appends_fail: AtomicBool,
    checkpoints_fail: AtomicBool,
}

impl Faulty {
    fn broken(&self, flag: &AtomicBool, what: &str) -> Result<(), deconflict_store::StoreError> {
        if flag.load(Ordering::SeqCst) {
            return Err(deconflict_store::StoreError::Storage(format!(
                "{what}: the disk is failing"
            )));
        }
        Ok(())
    }
}

impl deconflict_store::LogStore for Faulty {
    fn append(
        &self,
        expected_size: Option<u64>,
        entries: Vec<deconflict_store::NewEntry>,
    ) -> Result<deconflict_store::Appended, deconflict_store::StoreError> {
        self.broken(&self.appends_fail, "append")?;
        self.log.append(expected_size, entries)
    }
    fn append_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<deconflict_store::StoredEntry>,
    ) -> Result<deconflict_store::Appended, deconflict_store::StoreError> {
        self.broken(&self.appends_fail, "append")?;
        self.log.append_sealed(expected_size, entries)
    }
    fn submit_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<deconflict_store::StoredEntry>,
    ) -> Result<deconflict_store::PendingAppend, deconflict_store::StoreError> {
        if let Err(e) = self.broken(&self.appends_fail, "append") {
            // Queued, then failed on the disk: the line has already applied it.
            return Ok(deconflict_store::PendingAppend::done(Err(e)));
        }
        self.log.submit_sealed(expected_size, entries)
    }
    fn size(&self) -> Result<u64, deconflict_store::StoreError> {
        self.log.size()
    }
    fn entries(
        &self,
        from: u64,
        limit: usize,
    ) -> Result<Vec<deconflict_store::StoredEntry>, deconflict_store::StoreError> {
        self.log.entries(from, limit)
    }
    fn node(&self, level: u8, index: u64) -> Result<[u8; 32], deconflict_store::StoreError> {
        self.log.node(level, index)
    }
    fn put_checkpoint(
        &self,
        checkpoint: deconflict_store::StoredCheckpoint,
    ) -> Result<(), deconflict_store::StoreError> {
        self.broken(&self.checkpoints_fail, "checkpoint")?;
        self.log.put_checkpoint(checkpoint)
    }
    fn latest_checkpoint(
        &self,
    ) -> Result<Option<deconflict_store::StoredCheckpoint>, deconflict_store::StoreError> {
        self.broken(&self.checkpoints_fail, "checkpoint")?;
        self.log.latest_checkpoint()
    }
    fn checkpoints(
        &self,
    ) -> Result<Vec<deconflict_store::StoredCheckpoint>, deconflict_store::StoreError> {
        self.log.checkpoints()
    }
}

/// A line on a [`Faulty`] store in `dir`, and the store.
fn faulty_line(dir: &std::path::Path) -> (Arc<Line>, Arc<Faulty>) {
    let store = Arc::new(Faulty {
        log: deconflict_store::SqliteLog::open(dir).expect("log"),
        appends_fail: AtomicBool::new(false),
        checkpoints_fail: AtomicBool::new(false),
    });
    let line = Line::open_store(
        Arc::clone(&store) as Arc<dyn deconflict_store::LogStore>,
        dir,
        "test.example/line",
        Arc::new(deconflict_server::clock::SystemClock),
    )
    .expect("open");
    (Arc::new(line), store)
}

async fn authorized(addr: &str, method: &str, path: &str, token: &str, body: &str) -> (u16, Value) {
    let (status, _, text) = raw_request(
        addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Hostile review: after a log write failed the line refused every request (500), and `/healthz` still
/// answered 200 "ok" on both listeners. Now `/healthz` is 503 saying the line has failed, and a read is
/// refused saying so — not "the change could not be stored".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_line_turns_healthz_503_and_every_answer_says_it_failed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (line, store) = faulty_line(dir.path());
    let token = line.register_party("aa", "military").expect("aa");
    let (server, metrics) = common::serve_with_metrics(&line, Options::default()).await;
    let wait = Duration::from_secs(5);
    until(&server.addr, "/healthz", wait, |s, _, _| s == 200).await;

    store.appends_fail.store(true, Ordering::SeqCst);
    let body = json!({"id": "s-1", "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 5000}},
         "altitude": {"lower_m": 0, "upper_m": 3000},
         "time": {"start": "2100-01-01T00:00:00Z", "end": "2100-01-01T01:00:00Z"}}]});
    let (status, problem) = authorized(
        &server.addr,
        "POST",
        "/v1/declarations",
        &token,
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 500, "{problem}");
    assert!(line.has_failed());

    for addr in [&server.addr, &metrics] {
        let (status, v, text) = get(addr, "/healthz").await;
        assert_eq!(status, 503, "{addr}: {text}");
        assert_eq!(v["type"], "urn:deconflict:problem:unhealthy", "{v}");
        assert_eq!(v["failed"], true, "{v}");
        assert!(
            v["detail"]
                .as_str()
                .is_some_and(|d| d.contains("the line has failed")),
            "{v}"
        );
    }
    // A read is refused, saying why; nothing claims a change was attempted.
    let (status, problem) = authorized(&server.addr, "GET", "/v1/declarations", &token, "").await;
    assert_eq!(status, 503, "{problem}");
    assert_eq!(
        problem["type"], "urn:deconflict:problem:line-failed",
        "{problem}"
    );
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("the line has failed"), "{problem}");
    assert!(!detail.contains("could not be stored"), "{problem}");
    server.stop().await;
}

/// Hostile review: a background loop whose every run failed (returned an error) still counted each as a
/// completed run, so `/healthz` stayed 200. A failed run is no heartbeat: after three periods of failures
/// `/healthz` is 503 naming the loop and its last error, and 200 again once a run succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loop_whose_runs_all_fail_turns_healthz_503_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (line, store) = faulty_line(dir.path());
    line.register_party("aa", "military").expect("aa");
    let period = Duration::from_millis(100);
    let (server, metrics) = common::serve_with_metrics(
        &line,
        Options {
            scan_period: period,
            health_grace: Duration::ZERO,
            ..Options::default()
        },
    )
    .await;
    let wait = Duration::from_secs(5);
    until(&server.addr, "/healthz", wait, |s, _, _| s == 200).await;

    store.checkpoints_fail.store(true, Ordering::SeqCst);
    let took = until(&metrics, "/healthz", wait, |s, v, _| {
        s == 503 && v["late"] == json!(["checkpoint"]) && v["failing"] == json!(["checkpoint"])
    })
    .await;
    // Failing from at most the checkpointer's 200 ms after its last checkpoint; late three periods later.
    assert!(took < Duration::from_secs(2), "late only after {took:?}");
    let (_, v, _) = get(&server.addr, "/healthz").await;
    assert_eq!(v["failed"], false, "{v}");
    let detail = v["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("checkpoint") && detail.contains("the disk is failing"),
        "{v}"
    );
    let (_, _, text) = get(&metrics, "/metrics").await;
    assert!(
        text.contains("deconflict_loop_late{loop=\"checkpoint\"} 1"),
        "{text}"
    );

    store.checkpoints_fail.store(false, Ordering::SeqCst);
    until(&server.addr, "/healthz", wait, |s, _, _| s == 200).await;
    server.stop().await;
}

/// Hostile review: 4 300 half-open connections (headers never finished) from one address took every
/// connection slot, and new connections waited 7–9 s. Now an address holds at most
/// `connections_per_address` connections; one more is closed at once, before anything is read, while other
/// addresses are served, and the address is served again once one of its connections closes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_from_one_address_beyond_their_bound_are_closed_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = line_with(
        dir.path(),
        Limits {
            connections_per_address: 2,
            header_timeout: Duration::from_secs(5),
            ..Limits::default()
        },
    );
    let server = common::serve(&line).await;
    // Two half-open connections from 127.0.0.1: partial headers, never finished.
    let mut first = TcpStream::connect(&server.addr).await.expect("connect");
    first
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .expect("write");
    let mut second = TcpStream::connect(&server.addr).await.expect("connect");
    second
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let mut third = TcpStream::connect(&server.addr).await.expect("connect");
    let closed = closed_within(&mut third, Duration::from_secs(2)).await;
    assert!(
        closed.is_some_and(|t| t < Duration::from_secs(1)),
        "a third connection from one address was kept open beyond connections_per_address = 2 \
         ({closed:?})"
    );

    // Another address is served meanwhile (127.0.0.2 is loopback too).
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.2:0".parse().expect("addr"))
        .expect("bind 127.0.0.2");
    let mut other = socket
        .connect(server.addr.parse().expect("addr"))
        .await
        .expect("connect from 127.0.0.2");
    other
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(3), other.read_to_end(&mut answer))
        .await
        .expect("another address served in time")
        .expect("read");
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // Once one of its connections closes, the address is served again.
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _, _) = get(&server.addr, "/healthz").await;
    assert_eq!(status, 200);
    drop(second);
    server.stop().await;
}
