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
//! may read the content, or `*` for every party, or — for a **sealed** audience, which the parties shown the
//! leaf must not learn — `sealed:` and one commitment per party, sorted and comma-separated: the first 16
//! bytes, in lowercase hex, of SHA-256(`deconflict/audience/v1` ‖ 0x00 ‖ salt ‖ party id), with a random
//! 16-byte salt per party and entry. A party shown such a leaf learns how many were told, not who; with its
//! opening (its id and salt) it proves that it was one of them, and the actor, holding every opening, proves
//! whom it told. The content hash is SHA-256 of the RFC 8785 canonical JSON of the content (see
//! [`crate::canonical`]). The leaf hash is RFC 9162's `SHA-256(0x00 ‖ leaf)`.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::merkle::{leaf_hash, Hash};

const HEADER: &str = "deconflict/entry/v1";

/// Who may read an entry's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Parties(BTreeSet<String>),
    /// Parties that the leaf does not list: it carries one commitment per party (see the module's text).
    /// Each party's salt is its opening.
    Sealed(BTreeMap<String, [u8; 16]>),
    /// A sealed audience as a leaf shows it: the commitments alone, sorted (who they are is not known).
    Commitments(Vec<[u8; 16]>),
}

const SEALED: &str = "sealed:";

/// The commitment to `party` with `salt` in a sealed audience.
pub fn audience_commitment(party: &str, salt: &[u8; 16]) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(b"deconflict/audience/v1\0");
    h.update(salt);
    h.update(party.as_bytes());
    let full: [u8; 32] = h.finalize().into();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

fn hex16(text: &str) -> Option<[u8; 16]> {
    if text.len() != 32 || text.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    hex::decode(text).ok()?.try_into().ok()
}

impl Audience {
    /// Reads the field as [`Audience::to_field`] writes it (a store's form: a sealed audience with its
    /// openings), or as a leaf shows it (a sealed one as its commitments). `None` if it is neither.
    pub fn parse_field(field: &str) -> Option<Self> {
        if field == "*" {
            return Some(Audience::Everyone);
        }
        let Some(sealed) = field.strip_prefix(SEALED) else {
            return Some(Audience::Parties(
                field.split(',').map(str::to_string).collect(),
            ));
        };
        if sealed.contains('=') {
            let mut openings = BTreeMap::new();
            for item in sealed.split(',') {
                let (party, salt) = item.split_once('=')?;
                openings.insert(party.to_string(), hex16(salt)?);
            }
            Some(Audience::Sealed(openings))
        } else {
            sealed
                .split(',')
                .map(hex16)
                .collect::<Option<Vec<_>>>()
                .map(Audience::Commitments)
        }
    }

    /// Reads a store's field ([`Audience::to_field`]); a field that is not one reads as an audience of no
    /// party (which [`EntryHeader::validate`] refuses).
    pub fn from_field(field: &str) -> Self {
        Self::parse_field(field).unwrap_or(Audience::Commitments(Vec::new()))
    }

    pub fn includes(&self, party: &str) -> bool {
        match self {
            Audience::Everyone => true,
            Audience::Parties(p) => p.contains(party),
            Audience::Sealed(p) => p.contains_key(party),
            Audience::Commitments(_) => false,
        }
    }

    /// The parties, if they are known (not for `Everyone`, nor for commitments alone).
    pub fn parties(&self) -> Option<BTreeSet<String>> {
        match self {
            Audience::Everyone | Audience::Commitments(_) => None,
            Audience::Parties(p) => Some(p.clone()),
            Audience::Sealed(p) => Some(p.keys().cloned().collect()),
        }
    }

    /// The opening of `party` in a sealed audience: its salt.
    pub fn opening(&self, party: &str) -> Option<[u8; 16]> {
        match self {
            Audience::Sealed(p) => p.get(party).copied(),
            _ => None,
        }
    }

