//! The HTTP API without a socket: several parties declare, conflicts reach exactly the parties concerned, a
//! party never reads what it was not given, bad input stores nothing, versions need If-Match, and everything
//! survives a restart.
//!
//! Longer than the project's ~800 lines on purpose: one suite over the whole HTTP API, sharing its helpers;
//! each test stands alone.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use deconflict_server::{app, Line};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

mod scenario;
use scenario::scenario_clock;

struct World {
    dir: tempfile::TempDir,
    line: Arc<Line>,
    tokens: HashMap<&'static str, String>,
}

const PARTIES: [(&str, &str); 4] = [
    ("us-cjtf", "military"),
    ("ru-gs", "military"),
    ("tr-gs", "military"),
    ("un-ocha", "humanitarian"),
];

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let line = Arc::new(
            Line::open_with_clock(dir.path(), "test.example/line", scenario_clock()).expect("open"),
        );
        let tokens = PARTIES
            .iter()
            .map(|(id, kind)| (*id, line.register_party(id, kind).expect("register")))
            .collect();
        line.establish_agreement(json!({"id": "all", "parties": PARTIES.map(|(p, _)| p)}))
            .expect("agreement");
        World { dir, line, tokens }
    }

    fn app(&self) -> Router {
        app(Arc::clone(&self.line))
    }

    async fn call(
        &self,
        party: Option<&str>,
        method: Method,
        uri: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(p) = party {
            req = req.header(
                "authorization",
                format!("Bearer {}", self.tokens.get(p).map_or(p, |t| t.as_str())),
            );
        }
        if let Some(v) = if_match {
            req = req.header("if-match", v);
        }
        let req = req
            .header("content-type", "application/json")
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        let res = self.app().oneshot(req).await.expect("response");
        let (status, headers) = (res.status(), res.headers().clone());
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| json!(String::from_utf8_lossy(&bytes)));
        (status, headers, value)
    }
}

fn tabqa(id: &str, audience: &[&str]) -> Value {
    json!({"id": id, "kind": "air_operation", "audience": audience, "volumes": [
        {"footprint": {"polygon": [[38.40, 35.75], [39.15, 35.75], [39.15, 36.10], [38.40, 36.10]]},
         "altitude": {"lower": "FL200", "upper": "FL300"},
         "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T17:00:00Z"}}]})
}

fn strike(id: &str, audience: &[&str], lower_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "audience": audience, "volumes": [
        {"footprint": {"circle": {"center": "353700N0384500E", "radius_m": 20000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 4000.0},
         "time": {"start": "181830CJUN17", "end": "181930CJUN17"}},
        {"footprint": {"circle": {"center": [36.6, 35.4], "radius_m": 5000}},
         "altitude": {"lower_m": 3000, "upper_m": 5000},
         "time": {"start": "2017-06-18T10:00:00Z", "end": "2017-06-18T11:00:00Z"}}]})
}

