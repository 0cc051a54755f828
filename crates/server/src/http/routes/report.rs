//! `GET /v1/report?from=…&to=…&format=bundle|html|pdf`: the caller's after-action record of a window — the
//! proof bundle of every entry it may read in the window (`Line::report_bundle`), or the report made from
//! it (`deconflict_report`), as HTML or PDF. The bundle is gathered and the report rendered on a work
//! thread; both are bounded (a window of 31 days, 10 000 entries, each line's free text cut), and at most
//! [`RENDERING`] reports render at once, and each party has at most one report asked for at a time (a
//! second is refused, 429, while the first waits or renders), so no party keeps the others waiting for the
//! renderer. A report is charged to its party's write allowance (`Line::report_bundle`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use deconflict_report::{render_html, render_pdf, Files, Report};

use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::{Line, LineError};

/// Reports rendered at once (the others wait their turn).
pub const RENDERING: usize = 2;

static RENDER_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(RENDERING);

/// The parties with a report asked for and not yet answered.
static ASKING: std::sync::Mutex<std::collections::BTreeSet<String>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// A party's one report in progress: taken before it waits for the renderer, given back when answered
/// (or when the request is dropped).
struct OneAtATime(String);

impl OneAtATime {
    fn take(party: &str) -> Result<Self, Problem> {
        let mut asking = ASKING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !asking.insert(party.to_string()) {
            return Err(Problem::too_many(
                "reports_per_party",
                "one report at a time per party: retry when the one asked for is answered",
            ));
        }
        Ok(OneAtATime(party.to_string()))
    }
}

impl Drop for OneAtATime {
    fn drop(&mut self) {
        let mut asking = ASKING
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        asking.remove(&self.0);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Bundle,
    Html,
    Pdf,
}

fn time(q: &HashMap<String, String>, field: &str) -> Result<i64, Problem> {
    let text = q.get(field).ok_or_else(|| {
        Problem::from(LineError::Invalid {
            field: field.into(),
            detail: format!("`{field}` is required: an RFC 3339 time or a date-time group"),
        })
    })?;
    deconflict_space::units::parse_time(text).map_err(|e| {
        Problem::from(LineError::Invalid {
            field: field.into(),
            detail: format!("{field}: {e}"),
        })
    })
}

pub(crate) async fn report(
    State(line): State<Arc<Line>>,
    Reader(party): Reader,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let from = time(&q, "from")?;
    let to = time(&q, "to")?;
    let format = match q.get("format").map(String::as_str) {
        None | Some("html") => Format::Html,
        Some("pdf") => Format::Pdf,
        Some("bundle") => Format::Bundle,
        Some(other) => {
            return Err(Problem::from(LineError::Invalid {
                field: "format".into(),
                detail: format!("format={other:?}: expected bundle, html or pdf"),
            }))
        }
    };
    let name = format!(
        "report-{party}-{}-{}",
        deconflict_report::dtg(from),
        deconflict_report::dtg(to)
    );
    let mine = OneAtATime::take(&party)?;
    let slot = match format {
        Format::Bundle => None,
        _ => Some(
            RENDER_SLOTS
                .acquire()
                .await
                .map_err(|_| Problem::internal("the report renderer is closed"))?,
        ),
    };
    let bundle_file = format!("{name}.bundle.json");
    let (content_type, file, body) = blocking(move || {
        // Held until the work is done, even if the client has gone: a party that drops its request and
        // asks again does not start a second render.
        let _held = (mine, slot);
        let bundle = line.report_bundle(&party, from, to)?;
        if format == Format::Bundle {
            let text = bundle.to_json().to_string();
            return Ok(("application/json", bundle_file, text.into_bytes()));
        }
        // The line's own checkpoint, from its own store (checked when the line opened it).
        let verified =
            deconflict_report::as_read(&bundle).map_err(|e| LineError::Storage(e.to_string()))?;
        let files = Files {
            policy: "POLICY".into(),
            bundle: bundle_file,
        };
        let rendered = Report::from_bundle(&bundle, &verified, from, to, &files).and_then(|r| {
            Ok(match format {
                Format::Pdf => ("application/pdf", format!("{name}.pdf"), render_pdf(&r)?),
                _ => (
                    "text/html; charset=utf-8",
                    format!("{name}.html"),
                    render_html(&r)?.into_bytes(),
                ),
            })
        });
        rendered.map_err(|e| LineError::Storage(e.to_string()))
    })
    .await?;
    let mut res = (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response();
    // The page is self-contained: nothing to fetch, nothing to run.
    if content_type.starts_with("text/html") {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::OneAtATime;

    #[test]
    fn one_report_at_a_time_per_party() {
        let first = OneAtATime::take("report-test-aa").expect("first");
        assert!(
            OneAtATime::take("report-test-aa").is_err(),
            "a second while the first is asked"
        );
        let other = OneAtATime::take("report-test-bb").expect("another party is not held up");
        drop(first);
        let again = OneAtATime::take("report-test-aa").expect("again once answered");
        drop((again, other));
    }
}
