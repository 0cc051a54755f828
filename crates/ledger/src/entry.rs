//! Ledger entries: what each leaf of the log commits to.
//!
//! A leaf commits to an event — sequence, time, kind, acting party, audience and the SHA-256 of the event's
//! canonical content — and not to the content itself, so every party may see every leaf while the content
//! stays need-to-know. The leaf is UTF-8 text, one field a line, in this order:
//!
//! ```text
//! deconflict/entry/v1
//! seq 41
//! time 1497794400000
//! kind declaration.version
//! actor us-cjtf
//! audience ru-gs,us-cjtf
//! content 3b0c…(64 lowercase hex digits)
//! ```
//!
//! `time` is milliseconds since 1970-01-01T00:00Z; `audience` is the sorted, comma-separated party ids that
//! may read the content, or `*` for every party. The content hash is SHA-256 of the RFC 8785 canonical JSON
//! of the content (see [`crate::canonical`]). The leaf hash is RFC 9162's `SHA-256(0x00 ‖ leaf)`.

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::merkle::{leaf_hash, Hash};

const HEADER: &str = "deconflict/entry/v1";

/// Who may read an entry's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Parties(BTreeSet<String>),
}

impl Audience {
    /// Reads the leaf's field.
    pub fn from_field(field: &str) -> Self {
        match field {
            "*" => Audience::Everyone,
            list => Audience::Parties(list.split(',').map(str::to_string).collect()),
        }
    }

    pub fn includes(&self, party: &str) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Parties(p) => p.contains(party),
        }
    }

    /// The leaf's field: `*` or the sorted party ids joined by commas.
    pub fn to_field(&self) -> String {
        match self {
            Audience::Everyone => "*".into(),
            Audience::Parties(p) => p.iter().cloned().collect::<Vec<_>>().join(","),
        }
    }
}

/// Why an entry is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("{field}: {why}")]
    Field { field: &'static str, why: String },
}

fn field_error(field: &'static str, why: impl Into<String>) -> EntryError {
    EntryError::Field {
        field,
        why: why.into(),
    }
}

/// Party ids and entry kinds: 1–64 characters of `a-z 0-9 . _ -`, starting with a letter or digit.
pub fn check_token(field: &'static str, s: &str) -> Result<(), EntryError> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && s.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(field_error(field, format!("{s:?} is not 1–64 characters of a-z, 0-9, '.', '_', '-' starting with a letter or digit")))
    }
}

/// The committed part of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryHeader {
    pub seq: u64,
    pub time_ms: i64,
    pub kind: String,
    pub actor: String,
    pub audience: Audience,
    pub content_hash: Hash,
}

/// SHA-256 of canonical content bytes.
pub fn content_hash(canonical: &[u8]) -> Hash {
    Sha256::digest(canonical).into()
}

impl EntryHeader {
    /// Checks the fields that must be tokens.
    pub fn validate(&self) -> Result<(), EntryError> {
        check_token("kind", &self.kind)?;
        check_token("actor", &self.actor)?;
        if let Audience::Parties(p) = &self.audience {
            if p.is_empty() {
                return Err(field_error(
                    "audience",
                    "names no party; use Everyone for all",
                ));
            }
            for party in p {
                check_token("audience", party)?;
            }
        }
        Ok(())
    }

    /// The leaf bytes.
    pub fn leaf(&self) -> Vec<u8> {
        format!(
            "{HEADER}\nseq {}\ntime {}\nkind {}\nactor {}\naudience {}\ncontent {}\n",
            self.seq,
            self.time_ms,
            self.kind,
            self.actor,
            self.audience.to_field(),
            hex::encode(self.content_hash)
        )
        .into_bytes()
    }

    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.leaf())
    }

    /// Parses leaf bytes; the inverse of [`EntryHeader::leaf`].
    pub fn parse(leaf: &[u8]) -> Result<Self, EntryError> {
        let text = std::str::from_utf8(leaf).map_err(|_| field_error("leaf", "not UTF-8"))?;
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| field_error("leaf", "does not end in a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() != 7 || lines[0] != HEADER {
            return Err(field_error(
                "leaf",
                format!("expected {HEADER} and six fields"),
            ));
        }
        let value = |i: usize, name: &'static str| -> Result<&str, EntryError> {
            lines[i]
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix(' '))
                .ok_or_else(|| {
                    field_error(name, format!("line {} must start with {name:?}", i + 1))
                })
        };
        let seq_text = value(1, "seq")?;
        let seq: u64 = seq_text
            .parse()
            .map_err(|_| field_error("seq", "not a decimal"))?;
        if seq.to_string() != seq_text {
            return Err(field_error("seq", "not in canonical decimal form"));
        }
        let time_text = value(2, "time")?;
        let time_ms: i64 = time_text
            .parse()
            .map_err(|_| field_error("time", "not a decimal"))?;
        if time_ms.to_string() != time_text {
            return Err(field_error("time", "not in canonical decimal form"));
        }
        let audience = Audience::from_field(value(5, "audience")?);
        let content = value(6, "content")?;
        let content_hash: Hash = hex::decode(content)
            .ok()
            .filter(|_| content.bytes().all(|b| !b.is_ascii_uppercase()))
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| field_error("content", "not 64 lowercase hex digits"))?;
        let h = EntryHeader {
            seq,
            time_ms,
            kind: value(3, "kind")?.to_string(),
            actor: value(4, "actor")?.to_string(),
            audience,
            content_hash,
        };
        h.validate()?;
        if h.leaf() != leaf {
            return Err(field_error("leaf", "not in canonical form"));
        }
        Ok(h)
    }
}
