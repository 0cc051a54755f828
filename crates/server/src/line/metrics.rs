//! The line's totals for `/metrics`: counts of what it holds, none per party.

use super::*;

impl Line {
    /// Totals for /metrics: counts only, nothing about any party.
    pub fn totals(&self) -> Result<Vec<(&'static str, u64)>, LineError> {
        // The tracks' lock before the line's: the scan takes them in that order.
        let live = self.live.lock().len() as u64;
        let size = self.store.size()?;
        let inner = self.lock()?;
        Ok(vec![
            ("deconflict_ledger_entries", size),
            ("deconflict_parties", inner.parties.len() as u64),
            (
                "deconflict_declarations_active",
                inner.current.values().filter(|c| !c.state.closed()).count() as u64,
            ),
            (
                "deconflict_conflicts_open",
                inner
                    .conflicts
                    .values()
                    .filter(|r| r.resolved_by.is_none())
                    .count() as u64,
            ),
            (
                "deconflict_uptime_seconds",
                self.started.elapsed().as_secs(),
            ),
            ("deconflict_tracks_live", live),
            // On a shared log: how far this node has applied the log, and how many batches of writes it
            // appended.
            ("deconflict_ledger_applied", inner.next_seq),
            (
                "deconflict_write_batches",
                self.batches.load(Ordering::Relaxed),
            ),
        ])
    }
}
