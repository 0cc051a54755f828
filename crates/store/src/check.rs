//! A whole-log check over any store: every entry's content against its committed hash, every leaf and
//! interior node against its re-derived hash, and every checkpoint's root against the re-derived root at
//! its size. The embedded store also re-derives on opening (`sqlite::derive`); this reads only through the
//! port, so it checks a PostgreSQL log the same way.

use deconflict_ledger::{Checkpoint, Note};

use crate::frontier::Frontier;
use crate::port::{LogStore, StoreError};

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
    for cp in &checkpoints {
        report.checkpoints_checked += 1;
        let parsed = Note::parse(&cp.note).and_then(|n| Checkpoint::parse(&n.text));
        match parsed {
            Err(e) => report
                .problems
                .push(format!("checkpoint of size {}: {e}", cp.size)),
            Ok(c) if c.size != cp.size => report.problems.push(format!(
                "checkpoint stored at size {} says size {}",
                cp.size, c.size
            )),
            Ok(c) => {
                let root = roots_at
                    .iter()
                    .find(|(s, _)| *s == cp.size)
                    .map(|(_, r)| *r);
                if root != Some(c.root) {
                    report.problems.push(format!(
                        "checkpoint of size {}: its root is not the re-derived root (or it is beyond the log)",
                        cp.size
                    ));
                }
            }
        }
    }
    Ok(report)
}
