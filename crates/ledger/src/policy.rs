//! C2SP `tlog-policy`: which logs and witnesses are trusted and which witnesses must cosign — and the offline
//! verification of a checkpoint and of a `tlog-proof` under such a policy.

use std::collections::{HashMap, HashSet};

use crate::checkpoint::Checkpoint;
use crate::merkle::{verify_inclusion, Hash, ProofError};
use crate::note::{KeyType, Note, NoteError, Verifier};
use crate::proof::TlogProof;

/// A policy line that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy line {line}: {why}")]
pub struct PolicyError {
    pub line: usize,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Named {
    Witness(usize),
    Group(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    threshold: usize,
    members: Vec<Named>,
}

/// A parsed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub logs: Vec<Verifier>,
    /// `(name in the policy, cosigner key)`.
    pub witnesses: Vec<(String, Verifier)>,
    groups: Vec<(String, Group)>,
    /// `None` for `quorum none`.
    quorum: Option<Named>,
}

/// Upper bounds on what a policy may hold (the specification recommends at least 32 of each).
pub const MAX_POLICY_ITEMS: usize = 256;

impl Policy {
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let mut logs: Vec<Verifier> = Vec::new();
        let mut witnesses: Vec<(String, Verifier)> = Vec::new();
        let mut groups: Vec<(String, Group)> = Vec::new();
        let mut names: HashMap<String, Named> = HashMap::new();
        let mut quorum: Option<Option<Named>> = None;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let err = |why: String| PolicyError { line, why };
            if raw.bytes().any(|b| b < 0x20 && b != b'\t') || raw.bytes().any(|b| b == 0x7f) {
                return Err(err("control characters are not allowed".into()));
            }
            let words: Vec<&str> = raw.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            if words.is_empty() || words[0].starts_with('#') {
                continue;
            }
            if logs.len() + witnesses.len() + groups.len() > MAX_POLICY_ITEMS {
                return Err(err(format!(
                    "more than {MAX_POLICY_ITEMS} logs, witnesses and groups"
                )));
            }
            let key = |w: &str, kind: KeyType| -> Result<Verifier, PolicyError> {
                let v = Verifier::parse(w).map_err(|e| err(e.to_string()))?;
                if v.kind != kind {
                    return Err(err(format!(
                        "a {} key must be of signature type {kind:?}",
                        words[0]
                    )));
                }
                Ok(v)
            };
            match words[0] {
                "log" => {
                    if !(2..=3).contains(&words.len()) {
                        return Err(err("expected: log <vkey> [<url>]".into()));
                    }
                    let v = key(words[1], KeyType::Ed25519)?;
                    if logs.iter().any(|l| l.same_key(&v)) {
                        return Err(err("the same log key is listed twice".into()));
                    }
                    logs.push(v);
                }
                "witness" => {
                    if !(3..=4).contains(&words.len()) {
                        return Err(err("expected: witness <name> <vkey> [<url>]".into()));
                    }
                    let name = words[1];
                    if name == "none" || names.contains_key(name) {
                        return Err(err(format!("the name {name:?} is already defined")));
                    }
                    let v = key(words[2], KeyType::Cosignature)?;
                    if witnesses.iter().any(|(_, w)| w.same_key(&v)) {
                        return Err(err("the same witness key is listed twice".into()));
                    }
                    names.insert(name.to_string(), Named::Witness(witnesses.len()));
                    witnesses.push((name.to_string(), v));
                }
                "group" => {
                    if words.len() < 4 {
                        return Err(err("expected: group <name> all|any|<k> <member>...".into()));
                    }
                    let name = words[1];
                    if name == "none" || names.contains_key(name) {
                        return Err(err(format!("the name {name:?} is already defined")));
                    }
                    let mut members = Vec::new();
                    let mut seen = HashSet::new();
                    for m in &words[3..] {
                        let member = names.get(*m).ok_or_else(|| {
                            err(format!("{m:?} is not defined on an earlier line"))
                        })?;
                        if !seen.insert(*m) {
                            return Err(err(format!("{m:?} is listed twice")));
                        }
                        members.push(member.clone());
                    }
                    let n = members.len();
                    let threshold = match words[2] {
                        "all" => n,
                        "any" => 1,
                        k => {
                            let ok = !k.is_empty()
                                && k.bytes().all(|b| b.is_ascii_digit())
                                && !k.starts_with('0');
                            let k: usize = k.parse().ok().filter(|_| ok).ok_or_else(|| {
                                err(format!(
                                    "threshold {k:?} is not all, any or a decimal number"
                                ))
                            })?;
                            if k == 0 || k > n {
                                return Err(err(format!("threshold {k} is not between 1 and {n}")));
                            }
                            k
                        }
                    };
                    names.insert(name.to_string(), Named::Group(groups.len()));
                    groups.push((name.to_string(), Group { threshold, members }));
                }
                "quorum" => {
                    if words.len() != 2 {
                        return Err(err("expected: quorum <name>".into()));
                    }
                    if quorum.is_some() {
                        return Err(err("a policy has exactly one quorum line".into()));
                    }
                    quorum = Some(if words[1] == "none" {
                        None
                    } else {
                        Some(names.get(words[1]).cloned().ok_or_else(|| {
                            err(format!("{:?} is not defined on an earlier line", words[1]))
                        })?)
                    });
                }
                other => return Err(err(format!("unknown keyword {other:?}"))),
            }
        }
        let quorum = quorum.ok_or(PolicyError {
            line: 0,
            why: "the policy has no quorum line".into(),
        })?;
        Ok(Policy {
            logs,
            witnesses,
            groups,
            quorum,
        })
    }

    fn witnessed(&self, named: &Named, cosigned: &HashSet<usize>) -> bool {
        match named {
            Named::Witness(i) => cosigned.contains(i),
            Named::Group(g) => {
                let group = &self.groups[*g].1;
                group
                    .members
                    .iter()
                    .filter(|m| self.witnessed(m, cosigned))
                    .count()
                    >= group.threshold
            }
        }
    }

    /// Whether the witnesses (by index in `witnesses`) that cosigned meet the quorum.
    fn quorum_met(&self, cosigned: &HashSet<usize>) -> bool {
        self.quorum
            .as_ref()
            .is_none_or(|q| self.witnessed(q, cosigned))
    }

    /// Verifies a signed checkpoint: signed by a listed log whose key name is the origin, every signature by a
    /// listed witness valid, and the quorum met.
    pub fn verify_checkpoint(&self, signed: &str) -> Result<VerifiedCheckpoint, VerifyError> {
        let note = Note::parse(signed).map_err(VerifyError::Malformed)?;
        let checkpoint = Checkpoint::parse(&note.text).map_err(VerifyError::Malformed)?;
        let mut log = None;
        for l in self.logs.iter().filter(|l| l.name == checkpoint.origin) {
            if note.check(l).map_err(VerifyError::BadSignature)?.is_some() {
                log = Some(l.name.clone());
            }
        }
        let log =
            log.ok_or_else(|| VerifyError::NoTrustedLogSignature(checkpoint.origin.clone()))?;
        let mut cosigned = HashSet::new();
        let mut names = Vec::new();
        for (i, (name, w)) in self.witnesses.iter().enumerate() {
            if note.check(w).map_err(VerifyError::BadSignature)?.is_some() {
                cosigned.insert(i);
                names.push(name.clone());
            }
        }
        if !self.quorum_met(&cosigned) {
            return Err(VerifyError::QuorumNotMet { cosigned: names });
        }
        Ok(VerifiedCheckpoint {
            checkpoint,
            log,
            witnesses: names,
        })
    }

    /// Verifies a `tlog-proof@v1` for the leaf with hash `leaf`.
    pub fn verify_proof(
        &self,
        proof: &TlogProof,
        leaf: &Hash,
    ) -> Result<VerifiedCheckpoint, VerifyError> {
        let v = self.verify_checkpoint(&proof.checkpoint)?;
        verify_inclusion(
            proof.index,
            v.checkpoint.size,
            leaf,
            &proof.hashes,
            &v.checkpoint.root,
        )
        .map_err(VerifyError::Inclusion)?;
        Ok(v)
    }
}

/// A checkpoint that passed a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The log key name that signed it.
    pub log: String,
    /// The policy names of the witnesses whose cosignatures verified.
    pub witnesses: Vec<String>,
}

/// Why a checkpoint or proof is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Malformed(NoteError),
    #[error("{0}")]
    BadSignature(NoteError),
    #[error("no log in the policy has signed this checkpoint of origin {0:?}")]
    NoTrustedLogSignature(String),
    #[error("the witness quorum is not met (valid cosignatures from: {})", if cosigned.is_empty() { "none".to_string() } else { cosigned.join(", ") })]
    QuorumNotMet { cosigned: Vec<String> },
    #[error("inclusion proof: {0}")]
    Inclusion(ProofError),
}
