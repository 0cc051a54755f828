//! RFC 9457 problem details: every error leaves as `application/problem+json` with a stable `type`, and
//! validation errors carry the path of the field at fault. Internal causes are logged, never sent.

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
    field: Option<String>,
}

impl Problem {
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
            field: None,
        }
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
            LineError::Invalid { field, detail } => Problem {
                field: Some(field),
                ..Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "Invalid input",
                    detail,
                )
            },
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
        if let (Some(field), Some(obj)) = (self.field, body.as_object_mut()) {
            obj.insert("field".into(), json!(field));
        }
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}
