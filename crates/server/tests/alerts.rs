//! Live tracks to alerts, end to end over real HTTP and WebSocket: two parties under an agreement report
//! converging tracks; the server's periodic scan raises an alert that reaches exactly those two parties on the
//! stream and is in the ledger with the states that caused it; a third party (in an agreement with one of them
//! only, with a track just as close) sees nothing; when the tracks part, the alert closes after the hysteresis.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{connect, Ws};
use deconflict_server::clock::ManualClock;
use deconflict_server::Line;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// The next alert event, skipping everything else; `None` if none comes within `wait`.
async fn next_alert(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let msg = tokio::time::timeout(left, ws.next()).await.ok()??.ok()?;
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t).expect("json event");
            if v["kind"].as_str().is_some_and(|k| k.starts_with("alert.")) {
                return Some(v);
            }
        }
    }
}

async fn post(addr: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let addr = addr.to_string();
    let (token, path, body) = (token.to_string(), path.to_string(), body.to_string());
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let mut response = String::new();
        s.read_to_string(&mut response).expect("read");
        let status = response.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    })
    .await
    .expect("join")
}

/// A track at 35°N, `lon`, 9 000 m, heading `trk` at 220 m/s.
fn track(id: &str, lon: f64, trk: f64) -> Value {
    json!({"id": id, "callsign": id.to_uppercase(), "lat": 35.0, "lon": lon, "alt_m": 9000.0,
           "gs_mps": 220.0, "trk_deg": trk, "vs_mps": 0.0})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converging_tracks_alert_exactly_their_parties_and_the_alert_is_logged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(1_900_000_000_000));
    let line =
        Arc::new(Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open"));
    let us = line.register_party("us-cjtf", "military").expect("us");
    let ru = line.register_party("ru-gs", "military").expect("ru");
    let tr = line.register_party("tr-gs", "military").expect("tr");
    line.establish_agreement(json!({"id": "mou", "parties": ["us-cjtf", "ru-gs"]}))
        .expect("mou");
    line.establish_agreement(json!({"id": "us-tr", "parties": ["us-cjtf", "tr-gs"]}))
        .expect("us-tr");
    let server = common::serve(&line).await;
    let addr = server.addr.clone();
    let from = line.store().size().expect("size");
    let mut us_ws = connect(&addr, &us, from).await;
    let mut ru_ws = connect(&addr, &ru, from).await;
    let mut tr_ws = connect(&addr, &tr, from).await;

    // us and ru head-on 40 km apart at the same level: separation lost in about 70 s.
    let (status, body) = post(
        &addr,
        &us,
        "/v1/tracks",
        &json!({"tracks": [track("viper11", 38.0, 90.0)]}),
    )
    .await;
    assert_eq!((status, &body["accepted"]), (200, &json!(1)), "{body}");
    let (status, _) = post(
        &addr,
        &ru,
        "/v1/tracks",
        &json!({"tracks": [track("su24", 38.44, 270.0)]}),
    )
    .await;
    assert_eq!(status, 200);
    // tr's track is 3 km from ru's at the same level (already too close), but tr and ru share no agreement;
    // it flies east as fast as us's track, 43 km ahead of it: nothing with us either.
    let (status, _) = post(
        &addr,
        &tr,
        "/v1/tracks",
        &json!({"tracks": [track("f16", 38.473, 90.0)]}),
    )
    .await;
    assert_eq!(status, 200);
    // Bad reports name the field and store nothing.
    let (status, body) = post(&addr, &tr, "/v1/tracks", &json!({"tracks": [{"id": "x", "lat": 95.0, "lon": 1.0, "alt_m": 1.0, "gs_mps": 1.0, "trk_deg": 1.0}]})).await;
    assert_eq!(
        (status, &body["field"]),
        (422, &json!("tracks[0].lat")),
        "{body}"
    );

    let wait = Duration::from_secs(5);
    let raised = next_alert(&mut us_ws, wait).await.expect("us alerted");
    assert_eq!(raised["kind"], "alert.raised");
    let alert = &raised["content"];
    assert_eq!(alert["kind"], "separation");
    assert_eq!(alert["agreements"], json!(["mou"]));
    let parties: Vec<&str> = alert["tracks"]
        .as_array()
        .expect("tracks")
        .iter()
        .filter_map(|t| t["party"].as_str())
        .collect();
    assert_eq!(parties, ["ru-gs", "us-cjtf"]);
    let t_los = alert["t_los_s"].as_f64().expect("t_los");
    assert!((60.0..80.0).contains(&t_los), "{alert}");
    let ru_raised = next_alert(&mut ru_ws, wait).await.expect("ru alerted");
    assert_eq!(ru_raised["content"]["id"], alert["id"]);
    assert!(
        next_alert(&mut tr_ws, Duration::from_millis(800))
            .await
            .is_none(),
        "tr-gs sees no alert"
    );
    // Raised once: further scans of the same encounter log nothing new.
    assert!(next_alert(&mut us_ws, Duration::from_millis(800))
        .await
        .is_none());

    // In the ledger, with the states, for the two parties only.
    let entries = line.store().entries(from, 1000).expect("entries");
    let logged: Vec<_> = entries
        .iter()
        .filter(|e| e.header.kind == "alert.raised")
        .collect();
    assert_eq!(logged.len(), 1);
    assert!(
        logged[0].header.audience.includes("us-cjtf")
            && logged[0].header.audience.includes("ru-gs")
    );
    assert!(!logged[0].header.audience.includes("tr-gs"));
    let content: Value = serde_json::from_slice(&logged[0].content).expect("content");
    assert_eq!(content["tracks"][1]["callsign"], "VIPER11");
    assert_eq!(line.alerts("tr-gs").expect("alerts").len(), 0);
    assert_eq!(line.alerts("ru-gs").expect("alerts")[0]["status"], "open");

    // The Russian track turns away: after the hysteresis the alert closes, for both.
    let (status, _) = post(
        &addr,
        &ru,
        "/v1/tracks",
        &json!({"tracks": [track("su24", 38.44, 90.0)]}),
    )
    .await;
    assert_eq!(status, 200);
    let closed = next_alert(&mut us_ws, wait).await.expect("closed for us");
    assert_eq!(
        (closed["kind"].clone(), closed["content"]["id"].clone()),
        (json!("alert.closed"), alert["id"].clone())
    );
    assert_eq!(closed["content"]["reason"], "clear");
    let closed = next_alert(&mut ru_ws, wait).await.expect("closed for ru");
    assert_eq!(closed["kind"], "alert.closed");
    assert_eq!(
        line.alerts("us-cjtf").expect("alerts")[0]["status"],
        "closed"
    );

    drop((us_ws, ru_ws, tr_ws));
    server.stop().await;
}

