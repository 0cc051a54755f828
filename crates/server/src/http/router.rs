//! The router: every route of the API, the web picture's files, and the layers around them (per-party and
//! whole-server bounds, timeouts, body sizes, panics caught, and the wire's hygiene in `wire`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use tower_http::catch_panic::CatchPanicLayer;

use crate::http::auth::*;
use crate::http::routes::*;
use crate::problem::Problem;
use crate::{http, openapi};
use crate::{Health, Line, Options, Shell, MAX_BODY, MAX_TRACKS_BODY};

/// The web picture's content security policy: its own scripts, workers, styles and API only, so that text
/// another party wrote can never run as code in a party's page, nor send anything elsewhere.
pub const WEB_CSP: &str = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; \
     img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'; form-action 'self'";

/// Requests handled at once by default (see [`crate::Limits::max_in_flight`]); more are refused with 503
/// (`overloaded`) rather than queued.
pub const MAX_IN_FLIGHT: usize = 1024;

/// The router, with the line's limits.
pub fn app(line: Arc<Line>) -> Router {
    app_options(line, &Options::default())
}

/// The router, handling at most `max_in_flight` requests at once whatever the line's limits say (a stream
/// counts only while it opens).
pub fn app_with(line: Arc<Line>, max_in_flight: usize) -> Router {
    let shell = Shell::new(Arc::new(Health::new(Duration::ZERO)), false);
    router(line, &Options::default(), shell, max_in_flight)
}

/// The router as `options` ask: the API, and the web picture's files from `options.web` at `/` (every path
/// the API does not answer; no token needed for them, the page signs in with one). Without a web directory,
/// and for any file missing from it, the answer is the API's 404 problem. No loops run behind it (see
/// [`crate::serve`]), so `/healthz` is 200 unless the line has failed.
pub fn app_options(line: Arc<Line>, options: &Options) -> Router {
    let shell = Shell::new(
        Arc::new(Health::new(options.health_grace)),
        options.exercise,
    );
    let max_in_flight = line.limits().max_in_flight;
    router(line, options, shell, max_in_flight)
}

/// `GET /healthz` over the line's state and the loops' heartbeats (on the API's router, outside its in-flight bound, and on the
/// operator's).
fn healthz_route(health: Arc<Health>, line: Arc<Line>) -> axum::routing::MethodRouter {
    get(move || {
        let (health, line) = (Arc::clone(&health), Arc::clone(&line));
        async move { healthz(&health, &line).await }
    })
}

/// The operator's router (`--metrics-listen`): `/metrics` and `/healthz`, nothing of the API.
pub(crate) fn metrics_router(line: Arc<Line>, health: Arc<Health>) -> Router {
    let h = Arc::clone(&health);
    let l = Arc::clone(&line);
    Router::new()
        .route(
            "/metrics",
            get(move || metrics(Arc::clone(&l), Arc::clone(&h))),
        )
        .route("/healthz", healthz_route(health, line))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(wire))
}

/// Whether a path names a dot-file or passes through a dot-directory (also when its dot is escaped).
pub(crate) fn dotted(path: &str) -> bool {
    path.split('/')
        .any(|s| s.starts_with('.') || s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("%2e")))
}

