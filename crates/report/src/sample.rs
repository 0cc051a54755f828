//! A small signed log made in memory, for tests and benchmarks of reports: push entries (time, kind, actor,
//! audience, content), then take a party's proof bundle of a window and the policy that verifies it —
//! exactly what the server would hand over, without a server.

use std::collections::BTreeSet;

use deconflict_ledger::bundle::{BundleEntry, ProofBundle};
use deconflict_ledger::canonical::canonical_json;
use deconflict_ledger::entry::content_hash;
use deconflict_ledger::merkle::inclusion_proof;
use deconflict_ledger::{Audience, Checkpoint, EntryHeader, KeyType, MemoryTree, Policy, Signer};
use serde_json::Value;

/// A log in memory with its signing key.
#[derive(Debug)]
pub struct SampleLog {
    signer: Signer,
    origin: String,
    tree: MemoryTree,
    entries: Vec<(EntryHeader, String)>,
}

/// The audience of the parties named.
pub fn parties(names: &[&str]) -> Audience {
    Audience::Parties(names.iter().map(|p| p.to_string()).collect::<BTreeSet<_>>())
}

/// A sealed audience of the parties named (each with a salt of its own).
pub fn sealed(names: &[&str]) -> Audience {
    Audience::Sealed(
        names
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string(), [i as u8 + 1; 16]))
            .collect(),
    )
}

impl SampleLog {
    /// An empty log called `origin` (its key drawn from a fixed seed).
    pub fn new(origin: &str) -> Self {
        #[allow(clippy::expect_used)]
        let signer = Signer::from_seed(origin, KeyType::Ed25519, [7; 32])
            .expect("a valid origin for a sample log");
        SampleLog {
            signer,
            origin: origin.to_string(),
            tree: MemoryTree::new(),
            entries: Vec::new(),
        }
    }

    /// Appends an entry; returns its sequence number.
    pub fn push(
        &mut self,
        time_ms: i64,
        kind: &str,
        actor: &str,
        audience: Audience,
        content: Value,
    ) -> u64 {
        let seq = self.entries.len() as u64;
        let bytes = canonical_json(&content).unwrap_or_else(|_| b"null".to_vec());
        let header = EntryHeader {
            seq,
            time_ms,
            kind: kind.into(),
            actor: actor.into(),
            audience,
            content_hash: content_hash(&bytes),
        };
        self.tree.push(header.leaf_hash());
        self.entries
            .push((header, String::from_utf8_lossy(&bytes).into_owned()));
        seq
    }

    /// The policy that verifies this log's checkpoints (its key, no witnesses).
    pub fn policy(&self) -> Policy {
        #[allow(clippy::expect_used)]
        Policy::parse(&format!(
            "log {}\nquorum none\n",
            self.signer.verifier().to_vkey()
        ))
        .expect("a policy of one key")
    }

    /// The policy's text (as a file holds it).
    pub fn policy_text(&self) -> String {
        format!("log {}\nquorum none\n", self.signer.verifier().to_vkey())
    }

    /// `party`'s bundle of the entries it may read with times in `[from_ms, to_ms)`, against a checkpoint
    /// of the whole log.
    pub fn bundle(&self, party: &str, from_ms: i64, to_ms: i64) -> ProofBundle {
        let size = self.entries.len() as u64;
        let cp = Checkpoint {
            origin: self.origin.clone(),
            size,
            root: self.tree.root(),
            extensions: vec![],
        };
        let text = cp.to_text();
        let note = format!("{text}\n{}", self.signer.sign(&text, 0));
        let entries = self
            .entries
            .iter()
            .filter(|(h, _)| (from_ms..to_ms).contains(&h.time_ms) && h.audience.includes(party))
            .map(|(h, content)| BundleEntry {
                seq: h.seq,
                leaf: String::from_utf8_lossy(&h.leaf()).into_owned(),
                content: content.clone(),
                opening: h.audience.opening(party),
                proof: match inclusion_proof(&self.tree, h.seq, size) {
                    Ok(Ok(p)) => p,
                    _ => Vec::new(),
                },
            })
            .collect();
        ProofBundle {
            party: party.into(),
            checkpoint: note,
            entries,
        }
    }
}
