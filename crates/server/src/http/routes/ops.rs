//! For operators: `/metrics` (on its own listener) and `/healthz`; and the API's 404.

use std::sync::Arc;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::work::*;
use crate::problem::Problem;
use crate::{Health, Line};

/// The line's totals and the loops' figures, in the Prometheus text format (on the metrics listener only).
pub(crate) async fn metrics(line: Arc<Line>, health: Arc<Health>) -> Result<Response, Problem> {
    let totals = blocking(move || line.totals()).await?;
    let mut out = String::new();
    for (name, value) in totals {
        out.push_str(&format!("# TYPE {name} gauge\n{name} {value}\n"));
    }
    out.push_str(&health.metrics());
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; version=0.0.4"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

/// `GET /healthz`: 200 while every background loop keeps to its period, else 503 naming the late ones.
pub(crate) async fn healthz(health: &Health) -> Response {
    let late = health.late();
    if late.is_empty() {
        return "ok\n".into_response();
    }
    let names: Vec<&str> = late.iter().map(|l| l.name).collect();
    let detail = late
        .iter()
        .map(|l| {
            format!(
                "{} (no run completed for {:.1} s; it runs every {:.1} s)",
                l.name,
                l.since.as_secs_f64(),
                l.period.as_secs_f64()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Problem::unhealthy(format!("late: {detail}"))
        .with("late", json!(names))
        .into_response()
}

pub(crate) async fn not_found() -> Problem {
    Problem::not_found("no such endpoint")
}
