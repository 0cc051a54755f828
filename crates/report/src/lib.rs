//! The after-action record: what one party was told and did on the line over a window of time, made from a
//! proof bundle (`deconflict_ledger::bundle`) of exactly the entries it may read, and rendered as HTML and PDF.
//!
//! The crate is pure (no IO, no clock): the server or the command line selects and verifies the bundle, this
//! crate reads it ([`Report::from_bundle`]) into sections of stories — a declaration's versions, a conflict
//! and each party's responses, a hotline message and its receipts against the deadline, an alert's whole life
//! with its churn of updates collapsed — each line carrying the entry's sequence number, so that every
//! statement in the report can be checked against the bundle (`deconflict log verify-proof --bundle`).
//!
//! | module | owns |
//! |---|---|
//! | `model` | the report's types and the stories built from the entries |
//! | `words` | each kind of entry in words (and a generic line for kinds it does not know) |
//! | `time` | times as RFC 3339 and as military date-time groups |
//! | `html` | the HTML rendering (a `minijinja` template, self-contained, printable) |
//! | `sample` | a signed log made in memory, for tests and benchmarks |
//! | `pdf` | the PDF rendering (`krilla`, with DejaVu Sans embedded and subset: Latin and Cyrillic) |

mod html;
mod model;
mod pdf;
pub mod sample;
mod time;
mod words;

pub use html::render_html;
pub use model::{timings, Files, Header, Line, Report, Section, Story};
pub use pdf::render_pdf;
pub use time::{dtg, rfc3339};
pub use words::Timing;

/// Why a report cannot be made or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// The bundle's entries cannot be read (their leaf or content).
    #[error("{0}")]
    Bundle(String),
    /// The bundle does not pass the policy.
    #[error("the bundle does not verify: {0}")]
    Unverified(String),
    /// The report could not be rendered.
    #[error("rendering the report: {0}")]
    Render(String),
}

/// The most characters of free text (a message, a reason) a line shows; the rest is cut with "…" and the
/// full text stays in the bundle.
pub const TEXT_CHARS: usize = 2000;

/// A bundle's checkpoint as read, *not verified*: for a bundle its maker renders from its own store (the
/// server), or for a reader who has no policy (the report then says nothing more than the bundle claims;
/// `deconflict log verify-proof --bundle` checks it).
pub fn as_read(
    bundle: &deconflict_ledger::ProofBundle,
) -> Result<deconflict_ledger::VerifiedBundle, ReportError> {
    let unreadable = |e: String| ReportError::Bundle(format!("the bundle's checkpoint: {e}"));
    let note = deconflict_ledger::Note::parse(&bundle.checkpoint)
        .map_err(|e| unreadable(e.to_string()))?;
    let checkpoint =
        deconflict_ledger::Checkpoint::parse(&note.text).map_err(|e| unreadable(e.to_string()))?;
    Ok(deconflict_ledger::VerifiedBundle {
        checkpoint: deconflict_ledger::VerifiedCheckpoint {
            log: checkpoint.origin.clone(),
            checkpoint,
            witnesses: Vec::new(),
        },
        entries: bundle.entries.len(),
        party: bundle.party.clone(),
    })
}