#[test]
fn a_track_heading_for_a_notified_hospital_alerts_its_party_and_the_notifier() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 2017-06-18T12:00Z.
    let clock = Arc::new(ManualClock::new(1_497_787_200_000));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("open");
    for (id, kind) in [
        ("un-ocha", "humanitarian"),
        ("ru-gs", "military"),
        ("us-cjtf", "military"),
    ] {
        line.register_party(id, kind).expect("register");
    }
    line.establish_agreement(json!({"id": "hnots", "parties": ["un-ocha", "ru-gs"]}))
        .expect("hnots");
    line.declare(
        "un-ocha",
        json!({"id": "hosp-kz", "kind": "site", "name": "Kafr Zeita hospital", "audience": ["ru-gs", "us-cjtf"],
               "volumes": [{"footprint": {"circle": {"center": [36.6, 35.37], "radius_m": 300}},
                            "altitude": {"lower": "SFC", "upper": "FL600"},
                            "time": {"start": "2017-06-01T00:00:00Z", "end": "2017-07-01T00:00:00Z"}}]}),
    )
    .expect("hospital");
    // A Russian jet 40 km west, heading east at 250 m/s, 3 000 m: over the hospital in 160 s. A US one on
    // the same path: no agreement with the UN, no alert for it.
    let jet = |id: &str| json!({"tracks": [{"id": id, "lat": 35.37, "lon": 36.16, "alt_m": 3000.0, "gs_mps": 250.0, "trk_deg": 90.0}]});
    line.report_tracks("ru-gs", jet("su24")).expect("report");
    line.report_tracks("us-cjtf", jet("f15")).expect("report");
    let from = line.store().size().expect("size");
    assert_eq!(line.scan_tracks().expect("scan"), 1);
    let entries = line.store().entries(from, 10).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].header.kind, "alert.raised");
    let audience: Vec<&str> = ["un-ocha", "ru-gs", "us-cjtf"]
        .into_iter()
        .filter(|p| entries[0].header.audience.includes(p))
        .collect();
    assert_eq!(audience, ["un-ocha", "ru-gs"]);
    let alert: Value = serde_json::from_slice(&entries[0].content).expect("content");
    assert_eq!(alert["kind"], "incursion");
    assert_eq!(alert["declaration"]["id"], "hosp-kz");
    assert_eq!(alert["tracks"][0]["id"], "su24");
    assert!(line.alerts("us-cjtf").expect("alerts").is_empty());
    assert_eq!(line.alerts("un-ocha").expect("alerts").len(), 1);
    // Raised once; after the jet turns back, closed after three clear scans.
    assert_eq!(line.scan_tracks().expect("scan"), 0);
    line.report_tracks(
        "ru-gs",
        json!({"tracks": [{"id": "su24", "lat": 35.37, "lon": 36.16, "alt_m": 3000.0, "gs_mps": 250.0, "trk_deg": 270.0}]}),
    )
    .expect("report");
    let logged: usize = (0..3).map(|_| line.scan_tracks().expect("scan")).sum();
    assert_eq!(logged, 1);
    assert_eq!(line.alerts("ru-gs").expect("alerts")[0]["status"], "closed");
    // Tracks expire after a minute without a report; nothing more is logged for them.
    clock.advance_ms(61_000);
    assert_eq!(line.scan_tracks().expect("scan"), 0);
}