pub(crate) fn router(
    line: Arc<Line>,
    options: &Options,
    shell: Arc<Shell>,
    max_in_flight: usize,
) -> Router {
    use axum::error_handling::HandleErrorLayer;
    use tower::ServiceBuilder;
    let limits = line.limits().clone();
    let document = Arc::new(openapi::document());
    let health = Arc::clone(&shell.health);
    let healthz_line = Arc::clone(&line);
    let api = Router::new()
        .route(
            "/openapi.json",
            get(move || {
                let d = Arc::clone(&document);
                async move { Json((*d).clone()) }
            }),
        )
        .route(
            "/metrics",
            get(|| async {
                Problem::not_found(
                    "metrics are served to the operator on a listener of their own (deconflict serve \
                     --metrics-listen), not here",
                )
            }),
        )
        .route("/v1/declarations", get(list).post(create))
        .route("/v1/declarations/preview", post(preview))
        .route("/v1/declarations/{id}/advice", get(advice))
        .route("/v1/declarations/{id}", get(read_one).put(replace))
        .route("/v1/declarations/{id}/{action}", post(transition))
        .route("/v1/conflicts", get(conflicts))
        .route("/v1/conflicts/{id}/{action}", post(respond))
        .route("/v1/messages", get(messages).post(send))
        .route("/v1/messages/{id}/acknowledge", post(acknowledge_message))
        .route("/v1/messages/{id}/answer", post(answer_message))
        .route("/v1/agreements", get(agreements).post(propose_agreement))
        .route("/v1/agreements/{id}", get(agreement))
        .route("/v1/agreements/{id}/{action}", post(agreement_action))
        .route("/v1/credentials", get(credentials).post(issue_credential))
        .route("/v1/credentials/{id}/revoke", post(revoke_credential))
        .route(
            "/v1/tracks",
            post(report_tracks)
                .layer(DefaultBodyLimit::max(limits.track_body_bytes))
                .get(own_tracks),
        )
        .route("/v1/alerts", get(alerts))
        .route("/v1/stream", get(http::stream::stream))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/entries/{seq}/proof", get(entry_proof))
        .route("/v1/log/entries/{seq}/leaf", get(entry_leaf))
        .route("/v1/log/bundle", post(bundle))
        .route("/v1/report", get(report))
        .route("/v1/notifications", get(notifications).post(notify))
        .route("/v1/notifications/incidents", post(report_incident))
        .route("/v1/notifications/{id}", get(notification))
        .route("/v1/notifications/{id}/{action}", post(notification_action))
        .route(
            "/v1/deconfliction-requests",
            get(deconfliction_requests).post(request_deconfliction),
        )
        .route("/v1/deconfliction-requests/{id}", get(deconfliction_request))
        .route(
            "/v1/deconfliction-requests/{id}/answer",
            post(answer_deconfliction),
        );
    // The DSS's routes, and its token check for the log's readers (a USS proves what the DSS accepted).
    let api = match &options.dss {
        Some(auth) => api
            .nest_service(
                "/dss/v1",
                http::dss::router(Arc::clone(&line), Arc::clone(auth)),
            )
            .layer(Extension(Arc::clone(auth))),
        None => api,
    };
    let api = match &options.web {
        Some(dir) => {
            use tower_http::set_header::SetResponseHeaderLayer;
            let files = ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(WEB_CSP),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("no-referrer"),
                ))
                // The picture's files may be kept, if checked again before use.
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-cache"),
                ))
                .service(
                    tower_http::services::ServeDir::new(dir)
                        .append_index_html_on_directories(true)
                        .not_found_service(axum::handler::HandlerWithoutStateExt::into_service(
                            not_found,
                        )),
                );
            // Dot-files and dot-directories (.git, .env, …) are never served.
            api.fallback(move |req: axum::extract::Request| {
                let files = files.clone();
                async move {
                    if dotted(req.uri().path()) {
                        return not_found().await.into_response();
                    }
                    match tower::ServiceExt::oneshot(files, req).await {
                        Ok(res) => res.into_response(),
                        Err(never) => match never {},
                    }
                }
            })
        }
        None => api.fallback(not_found),
    };
    let api = api
        .layer(axum::middleware::from_fn_with_state(
            (
                Arc::clone(&line),
                Arc::new(PartyInFlight::default()),
                limits.in_flight_per_party.max(1),
            ),
            per_party,
        ))
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(Extension(shell))
        .layer(CatchPanicLayer::custom(|_| {
            Problem::internal("the request failed").into_response()
        }))
        .with_state(line);
    // One bound and one clock for the whole server: the router as a whole is wrapped, not each route.
    let request_timeout = limits.request_timeout;
    let whole = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(
            move |e: tower::BoxError| async move {
                if e.is::<tower::timeout::error::Elapsed>() {
                    Problem::timed_out("request_timeout", request_timeout)
                } else if e.is::<tower::load_shed::error::Overloaded>() {
                    Problem::overloaded("too many requests at once; retry shortly")
                } else {
                    tracing::error!("serving a request: {e}");
                    Problem::internal("the request failed")
                }
            },
        ))
        .timeout(request_timeout)
        .load_shed()
        .concurrency_limit(max_in_flight)
        .service(api);
    // `/healthz` stands outside the in-flight bound: a flood of requests must not make the line look dead.
    Router::new()
        .route("/healthz", healthz_route(health, healthz_line))
        .fallback_service(whole)
        .layer(axum::middleware::from_fn(wire))
        .layer(Extension(BodyLimits {
            body_bytes: limits.body_bytes,
            track_body_bytes: limits.track_body_bytes,
        }))
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .make_span_with(|req: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_response(
                    |res: &Response, latency: Duration, _span: &tracing::Span| {
                        tracing::info!(status = res.status().as_u16(), latency_us = latency.as_micros() as u64, "served");
                    },
                ),
        )
}

