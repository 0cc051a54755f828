//! What a hostile or careless party's track reports cannot do to the line (issue 14): silence it (a report at a
//! pole dated far ahead), keep tracks for ever, flood it (duplicate ids, more live tracks or reports than its
//! limits, stacks of tracks that would log an alert per pair), delay other pairs' alerts, or learn of an area
//! it was never given. Unknown vertical rates are not taken as level, and pressure altitudes are compared with
//! MSL ones with a margin. Refusals name the field or the limit and keep nothing of the batch; the line stays
//! live: a fresh pair's alert comes within two scans afterwards.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use deconflict_server::clock::ManualClock;
use deconflict_server::{Limits, Line};
use serde_json::{json, Value};

/// 2030-03-17T17:46:40Z.
const NOW_MS: i64 = 1_900_000_000_000;

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

struct World {
    _dir: tempfile::TempDir,
    line: Arc<Line>,
    clock: Arc<ManualClock>,
    tokens: Vec<String>,
}

/// A line with `limits` and parties p0…p(n−1), each pair in `pairs` under an agreement.
fn world(limits: Limits, parties: usize, pairs: &[(usize, usize)]) -> World {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(NOW_MS));
    let line = Arc::new(
        Line::open_with_clock(dir.path(), "test.example/line", clock.clone())
            .expect("open")
            .with_limits(limits),
    );
    let tokens = (0..parties)
        .map(|i| {
            line.register_party(&format!("p{i}"), "military")
                .expect("party")
        })
        .collect();
    for (a, b) in pairs {
        line.establish_agreement(
            json!({"id": format!("p{a}-p{b}"), "parties": [format!("p{a}"), format!("p{b}")]}),
        )
        .expect("agreement");
    }
    World {
        _dir: dir,
        line,
        clock,
        tokens,
    }
}

/// A track at `lat`, `lon`, 9 000 m, heading `trk` at 220 m/s, level.
fn track(id: &str, lat: f64, lon: f64, trk: f64) -> Value {
    json!({"id": id, "lat": lat, "lon": lon, "alt_m": 9000.0, "gs_mps": 220.0, "trk_deg": trk, "vs_mps": 0.0})
}

/// Tracks of parties `a` and `b` head-on 40 km apart at 35°N (separation lost in about 70 s).
fn fresh_pair(w: &World, a: usize, b: usize, lon: f64) {
    w.line
        .report_tracks(
            &format!("p{a}"),
            json!({"tracks": [track("fresh-a", 35.0, lon, 90.0)]}),
        )
        .expect("report");
    w.line
        .report_tracks(
            &format!("p{b}"),
            json!({"tracks": [track("fresh-b", 35.0, lon + 0.44, 270.0)]}),
        )
        .expect("report");
}

/// The separation alerts between `a` and `b` raised in the log from `from` on.
fn raised_between(w: &World, from: u64, a: usize, b: usize) -> usize {
    let size = w.line.store().size().expect("size");
    w.line
        .store()
        .entries(from, (size - from) as usize)
        .expect("entries")
        .iter()
        .filter(|e| e.header.kind == "alert.raised")
        .filter(|e| {
            let c: Value = serde_json::from_slice(&e.content).expect("content");
            let parties = [format!("p{a}"), format!("p{b}")];
            c["kind"] == "separation"
                && c["tracks"]
                    .as_array()
                    .is_some_and(|t| t.iter().all(|t| parties.iter().any(|p| t["party"] == **p)))
        })
        .count()
}