#[tokio::test]
async fn conflicts_reach_exactly_the_parties_concerned() {
    let w = World::new();
    let (s, h, us) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            "/v1/declarations",
            Some(tabqa("us-17", &[])),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{us}");
    assert_eq!(h["etag"], "\"1\"");
    assert_eq!(us["conflicts"], json!([]));

    let (s, _, ru) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations",
            Some(strike("ru-42", &["un-ocha"], 4000.0)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{ru}");
    let c = &ru["conflicts"][0];
    assert_eq!(c["other"]["id"], "us-17");
    assert_eq!(c["status"], "open");
    assert!(ru["advice"]["delay_s"].as_i64().is_some(), "{ru}");

    // The US sees the conflict, and of ru-42 only the volume that conflicts (not the Idlib one).
    let (_, _, list) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/conflicts", None, None)
        .await;
    let conflicts = list["conflicts"].as_array().expect("list");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0]["other"]["id"], "ru-42");
    assert_eq!(
        conflicts[0]["other"]["volumes"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(conflicts[0]["declaration"]["id"], "us-17");

    // Need-to-know: ru-42's audience is un-ocha only.
    let visible = |v: &Value| -> Vec<String> {
        v["declarations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| d["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let (_, _, l) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/declarations", None, None)
        .await;
    assert_eq!(visible(&l), vec!["us-17"]);
    let (_, _, l) = w
        .call(Some("un-ocha"), Method::GET, "/v1/declarations", None, None)
        .await;
    assert_eq!(visible(&l), vec!["ru-42"]);
    let (_, _, l) = w
        .call(Some("tr-gs"), Method::GET, "/v1/declarations", None, None)
        .await;
    assert_eq!(visible(&l), Vec::<String>::new());
    for (party, id, status) in [
        ("us-cjtf", "ru-42", StatusCode::NOT_FOUND),
        ("tr-gs", "ru-42", StatusCode::NOT_FOUND),
        ("tr-gs", "us-17", StatusCode::NOT_FOUND),
        ("tr-gs", "nonexistent", StatusCode::NOT_FOUND),
        ("un-ocha", "ru-42", StatusCode::OK),
        ("ru-gs", "ru-42", StatusCode::OK),
    ] {
        let (s, _, body) = w
            .call(
                Some(party),
                Method::GET,
                &format!("/v1/declarations/{id}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, status, "{party} reading {id}: {body}");
        if s == StatusCode::NOT_FOUND {
            // A hidden declaration and a missing one look the same.
            assert_eq!(
                body["detail"],
                json!(format!("nothing called {id:?} that you may see"))
            );
        }
    }
    let (_, _, l) = w
        .call(Some("tr-gs"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(l["conflicts"], json!([]));
    let (_, _, l) = w
        .call(Some("un-ocha"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(
        l["conflicts"],
        json!([]),
        "in the audience of a declaration, but not a party to its conflict"
    );

    // A foreign party cannot write another's declaration, even knowing its id.
    let (s, _, _) = w
        .call(
            Some("tr-gs"),
            Method::PUT,
            "/v1/declarations/us-17",
            Some(tabqa("us-17", &[])),
            Some("1"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = w
        .call(
            Some("un-ocha"),
            Method::PUT,
            "/v1/declarations/ru-42",
            Some(strike("ru-42", &[], 0.0)),
            Some("1"),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations/us-17/cancel",
            None,
            Some("1"),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Nor learn that its id is in use: ids live in each party's own namespace, so the same id is tr-gs's own
    // declaration, answered as for any fresh id; us-cjtf's is untouched.
    let (s, _, b) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations",
            Some(tabqa("us-17", &[])),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    // The same sortie under a fresh id is answered alike (it overlaps us-cjtf's us-17, so both find that
    // conflict, as any declaration there would).
    let (s, _, fresh) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations",
            Some(tabqa("tr-fresh", &[])),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fresh}");
    let shape = |b: &Value| {
        let conflicts = b["conflicts"].as_array().map_or(0, Vec::len);
        let mut keys: Vec<String> = b.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        (keys, conflicts, b["advice"].clone())
    };
    assert_eq!(shape(&b), shape(&fresh));
    for (who, whose) in [("tr-gs", "tr-gs"), ("us-cjtf", "us-cjtf")] {
        let (s, _, b) = w
            .call(Some(who), Method::GET, "/v1/declarations/us-17", None, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(b["party"], whose, "{who} reads its own us-17");
    }

    // Authentication.
    let (s, h, b) = w
        .call(None, Method::GET, "/v1/declarations", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(b["type"], "urn:deconflict:problem:unauthorized");
    let (s, _, _) = w
        .call(Some("dcf_forged"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Metrics are for the operator, on a listener of their own: the API's answers none, and they carry
    // counts, no party's name or declaration.
    let (s, h, m) = w.call(None, Method::GET, "/metrics", None, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{m}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert!(!m.to_string().contains("deconflict_"), "{m}");
    let totals = w.line.totals().expect("totals");
    // The first conflict, and tr-gs's two sorties' two each (with us-cjtf's us-17 and ru-42).
    assert!(
        totals.contains(&("deconflict_conflicts_open", 5)),
        "{totals:?}"
    );
}

#[tokio::test]
async fn bad_input_is_refused_and_stores_nothing() {
    let w = World::new();
    let size = w.line.store().size().expect("size");
    let mut bad = tabqa("us-1", &[]);
    bad["volumes"][0]["footprint"]["polygon"][1][1] = json!(95.0);
    let (s, h, b) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            "/v1/declarations",
            Some(bad),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    assert_eq!(h["content-type"], "application/problem+json");
    assert_eq!(b["type"], "urn:deconflict:problem:validation");
    assert_eq!(b["field"], "volumes[0].footprint.polygon[1]");
    assert!(
        b["detail"]
            .as_str()
            .is_some_and(|d| d.contains("latitude 95")),
        "{b}"
    );
    let cases = [
        (
            json!({"id": "x", "kind": "air_operation", "party": "ru-gs", "volumes": []}),
            StatusCode::FORBIDDEN,
        ),
        (
            json!({"id": "x", "kind": "strike", "volumes": []}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!({"id": "x", "audience": ["nobody"], "kind": "air_operation"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!([1, 2]), StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"id": "x", "version": 7, "kind": "air_operation"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, status) in cases {
        let (s, _, b) = w
            .call(
                Some("us-cjtf"),
                Method::POST,
                "/v1/declarations",
                Some(body.clone()),
                None,
            )
            .await;
        assert_eq!(s, status, "{body}: {b}");
    }
    let req = Request::builder()
        .method(Method::POST)
        .uri("/v1/declarations")
        .header("authorization", format!("Bearer {}", w.tokens["us-cjtf"]))
        .body(Body::from("{not json"))
        .expect("request");
    assert_eq!(
        w.app().oneshot(req).await.expect("response").status(),
        StatusCode::BAD_REQUEST
    );
    let big = Request::builder()
        .method(Method::POST)
        .uri("/v1/declarations")
        .header("authorization", format!("Bearer {}", w.tokens["us-cjtf"]))
        .body(Body::from(vec![b' '; deconflict_server::MAX_BODY + 1]))
        .expect("request");
    assert_eq!(
        w.app().oneshot(big).await.expect("response").status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        w.line.store().size().expect("size"),
        size,
        "nothing was stored"
    );
    let (s, _, b) = w
        .call(Some("us-cjtf"), Method::GET, "/v2/nothing", None, None)
        .await;
    assert_eq!(
        (s, b["type"].clone()),
        (
            StatusCode::NOT_FOUND,
            json!("urn:deconflict:problem:not-found")
        )
    );
}

#[tokio::test]
async fn versions_need_if_match_and_resolve_old_conflicts() {
    let w = World::new();
    w.call(
        Some("us-cjtf"),
        Method::POST,
        "/v1/declarations",
        Some(tabqa("us-17", &["ru-gs"])),
        None,
    )
    .await;
    let (_, _, ru) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations",
            Some(strike("ru-42", &[], 4000.0)),
            None,
        )
        .await;
    let first = ru["conflicts"][0]["id"].clone();
    // The descent advised clears it.
    let down = ru["advice"]["descend_m"].as_f64().expect("descent advice");

    let (s, _, _) = w
        .call(
            Some("ru-gs"),
            Method::PUT,
            "/v1/declarations/ru-42",
            Some(strike("ru-42", &[], 4000.0 - down)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_REQUIRED);
    let (s, _, b) = w
        .call(
            Some("ru-gs"),
            Method::PUT,
            "/v1/declarations/ru-42",
            Some(strike("ru-42", &[], 4000.0 - down)),
            Some("\"5\""),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    assert_eq!(b["type"], "urn:deconflict:problem:stale-version");
    let (s, h, b) = w
        .call(
            Some("ru-gs"),
            Method::PUT,
            "/v1/declarations/ru-42",
            Some(strike("ru-42", &[], 4000.0 - down)),
            Some("\"1\""),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(h["etag"], "\"2\"");
    assert_eq!(
        b["conflicts"],
        json!([]),
        "the advised descent clears the conflict"
    );
    let (_, _, l) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(l["conflicts"][0]["id"], first);
    assert_eq!(l["conflicts"][0]["status"], "resolved");

    // A new version that conflicts again opens a new conflict (another id: other versions).
    let (_, _, b) = w
        .call(
            Some("ru-gs"),
            Method::PUT,
            "/v1/declarations/ru-42",
            Some(strike("ru-42", &[], 4000.0)),
            Some("2"),
        )
        .await;
    let again = b["conflicts"][0]["id"].clone();
    assert!(again.is_string() && again != first);
    // Cancelling resolves it.
    let (s, _, _) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations/ru-42/cancel",
            None,
            Some("2"),
        )
        .await;
    assert_eq!(s, StatusCode::PRECONDITION_FAILED);
    let (s, _, _) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations/ru-42/cancel",
            None,
            Some("3"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, _, l) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert!(l["conflicts"]
        .as_array()
        .expect("list")
        .iter()
        .all(|c| c["status"] == "resolved"));
    let (_, _, l) = w
        .call(
            Some("ru-gs"),
            Method::GET,
            "/v1/declarations?include=cancelled",
            None,
            None,
        )
        .await;
    let ru42 = l["declarations"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["id"] == "ru-42")
        .expect("listed");
    assert_eq!(ru42["status"], "cancelled", "{l}");
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let w = World::new();
    w.call(
        Some("us-cjtf"),
        Method::POST,
        "/v1/declarations",
        Some(tabqa("us-17", &["ru-gs"])),
        None,
    )
    .await;
    w.call(
        Some("ru-gs"),
        Method::POST,
        "/v1/declarations",
        Some(strike("ru-42", &["us-cjtf"], 4000.0)),
        None,
    )
    .await;
    let (_, _, before) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/declarations", None, None)
        .await;
    let (_, _, conflicts_before) = w
        .call(Some("ru-gs"), Method::GET, "/v1/conflicts", None, None)
        .await;
    let World { dir, line, tokens } = w;
    drop(line);
    let w = World {
        line: Arc::new(
            Line::open_with_clock(dir.path(), "test.example/line", scenario_clock())
                .expect("reopen"),
        ),
        dir,
        tokens,
    };
    let (s, _, after) = w
        .call(Some("us-cjtf"), Method::GET, "/v1/declarations", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "tokens still work");
    assert_eq!(after, before);
    let (_, _, conflicts_after) = w
        .call(Some("ru-gs"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(conflicts_after, conflicts_before);
    assert!(w.line.checkpoint_tick().expect("checkpoint").is_some());
    let (s, _, cp) = w
        .call(Some("tr-gs"), Method::GET, "/v1/log/checkpoint", None, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        cp.as_str()
            .is_some_and(|c| c.starts_with("test.example/line\n")),
        "{cp}"
    );
}

#[tokio::test]
async fn parties_acknowledge_accept_and_dispute_their_conflicts_only() {
    let w = World::new();
    w.call(
        Some("us-cjtf"),
        Method::POST,
        "/v1/declarations",
        Some(tabqa("us-17", &[])),
        None,
    )
    .await;
    let (_, _, ru) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations",
            Some(strike("ru-42", &[], 4000.0)),
            None,
        )
        .await;
    let id = ru["conflicts"][0]["id"]
        .as_str()
        .expect("conflict id")
        .to_string();
    let uri = |what: &str| format!("/v1/conflicts/{id}/{what}");

    // Only the two parties may respond; to others the conflict does not exist.
    for party in ["tr-gs", "un-ocha"] {
        let (s, _, _) = w
            .call(Some(party), Method::POST, &uri("acknowledge"), None, None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let (s, _, v) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            &uri("acknowledge"),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "acknowledged");
    assert!(v["parties"]["us-cjtf"]["acknowledged"].is_string());
    assert!(v["parties"]["ru-gs"]["acknowledged"].is_null());
    // Repeating is harmless and writes nothing more.
    let size = w.line.store().size().expect("size");
    w.call(
        Some("us-cjtf"),
        Method::POST,
        &uri("acknowledge"),
        None,
        None,
    )
    .await;
    assert_eq!(w.line.store().size().expect("size"), size);

    // Both accept: the outcome is accepted.
    w.call(Some("us-cjtf"), Method::POST, &uri("accept"), None, None)
        .await;
    let (_, _, v) = w
        .call(Some("ru-gs"), Method::POST, &uri("accept"), None, None)
        .await;
    assert_eq!(v["outcome"], "accepted");

    // A dispute needs a reason, and is recorded with its party and time.
    let (s, _, b) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            &uri("dispute"),
            Some(json!({})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["field"], "reason");
    let (s, _, v) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            &uri("dispute"),
            Some(json!({"reason": "not my forces"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["outcome"], "disputed");
    assert_eq!(
        v["parties"]["us-cjtf"]["disputed"]["reason"],
        "not my forces"
    );
    let (_, _, l) = w
        .call(Some("ru-gs"), Method::GET, "/v1/conflicts", None, None)
        .await;
    assert_eq!(
        l["conflicts"][0]["parties"]["us-cjtf"]["disputed"]["reason"],
        "not my forces"
    );
}

#[tokio::test]
async fn hotline_over_http() {
    let w = World::new();
    let (s, _, m) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            "/v1/messages",
            Some(json!({"to": ["ru-gs"], "precedence": "FLASH", "text": "check fire"})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let id = m["id"].as_str().expect("id").to_string();
    let (_, _, inbox) = w
        .call(
            Some("ru-gs"),
            Method::GET,
            "/v1/messages?box=inbox",
            None,
            None,
        )
        .await;
    assert_eq!(inbox["messages"][0]["id"], json!(id));
    let (_, _, other) = w
        .call(Some("tr-gs"), Method::GET, "/v1/messages", None, None)
        .await;
    assert_eq!(other["messages"], json!([]));
    let (s, _, _) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            &format!("/v1/messages/{id}/acknowledge"),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, v) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            &format!("/v1/messages/{id}/acknowledge"),
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v["receipts"]["ru-gs"]["acknowledged"].is_string());
    let (_, _, out) = w
        .call(
            Some("us-cjtf"),
            Method::GET,
            "/v1/messages?box=outbox",
            None,
            None,
        )
        .await;
    assert!(out["messages"][0]["receipts"]["ru-gs"]["acknowledged"].is_string());
    let (s, _, b) = w
        .call(
            Some("us-cjtf"),
            Method::GET,
            "/v1/messages?box=spam",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{b}");
}

/// What the web picture needs beyond declaring: a preview that stores nothing and shows only declarations
/// shared with the caller, advice for one's own declaration, and inclusion proofs of entries one may read.
#[tokio::test]
async fn preview_advice_and_proofs() {
    use deconflict_ledger::merkle::{leaf_hash, verify_inclusion};
    use deconflict_ledger::note::Note;
    use deconflict_ledger::{Checkpoint, TlogProof};
    let w = World::new();
    let (s, _, us) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            "/v1/declarations",
            Some(tabqa("us-17", &["ru-gs"])),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{us}");
    let us_seq = us["seq"].as_u64().expect("seq");
    let size = w.line.store().size().expect("size");

    // Who the token is, and the line's time (for the picture's clock).
    let (s, _, me) = w
        .call(Some("tr-gs"), Method::GET, "/v1/credentials", None, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(
        (me["party"].as_str(), me["role"].as_str()),
        (Some("tr-gs"), Some("duty_officer"))
    );
    assert_eq!(me["clock_rate"], 1.0);
    assert!(me["now"].as_str().is_some_and(|t| t.ends_with('Z')), "{me}");

    // ru-gs was given us-17: the preview names it, and stores nothing.
    let (s, _, p) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/declarations/preview",
            Some(strike("ru-42", &[], 4000.0)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["conflicts"].as_array().map(Vec::len), Some(1), "{p}");
    assert_eq!(p["conflicts"][0]["other"]["id"], "us-17");
    assert_eq!(p["conflicts"][0]["other"]["party"], "us-cjtf");
    assert_eq!(p["conflicts"][0]["start"], "2017-06-18T15:30:00Z");
    assert_eq!(p["declaration"]["party"], "ru-gs");
    // Its outline, for drawing: the 20 km circle around 35°37'N 38°45'E (given in degrees-minutes-seconds).
    let ring = p["outline"][0]["ring"].as_array().expect("ring");
    assert_eq!(ring.len(), 73);
    assert_eq!(ring.first(), ring.last());
    let lat = |v: &Value| v[1].as_f64().expect("lat");
    let north = ring.iter().map(lat).fold(f64::MIN, f64::max);
    assert!(
        (north - (35.0 + 37.0 / 60.0 + 20_000.0 / 110_950.0)).abs() < 0.002,
        "{north}"
    );
    assert_eq!(p["outline"][0]["lower_m"], 4000.0);
    assert_eq!(p["outline"][1]["start"], "2017-06-18T10:00:00Z");
    let (_, _, l) = w
        .call(
            Some("ru-gs"),
            Method::GET,
            "/v1/declarations?outline=true",
            None,
            None,
        )
        .await;
    assert_eq!(
        l["declarations"][0]["outline"][0]["ring"]
            .as_array()
            .map(Vec::len),
        Some(5),
        "{l}"
    );
    let (_, _, l) = w
        .call(Some("ru-gs"), Method::GET, "/v1/declarations", None, None)
        .await;
    assert!(l["declarations"][0].get("outline").is_none(), "{l}");
    // tr-gs was not given us-17: its preview of the same plan shows no conflict...
    let (s, _, p) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations/preview",
            Some(strike("tr-1", &[], 4000.0)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["conflicts"], json!([]), "{p}");
    assert!(!p.to_string().contains("us-17"), "{p}");
    // ...and a bad field is named, as on submission.
    let mut bad = strike("tr-2", &[], 4000.0);
    bad["volumes"][0]["altitude"]["lower_m"] = json!("high");
    let (s, _, p) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations/preview",
            Some(bad),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
    assert!(
        p["field"]
            .as_str()
            .is_some_and(|f| f.contains("volumes[0].altitude")),
        "{p}"
    );
    assert_eq!(
        w.line.store().size().expect("size"),
        size,
        "a preview logs nothing"
    );
    assert!(w.line.conflicts("tr-gs").expect("conflicts").is_empty());

    // On submission tr-gs's conflict with us-17 is found and both parties are told.
    let (s, _, tr) = w
        .call(
            Some("tr-gs"),
            Method::POST,
            "/v1/declarations",
            Some(strike("tr-1", &[], 4000.0)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{tr}");
    assert_eq!(tr["conflicts"][0]["other"]["id"], "us-17", "{tr}");

    // Advice on one's own conflicting declaration; another's is refused, an unseen one is not found.
    let (s, _, a) = w
        .call(
            Some("tr-gs"),
            Method::GET,
            "/v1/declarations/tr-1/advice",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert!(a["advice"]["delay_s"].as_i64().is_some(), "{a}");
    assert_eq!(a["conflicts"], 1);
    let (s, _, a) = w
        .call(
            Some("ru-gs"),
            Method::GET,
            "/v1/declarations/us-17/advice",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{a}");
    let (s, _, a) = w
        .call(
            Some("un-ocha"),
            Method::GET,
            "/v1/declarations/us-17/advice",
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{a}");

    // Proofs: none before a checkpoint covers the entry; then one that verifies against the signed root.
    let proof_path = format!("/v1/log/entries/{us_seq}/proof");
    let (s, _, p) = w
        .call(Some("us-cjtf"), Method::GET, &proof_path, None, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("checkpoint")),
        "{p}"
    );
    w.line.checkpoint_tick().expect("checkpoint");
    for party in ["us-cjtf", "ru-gs"] {
        let (s, h, p) = w
            .call(Some(party), Method::GET, &proof_path, None, None)
            .await;
        assert_eq!(s, StatusCode::OK, "{p}");
        assert!(h["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains(&format!("entry-{us_seq}.tlog-proof"))));
        let proof = TlogProof::parse(p.as_str().expect("text")).expect("a tlog-proof");
        assert_eq!(proof.index, us_seq);
        let note = Note::parse(&proof.checkpoint).expect("note");
        let cp = Checkpoint::parse(&note.text).expect("checkpoint");
        let res = w
            .app()
            .oneshot(
                Request::builder()
                    .uri(format!("/v1/log/entries/{us_seq}/leaf"))
                    .header("authorization", format!("Bearer {}", w.tokens[party]))
                    .body(Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        assert_eq!(res.status(), StatusCode::OK);
        let leaf = res.into_body().collect().await.expect("body").to_bytes();
        verify_inclusion(us_seq, cp.size, &leaf_hash(&leaf), &proof.hashes, &cp.root)
            .expect("the proof verifies");
    }
    // Not given us-17: no proof and no leaf, as if the entry did not exist; a bad number is named.
    for what in ["proof", "leaf"] {
        let uri = format!("/v1/log/entries/{us_seq}/{what}");
        let (s, _, p) = w.call(Some("un-ocha"), Method::GET, &uri, None, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
        let (s, _, p) = w
            .call(
                Some("un-ocha"),
                Method::GET,
                &format!("/v1/log/entries/x/{what}"),
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{p}");
    }

    // A bundle of what ru-gs was told (us-17 shared with it, and its own registration's agreement), checked
    // offline under a policy of the log's key: each content is the one its leaf commits to, ru-gs in each
    // audience. The same bundle claimed for un-ocha does not hold; un-ocha asking for it is told nothing.
    let policy = deconflict_ledger::Policy::parse(&format!(
        "log {}\nquorum none\n",
        std::fs::read_to_string(w.dir.path().join("log.pub"))
            .expect("log.pub")
            .trim()
    ))
    .expect("policy");
    let told = (0..us_seq)
        .find(|&q| {
            w.line
                .store()
                .entry(q)
                .ok()
                .flatten()
                .is_some_and(|e| e.header.audience.includes("ru-gs"))
        })
        .expect("an earlier entry ru-gs was told");
    let seqs = json!({"seqs": [us_seq, told]});
    let (s, h, b) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/log/bundle",
            Some(seqs.clone()),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(h["content-disposition"]
        .to_str()
        .is_ok_and(|d| d.contains("bundle.json")));
    let bundle = deconflict_ledger::ProofBundle::from_json(&b).expect("a bundle");
    let v = bundle.verify(&policy).expect("the bundle verifies");
    assert_eq!((v.entries, v.party.as_str()), (2, "ru-gs"));
    let entries = bundle.read_entries().expect("entries");
    assert_eq!(
        entries[0].1["id"], "us-17",
        "the content is the declaration"
    );
    let mut claimed = bundle.clone();
    claimed.party = "un-ocha".into();
    assert!(
        claimed.verify(&policy).is_err(),
        "un-ocha was not told us-17"
    );
    let (s, _, p) = w
        .call(
            Some("un-ocha"),
            Method::POST,
            "/v1/log/bundle",
            Some(seqs),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    // Bad bodies are named; an entry newer than the checkpoint says to wait.
    for (body, field) in [
        (json!({"seqs": "1"}), "seqs"),
        (json!({"seqs": [1, -2]}), "seqs[1]"),
        (json!({"seqs": [0, 0]}), "seqs"),
        (
            json!({"seqs": vec![0; deconflict_server::line::BUNDLE_ENTRIES + 1]}),
            "seqs",
        ),
    ] {
        let (s, _, p) = w
            .call(
                Some("ru-gs"),
                Method::POST,
                "/v1/log/bundle",
                Some(body),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{p}");
        assert_eq!(p["field"], field, "{p}");
    }
    let (s, _, late) = w
        .call(
            Some("us-cjtf"),
            Method::POST,
            "/v1/declarations",
            Some(tabqa("us-18", &["ru-gs"])),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{late}");
    let (s, _, p) = w
        .call(
            Some("ru-gs"),
            Method::POST,
            "/v1/log/bundle",
            Some(json!({"seqs": [late["seq"]]})),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{p}");
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("within seconds")),
        "{p}"
    );
}
