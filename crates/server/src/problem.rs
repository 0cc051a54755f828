//! RFC 9457 problem details: every error leaves as `application/problem+json` with a stable `type`, and
//! validation errors carry the path of the field at fault, and a refusal at one of the server's bounds names
//! that bound (`limit`, the name of the [`crate::Limits`] field). Internal causes are logged, never sent.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::line::LineError;

/// A problem response.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    /// Further members of the body: `field` (the field at fault), `limit` (the bound that was reached, a
    /// [`crate::Limits`] field), ….
    extra: Vec<(&'static str, Value)>,
    /// Close the connection after this answer (the request was cut off part-way).
    close: bool,
}

impl Problem {
    /// The answer in the shape of F3548's `ErrorResponse` (`{"message": …}`), for the DSS's paths.
    pub fn into_dss_response(self) -> Response {
        let mut res = (
            self.status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            serde_json::json!({"message": self.detail}).to_string(),
        )
            .into_response();
        if self.close {
            res.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        res
    }

    fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            kind,
            title,
            detail: detail.into(),
            extra: Vec::new(),
            close: false,
        }
    }

    /// The same problem, naming the bound that was reached.
    pub fn with_limit(self, limit: &'static str) -> Self {
        self.with("limit", json!(limit))
    }

    /// The same problem with one more member in its body.
    pub fn with(mut self, name: &'static str, value: Value) -> Self {
        self.extra.push((name, value));
        self
    }

    /// The same problem, answered with `Connection: close`.
    pub fn closing(mut self) -> Self {
        self.close = true;
        self
    }

    /// The status this problem is answered with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// A body larger than `limit` allows.
    pub fn too_large(limit: &'static str, bytes: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Request body too large",
            format!("the body is larger than {bytes} bytes ({limit})"),
        )
        .with_limit(limit)
    }

    /// A request that was not sent (or not handled) within `limit`.
    pub fn timed_out(limit: &'static str, after: std::time::Duration) -> Self {
        Problem::new(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            "Request timeout",
            format!(
                "the request was not received and answered within {} ms ({limit}); if its body had \
                 arrived, a change it asked for may still be made: read before trying again",
                after.as_millis()
            ),
        )
        .with_limit(limit)
        .closing()
    }

    /// More of something at once than `limit` allows; retry when some have ended.
    pub fn too_many(limit: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many",
            "Too many",
            detail,
        )
        .with_limit(limit)
    }

    /// The server is up, but some of its work is not being done.
    pub fn unhealthy(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unhealthy",
            "Unhealthy",
            detail,
        )
    }

    /// Any other status the HTTP layer answered without a body of its own (405, 406, 415, …).
    pub fn status_only(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem::new(
            status,
            "http",
            status.canonical_reason().unwrap_or("Error"),
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Not authenticated",
            detail,
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn overloaded(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "Overloaded",
            detail,
        )
        .with_limit("max_in_flight")
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            detail,
        )
    }
}

impl From<LineError> for Problem {
    fn from(e: LineError) -> Self {
        match e {
            LineError::Invalid { field, detail } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid input",
                detail,
            )
            .with("field", json!(field)),
            LineError::Forbidden(d) => {
                Problem::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", d)
            }
            e @ LineError::NotFound(_) => Problem::not_found(e.to_string()),
            LineError::Exists(d) => {
                Problem::new(StatusCode::CONFLICT, "exists", "Already exists", d)
            }
            e @ LineError::Stale { .. } => Problem::new(
                StatusCode::PRECONDITION_FAILED,
                "stale-version",
                "Stale version",
                e.to_string(),
            ),
            e @ LineError::PreconditionRequired => Problem::new(
                StatusCode::PRECONDITION_REQUIRED,
                "if-match-required",
                "If-Match required",
                e.to_string(),
            ),
            LineError::Limit {
                limit,
                detail,
                rate: true,
            } => Problem::too_many(limit, detail),
            LineError::Limit { limit, detail, .. } => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "limit",
                "Over a limit",
                detail,
            )
            .with_limit(limit),
            LineError::Failed(detail) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "line-failed",
                "The line has failed",
                detail,
            ),
            LineError::Storage(cause) => {
                tracing::error!("storage: {cause}");
                Problem::internal("the change could not be stored; nothing was changed")
            }
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body: Value = json!({
            "type": format!("urn:deconflict:problem:{}", self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(obj) = body.as_object_mut() {
            for (name, value) in self.extra {
                obj.insert(name.into(), value);
            }
        }
        let mut res = (
            self.status,
            [
                (header::CONTENT_TYPE, "application/problem+json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body.to_string(),
        )
            .into_response();
        if self.close {
            res.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        res
    }
}