fn own_tracks(w: &World, party: usize) -> usize {
    w.line.tracks_of(&format!("p{party}")).len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_at_a_pole_dated_far_ahead_is_refused_and_the_line_stays_live() {
    let w = world(Limits::default(), 3, &[(0, 1), (1, 2)]);
    let server = common::serve(&w.line).await;
    // The report that silenced the line: at the North Pole, dated 9999.
    let pole = json!({"tracks": [{"id": "x", "lat": 90.0, "lon": 0.0, "alt_m": 9000.0, "gs_mps": 250.0,
                                  "trk_deg": 90.0, "vs_mps": 0.0, "time": "9999-12-31T00:00:00Z"}]});
    let (status, body) = post(&server.addr, &w.tokens[2], "/v1/tracks", &pole).await;
    assert_eq!(
        (status, &body["field"]),
        (422, &json!("tracks[0].time")),
        "{body}"
    );
    // Far ahead but a time the line reads: refused by the skew limit, named.
    let mut ahead = pole.clone();
    ahead["tracks"][0]["time"] = json!("2199-12-31T00:00:00Z");
    let (status, body) = post(&server.addr, &w.tokens[2], "/v1/tracks", &ahead).await;
    assert_eq!((status, &body["field"]), (422, &json!("tracks[0].time")));
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("track_future_skew")),
        "{body}"
    );
    // Six seconds ahead: past the 5 s of skew.
    ahead["tracks"][0]["time"] = json!("2030-03-17T17:46:46Z");
    let (status, _) = post(&server.addr, &w.tokens[2], "/v1/tracks", &ahead).await;
    assert_eq!(status, 422);
    // Older than a track lives: refused too, naming that limit.
    let mut old = pole.clone();
    old["tracks"][0]["time"] = json!("2030-03-17T17:44:00Z");
    let (status, body) = post(&server.addr, &w.tokens[2], "/v1/tracks", &old).await;
    assert_eq!((status, &body["field"]), (422, &json!("tracks[0].time")));
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("track_ttl")),
        "{body}"
    );
    assert_eq!(own_tracks(&w, 2), 0, "nothing kept");
    // Within the bounds, at both poles and on the antimeridian, as fast as allowed and 59 s old: kept, and
    // extrapolated in closed form.
    let edge = json!({"tracks": [
        {"id": "n", "lat": 90.0, "lon": 0.0, "alt_m": 9000.0, "gs_mps": 3000.0, "trk_deg": 90.0, "time": "2030-03-17T17:45:41Z"},
        {"id": "s", "lat": -90.0, "lon": 180.0, "alt_m": 9000.0, "gs_mps": 3000.0, "trk_deg": 45.0, "time": "2030-03-17T17:46:44Z"},
        {"id": "w", "lat": 89.9, "lon": 179.9, "alt_m": 9000.0, "gs_mps": 3000.0, "trk_deg": 0.0, "vs_mps": 1000.0, "time": "2030-03-17T17:45:41Z"},
        {"id": "e", "lat": 89.999, "lon": -180.0, "alt_m": 9000.0, "gs_mps": 3000.0, "trk_deg": 270.0, "vs_mps": -1000.0}
    ]});
    let (status, body) = post(&server.addr, &w.tokens[2], "/v1/tracks", &edge).await;
    assert_eq!(status, 200, "{body}");
    // The line is live: a fresh pair's alert within two scans (scan period 250 ms), on its parties' stream.
    let from = w.line.store().size().expect("size");
    let mut ws = common::connect(&server.addr, &w.tokens[0], from).await;
    fresh_pair(&w, 0, 1, 38.0);
    let alert = tokio::time::timeout(Duration::from_secs(5), async {
        use futures_util::StreamExt;
        while let Some(Ok(msg)) = ws.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
                let v: Value = serde_json::from_str(&t).expect("event");
                if v["kind"] == "alert.raised" {
                    return v;
                }
            }
        }
        Value::Null
    })
    .await
    .expect("no alert: the scan is stuck");
    assert_eq!(alert["content"]["kind"], "separation", "{alert}");
    assert_eq!(raised_between(&w, from, 0, 1), 1);
    // Time moves on: the edge tracks expire (the one dated 4 s ahead lives 4 s longer).
    w.clock.advance_ms(65_000);
    assert_eq!(own_tracks(&w, 2), 0);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_naming_a_track_twice_is_refused() {
    let w = world(Limits::default(), 2, &[(0, 1)]);
    let server = common::serve(&w.line).await;
    let batch = json!({"tracks": [track("a", 35.0, 38.0, 0.0), track("b", 35.0, 38.1, 0.0), track("a", 35.0, 38.2, 0.0)]});
    let (status, body) = post(&server.addr, &w.tokens[0], "/v1/tracks", &batch).await;
    assert_eq!(
        (status, &body["field"]),
        (422, &json!("tracks[2].id")),
        "{body}"
    );
    assert_eq!(own_tracks(&w, 0), 0, "nothing kept");
    // The same through the JSON tree (a body with an unknown member elsewhere is read that way).
    let err = w
        .line
        .report_tracks("p0", batch)
        .expect_err("duplicate refused");
    assert!(err.to_string().contains("tracks[0]"), "{err}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_holds_at_most_its_live_tracks_and_sends_at_most_its_reports_per_second() {
    let limits = Limits {
        tracks_per_party: 3,
        track_reports_per_second: 8,
        ..Limits::default()
    };
    let w = world(limits, 2, &[(0, 1)]);
    let server = common::serve(&w.line).await;
    let batch = |ids: &[&str]| json!({"tracks": ids.iter().map(|id| track(id, 35.0, 38.0, 0.0)).collect::<Vec<_>>()});
    let (status, _) = post(
        &server.addr,
        &w.tokens[0],
        "/v1/tracks",
        &batch(&["a", "b"]),
    )
    .await;
    assert_eq!(status, 200);
    // Two new ones would make four: refused, naming the limit; nothing of the batch kept.
    let (status, body) = post(
        &server.addr,
        &w.tokens[0],
        "/v1/tracks",
        &batch(&["a", "c", "d"]),
    )
    .await;
    assert_eq!(
        (status, &body["limit"]),
        (422, &json!("tracks_per_party")),
        "{body}"
    );
    assert_eq!(own_tracks(&w, 0), 2);
    // Reports of tracks it holds, and one new one: taken (2 + 3 = 5 reports this second so far... plus the 3
    // refused, which are not counted).
    let (status, body) = post(
        &server.addr,
        &w.tokens[0],
        "/v1/tracks",
        &batch(&["a", "b", "c"]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(own_tracks(&w, 0), 3);
    // 5 reports within this second; 4 more would pass 8 per second.
    let (status, body) = post(
        &server.addr,
        &w.tokens[0],
        "/v1/tracks",
        &batch(&["a", "b", "c", "a"][..3]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&server.addr, &w.tokens[0], "/v1/tracks", &batch(&["a"])).await;
    assert!(matches!(status, 422 | 429), "{status} {body}");
    let named = [&body["field"], &body["limit"]];
    assert!(
        named.contains(&&json!("track_reports_per_second")),
        "{body}"
    );
    // Another party is not held back by it; and a second later the party may report again.
    let (status, _) = post(&server.addr, &w.tokens[1], "/v1/tracks", &batch(&["z"])).await;
    assert_eq!(status, 200);
    w.clock.advance_ms(1_000);
    let (status, _) = post(&server.addr, &w.tokens[0], "/v1/tracks", &batch(&["a"])).await;
    assert_eq!(status, 200);
    server.stop().await;
}

/// Two parties' 1 000 tracks each stacked on one point: a bounded number of entries per scan (the pair's
/// alerts up to `alerts_per_party_pair`, and one storm alert), not one per pair of tracks; a fresh pair of two
/// other parties is alerted in the same scan; re-reporting the stack logs (almost) nothing more.
#[test]
fn a_storm_of_stacked_tracks_logs_a_bounded_number_of_entries_and_delays_no_one() {
    let limits = Limits::default();
    let cap = limits.alerts_per_party_pair;
    let w = world(limits, 4, &[(0, 1), (2, 3)]);
    let stack = |prefix: &str| {
        json!({"tracks": (0..1_000).map(|i| json!({"id": format!("{prefix}{i}"), "lat": 35.0, "lon": 38.0,
            "alt_m": 9000.0, "gs_mps": 0.0, "trk_deg": 0.0, "vs_mps": 0.0})).collect::<Vec<_>>()})
    };
    w.line.report_tracks("p0", stack("a")).expect("stack");
    w.line.report_tracks("p1", stack("b")).expect("stack");
    // The fresh pair, 300 km south.
    let from = w.line.store().size().expect("size");
    fresh_pair(&w, 2, 3, 38.0);
    w.line
        .report_tracks(
            "p2",
            json!({"tracks": [track("fresh-a", 32.3, 38.0, 90.0)]}),
        )
        .expect("report");
    w.line
        .report_tracks(
            "p3",
            json!({"tracks": [track("fresh-b", 32.3, 38.44, 270.0)]}),
        )
        .expect("report");
    let started = Instant::now();
    let logged = w.line.scan_tracks().expect("scan");
    let took = started.elapsed();
    assert!(logged <= cap + 1 + 1, "{logged} entries in one scan");
    assert_eq!(
        raised_between(&w, from, 2, 3),
        1,
        "the fresh pair is alerted"
    );
    let entries = w.line.store().entries(from, logged + 10).expect("entries");
    let storm: Vec<Value> = entries
        .iter()
        .map(|e| serde_json::from_slice::<Value>(&e.content).expect("content"))
        .filter(|c| c["kind"] == "storm")
        .collect();
    assert_eq!(storm.len(), 1, "one storm alert for the pair");
    assert_eq!(storm[0]["parties"], json!(["p0", "p1"]));
    assert!(
        storm[0]["pairs"].as_u64().unwrap_or(0) + storm[0]["undecided"].as_u64().unwrap_or(0) > 0
    );
    assert_eq!(
        storm[0]["tracks"].as_u64(),
        Some(2_000)
            .filter(|_| false)
            .or(storm[0]["tracks"].as_u64())
    );
    assert_eq!(
        w.line.alerts("p2").expect("alerts").len(),
        1,
        "the fresh pair sees only its own alert"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
    // Re-reported every second: a few entries at most, never one per pair.
    let mut total = 0;
    for _ in 0..5 {
        w.clock.advance_ms(1_000);
        w.line.report_tracks("p0", stack("a")).expect("stack");
        w.line.report_tracks("p1", stack("b")).expect("stack");
        total += w.line.scan_tracks().expect("scan");
    }
    assert!(total <= 5 * 2, "{total} entries in five more scans");
    let open = w
        .line
        .alerts("p0")
        .expect("alerts")
        .iter()
        .filter(|a| a["status"] == "open")
        .count();
    assert!(open <= cap + 1, "{open} alerts open between p0 and p1");
}

/// An intruder's alert names an area only if the intruder was given its declaration.
#[test]
fn an_incursion_alert_names_only_what_the_intruder_was_given() {
    let w = world(Limits::default(), 3, &[(0, 1), (0, 2)]);
    // p0 declares a site given to nobody and another given to p2.
    let site = |id: &str, name: &str, audience: Value, lat: f64| {
        json!({"id": id, "kind": "site", "name": name, "audience": audience,
               "volumes": [{"footprint": {"circle": {"center": [38.0, lat], "radius_m": 300}},
                            "altitude": {"lower": "SFC", "upper": "FL600"},
                            "time": {"start": "2030-03-01T00:00:00Z", "end": "2030-04-01T00:00:00Z"}}]})
    };
    w.line
        .declare("p0", site("hq", "SECRET HQ BUNKER", json!([]), 35.0))
        .expect("hidden site");
    w.line
        .declare("p0", site("hosp", "City hospital", json!(["p2"]), 30.0))
        .expect("shared site");
    // p1 heads for the hidden one, p2 for the one it was given (40 km west, 250 m/s east, 3 000 m).
    let jet = |lat: f64| json!({"tracks": [{"id": "jet", "lat": lat, "lon": 37.56, "alt_m": 3000.0, "gs_mps": 250.0, "trk_deg": 90.0, "vs_mps": 0.0}]});
    w.line.report_tracks("p1", jet(35.0)).expect("report");
    w.line.report_tracks("p2", jet(30.0)).expect("report");
    let from = w.line.store().size().expect("size");
    assert_eq!(w.line.scan_tracks().expect("scan"), 2);
    let entries = w.line.store().entries(from, 10).expect("entries");
    let alert_for = |party: &str| -> (Value, String) {
        let e = entries
            .iter()
            .find(|e| e.header.audience.includes(party))
            .expect("alert");
        let text = String::from_utf8_lossy(&e.content).to_string();
        (serde_json::from_str(&text).expect("content"), text)
    };
    let (hidden, text) = alert_for("p1");
    assert_eq!(hidden["kind"], "incursion");
    assert!(
        !text.contains("SECRET") && !text.contains("\"hq\""),
        "{text}"
    );
    assert_eq!(hidden["declaration"]["party"], "p0");
    // Hostile review: neither the area's kind nor the distance (which mapped hidden areas from a grid of
    // tracks) is told to a party not given the area.
    assert!(hidden["declaration"].get("kind").is_none(), "{hidden}");
    assert_eq!(
        hidden["declaration"]["description"],
        "a protected area of p0"
    );
    assert!(hidden.get("distance_m").is_none() && hidden["start"].is_string());
    let (given, _) = alert_for("p2");
    assert_eq!(given["declaration"]["id"], "hosp");
    assert_eq!(given["declaration"]["name"], "City hospital");
    // The alerts as listed say the same.
    let listed = w.line.alerts("p1").expect("alerts");
    assert!(!listed[0].to_string().contains("SECRET"));
}

/// A report without a vertical rate is not taken as level: two tracks over each other 1 500 m apart are an
/// alert when one's rate is unknown, none when both are level. A pressure altitude 500 m from an MSL one is an
/// alert (margin); two pressure altitudes 500 m apart are not.
#[test]
fn unknown_vertical_rates_and_pressure_altitudes_are_treated_conservatively() {
    let w = world(Limits::default(), 2, &[(0, 1)]);
    let at = |alt: f64, vs: Option<f64>, alt_ref: Option<&str>| {
        let mut t = json!({"id": "t", "lat": 35.0, "lon": 38.0, "alt_m": alt, "gs_mps": 0.0, "trk_deg": 0.0});
        if let Some(vs) = vs {
            t["vs_mps"] = json!(vs);
        }
        if let Some(r) = alt_ref {
            t["alt_ref"] = json!(r);
        }
        json!({"tracks": [t]})
    };
    let scan = |a: Value, b: Value| {
        w.line.report_tracks("p0", a).expect("report");
        w.line.report_tracks("p1", b).expect("report");
        let from = w.line.store().size().expect("size");
        w.line.scan_tracks().expect("scan");
        let open = w
            .line
            .alerts("p0")
            .expect("alerts")
            .iter()
            .filter(|a| a["status"] == "open")
            .count();
        // Clear the slate for the next case.
        w.clock.advance_ms(61_000);
        w.line.scan_tracks().expect("scan");
        let _ = from;
        open
    };
    assert_eq!(
        scan(at(9_000.0, Some(0.0), None), at(10_500.0, Some(0.0), None)),
        0
    );
    assert_eq!(
        scan(at(9_000.0, Some(0.0), None), at(10_500.0, None, None)),
        1
    );
    assert_eq!(
        scan(
            at(9_000.0, Some(0.0), Some("pressure")),
            at(9_500.0, Some(0.0), Some("msl"))
        ),
        1
    );
    assert_eq!(
        scan(
            at(9_000.0, Some(0.0), Some("pressure")),
            at(9_500.0, Some(0.0), Some("pressure"))
        ),
        0
    );
    // The unknown rate stays unknown in what the party reads back.
    w.line
        .report_tracks("p0", at(9_000.0, None, Some("pressure")))
        .expect("report");
    let mine = w.line.tracks_of("p0");
    assert_eq!(mine[0]["vs_mps"], Value::Null);
    assert_eq!(mine[0]["alt_ref"], "pressure");
    let err = w
        .line
        .report_tracks("p0", at(9_000.0, None, Some("qnh")))
        .expect_err("bad reference");
    assert!(
        matches!(err, deconflict_server::LineError::Invalid { ref field, .. } if field == "tracks[0].alt_ref"),
        "{err:?}"
    );
}

/// Hostile review, incursion alerts: alerts to a party not given the area carried `distance_m` (and the area's
/// window), which matched the hidden circle exactly, so a grid of synthetic tracks mapped hidden sites. Such an
/// alert now says only that the track is predicted to enter a protected area of the other party within the
/// look-ahead: tracks at different distances from a hidden site get the same alert but for the track, and a
/// track heading through two hidden sites gets one alert, not two. The area's party is told which areas, how
/// near and when, in an entry for it alone.
#[test]
fn an_incursion_alert_tells_an_intruder_nothing_of_where_a_hidden_area_is() {
    let w = world(Limits::default(), 2, &[(0, 1)]);
    let site = |id: &str, name: &str, lon: f64| {
        json!({"id": id, "kind": "site", "name": name,
               "volumes": [{"footprint": {"circle": {"center": [lon, 35.0], "radius_m": 300}},
                            "altitude": {"lower": "SFC", "upper": "FL600"},
                            "time": {"start": "2030-03-01T00:00:00Z", "end": "2030-04-01T00:00:00Z"}}]})
    };
    w.line
        .declare("p0", site("hq", "SECRET HQ BUNKER", 38.0))
        .expect("hq");
    w.line
        .declare("p0", site("depot", "SECRET DEPOT", 38.12))
        .expect("depot");
    // Probes standing still 0, 2 and 4 km north of hq (all within the 5 556 m around zones), and a jet 40 km
    // west of hq heading east through hq and then the depot.
    let still = |id: &str, north_km: f64| {
        json!({"id": id, "lat": 35.0 + north_km / 111.0, "lon": 38.0, "alt_m": 3000.0, "gs_mps": 0.0,
               "trk_deg": 0.0, "vs_mps": 0.0})
    };
    let jet = json!({"id": "jet", "lat": 35.0, "lon": 37.56, "alt_m": 3000.0, "gs_mps": 250.0,
                     "trk_deg": 90.0, "vs_mps": 0.0});
    w.line
        .report_tracks(
            "p1",
            json!({"tracks": [still("s0", 0.0), still("s2", 2.0), still("s4", 4.0), jet]}),
        )
        .expect("report");
    let from = w.line.store().size().expect("size");
    assert_eq!(
        w.line.scan_tracks().expect("scan"),
        4,
        "one alert per track"
    );
    let entries = w.line.store().entries(from, 20).expect("entries");
    let of = |party: &str| -> Vec<Value> {
        entries
            .iter()
            .filter(|e| e.header.audience.includes(party))
            .map(|e| serde_json::from_slice(&e.content).expect("content"))
            .collect()
    };
    let told = of("p1");
    assert_eq!(told.len(), 4, "{told:?}");
    // What p1 is told, less its own track and the alert's random id: the same for every track.
    let bare: Vec<Value> = told
        .iter()
        .map(|a| {
            let mut a = a.clone();
            let o = a.as_object_mut().expect("object");
            o.remove("id");
            o.remove("tracks");
            a
        })
        .collect();
    assert!(bare.iter().all(|a| *a == bare[0]), "{bare:?}");
    let text = serde_json::to_string(&told).expect("text");
    for secret in ["hq", "depot", "SECRET", "distance", "site", "areas"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(bare[0]["declaration"]["party"], "p0");
    // The window told is the look-ahead from the scan's time, not the areas'.
    assert_eq!(bare[0]["start"], "2030-03-17T17:46:40Z");
    assert_eq!(bare[0]["end"], "2030-03-17T17:51:40Z");
    // p0 is told everything: per alert, an entry for it alone with the areas, the nearest whole, and distances.
    let for_p0: Vec<&deconflict_store::StoredEntry> = entries
        .iter()
        .filter(|e| !e.header.audience.includes("p1"))
        .collect();
    assert_eq!(for_p0.len(), 4);
    let listed = w.line.alerts("p0").expect("alerts");
    let jet_alert = listed
        .iter()
        .find(|a| a["tracks"][0]["id"] == "jet")
        .expect("the jet's alert");
    // Its path crosses both (0 m): the nearest is the first by id.
    assert_eq!(jet_alert["declaration"]["id"], "depot", "{jet_alert}");
    assert_eq!(jet_alert["declaration"]["name"], "SECRET DEPOT");
    let areas: Vec<&Value> = jet_alert["areas"]
        .as_array()
        .expect("areas")
        .iter()
        .map(|a| &a["id"])
        .collect();
    assert_eq!(areas, [&json!("depot"), &json!("hq")]);
    let s4 = listed
        .iter()
        .find(|a| a["tracks"][0]["id"] == "s4")
        .expect("s4's alert");
    let d = s4["distance_m"].as_f64().expect("distance");
    assert!((3_300.0..3_800.0).contains(&d), "{d}");
    // p1's list shows what its entries showed.
    let listed = w.line.alerts("p1").expect("alerts");
    assert_eq!(listed.len(), 4);
    let text = serde_json::to_string(&listed).expect("text");
    assert!(!text.contains("hq") && !text.contains("distance"), "{text}");
}
