//! `/v1/stream` over a real socket: each party receives, in order, exactly the entries it may read; a client
//! that reconnects with its last cursor gets what it missed exactly once.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{connect, Ws};
use deconflict_server::Line;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

mod scenario;
use scenario::scenario_clock;

/// The next event, skipping heartbeats; `None` if nothing comes within `wait`.
async fn next(ws: &mut Ws, wait: Duration) -> Option<Value> {
    loop {
        let msg = tokio::time::timeout(wait, ws.next()).await.ok()??.ok()?;
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("json event");
            if v.get("heartbeat").is_none() {
                return Some(v);
            }
        }
    }
}

fn declaration(id: &str, audience: &[&str], lower_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "audience": audience, "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 3000.0},
         "time": {"start": "2017-06-18T15:30:00Z", "end": "2017-06-18T16:30:00Z"}}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_party_gets_its_events_in_order_and_resumes_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = Arc::new(
        Line::open_with_clock(dir.path(), "test.example/line", scenario_clock()).expect("open"),
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    let ru = line.register_party("ru-gs", "military").expect("ru");
    let tr = line.register_party("tr-gs", "military").expect("tr");
    line.establish_agreement(json!({"id": "all", "parties": ["us-cjtf", "ru-gs", "tr-gs"]}))
        .expect("agreement");
    let server = common::serve(&line).await;
    let addr = server.addr.clone();
    let wait = Duration::from_secs(5);
    let quiet = Duration::from_millis(300);

    let mut us_ws = connect(&addr, &us, 0).await;
    let mut tr_ws = connect(&addr, &tr, 0).await;
    // Each sees its own registration only.
    let e = next(&mut us_ws, wait).await.expect("us registration");
    assert_eq!(
        (e["kind"].clone(), e["content"]["id"].clone()),
        (json!("party.registered"), json!("us-cjtf"))
    );
    let e = next(&mut tr_ws, wait).await.expect("tr registration");
    assert_eq!(e["content"]["id"], "tr-gs");
    // Then the agreement all three take part in: proposed, accepted twice.
    for ws in [&mut us_ws, &mut tr_ws] {
        for _ in 0..3 {
            let e = next(ws, wait).await.expect("agreement");
            assert!(
                e["kind"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("agreement.")),
                "{e}"
            );
        }
    }

    // us-17 is shown to ru-gs only.
    let l = Arc::clone(&line);
    tokio::task::spawn_blocking(move || {
        l.declare("us-cjtf", declaration("us-17", &["ru-gs"], 6000.0))
    })
    .await
    .expect("join")
    .expect("declare");
    let e = next(&mut us_ws, wait).await.expect("own declaration");
    assert_eq!(
        (e["kind"].clone(), e["content"]["id"].clone()),
        (json!("declaration.version"), json!("us-17"))
    );
    let resume_from = e["cursor"].as_u64().expect("cursor");
    drop(us_ws);

    let mut ru_ws = connect(&addr, &ru, 0).await;
    let e = next(&mut ru_ws, wait).await.expect("ru registration");
    assert_eq!(e["content"]["id"], "ru-gs");
    for _ in 0..3 {
        let e = next(&mut ru_ws, wait).await.expect("agreement");
        assert_eq!(e["content"]["id"], "all");
    }
    let e = next(&mut ru_ws, wait).await.expect("us-17 shown to ru");
    assert_eq!(e["content"]["id"], "us-17");

    // While us-cjtf is away, ru-gs declares in conflict (shown to us) and messages tr-gs.
    let l = Arc::clone(&line);
    tokio::task::spawn_blocking(move || {
        l.declare("ru-gs", declaration("ru-42", &["us-cjtf"], 7000.0))?;
        l.send(
            "ru-gs",
            json!({"to": ["tr-gs"], "text": "column moving north"}),
        )
    })
    .await
    .expect("join")
    .expect("writes");

    // tr-gs never saw us-17, ru-42 or the conflict: its next event is the message.
    let e = next(&mut tr_ws, wait).await.expect("tr message");
    assert_eq!(e["kind"], "message.sent");
    assert!(next(&mut tr_ws, quiet).await.is_none());

    // us-cjtf comes back with its cursor: exactly what it missed, in order, once.
    let mut us_ws = connect(&addr, &us, resume_from).await;
    let mut kinds = Vec::new();
    let mut last = resume_from;
    while let Some(e) = next(&mut us_ws, quiet).await {
        let seq = e["seq"].as_u64().expect("seq");
        assert!(seq >= last, "in order, never repeated");
        last = seq + 1;
        kinds.push(format!(
            "{} {}",
            e["kind"].as_str().unwrap_or(""),
            e["content"]["id"].as_str().unwrap_or("")
        ));
    }
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert_eq!(kinds[0], "declaration.version ru-42");
    assert!(kinds[1].starts_with("conflict.found c-"), "{kinds:?}");

    // No token, no stream.
    let req = format!("ws://{addr}/v1/stream")
        .into_client_request()
        .expect("request");
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
    drop((us_ws, ru_ws, tr_ws));
    server.stop().await;
}

/// A browser offers its token as the subprotocol `bearer.<token>` (it cannot set headers on a WebSocket):
/// the stream answers `deconflict` and carries that party's events only; a wrong token gets no stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_signs_in_to_the_stream_with_a_subprotocol() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let dir = tempfile::tempdir().expect("temp dir");
    let line = Arc::new(
        Line::open_with_clock(dir.path(), "test.example/line", scenario_clock()).expect("open"),
    );
    let us = line.register_party("us-cjtf", "military").expect("us");
    line.register_party("ru-gs", "military").expect("ru");
    let server = common::serve(&line).await;
    let request = |token: &str| {
        let mut req = format!("ws://{}/v1/stream?cursor=0", server.addr)
            .into_client_request()
            .expect("request");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            format!("deconflict, bearer.{token}")
                .parse()
                .expect("header"),
        );
        req
    };
    let (mut ws, response) = tokio_tungstenite::connect_async(request(&us))
        .await
        .expect("connect");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "deconflict",
        "the stream names the protocol"
    );
    let e = next(&mut ws, Duration::from_secs(5))
        .await
        .expect("an event");
    assert_eq!(e["content"]["id"], "us-cjtf");
    assert!(next(&mut ws, Duration::from_millis(300)).await.is_none());
    assert!(tokio_tungstenite::connect_async(request("dcf_not-a-token"))
        .await
        .is_err());
    server.stop().await;
}