    /// The field as a store keeps it: `*`, the sorted party ids joined by commas, or `sealed:` and
    /// `party=salt` items (the openings, which the leaf does not show).
    pub fn to_field(&self) -> String {
        match self {
            Audience::Sealed(p) => format!(
                "{SEALED}{}",
                p.iter()
                    .map(|(party, salt)| format!("{party}={}", hex::encode(salt)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            _ => self.leaf_field(),
        }
    }

    /// The leaf's field: `*`, the sorted party ids joined by commas, or `sealed:` and the sorted commitments.
    pub fn leaf_field(&self) -> String {
        match self {
            Audience::Everyone => "*".into(),
            Audience::Parties(p) => p.iter().cloned().collect::<Vec<_>>().join(","),
            Audience::Sealed(p) => {
                let mut c: Vec<[u8; 16]> = p
                    .iter()
                    .map(|(party, salt)| audience_commitment(party, salt))
                    .collect();
                c.sort_unstable();
                format!(
                    "{SEALED}{}",
                    c.iter().map(hex::encode).collect::<Vec<_>>().join(",")
                )
            }
            Audience::Commitments(c) => format!(
                "{SEALED}{}",
                c.iter().map(hex::encode).collect::<Vec<_>>().join(",")
            ),
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
        match &self.audience {
            Audience::Everyone => {}
            Audience::Parties(p) => {
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
            Audience::Sealed(p) => {
                if p.is_empty() {
                    return Err(field_error("audience", "seals no party"));
                }
                for party in p.keys() {
                    check_token("audience", party)?;
                }
            }
            Audience::Commitments(c) => {
                if c.is_empty() || c.windows(2).any(|w| w[0] >= w[1]) {
                    return Err(field_error(
                        "audience",
                        "a sealed audience is one or more commitments, sorted, each once",
                    ));
                }
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
            self.audience.leaf_field(),
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
        let audience = Audience::parse_field(value(5, "audience")?)
            .filter(|a| !matches!(a, Audience::Sealed(_)))
            .ok_or_else(|| {
                field_error("audience", "not a list of parties, * or sealed commitments")
            })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn header(audience: Audience) -> EntryHeader {
        EntryHeader {
            seq: 7,
            time_ms: 1_900_000_000_000,
            kind: "declaration.version".into(),
            actor: "aa".into(),
            audience,
            content_hash: [3u8; 32],
        }
    }

    fn audience_line(leaf: &str) -> &str {
        leaf.lines()
            .find(|l| l.starts_with("audience "))
            .expect("audience line")
    }

    #[test]
    fn a_sealed_audience_shows_commitments_not_parties() {
        let openings: BTreeMap<String, [u8; 16]> = [("aa", 1u8), ("bb", 2), ("cc", 3)]
            .into_iter()
            .map(|(p, s)| (p.to_string(), [s; 16]))
            .collect();
        let h = header(Audience::Sealed(openings.clone()));
        h.validate().expect("valid");
        let leaf = String::from_utf8(h.leaf()).expect("utf-8");
        let line = audience_line(&leaf);
        // Three commitments of 32 hex digits: no party id, no opening.
        let items: Vec<&str> = line["audience sealed:".len()..].split(',').collect();
        assert_eq!(items.len(), 3, "{line}");
        assert!(items
            .iter()
            .all(|i| i.len() == 32 && i.bytes().all(|b| b.is_ascii_hexdigit())));
        // The store's field keeps the openings and reads back to the same header and leaf.
        let stored = Audience::from_field(&h.audience.to_field());
        assert_eq!(stored, h.audience);
        // A leaf parses to its commitments, and back to the same bytes.
        let parsed = EntryHeader::parse(&h.leaf()).expect("parse");
        assert_eq!(parsed.leaf(), h.leaf());
        assert_eq!(parsed.leaf_hash(), h.leaf_hash());
        let Audience::Commitments(c) = &parsed.audience else {
            panic!("{:?}", parsed.audience)
        };
        assert_eq!(c.len(), 3);
        // Each party's opening proves it was told; another party's id with that salt does not.
        let salt = h.audience.opening("bb").expect("bb's opening");
        assert!(c.contains(&audience_commitment("bb", &salt)));
        assert!(!c.contains(&audience_commitment("dd", &salt)));
        assert!(!parsed.audience.includes("bb"));
    }

    #[test]
    fn a_sealed_leaf_must_be_canonical() {
        let h = header(Audience::Sealed(
            [("aa".to_string(), [1u8; 16]), ("bb".to_string(), [2u8; 16])].into(),
        ));
        let leaf = String::from_utf8(h.leaf()).expect("utf-8");
        let line = audience_line(&leaf);
        let items: Vec<&str> = line["audience sealed:".len()..].split(',').collect();
        let swapped = leaf.replace(line, &format!("audience sealed:{},{}", items[1], items[0]));
        assert!(EntryHeader::parse(swapped.as_bytes()).is_err(), "unsorted");
        let upper = leaf.replace(
            line,
            &line
                .to_uppercase()
                .replace("AUDIENCE SEALED:", "audience sealed:"),
        );
        assert!(EntryHeader::parse(upper.as_bytes()).is_err(), "upper case");
        let opened = leaf.replace(line, "audience sealed:aa=01010101010101010101010101010101");
        assert!(
            EntryHeader::parse(opened.as_bytes()).is_err(),
            "openings are never in a leaf"
        );
    }
}
