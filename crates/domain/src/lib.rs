//! The line's domain, pure: [`kinds`] names every kind of entry the line logs, [`event`] reads each kind's
//! content into a typed event (unknown fields refused, every required field present), and [`state::State`]
//! is the line's whole state as a fold over the ledger (event sourcing): the log is the source of truth, and
//! the state is whatever applying its entries in order gives. Rebuilding from the log reproduces the same
//! state and the same [`state::State::digest`]. [`agreement`] and [`hotline`] hold the rules of agreements
//! (terms, how they combine) and of the hotline (precedence, deadlines, escalation levels).
//!
//! [`Declarations`], below, is the part of the state that keeps every declaration's history (each version's
//! content hash), from:
//! - `declaration.version` — content: the declaration in the plan format with `id`, `party`, `version`; the
//!   version must be the next one (1 for a new id) and the party must be the entry's actor;
//! - `declaration.cancel` — content: `{"id": …, "version": …}` naming the version cancelled, of a declaration
//!   of the entry's actor.
//!
//! Ids live in each party's own namespace: a declaration is named by its party and its id, and two parties
//! may each have a declaration `x`.
//!
//! Entries of other kinds are skipped there (the rest of [`state::State`] folds them).
//!
//! Architecture invariant: pure — entries in, state out; no IO, no clock.

use std::collections::BTreeMap;

use deconflict_ledger::canonical::canonical_json;
use deconflict_ledger::merkle::Hash;
use deconflict_ledger::EntryHeader;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub mod agreement;
pub mod dss;
pub mod event;
pub mod hotline;
pub mod kinds;
pub mod notification;
pub mod state;
pub mod template;

pub use kinds::{DECLARATION_CANCEL, DECLARATION_VERSION};

/// Why an entry cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}: {why}")]
pub struct FoldError {
    pub seq: u64,
    pub why: String,
}

/// One declaration's history.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub party: String,
    /// Every version's content hash (SHA-256 of its canonical JSON), version 1 first: the log keeps the
    /// contents, so the fold's memory does not grow with their size.
    pub versions: Vec<Hash>,
    /// The entry that cancelled it, if any.
    pub cancelled_by: Option<u64>,
}

/// Every declaration and its versions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Declarations {
    /// By (party, id).
    by_id: BTreeMap<(String, String), History>,
    /// Entries applied (of any kind): the next expected sequence number.
    applied: u64,
}

impl Declarations {
    pub fn new() -> Self {
        Declarations::default()
    }

    /// The history of `party`'s declaration `id`.
    pub fn get(&self, party: &str, id: &str) -> Option<&History> {
        self.by_id.get(&(party.to_string(), id.to_string()))
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Applies the next entry of the log.
    pub fn apply(&mut self, header: &EntryHeader, content: &[u8]) -> Result<(), FoldError> {
        let v = match header.kind.as_str() {
            DECLARATION_VERSION | DECLARATION_CANCEL => {
                serde_json::from_slice(content).map_err(|e| FoldError {
                    seq: header.seq,
                    why: format!("content is not JSON: {e}"),
                })?
            }
            _ => Value::Null,
        };
        self.apply_parsed(header, &v)
    }

    /// Whether [`Declarations::apply_parsed`] would take the entry, without changing anything (the sequence
    /// number is not checked: an entry is checked before it gets its place in the log).
    pub fn check(&self, header: &EntryHeader, v: &Value) -> Result<(), FoldError> {
        let fail = |why: String| FoldError {
            seq: header.seq,
            why,
        };
        match header.kind.as_str() {
            DECLARATION_VERSION => {
                let id = v["id"]
                    .as_str()
                    .ok_or_else(|| fail("content has no id".into()))?;
                let version = v["version"]
                    .as_u64()
                    .ok_or_else(|| fail("content has no version".into()))?;
                if v["party"].as_str() != Some(header.actor.as_str()) {
                    return Err(fail(format!(
                        "{} may not write a declaration of {}",
                        header.actor, v["party"]
                    )));
                }
                let (versions, cancelled) = match self.get(&header.actor, id) {
                    Some(h) => (h.versions.len() as u64, h.cancelled_by.is_some()),
                    None => (0, false),
                };
                if cancelled {
                    return Err(fail(format!("{id} is cancelled")));
                }
                if version != versions + 1 {
                    return Err(fail(format!(
                        "{id}: version {version} does not follow {versions}"
                    )));
                }
            }
            DECLARATION_CANCEL => {
                let id = v["id"]
                    .as_str()
                    .ok_or_else(|| fail("content has no id".into()))?;
                let history = self
                    .get(&header.actor, id)
                    .ok_or_else(|| fail(format!("{} has no declaration {id}", header.actor)))?;
                if v["version"].as_u64() != Some(history.versions.len() as u64) {
                    return Err(fail(format!(
                        "{id}: cancel names version {} but the latest is {}",
                        v["version"],
                        history.versions.len()
                    )));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// As [`Declarations::apply`], with the content already parsed (from the entry's canonical bytes).
    pub fn apply_parsed(&mut self, header: &EntryHeader, v: &Value) -> Result<(), FoldError> {
        if header.seq != self.applied {
            return Err(FoldError {
                seq: header.seq,
                why: format!("expected entry {} next", self.applied),
            });
        }
        self.check(header, v)?;
        // Checked: the ids are there, the party owns the declaration, the version follows.
        let key = (
            header.actor.clone(),
            v["id"].as_str().unwrap_or_default().to_string(),
        );
        match header.kind.as_str() {
            DECLARATION_VERSION => self
                .by_id
                .entry(key)
                .or_insert_with(|| History {
                    party: header.actor.clone(),
                    versions: Vec::new(),
                    cancelled_by: None,
                })
                .versions
                .push(header.content_hash),
            DECLARATION_CANCEL => {
                if let Some(history) = self.by_id.get_mut(&key) {
                    history.cancelled_by = Some(header.seq);
                }
            }
            _ => {}
        }
        self.applied += 1;
        Ok(())
    }

    /// SHA-256 of the RFC 8785 canonical JSON of the state: equal states, equal digests.
    pub fn digest(&self) -> Hash {
        let state: serde_json::Map<String, Value> = self
            .by_id
            .iter()
            .map(|((party, id), h)| {
                (
                    format!("{party}/{id}"),
                    json!({
                        "party": h.party,
                        "versions": h.versions.iter().map(hex::encode).collect::<Vec<_>>(),
                        "cancelled_by": h.cancelled_by,
                    }),
                )
            })
            .collect();
        let doc = json!({"applied": self.applied, "declarations": state});
        // The state holds only values read from canonical JSON, so it always has a canonical form.
        let bytes = canonical_json(&doc).unwrap_or_default();
        Sha256::digest(bytes).into()
    }
}
