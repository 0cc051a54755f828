//! The line as an ASTM F3548-21 DSS over HTTP: tokens (RS256 JWTs) checked for signature, audience, expiry
//! and scope; need-to-know between USSs as the standard sets it (a reference's OVN only to its manager,
//! another's subscription refused) and between the DSS and the line's other parties (a USS learns nothing of
//! the military parties' declarations, and they nothing of the DSS); every write an entry of the log, kept
//! across a restart.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use deconflict_server::{app_options, DssAuth, Line, Options};
use http_body_util::BodyExt;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use tower::ServiceExt;

const KEY: &[u8] = include_bytes!("data/dss-test-key.pem");
const PUBLIC: &[u8] = include_bytes!("data/dss-test-key.pub.pem");
const OTHER_KEY: &[u8] = include_bytes!("data/dss-other-key.pem");
/// The test key's public half as a JWKS document.
const JWKS: &[u8] = include_bytes!("data/dss-test-key.jwks.json");
const AUD: &str = "dss.example";
const ALL: &str = "utm.strategic_coordination utm.constraint_management utm.constraint_processing \
                   utm.conformance_monitoring_sa utm.availability_arbitration";

fn now_s() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn token_with(key: &[u8], sub: &str, scope: &str, aud: &str, exp: i64) -> String {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let claims = json!({"iss": "test", "sub": sub, "scope": scope, "aud": aud, "exp": exp,
        "nbf": now_s() - 1, "jti": format!("{sub}-{exp}")});
    encode(
        &Header::new(jsonwebtoken::Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(key).expect("test key"),
    )
    .expect("sign")
}

fn token(sub: &str) -> String {
    token_with(KEY, sub, ALL, AUD, now_s() + 3_600)
}

fn dss_options() -> Options {
    let auth = DssAuth::new(
        &[("test key".into(), PUBLIC.to_vec())],
        &[],
        &[AUD.to_string()],
        deconflict_server::line::DssSettings::default(),
    )
    .expect("auth");
    Options {
        dss: Some(Arc::new(auth)),
        ..Options::default()
    }
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = Request::builder().method(method).uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = app.clone().oneshot(req).await.expect("answer");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

fn at(offset_s: i64) -> Value {
    let t = deconflict_space::units::format_time((now_s() + offset_s) * 1_000);
    json!({"value": t, "format": "RFC3339"})
}

/// A volume of the standard over Bern (lat 46.95, lng 7.44 + east), the next hour, 500–620 m.
fn volume(east: f64) -> Value {
    json!({"volume": {"outline_circle": {"center": {"lat": 46.95, "lng": 7.44 + east},
            "radius": {"value": 300, "units": "M"}},
        "altitude_lower": {"value": 500, "reference": "W84", "units": "M"},
        "altitude_upper": {"value": 620, "reference": "W84", "units": "M"}},
        "time_start": at(60), "time_end": at(3_600)})
}

fn intent(key: Vec<Value>) -> Value {
    json!({"extents": [volume(0.0)], "state": "Accepted", "key": key,
        "uss_base_url": "https://uss.example/utm",
        "new_subscription": {"uss_base_url": "https://uss.example/utm"}})
}

const OI1: &str = "00000001-0000-4000-8000-000000000001";
const OI2: &str = "00000001-0000-4000-8000-000000000002";
const CR1: &str = "00000002-0000-4000-8000-000000000001";
const SUB: &str = "00000003-0000-4000-8000-000000000001";

#[tokio::test]
async fn tokens_are_checked_for_signature_audience_expiry_and_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let app = app_options(line, &dss_options());
    let path = "/dss/v1/operational_intent_references/query";
    let query = json!({"area_of_interest": volume(0.0)});
    let good = token("uss1");
    assert_eq!(
        call(&app, "POST", path, Some(&good), Some(query.clone()))
            .await
            .0,
        StatusCode::OK
    );
    let refused = [
        (None, "Authorization"),
        (
            Some(token_with(KEY, "uss1", ALL, AUD, now_s() - 600)),
            "expired",
        ),
        (
            Some(token_with(
                KEY,
                "uss1",
                ALL,
                "elsewhere.example",
                now_s() + 600,
            )),
            "aud",
        ),
        (
            Some(token_with(OTHER_KEY, "uss1", ALL, AUD, now_s() + 600)),
            "signature",
        ),
        (Some("not.a.jwt".to_string()), "not a JWT"),
    ];
    for (t, why) in refused {
        let (status, body) = call(&app, "POST", path, t.as_deref(), Some(query.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}: {body}");
        assert!(
            body["message"].as_str().is_some_and(|m| m.contains(why)),
            "{why}: {body}"
        );
    }
    // HS256 keyed with the public key (the classic confusion) is refused: only RS256 is taken.
    let hs = encode(
        &Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"sub": "uss1", "scope": ALL, "aud": AUD, "exp": now_s() + 600}),
        &EncodingKey::from_secret(PUBLIC),
    )
    .expect("sign");
    assert_eq!(
        call(&app, "POST", path, Some(&hs), Some(query.clone()))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // A valid token without the endpoint's scope: 403, naming the scope.
    let narrow = token_with(KEY, "uss1", "utm.constraint_management", AUD, now_s() + 600);
    let (status, body) = call(&app, "POST", path, Some(&narrow), Some(query)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["message"]
        .as_str()
        .is_some_and(|m| m.contains("utm.strategic_coordination")));
}

#[tokio::test]
async fn keys_may_come_from_a_jwks_document() {
    let auth = DssAuth::new(
        &[],
        &[("test JWKS".into(), JWKS.to_vec())],
        &[AUD.to_string()],
        deconflict_server::line::DssSettings::default(),
    )
    .expect("auth from JWKS");
    assert_eq!(auth.verify(&token("uss1")).expect("verified").sub, "uss1");
    assert!(auth
        .verify(&token_with(OTHER_KEY, "uss1", ALL, AUD, now_s() + 600))
        .is_err());
    // No key at all, or no audience: refused at start, saying what is missing.
    let none = DssAuth::new(&[], &[], &[AUD.to_string()], Default::default()).expect_err("no key");
    assert!(none.contains("public key"), "{none}");
    let no_aud = DssAuth::new(
        &[("k".into(), PUBLIC.to_vec())],
        &[],
        &[],
        Default::default(),
    )
    .expect_err("no audience");
    assert!(no_aud.contains("audience"), "{no_aud}");
}

#[tokio::test]
async fn a_uss_sees_others_references_only_as_the_standard_allows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let app = app_options(Arc::clone(&line), &dss_options());
    let (one, two) = (token("uss1"), token("uss2"));
    let oi = |id: &str| format!("/dss/v1/operational_intent_references/{id}");

    let (status, created) = call(&app, "PUT", &oi(OI1), Some(&one), Some(intent(vec![]))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let ovn1 = created["operational_intent_reference"]["ovn"]
        .as_str()
        .expect("ovn")
        .to_string();
    assert!(ovn1.len() >= 16 && ovn1 != "Available from USS");

    // Its manager reads its OVN; another USS reads the reference without it.
    let (_, mine) = call(&app, "GET", &oi(OI1), Some(&one), None).await;
    assert_eq!(mine["operational_intent_reference"]["ovn"], json!(ovn1));
    let (status, theirs) = call(&app, "GET", &oi(OI1), Some(&two), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        theirs["operational_intent_reference"]["ovn"],
        "Available from USS"
    );
    assert_eq!(theirs["operational_intent_reference"]["manager"], "uss1");
    let (_, found) = call(
        &app,
        "POST",
        "/dss/v1/operational_intent_references/query",
        Some(&two),
        Some(json!({"area_of_interest": volume(0.0)})),
    )
    .await;
    assert_eq!(
        found["operational_intent_references"][0]["ovn"],
        "Available from USS"
    );

    // uss2's intent over it without the key: 409 naming uss1's intent, still without its OVN.
    let (status, conflict) = call(&app, "PUT", &oi(OI2), Some(&two), Some(intent(vec![]))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    assert_eq!(conflict["missing_operational_intents"][0]["id"], OI1);
    assert_eq!(
        conflict["missing_operational_intents"][0]["ovn"],
        "Available from USS"
    );
    assert!(!conflict.to_string().contains(&ovn1));
    // With the OVN (which uss2 would get from uss1 itself), accepted; uss1's subscription is to be told.
    let (status, ok) = call(
        &app,
        "PUT",
        &oi(OI2),
        Some(&two),
        Some(intent(vec![json!(ovn1)])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    let told: Vec<&str> = ok["subscribers"]
        .as_array()
        .expect("subscribers")
        .iter()
        .filter_map(|s| s["uss_base_url"].as_str())
        .collect();
    assert!(told.contains(&"https://uss.example/utm"), "{ok}");

    // Another USS may neither change nor delete uss1's intent, nor read or delete its subscription.
    let sub1 = created["operational_intent_reference"]["subscription_id"]
        .as_str()
        .expect("subscription")
        .to_string();
    let (status, _) = call(
        &app,
        "DELETE",
        &format!("{}/{ovn1}", oi(OI1)),
        Some(&two),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &app,
        "GET",
        &format!("/dss/v1/subscriptions/{sub1}"),
        Some(&two),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, subs) = call(
        &app,
        "POST",
        "/dss/v1/subscriptions/query",
        Some(&two),
        Some(json!({"area_of_interest": volume(0.0)})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!subs.to_string().contains(&sub1), "{subs}");

    // A subscription's answer lists intents there, others' without their OVN.
    let (status, sub) = call(
        &app,
        "PUT",
        &format!("/dss/v1/subscriptions/{SUB}"),
        Some(&two),
        Some(
            json!({"extents": volume(0.0), "uss_base_url": "https://two.example/utm",
            "notify_for_operational_intents": true}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{sub}");
    let refs = sub["operational_intent_references"]
        .as_array()
        .expect("refs");
    assert_eq!(refs.len(), 2);
    for r in refs {
        assert_eq!(
            r["ovn"] == "Available from USS",
            r["manager"] == "uss1",
            "{r}"
        );
    }

    // Constraints: the same rule for their OVNs.
    let (status, c) = call(
        &app,
        "PUT",
        &format!("/dss/v1/constraint_references/{CR1}"),
        Some(&one),
        Some(json!({"extents": [volume(0.0)], "uss_base_url": "https://uss.example/utm"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (_, c2) = call(
        &app,
        "GET",
        &format!("/dss/v1/constraint_references/{CR1}"),
        Some(&two),
        None,
    )
    .await;
    assert_eq!(c2["constraint_reference"]["ovn"], "Available from USS");
}

#[tokio::test]
async fn the_dss_and_the_line_s_parties_learn_nothing_of_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let mil = line
        .register_party("us-cjtf", "military")
        .expect("register");
    let other = line.register_party("ru-gs", "military").expect("register");
    line.establish_agreement(json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]}))
        .expect("agreement");
    let app = app_options(Arc::clone(&line), &dss_options());
    // A military declaration right where the USSs fly, at the same heights and times.
    let (status, d) = call(
        &app,
        "POST",
        "/v1/declarations",
        Some(&mil),
        Some(
            json!({"id": "secret-sortie", "kind": "air_operation", "name": "SECRET-SORTIE",
            "volumes": [{"footprint": {"circle": {"center": [7.44, 46.95], "radius_m": 2000}},
                "altitude": {"lower_m": 0, "upper_m": 3000},
                "time": {"start": at(0)["value"], "end": at(7_200)["value"]}}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{d}");
    let before = line.store().size().expect("size");
    let one = token("uss1");
    let (status, created) = call(
        &app,
        "PUT",
        &format!("/dss/v1/operational_intent_references/{OI1}"),
        Some(&one),
        Some(intent(vec![])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // One write, one entry, told to the USS only.
    let after = line.store().size().expect("size");
    assert_eq!(after, before + 1);
    let entry = line.store().entries(before, 1).expect("entries");
    assert_eq!(entry[0].header.kind, "dss.operational_intent.put");
    for (path, body) in [
        (
            "/dss/v1/operational_intent_references/query",
            json!({"area_of_interest": volume(0.0)}),
        ),
        (
            "/dss/v1/constraint_references/query",
            json!({"area_of_interest": volume(0.0)}),
        ),
        (
            "/dss/v1/subscriptions/query",
            json!({"area_of_interest": volume(0.0)}),
        ),
    ] {
        let (status, found) = call(&app, "POST", path, Some(&one), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{path}: {found}");
        let text = found.to_string();
        for secret in ["SECRET", "us-cjtf", "ru-gs", "secret-sortie"] {
            assert!(!text.contains(secret), "{path} shows {secret}: {text}");
        }
    }
    // The military parties see nothing of the DSS: not in their lists, not the entry.
    for t in [&mil, &other] {
        for path in ["/v1/declarations", "/v1/conflicts", "/v1/alerts"] {
            let (_, list) = call(&app, "GET", path, Some(t), None).await;
            let text = list.to_string();
            assert!(
                !text.contains(OI1) && !text.contains("uss1"),
                "{path}: {text}"
            );
        }
        let (status, _) = call(
            &app,
            "GET",
            &format!("/v1/log/entries/{before}/leaf"),
            Some(t),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    // A USS's token is not a party's token on the line's own API.
    let (status, _) = call(&app, "GET", "/v1/declarations", Some(&one), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn what_the_dss_accepted_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ovn = {
        let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
        let app = app_options(Arc::clone(&line), &dss_options());
        let (status, created) = call(
            &app,
            "PUT",
            &format!("/dss/v1/operational_intent_references/{OI1}"),
            Some(&token("uss1")),
            Some(intent(vec![])),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        created["operational_intent_reference"]["ovn"].clone()
    };
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("reopen"));
    let app = app_options(line, &dss_options());
    let (status, read) = call(
        &app,
        "GET",
        &format!("/dss/v1/operational_intent_references/{OI1}"),
        Some(&token("uss1")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["operational_intent_reference"]["ovn"], ovn);
    assert_eq!(read["operational_intent_reference"]["version"], 1);
}

#[tokio::test]
async fn a_uss_can_prove_what_the_dss_accepted_from_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let app = app_options(Arc::clone(&line), &dss_options());
    let one = token("uss1");
    let req = Request::builder()
        .method("PUT")
        .uri(format!("/dss/v1/operational_intent_references/{OI1}"))
        .header("authorization", format!("Bearer {one}"))
        .header("content-type", "application/json")
        .body(Body::from(intent(vec![]).to_string()))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("answer");
    assert_eq!(res.status(), StatusCode::CREATED);
    let seq: u64 = res
        .headers()
        .get("deconflict-log-entry")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("the entry's sequence number");
    assert_eq!(line.store().size().expect("size"), seq + 1);
    // Its leaf (what an inclusion proof proves) to the USS that wrote it, and to no other.
    let (status, _) = call(
        &app,
        "GET",
        &format!("/v1/log/entries/{seq}/leaf"),
        Some(&one),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        &app,
        "GET",
        &format!("/v1/log/entries/{seq}/leaf"),
        Some(&token("uss2")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let entry = line.store().entries(seq, 1).expect("entry");
    assert_eq!(entry[0].header.actor, "uss.uss1");
}

#[tokio::test]
async fn a_body_past_its_bound_is_refused_in_the_standard_s_shape() {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let app = app_options(Arc::clone(&line), &dss_options());
    let huge = json!({"problem": "x".repeat(2 << 20)});
    let (status, body) = call(
        &app,
        "POST",
        "/dss/v1/reports",
        Some(&token("uss1")),
        Some(huge),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("body_bytes")),
        "{body}"
    );
    assert_eq!(line.store().size().expect("size"), 0, "nothing stored");
}
