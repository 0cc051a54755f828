//! Proof bundles for a party: many entries it may read, each with its content, leaf and inclusion proof,
//! against the latest signed checkpoint (see `deconflict_ledger::bundle`). Incident reports and after-action
//! records hand them over; `deconflict log verify-proof --bundle` checks them offline.

use deconflict_ledger::bundle::{BundleEntry, ProofBundle};

use super::{Line, LineError};

/// The most entries one bundle may hold: each is a proof read from the store (about log₂ of the log's size
/// node reads), made on a blocking thread while the request waits.
pub const BUNDLE_ENTRIES: usize = 10_000;

/// The most bytes of entry content one bundle may carry (a bundle is held in memory while it is made and
/// sent): past it the request is refused whole, with the advice to ask for fewer entries.
pub const BUNDLE_BYTES: usize = 32 * 1024 * 1024;

impl Line {
    /// A bundle of `seqs` (each once, in the order given) for `party`, against the latest checkpoint. An entry
    /// the party may not read is refused exactly as one that does not exist; an entry newer than the latest
    /// checkpoint is refused with how long to wait.
    pub fn proof_bundle(&self, party: &str, seqs: &[u64]) -> Result<ProofBundle, LineError> {
        // A thousand entries' proofs cost the line about as much as one write: charged so, so that no party
        // keeps the store busy proving (charged before anything is read, so even entries that do not exist
        // cost).
        self.check_bundle_request(seqs)?;
        self.charge_n(party, (seqs.len() as f64 / 1_000.0).ceil())?;
        self.proof_bundle_charged(party, seqs)
    }

    fn check_bundle_request(&self, seqs: &[u64]) -> Result<(), LineError> {
        if seqs.len() > BUNDLE_ENTRIES {
            return Err(LineError::Invalid {
                field: "seqs".into(),
                detail: format!(
                    "{} entries; a bundle holds at most {BUNDLE_ENTRIES} (ask for several)",
                    seqs.len()
                ),
            });
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = seqs.iter().find(|s| !seen.insert(**s)) {
            return Err(LineError::Invalid {
                field: "seqs".into(),
                detail: format!("entry {twice} is asked for twice"),
            });
        }
        Ok(())
    }

    /// [`Line::proof_bundle`] for a request already charged (an incident report charges its whole cost
    /// before it writes anything).
    pub(super) fn proof_bundle_charged(
        &self,
        party: &str,
        seqs: &[u64],
    ) -> Result<ProofBundle, LineError> {
        self.check_bundle_request(seqs)?;
        let Some(note) = self.store().latest_checkpoint()? else {
            return Err(LineError::NotFound(
                "a checkpoint (the log has none yet)".into(),
            ));
        };
        let tree = deconflict_store::Tree(self.store());
        let mut entries = Vec::with_capacity(seqs.len());
        let mut bytes = 0usize;
        for &seq in seqs {
            let entry = self.entry_for(party, seq)?;
            if seq >= note.size {
                return Err(LineError::NotFound(format!(
                    "a checkpoint covering entry {seq} (the latest has {} entries; one is signed within seconds)",
                    note.size
                )));
            }
            let content = String::from_utf8(entry.content).map_err(|_| {
                LineError::Storage(format!("entry {seq}: its stored content is not UTF-8"))
            })?;
            bytes += content.len();
            if bytes > BUNDLE_BYTES {
                return Err(LineError::Limit {
                    limit: "bundle_bytes",
                    detail: format!(
                        "the entries asked for carry more than {} MiB of content, the most one bundle \
                         holds: ask for fewer at a time",
                        BUNDLE_BYTES / (1024 * 1024)
                    ),
                    rate: false,
                });
            }
            entries.push(BundleEntry {
                seq,
                leaf: String::from_utf8_lossy(&entry.header.leaf()).into_owned(),
                content,
                opening: entry.header.audience.opening(party),
                proof: tree.inclusion_proof(seq, note.size)?,
            });
        }
        Ok(ProofBundle {
            party: party.to_string(),
            checkpoint: note.note,
            entries,
        })
    }
}
