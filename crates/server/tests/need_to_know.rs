//! Need-to-know, as a matrix: every operation of the API (taken from the OpenAPI endpoint table, so a new
//! endpoint is covered as soon as it is documented) is called with the tokens of two parties that were not
//! given anything — one that shares an agreement with the owners, one that shares none — aimed at the owners'
//! declarations, conflict, message, agreement and credential. Nothing of what was not given may show in any
//! answer (lists, errors, metrics) or on the stream, and nothing may change.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use deconflict_server::openapi::ENDPOINTS;
use deconflict_server::{app, Line};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// Strings that only us-cjtf and ru-gs were given.
const SECRETS: [&str; 10] = [
    "SECRET-SITE",
    "SECRET-NOTE",
    "SECRET-REQUEST",
    "SECRET-TRACK",
    "SECRET-DECLARATION-US",
    "SECRET-DECLARATION-RU",
    "SECRET-MESSAGE",
    "SECRET-AGREEMENT",
    "SECRET-DISPUTE",
    "38.5712",
];

/// The query of a report window around the test's stopped clock (2030-03-17T17:46:40Z).
const REPORT_WINDOW: &str = "?from=2030-03-16T00:00:00Z&to=2030-03-18T00:00:00Z";

fn sortie(id: &str, name: &str, lower_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "name": name, "volumes": [
        {"footprint": {"circle": {"center": [38.5712, 35.87], "radius_m": 5000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 1000.0},
         "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}}]})
}

struct Ids {
    /// The log entry of the coalition's secret declaration.
    seq: u64,
    conflict: String,
    message: String,
    credential: String,
    /// us-cjtf's notification of its site to ru-gs, and ru-gs's deconfliction request to us-cjtf.
    notification: String,
    request: String,
}

fn setup(line: &Line) -> (HashMap<&'static str, String>, Ids) {
    let mut tokens = HashMap::new();
    for p in ["us-cjtf", "ru-gs", "tr-gs", "outsider"] {
        tokens.insert(p, line.register_party(p, "military").expect("register"));
    }
    line.establish_agreement(
        json!({"id": "us-ru", "title": "SECRET-AGREEMENT", "parties": ["us-cjtf", "ru-gs"]}),
    )
    .expect("us-ru");
    // tr-gs shares an agreement with both, so it is on the line with them, but was given nothing.
    line.establish_agreement(json!({"id": "all3", "parties": ["us-cjtf", "ru-gs", "tr-gs"]}))
        .expect("all3");
    let mut us = sortie("us-1", "SECRET-DECLARATION-US", 6000.0);
    us["audience"] = json!(["ru-gs"]);
    let seq = line.declare("us-cjtf", us).expect("us-1").body["seq"]
        .as_u64()
        .expect("seq");
    let mut ru = sortie("ru-1", "SECRET-DECLARATION-RU", 6500.0);
    ru["audience"] = json!(["us-cjtf"]);
    let d = line.declare("ru-gs", ru).expect("ru-1");
    let conflict = d.body["conflicts"][0]["id"]
        .as_str()
        .expect("a conflict")
        .to_string();
    line.respond(
        "ru-gs",
        &conflict,
        deconflict_server::ConflictResponse::Dispute,
        Some("SECRET-DISPUTE".into()),
    )
    .expect("dispute");
    let m = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs"], "precedence": "FLASH", "text": "SECRET-MESSAGE",
                   "refs": {"declarations": ["us-1"], "conflicts": [conflict]}}),
        )
        .expect("send");
    // A site of the coalition's notified to ru-gs, an incident there, and ru-gs's deconfliction request.
    let mut site = sortie("us-site", "SECRET-SITE", 0.0);
    site["kind"] = json!("site");
    site["audience"] = json!([]);
    line.declare("us-cjtf", site).expect("us-site");
    let n = line
        .notify(
            "us-cjtf",
            json!({"declarations": ["us-site"], "to": ["ru-gs"], "note": "SECRET-NOTE"}),
        )
        .expect("notify");
    let notification = n["notifications"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    line.notification_step("ru-gs", &notification, false)
        .expect("acknowledge");
    let r = line
        .request_deconfliction(
            "ru-gs",
            json!({"to": "us-cjtf", "location": {"point": [38.5712, 35.87]}, "text": "SECRET-REQUEST",
                   "start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}),
        )
        .expect("request");
    let request = r["id"].as_str().expect("id").to_string();
    let us_cred = line
        .authenticate(&tokens["us-cjtf"])
        .expect("us credential");
    // A live track of the coalition's (its callsign is a secret; its position is the declaration's).
    line.report_tracks(
        "us-cjtf",
        json!({"tracks": [{"id": "t1", "callsign": "SECRET-TRACK", "lat": 35.9, "lon": 38.5712,
                           "alt_m": 6000.0, "gs_mps": 200.0, "trk_deg": 90.0}]}),
    )
    .expect("track");
    assert_eq!(line.tracks_of("us-cjtf").len(), 1);
    (
        tokens,
        Ids {
            seq,
            conflict,
            message: m["id"].as_str().expect("id").to_string(),
            credential: us_cred.id,
            notification,
            request,
        },
    )
}

/// A body aimed at the owners' things for each operation that takes one.
fn body_for(method: &str, path: &str, ids: &Ids) -> Option<Value> {
    match (method, path) {
        // The owners' id, which is the caller's own in its namespace (answered as a fresh id is), far from
        // the owners' sorties.
        ("post", "/v1/declarations") | ("put", "/v1/declarations/{id}") => {
            let mut own = sortie("us-1", "mine", 6000.0);
            own["volumes"][0]["footprint"]["circle"]["center"] = json!([41.5, 37.5]);
            Some(own)
        }
        // Over the owners' sorties (but not at their secret centre, which a preview would echo back).
        ("post", "/v1/declarations/preview") => {
            let mut probe = sortie("us-1", "mine", 6000.0);
            probe["volumes"][0]["footprint"]["circle"]["center"] = json!([38.57, 35.87]);
            Some(probe)
        }
        ("post", "/v1/messages") => Some(json!({"to": ["us-cjtf"], "text": "hello",
            "refs": {"declarations": ["us-1"], "conflicts": [ids.conflict]}})),
        // The owners' agreement id, the caller's own in its namespace.
        ("post", "/v1/agreements") => {
            Some(json!({"id": "us-ru", "parties": ["tr-gs", "outsider"]}))
        }
        ("post", "/v1/conflicts/{id}/dispute") | ("post", "/v1/agreements/{id}/suspend") => {
            Some(json!({"reason": "not my forces"}))
        }
        ("post", "/v1/messages/{id}/answer") => Some(json!({"text": "wilco"})),
        // The owners' secret declaration's entry: refused as if it did not exist.
        ("post", "/v1/log/bundle") => Some(json!({"seqs": [ids.seq]})),
        ("post", "/v1/credentials") => Some(json!({"role": "duty_officer"})),
        // The owners' site, which the caller has not (its own of that id would not be a site of the owners').
        ("post", "/v1/notifications") => {
            Some(json!({"declarations": ["us-site"], "to": ["us-cjtf", "ru-gs"]}))
        }
        ("post", "/v1/notifications/incidents") => Some(
            json!({"site": "us-site", "party": "us-cjtf", "time": "2030-06-18T15:30:00Z",
                   "description": "probe"}),
        ),
        // Refused for its window (a valid one to a partner would be the caller's own new request).
        ("post", "/v1/deconfliction-requests") => {
            Some(json!({"to": "us-cjtf", "location": {"point": [36.0, 35.0]},
                   "start": "2030-06-18T16:00:00Z", "end": "2030-06-18T15:00:00Z"}))
        }
        ("post", "/v1/deconfliction-requests/{id}/answer") => {
            Some(json!({"protected": false, "site": "us-site"}))
        }
        _ => None,
    }
}

/// The owners' id for each path with an `{id}`.
fn id_for(path: &str, ids: &Ids) -> String {
    if path.starts_with("/v1/declarations") {
        "us-1".into()
    } else if path.starts_with("/v1/conflicts") {
        ids.conflict.clone()
    } else if path.starts_with("/v1/messages") {
        ids.message.clone()
    } else if path.starts_with("/v1/agreements") {
        "us-ru".into()
    } else if path.starts_with("/v1/notifications") {
        ids.notification.clone()
    } else if path.starts_with("/v1/deconfliction-requests") {
        ids.request.clone()
    } else {
        ids.credential.clone()
    }
}

fn assert_clean(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks {s:?}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_tokens_see_and_change_nothing_on_any_endpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A stopped clock, so that the owners' views can be compared before and after.
    let clock = Arc::new(deconflict_server::clock::ManualClock::new(
        1_900_000_000_000,
    ));
    let line =
        Arc::new(Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open"));
    let (tokens, ids) = setup(&line);
    // A checkpoint over the owners' entries, so that reports and bundles are answered.
    line.checkpoint_tick().expect("checkpoint");
    let before = line.store().size().expect("size");
    let owner_view = (
        line.get("us-cjtf", "us-1", None).expect("us-1"),
        line.conflicts("us-cjtf").expect("conflicts"),
        line.outbox("us-cjtf").expect("outbox"),
        line.agreement("us-cjtf", "us-ru", None).expect("agreement"),
    );
    let mut calls = 0;
    for party in ["tr-gs", "outsider"] {
        for e in ENDPOINTS {
            let mut path = e
                .path
                .replace("{id}", &id_for(e.path, &ids))
                .replace("{seq}", &ids.seq.to_string());
            if e.path == "/v1/report" {
                // A window around everything the owners did.
                path.push_str(REPORT_WINDOW);
                path.push_str("&format=html");
            }
            let body = body_for(e.method, e.path, &ids);
            let mut req = Request::builder()
                .method(e.method.to_uppercase().as_str())
                .uri(&path)
                .header("authorization", format!("Bearer {}", tokens[party]))
                .header("if-match", "\"1\"")
                .header("content-type", "application/json");
            if e.path == "/v1/stream" {
                // Over a real socket below; here it must at least not answer with anything.
                req = req.header("connection", "close");
            }
            let req = req
                .body(
                    body.as_ref()
                        .map_or_else(Body::empty, |b| Body::from(b.to_string())),
                )
                .expect("request");
            let res = app(Arc::clone(&line)).oneshot(req).await.expect("response");
            let status = res.status();
            let bytes = res.into_body().collect().await.expect("body").to_bytes();
            let text = String::from_utf8_lossy(&bytes).to_string();
            let what = format!("{party}: {} {path} → {status}", e.method);
            assert_clean(&what, &text);
            assert!(!status.is_server_error(), "{what}: {text}");
            // Reads of the owners' things by id are 404, as if they did not exist (never 403, which would
            // confirm them). Ids live in each party's namespace: the same id may name the caller's own thing,
            // which it created above.
            if e.path.contains('{') && status != StatusCode::NOT_FOUND {
                // Then the caller has its own thing of that id, and the answer is about it.
                let has_own = if e.path.starts_with("/v1/declarations/") {
                    line.get(party, "us-1", Some(party)).is_ok()
                } else if e.path.starts_with("/v1/agreements/") {
                    line.agreement(party, "us-ru", Some(party)).is_ok()
                } else {
                    false
                };
                assert!(has_own, "{what}: neither 404 nor about its own: {text}");
            }
            calls += 1;
        }
    }
    assert!(calls >= 2 * ENDPOINTS.len());

    // The after-action record in every format: only the caller's own entries, none of the owners'.
    for party in ["tr-gs", "outsider"] {
        for format in ["bundle", "html", "pdf"] {
            let req = Request::builder()
                .uri(format!("/v1/report{REPORT_WINDOW}&format={format}"))
                .header("authorization", format!("Bearer {}", tokens[party]))
                .body(Body::empty())
                .expect("request");
            let res = app(Arc::clone(&line)).oneshot(req).await.expect("response");
            let status = res.status();
            let bytes = res.into_body().collect().await.expect("body").to_bytes();
            let text = String::from_utf8_lossy(&bytes).to_string();
            let what = format!("{party}: report as {format} → {status}");
            assert_eq!(status, StatusCode::OK, "{what}: {text}");
            assert_clean(&what, &text);
            if format == "bundle" {
                let bundle: Value = serde_json::from_slice(&bytes).expect("bundle");
                for entry in bundle["entries"].as_array().expect("entries") {
                    assert_clean(&what, entry["content"].as_str().expect("content"));
                }
            }
        }
    }

    // Lists for tr-gs and the outsider hold none of the owners' things (only their own of the same ids).
    for party in ["tr-gs", "outsider"] {
        assert!(line
            .list(
                party,
                &deconflict_server::line::ListFilter {
                    include_closed: true,
                    ..Default::default()
                }
            )
            .expect("list")
            .iter()
            .all(|d| d["party"] == party));
        assert!(line.conflicts(party).expect("conflicts").is_empty());
        assert!(line.inbox(party).expect("inbox").is_empty());
        assert!(line
            .escalated(&line.authenticate(&tokens[party]).expect("cred"))
            .expect("paged")
            .is_empty());
        let agreements = line.agreements(party).expect("agreements");
        assert!(agreements
            .iter()
            .all(|a| a["id"] != "us-ru" || a["proposer"] != "us-cjtf"));
    }

    // Nothing the foreign calls did changed the owners' things. Each foreign party could write only its own
    // things (a credential, its own us-1 and us-ru), for the foreign parties' eyes alone.
    let after = line.store().size().expect("size");
    let entries = line.store().entries(before, 1000).expect("entries");
    assert_eq!(after - before, entries.len() as u64);
    for e in &entries {
        let foreign = ["tr-gs", "outsider"].contains(&e.header.actor.as_str());
        let owners_told = ["us-cjtf", "ru-gs"]
            .iter()
            .any(|o| e.header.audience.includes(o));
        assert!(
            foreign && !owners_told,
            "a foreign call logged {} by {} for {:?}",
            e.header.kind,
            e.header.actor,
            e.header.audience
        );
    }
    assert_eq!(
        owner_view,
        (
            line.get("us-cjtf", "us-1", None).expect("us-1"),
            line.conflicts("us-cjtf").expect("conflicts"),
            line.outbox("us-cjtf").expect("outbox"),
            line.agreement("us-cjtf", "us-ru", None).expect("agreement"),
        )
    );

    // The stream: from the very start, the foreign parties get only their own things.
    let server = common::serve(&line).await;
    let addr = server.addr.clone();
    for party in ["tr-gs", "outsider"] {
        let mut ws = common::connect(&addr, &tokens[party], 0).await;
        let allowed: Vec<u64> = line
            .store()
            .entries(0, 10_000)
            .expect("entries")
            .iter()
            .filter(|e| e.header.audience.includes(party))
            .map(|e| e.header.seq)
            .collect();
        let mut seen = Vec::new();
        while let Ok(Some(Ok(msg))) =
            tokio::time::timeout(Duration::from_millis(400), ws.next()).await
        {
            let text = msg.to_text().unwrap_or_default().to_string();
            assert_clean(&format!("{party}'s stream"), &text);
            let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if v.get("heartbeat").is_none() {
                seen.push(v["seq"].as_u64().expect("seq"));
            }
        }
        assert_eq!(
            seen, allowed,
            "{party} gets exactly the entries addressed to it"
        );
        let seen = seen.len();
        assert!(seen >= 1, "{party} sees at least its own registration");
    }

    // Metrics: totals only.
    let client = app(Arc::clone(&line));
    let res = client
        .oneshot(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    let text = String::from_utf8_lossy(&res.into_body().collect().await.expect("body").to_bytes())
        .to_string();
    assert_clean("metrics", &text);
    for p in [
        "us-cjtf",
        "ru-gs",
        "us-1",
        "ru-1",
        ids.conflict.as_str(),
        ids.message.as_str(),
    ] {
        assert!(!text.contains(p), "metrics name {p}: {text}");
    }
    server.stop().await;
}