/// The body sizes, for naming the one a 413 is about.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    body_bytes: usize,
    track_body_bytes: usize,
}

pub(crate) async fn wire(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let tracks = req.uri().path() == "/v1/tracks";
    let dss = req.uri().path().starts_with("/dss/");
    let method = req.method().clone();
    let sizes = req.extensions().get::<BodyLimits>().copied();
    // A body announced larger than its bound is refused before any of it is read (or waited for).
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(len) = announced {
        let (limit, bytes) = match (tracks, sizes) {
            (true, Some(s)) => ("track_body_bytes", s.track_body_bytes),
            (false, Some(s)) => ("body_bytes", s.body_bytes),
            (true, None) => ("track_body_bytes", MAX_TRACKS_BODY),
            (false, None) => ("body_bytes", MAX_BODY),
        };
        if len > bytes as u64 {
            let problem = Problem::too_large(limit, bytes);
            return if dss {
                problem.into_dss_response()
            } else {
                problem.into_response()
            };
        }
    }
    let mut res = next.run(req).await;
    let status = res.status();
    // The DSS answers its errors in the standard's own shape (`{"message": …}` as JSON).
    let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes().starts_with(b"application/problem+json")
            || (dss && v.as_bytes().starts_with(b"application/json"))
    });
    if (status.is_client_error() || status.is_server_error()) && !is_problem {
        let kept = res.headers().clone();
        let problem = match status {
            StatusCode::PAYLOAD_TOO_LARGE => {
                let (limit, bytes) = match (tracks, sizes) {
                    (true, Some(s)) => ("track_body_bytes", s.track_body_bytes),
                    (false, Some(s)) => ("body_bytes", s.body_bytes),
                    (true, None) => ("track_body_bytes", MAX_TRACKS_BODY),
                    (false, None) => ("body_bytes", MAX_BODY),
                };
                Problem::too_large(limit, bytes)
            }
            StatusCode::METHOD_NOT_ALLOWED => {
                Problem::status_only(status, format!("{method} is not allowed here"))
            }
            _ => {
                let reason = res.into_body();
                let text = axum::body::to_bytes(reason, 1024).await.unwrap_or_default();
                let text = String::from_utf8_lossy(&text);
                let detail = if text.trim().is_empty() {
                    status.canonical_reason().unwrap_or("error").to_string()
                } else {
                    text.trim().to_string()
                };
                Problem::status_only(status, detail)
            }
        };
        res = if dss {
            problem.into_dss_response()
        } else {
            problem.into_response()
        };
        for name in [
            header::ALLOW,
            header::SEC_WEBSOCKET_VERSION,
            header::CONNECTION,
        ] {
            if let Some(v) = kept.get(&name) {
                res.headers_mut().insert(name, v.clone());
            }
        }
    }
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}
