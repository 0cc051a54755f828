//! The OpenAPI document: the committed copy matches the code, the server serves it, every operation it names
//! is routed, and the concurrency bound refuses with a problem rather than queueing without end.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use deconflict_server::openapi::{document, ENDPOINTS};
use deconflict_server::{app, app_with, Line};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

fn committed() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let text = std::fs::read_to_string(&path).expect("docs/openapi.json");
    serde_json::from_str(&text).expect("JSON")
}

#[test]
fn the_committed_document_is_the_generated_one() {
    assert!(
        committed() == document(),
        "docs/openapi.json has drifted from the code; regenerate it with \
         `cargo run --bin deconflict -- openapi > docs/openapi.json`"
    );
}

async fn call(router: axum::Router, method: &str, uri: &str, token: &str) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let res = router.oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_the_document_is_served() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let token = line
        .register_party("us-cjtf", "military")
        .expect("register");
    for e in ENDPOINTS {
        let uri = e.path.replace("{id}", "x");
        let (status, body) = call(
            app(Arc::clone(&line)),
            &e.method.to_uppercase(),
            &uri,
            &token,
        )
        .await;
        assert_ne!(
            status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{} {}",
            e.method,
            e.path
        );
        assert_ne!(
            body["detail"], "no such endpoint",
            "{} {} is documented but not routed",
            e.method, e.path
        );
        assert!(
            !status.is_server_error(),
            "{} {}: {status} {body}",
            e.method,
            e.path
        );
    }
    let (status, served) = call(app(Arc::clone(&line)), "GET", "/openapi.json", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, document());
    assert_eq!(served["openapi"], "3.1.0");
}

#[tokio::test]
async fn beyond_the_bound_requests_are_refused_with_a_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = Arc::new(Line::open(dir.path(), "test.example/line").expect("open"));
    let (status, body) = call(app_with(Arc::clone(&line), 0), "GET", "/openapi.json", "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["type"], "urn:deconflict:problem:overloaded");
    // `/healthz` stands outside the bound: a flood of requests must not make the line look dead.
    let (status, _) = call(app_with(line, 0), "GET", "/healthz", "").await;
    assert_eq!(status, StatusCode::OK);
}