#[test]
fn a_track_heading_across_a_deconfliction_line_alerts_the_other_side_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(1_497_787_200_000));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("open");
    for id in ["ru-gs", "us-cjtf"] {
        line.register_party(id, "military").expect("register");
    }
    line.establish_agreement(json!({"id": "mou", "parties": ["ru-gs", "us-cjtf"]}))
        .expect("mou");
    // The Euphrates from Tabqa down to Deir ez-Zor; each party declares its own side, 30 km deep: the
    // coalition the north-east (left, looking downstream), Russia the south-west (right).
    let river = json!([
        [38.55, 35.84],
        [39.02, 35.95],
        [39.60, 35.60],
        [40.14, 35.33]
    ]);
    let side = |id: &str, side: &str| {
        json!({"id": id, "kind": "line", "name": "Euphrates deconfliction line", "audience": ["ru-gs", "us-cjtf"],
               "volumes": [{"footprint": {"side": {"path": river, "side": side, "depth_m": 30000}},
                            "altitude": {"lower": "SFC", "upper": "FL600"},
                            "time": {"start": "2017-06-01T00:00:00Z", "end": "2017-07-01T00:00:00Z"}}]})
    };
    let us = line
        .declare("us-cjtf", side("euphrates-ne", "left"))
        .expect("the coalition's side");
    let ru = line
        .declare("ru-gs", side("euphrates-sw", "right"))
        .expect("Russia's side");
    // The two sides meet along the river by design: no conflict between them.
    assert_eq!(us.body["conflicts"], json!([]), "{}", us.body);
    assert_eq!(ru.body["conflicts"], json!([]), "{}", ru.body);
    // A Russian jet south-west of the river near Tabqa, heading north-east across it at 250 m/s: it will be on
    // the coalition's side within the look-ahead. A coalition jet on its own side heading away: nothing.
    line.report_tracks(
        "ru-gs",
        json!({"tracks": [{"id": "su34", "lat": 35.70, "lon": 38.70, "alt_m": 6000.0, "gs_mps": 250.0, "trk_deg": 30.0}]}),
    )
    .expect("report");
    line.report_tracks(
        "us-cjtf",
        json!({"tracks": [{"id": "f16", "lat": 36.20, "lon": 39.00, "alt_m": 8000.0, "gs_mps": 200.0, "trk_deg": 0.0}]}),
    )
    .expect("report");
    let from = line.store().size().expect("size");
    assert_eq!(line.scan_tracks().expect("scan"), 1);
    let entries = line.store().entries(from, 10).expect("entries");
    let alert: Value = serde_json::from_slice(&entries[0].content).expect("content");
    assert_eq!(alert["kind"], "incursion", "{alert}");
    assert_eq!(alert["declaration"]["id"], "euphrates-ne");
    assert_eq!(alert["declaration"]["kind"], "line");
    assert_eq!(alert["tracks"][0]["id"], "su34");
    assert_eq!(line.alerts("ru-gs").expect("alerts").len(), 1);
    assert_eq!(line.alerts("us-cjtf").expect("alerts").len(), 1);
    // A bad side names its field.
    let mut bad = side("euphrates-x", "up");
    bad["id"] = json!("euphrates-x");
    let err = line
        .declare("ru-gs", bad)
        .expect_err("a side is left or right");
    assert!(err.to_string().contains("footprint.side.side"), "{err}");
    assert!(
        line.get("ru-gs", "euphrates-x", None).is_err(),
        "nothing stored"
    );
}
