//! A whole-log check over any store: every entry's content against its committed hash, every leaf and
//! interior node against its re-derived hash, and every checkpoint's root against the re-derived root at
//! its size. The embedded store also re-derives on opening (`sqlite::derive`); this reads only through the
//! port, so it checks a PostgreSQL log the same way.

use deconflict_ledger::merkle::Hash;
use deconflict_ledger::{Checkpoint, Note};

use crate::frontier::Frontier;
use crate::port::{LogStore, StoreError, StoredCheckpoint};

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Report {
    pub size: u64,
    pub nodes_checked: u64,
    pub checkpoints_checked: usize,
    /// Problems found; empty for a sound log.
    pub problems: Vec<String>,
}

/// Reads the whole log through `store` and re-derives it (see the module's documentation).
pub fn check<S: LogStore + ?Sized>(store: &S) -> Result<Report, StoreError> {
    let size = store.size()?;
    let checkpoints = store.checkpoints()?;
    let mut roots_at = Vec::new();
    let mut report = Report::default();
    let mut frontier = Frontier::default();
    while frontier.size < size {
        let batch = store.entries(frontier.size, 10_000)?;
        if batch.is_empty() {
            report.problems.push(format!(
                "entry {} is missing (the log has {size})",
                frontier.size
            ));
            break;
        }
        for entry in &batch {
            let seq = entry.header.seq;
            if seq != frontier.size {
                report.problems.push(format!(
                    "entry {} is missing (found {seq} next)",
                    frontier.size
                ));
                return Ok(report);
            }
            if deconflict_ledger::entry::content_hash(&entry.content) != entry.header.content_hash {
                report.problems.push(format!(
                    "entry {seq}: its content does not hash to its committed content hash"
                ));
            }
            let leaf = entry.header.leaf_hash();
            report.nodes_checked += 1;
            if store.node(0, seq).ok() != Some(leaf) {
                report.problems.push(format!(
                    "entry {seq}: the stored leaf hash is not the hash of its leaf"
                ));
            }
            for (level, idx, hash) in frontier.push(leaf) {
                report.nodes_checked += 1;
                if store.node(level, idx).ok() != Some(hash) {
                    report.problems.push(format!(
                        "node ({level}, {idx}) is missing or differs from its re-derived hash"
                    ));
                }
            }
            if checkpoints.iter().any(|c| c.size == frontier.size) {
                roots_at.push((frontier.size, frontier.root()));
            }
        }
    }
    report.size = frontier.size;
    report.checkpoints_checked = checkpoints.len();
    check_checkpoints(&checkpoints, &roots_at, report.size, &mut report.problems);
    Ok(report)
}

/// Each stored checkpoint against the re-derived log of `size` entries: it must parse, say the size it is
/// stored at, and carry the root re-derived at that size (`roots_at`).
pub(crate) fn check_checkpoints(
    checkpoints: &[StoredCheckpoint],
    roots_at: &[(u64, Hash)],
    size: u64,
    problems: &mut Vec<String>,
) {
    for cp in checkpoints {
        if cp.size > size {
            problems.push(format!(
                "checkpoint of size {} is beyond the log's {size} entries",
                cp.size
            ));
            continue;
        }
        match Note::parse(&cp.note).and_then(|n| Checkpoint::parse(&n.text)) {
            Err(e) => problems.push(format!("checkpoint of size {}: {e}", cp.size)),
            Ok(c) if c.size != cp.size => problems.push(format!(
                "checkpoint stored at size {} says size {}",
                cp.size, c.size
            )),
            Ok(c) => {
                let root = roots_at
                    .iter()
                    .find(|(s, _)| *s == cp.size)
                    .map(|(_, r)| *r);
                if root != Some(c.root) {
                    problems.push(format!(
                        "checkpoint of size {}: its root is not the re-derived root",
                        cp.size
                    ));
                }
            }
        }
    }
}
