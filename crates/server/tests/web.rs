//! The web picture's files at `/`: served without a token from the directory given, index.html for `/`,
//! nothing outside that directory, and the API's own answers (and 404 problems) unchanged around them.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use deconflict_server::{app_options, Line, Options};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(router: &axum::Router, path: &str) -> (StatusCode, String, String) {
    let res = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, kind, String::from_utf8_lossy(&body).into())
}

#[tokio::test]
async fn the_web_directory_is_served_at_the_root_and_the_api_is_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let web = dir.path().join("web");
    std::fs::create_dir_all(web.join("assets")).expect("web dir");
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>deconflict</title>",
    )
    .expect("index");
    std::fs::write(web.join("assets/app.js"), "console.log('line')").expect("js");
    std::fs::write(dir.path().join("secret.txt"), "SECRET-OUTSIDE").expect("outside");
    let line = Arc::new(Line::open(&dir.path().join("data"), "test.example/line").expect("open"));
    let router = app_options(
        line,
        &Options {
            web: Some(web.clone()),
            ..Options::default()
        },
    );

    let (status, kind, body) = get(&router, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/html"), "{kind}");
    assert!(body.contains("<title>deconflict</title>"));
    let (status, kind, _) = get(&router, "/assets/app.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.contains("javascript"), "{kind}");
    // Nothing outside the directory.
    for path in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
    ] {
        let (status, _, body) = get(&router, path).await;
        assert!(!body.contains("SECRET-OUTSIDE"), "{path}");
        assert_ne!(status, StatusCode::OK, "{path}");
    }
    // The API answers as before; what is neither API nor file is the API's 404 problem.
    let (status, _, body) = get(&router, "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, _, _) = get(&router, "/v1/declarations").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, kind, body) = get(&router, "/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        kind.starts_with("application/problem+json"),
        "{kind}: {body}"
    );

    // Without a web directory, `/` is a 404 problem too.
    let line = Arc::new(Line::open(&dir.path().join("data2"), "test.example/line").expect("open"));
    let router = app_options(line, &Options::default());
    let (status, kind, _) = get(&router, "/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(kind.starts_with("application/problem+json"), "{kind}");
}

/// The picture's files carry a content security policy: only its own scripts, workers and API, so text that
/// another party wrote can never run in a party's page.
#[tokio::test]
async fn the_web_files_carry_a_content_security_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").expect("index");
    let line = Arc::new(Line::open(&dir.path().join("data"), "test.example/line").expect("open"));
    let router = app_options(
        line,
        &Options {
            web: Some(dir.path().to_path_buf()),
            ..Options::default()
        },
    );
    let res = router
        .oneshot(Request::get("/").body(Body::empty()).expect("request"))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .expect("text");
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp} lacks {part}");
    }
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}
