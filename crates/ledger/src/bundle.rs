//! A proof bundle: many entries of one log, each with its content, its leaf and its inclusion proof, all
//! against one signed checkpoint, made for one party: what an incident report or an after-action record
//! hands over so that anyone holding the log's key can check it offline.
//!
//! ```json
//! {"bundle": "deconflict-proof-bundle@v1",
//!  "party": "ru-gs",
//!  "checkpoint": "<the signed checkpoint note, verbatim>",
//!  "entries": [{"seq": 12, "leaf": "<leaf text>", "content": "<the content's canonical JSON text>",
//!               "opening": "<32 hex digits, for a sealed audience>", "proof": ["<base64 hash>", …]}]}
//! ```
//!
//! Checking a bundle ([`ProofBundle::verify`]) proves, for every entry: the leaf is in the log at its
//! sequence number (the inclusion proof against the checkpoint, which the policy accepts); the content is the
//! one the leaf commits to (SHA-256 of its bytes); and the party was in the entry's audience (for a sealed
//! audience, through its opening) — that is, the party was told exactly this, at the time the leaf says.

use std::collections::BTreeSet;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::entry::{audience_commitment, content_hash, Audience, EntryHeader};
use crate::merkle::{leaf_hash, verify_inclusion, Hash};
use crate::policy::{Policy, VerifiedCheckpoint};

/// The bundle's format, its first member.
pub const BUNDLE_FORMAT: &str = "deconflict-proof-bundle@v1";

/// The most entries a bundle holds (a reader refuses more before reading them).
pub const MAX_BUNDLE_ENTRIES: usize = 100_000;

/// One entry of a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleEntry {
    pub seq: u64,
    /// The leaf bytes (text).
    pub leaf: String,
    /// The content's canonical bytes (RFC 8785 JSON text).
    pub content: String,
    /// The party's opening of a sealed audience.
    pub opening: Option<[u8; 16]>,
    /// The inclusion proof, from the leaf's sibling up.
    pub proof: Vec<Hash>,
}

/// Entries of one log for one party, against one checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBundle {
    pub party: String,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
    pub entries: Vec<BundleEntry>,
}

/// A bundle that passed: the checkpoint, and how many entries were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    pub checkpoint: VerifiedCheckpoint,
    pub entries: usize,
    pub party: String,
}

/// Why a bundle cannot be read or does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle: the field named is missing or wrong.
    #[error("not a proof bundle: {0}")]
    Malformed(String),
    /// The checkpoint does not pass the policy.
    #[error("the checkpoint does not pass the policy: {0}")]
    Checkpoint(String),
    /// An entry does not hold.
    #[error("entry {seq}: {why}")]
    Entry { seq: u64, why: String },
}

impl ProofBundle {
    /// The bundle as JSON.
    pub fn to_json(&self) -> Value {
        let entries: Vec<Value> = self
            .entries
            .iter()
            .map(|e| {
                let mut o = Map::new();
                o.insert("seq".into(), json!(e.seq));
                o.insert("leaf".into(), json!(e.leaf));
                o.insert("content".into(), json!(e.content));
                if let Some(salt) = e.opening {
                    o.insert("opening".into(), json!(hex::encode(salt)));
                }
                o.insert(
                    "proof".into(),
                    e.proof.iter().map(|h| json!(B64.encode(h))).collect(),
                );
                Value::Object(o)
            })
            .collect();
        json!({
            "bundle": BUNDLE_FORMAT,
            "party": self.party,
            "checkpoint": self.checkpoint,
            "entries": entries,
        })
    }

