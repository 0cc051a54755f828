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

/// `GET /healthz`: 200 while the line takes requests and every background loop keeps to its period; else
/// 503 saying why: the line has failed (`failed`: it refuses every request until a restart), or loops are
/// late (`late`: none of their runs succeeded within three periods, because one is stuck or all failed).
pub(crate) async fn healthz(health: &Health, line: &Line) -> Response {
    let late = health.late();
    let failed = line.has_failed();
    if late.is_empty() && !failed {
        return "ok\n".into_response();
    }
    let mut reasons = Vec::new();
    if failed {
        reasons.push(
            "the line has failed: a write failed part-way, and it refuses every request until the \
             server is restarted and rebuilds its state from the log"
                .to_string(),
        );
    }
    if !late.is_empty() {
        let detail = late
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        reasons.push(format!("late: {detail}"));
    }
    let names: Vec<&str> = late.iter().map(|l| l.name).collect();
    let failing: Vec<&str> = late
        .iter()
        .filter(|l| l.failed_in_a_row > 0)
        .map(|l| l.name)
        .collect();
    Problem::unhealthy(reasons.join("; "))
        .with("failed", json!(failed))
        .with("late", json!(names))
        .with("failing", json!(failing))
        .into_response()
}

pub(crate) async fn not_found() -> Problem {
    Problem::not_found("no such endpoint")
}
