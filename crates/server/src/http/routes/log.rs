//! `/v1/log`: the signed checkpoint, inclusion proofs, and a leaf with the openings of its sealed audience.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::auth::*;
use crate::http::work::*;
use crate::problem::Problem;
use crate::{Line, LineError};

pub(crate) async fn checkpoint(
    State(line): State<Arc<Line>>,
    _reader: Reader,
) -> Result<Response, Problem> {
    let latest = blocking(move || Ok(line.store().latest_checkpoint()?)).await?;
    match latest {
        Some(c) => Ok((
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            c.note,
        )
            .into_response()),
        None => Err(Problem::not_found("the log has no checkpoint yet")),
    }
}

pub(crate) fn sequence_number(text: &str) -> Result<u64, Problem> {
    text.parse::<u64>().map_err(|_| {
        Problem::bad_request(format!("log entry {text:?}: expected a sequence number"))
    })
}

/// `GET /v1/log/entries/{seq}/proof`: a `c2sp.org/tlog-proof@v1` of an entry the caller may read, against
/// the latest checkpoint; verify it offline with `deconflict log verify-proof`.
pub(crate) async fn entry_proof(
    State(line): State<Arc<Line>>,
    Reader(party): Reader,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let seq = sequence_number(&seq)?;
    let text = blocking(move || {
        line.entry_for(&party, seq)?;
        let latest = line.store().latest_checkpoint()?;
        let Some(note) = latest else {
            return Err(LineError::NotFound("a checkpoint (the log has none yet)".into()));
        };
        if seq >= note.size {
            return Err(LineError::NotFound(format!(
                "a checkpoint covering entry {seq} (the latest has {} entries; one is signed within seconds)",
                note.size
            )));
        }
        let hashes = deconflict_store::Tree(line.store()).inclusion_proof(seq, note.size)?;
        Ok(deconflict_ledger::TlogProof {
            extra: None,
            index: seq,
            hashes,
            checkpoint: note.note,
        }
        .to_text())
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{seq}.tlog-proof\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// `GET /v1/log/entries/{seq}/leaf`: the entry's leaf bytes (what its proof proves), for an entry the caller
/// may read.
/// The response header of a leaf with a sealed audience: the openings the caller may hold.
pub const AUDIENCE_OPENINGS: &str = "deconflict-audience-openings";

pub(crate) async fn entry_leaf(
    State(line): State<Arc<Line>>,
    Reader(party): Reader,
    Path(seq): Path<String>,
) -> Result<Response, Problem> {
    let seq = sequence_number(&seq)?;
    let caller = party.clone();
    let entry = blocking(move || line.entry_for(&party, seq)).await?;
    let mut res = (
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"entry-{seq}.leaf\""),
            ),
        ],
        entry.header.leaf(),
    )
        .into_response();
    // A sealed audience's openings, as `party=salt` items: the actor's entry, every one (it may prove whom
    // it told); any other member, its own (it may prove that it was told, and learns nobody else).
    if let deconflict_ledger::Audience::Sealed(openings) = &entry.header.audience {
        let shown: Vec<String> = openings
            .iter()
            .filter(|(p, _)| entry.header.actor == caller || **p == caller)
            .map(|(p, salt)| format!("{p}={}", hex::encode(salt)))
            .collect();
        if let Ok(v) = HeaderValue::from_str(&shown.join(", ")) {
            res.headers_mut()
                .insert(HeaderName::from_static(AUDIENCE_OPENINGS), v);
        }
    }
    Ok(res)
}

/// `POST /v1/log/bundle` with `{"seqs": [...]}`: a proof bundle (`deconflict-proof-bundle@v1`) of entries
/// the caller may read, against the latest checkpoint; verify it offline with
/// `deconflict log verify-proof --bundle`.
pub(crate) async fn bundle(
    State(line): State<Arc<Line>>,
    Reader(party): Reader,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let invalid = |field: String, detail: &str| {
        Problem::from(LineError::Invalid {
            field,
            detail: format!("{detail} (the body is {{\"seqs\": [sequence numbers]}})"),
        })
    };
    let v = super::parse_body(&body)?;
    let seqs = v
        .get("seqs")
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| invalid("seqs".into(), "expected an array of sequence numbers"))?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_u64()
                .ok_or_else(|| invalid(format!("seqs[{i}]"), "expected a sequence number"))
        })
        .collect::<Result<Vec<u64>, Problem>>()?;
    // Made and written out on a work thread: a bundle of many megabytes must not hold up the runtime the
    // line's own loops and every other request run on.
    let body = blocking(move || {
        let bundle = line.proof_bundle(&party, &seqs)?;
        Ok::<_, LineError>(bundle.to_json().to_string())
    })
    .await?;
    Ok((
        [
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"entries.bundle.json\"".to_string(),
            ),
            (header::CONTENT_TYPE, "application/json".to_string()),
        ],
        body,
    )
        .into_response())
}