    /// Reads a bundle from its JSON; every error names the entry and the field.
    pub fn from_json(v: &Value) -> Result<Self, BundleError> {
        let bad = |what: String| BundleError::Malformed(what);
        let o = v
            .as_object()
            .ok_or_else(|| bad("expected a JSON object".into()))?;
        if o.get("bundle").and_then(Value::as_str) != Some(BUNDLE_FORMAT) {
            return Err(bad(format!("`bundle` must be {BUNDLE_FORMAT:?}")));
        }
        let text = |o: &Map<String, Value>, field: &str, at: &str| -> Result<String, BundleError> {
            o.get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| bad(format!("{at}`{field}` must be a string")))
        };
        let party = text(o, "party", "")?;
        let checkpoint = text(o, "checkpoint", "")?;
        let list = o
            .get("entries")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("`entries` must be an array".into()))?;
        if list.len() > MAX_BUNDLE_ENTRIES {
            return Err(bad(format!(
                "{} entries; a bundle holds at most {MAX_BUNDLE_ENTRIES}",
                list.len()
            )));
        }
        let mut entries = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let at = format!("entries[{i}].");
            let e = e
                .as_object()
                .ok_or_else(|| bad(format!("entries[{i}] must be an object")))?;
            let seq = e
                .get("seq")
                .and_then(Value::as_u64)
                .ok_or_else(|| bad(format!("{at}seq must be a sequence number")))?;
            let opening = match e.get("opening") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(
                    hex::decode(s)
                        .ok()
                        .and_then(|b| b.try_into().ok())
                        .ok_or_else(|| bad(format!("{at}opening must be 32 hex digits")))?,
                ),
                Some(_) => return Err(bad(format!("{at}opening must be 32 hex digits"))),
            };
            let proof = e
                .get("proof")
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("{at}proof must be an array of base64 hashes")))?
                .iter()
                .map(|h| {
                    h.as_str()
                        .and_then(|s| B64.decode(s).ok())
                        .and_then(|b| <Hash>::try_from(b).ok())
                })
                .collect::<Option<Vec<Hash>>>()
                .ok_or_else(|| bad(format!("{at}proof must be an array of base64 hashes")))?;
            entries.push(BundleEntry {
                seq,
                leaf: text(e, "leaf", &at)?,
                content: text(e, "content", &at)?,
                opening,
                proof,
            });
        }
        Ok(ProofBundle {
            party,
            checkpoint,
            entries,
        })
    }

    /// Checks the bundle under `policy` (see the module's comment): every entry or the first that fails.
    pub fn verify(&self, policy: &Policy) -> Result<VerifiedBundle, BundleError> {
        let v = policy
            .verify_checkpoint(&self.checkpoint)
            .map_err(|e| BundleError::Checkpoint(e.to_string()))?;
        let mut seen = BTreeSet::new();
        for e in &self.entries {
            let fail = |why: String| BundleError::Entry { seq: e.seq, why };
            if !seen.insert(e.seq) {
                return Err(fail("appears twice".into()));
            }
            let header = EntryHeader::parse(e.leaf.as_bytes())
                .map_err(|err| fail(format!("the leaf cannot be read: {err}")))?;
            if header.seq != e.seq {
                return Err(fail(format!("the leaf is entry {}", header.seq)));
            }
            if content_hash(e.content.as_bytes()) != header.content_hash {
                return Err(fail(
                    "the content is not the one the leaf commits to".into(),
                ));
            }
            verify_inclusion(
                e.seq,
                v.checkpoint.size,
                &leaf_hash(e.leaf.as_bytes()),
                &e.proof,
                &v.checkpoint.root,
            )
            .map_err(|err| fail(format!("not in the log at this checkpoint: {err}")))?;
            let told = match (&header.audience, e.opening) {
                (Audience::Commitments(c), Some(salt)) => {
                    c.contains(&audience_commitment(&self.party, &salt))
                }
                (audience, _) => audience.includes(&self.party),
            };
            if !told {
                return Err(fail(format!("{} is not in its audience", self.party)));
            }
        }
        Ok(VerifiedBundle {
            checkpoint: v,
            entries: self.entries.len(),
            party: self.party.clone(),
        })
    }

    /// Each entry's header and content (parsed), in the bundle's order; for reports made from a bundle.
    pub fn read_entries(&self) -> Result<Vec<(EntryHeader, Value)>, BundleError> {
        self.entries
            .iter()
            .map(|e| {
                let fail = |why: String| BundleError::Entry { seq: e.seq, why };
                let header = EntryHeader::parse(e.leaf.as_bytes())
                    .map_err(|err| fail(format!("the leaf cannot be read: {err}")))?;
                let content = serde_json::from_str(&e.content)
                    .map_err(|err| fail(format!("the content is not JSON: {err}")))?;
                Ok((header, content))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::checkpoint::Checkpoint;
    use crate::merkle::{inclusion_proof, MemoryTree};
    use crate::note::{KeyType, Signer};

    /// A log of `n` entries (every third sealed to `ru-gs` and `us-cjtf`), its signer and a policy for it.
    fn log(n: u64) -> (Vec<EntryHeader>, Vec<String>, String, Policy) {
        let signer =
            Signer::from_seed("test.example/log", KeyType::Ed25519, [n as u8; 32]).expect("key");
        let mut tree = MemoryTree::new();
        let mut headers = Vec::new();
        let mut contents = Vec::new();
        for seq in 0..n {
            let content = format!("{{\"n\":{seq}}}");
            let audience = match seq % 3 {
                0 => Audience::Everyone,
                1 => Audience::Parties(["ru-gs".to_string()].into()),
                _ => Audience::Sealed(BTreeMap::from([
                    ("ru-gs".to_string(), [seq as u8; 16]),
                    ("us-cjtf".to_string(), [7; 16]),
                ])),
            };
            let h = EntryHeader {
                seq,
                time_ms: 1_500_000_000_000 + seq as i64,
                kind: "message.sent".into(),
                actor: "us-cjtf".into(),
                audience,
                content_hash: content_hash(content.as_bytes()),
            };
            tree.push(h.leaf_hash());
            headers.push(h);
            contents.push(content);
        }
        let cp = Checkpoint {
            origin: "test.example/log".into(),
            size: n,
            root: tree.root(),
            extensions: vec![],
        };
        let text = cp.to_text();
        let note = format!("{text}\n{}", signer.sign(&text, 0));
        let policy = Policy::parse(&format!(
            "log {}\nquorum none\n",
            signer.verifier().to_vkey()
        ))
        .expect("policy");
        (headers, contents, note, policy)
    }

    fn bundle(n: u64, party: &str, seqs: &[u64]) -> (ProofBundle, Policy) {
        let (headers, contents, note, policy) = log(n);
        let mut tree = MemoryTree::new();
        for h in &headers {
            tree.push(h.leaf_hash());
        }
        let entries = seqs
            .iter()
            .map(|&s| {
                let h = &headers[s as usize];
                BundleEntry {
                    seq: s,
                    leaf: String::from_utf8(h.leaf()).expect("utf-8"),
                    content: contents[s as usize].clone(),
                    opening: h.audience.opening(party),
                    proof: inclusion_proof(&tree, s, n)
                        .expect("nodes")
                        .expect("in range"),
                }
            })
            .collect();
        (
            ProofBundle {
                party: party.into(),
                checkpoint: note,
                entries,
            },
            policy,
        )
    }

    #[test]
    fn a_bundle_verifies_and_survives_its_json() {
        let (b, policy) = bundle(40, "ru-gs", &[0, 1, 2, 5, 38, 39]);
        let again = ProofBundle::from_json(&b.to_json()).expect("reads");
        assert_eq!(again, b);
        let v = again.verify(&policy).expect("verifies");
        assert_eq!((v.entries, v.checkpoint.checkpoint.size), (6, 40));
        assert_eq!(again.read_entries().expect("entries")[3].1, json!({"n": 5}));
    }

    #[test]
    fn every_tampering_is_named() {
        let (b, policy) = bundle(40, "ru-gs", &[1, 2, 5]);
        let mut content = b.clone();
        content.entries[1].content = "{\"n\":3}".into();
        assert!(
            matches!(content.verify(&policy), Err(BundleError::Entry { seq: 2, why }) if why.contains("commits"))
        );
        let mut proof = b.clone();
        proof.entries[2].proof[0][0] ^= 1;
        assert!(matches!(
            proof.verify(&policy),
            Err(BundleError::Entry { seq: 5, .. })
        ));
        let mut moved = b.clone();
        moved.entries[0].seq = 4;
        assert!(
            matches!(moved.verify(&policy), Err(BundleError::Entry { seq: 4, why }) if why.contains("leaf is entry 1"))
        );
        // Another party claiming to have been told: not in the audience (or its opening does not open it).
        let mut other = b.clone();
        other.party = "tr-gs".into();
        assert!(
            matches!(other.verify(&policy), Err(BundleError::Entry { seq: 1, why }) if why.contains("tr-gs"))
        );
        let mut twice = b.clone();
        twice.entries.push(b.entries[0].clone());
        assert!(twice.verify(&policy).is_err());
        let (_, _, _, stranger) = log(3);
        assert!(matches!(
            b.verify(&stranger),
            Err(BundleError::Checkpoint(_))
        ));
    }

    #[test]
    fn a_malformed_bundle_names_the_field() {
        let (b, _) = bundle(10, "ru-gs", &[2]);
        let mut v = b.to_json();
        v["entries"][0]["opening"] = json!("zz");
        let err = ProofBundle::from_json(&v).expect_err("refused").to_string();
        assert!(err.contains("entries[0].opening"), "{err}");
        v["bundle"] = json!("something else");
        assert!(ProofBundle::from_json(&v).is_err());
    }
}
