//! After-action records: the proof bundle of every entry a party may read whose time lies in a window, for
//! the report (`deconflict_report`) made from it. Entries are in time order, so the window's entries are a
//! range of sequence numbers, found by bisection; the range is then read in chunks and filtered by audience.
//!
//! Bounds, each refused whole with what to do (never a report cut short without saying so): a window of at
//! most [`REPORT_WINDOW_MS`]; at most [`REPORT_SCAN`] entries of the log in it (the log's size and pace are
//! public, LEDGER.md §8, so saying a window is busy tells a party nothing it could not learn); at most
//! [`BUNDLE_ENTRIES`] of them readable by the party. Only entries under the latest checkpoint are included
//! (one is signed within a second of any change), since every entry comes with its proof against it.

use deconflict_ledger::bundle::ProofBundle;

use super::bundle::BUNDLE_ENTRIES;
use super::{Line, LineError};

/// The longest window one report covers: 31 days.
pub const REPORT_WINDOW_MS: i64 = 31 * 24 * 3_600_000;

/// The most entries of the log one report's window may span (read to find the party's).
pub const REPORT_SCAN: u64 = 200_000;
/// What a report costs its party's write allowance (`writes_per_party_per_second`): a second's worth at the
/// default 50 a second, since one reads up to [`REPORT_SCAN`] entries and may take a second or two to
/// render.
pub const REPORT_COST: f64 = 50.0;

/// Entries read from the store at a time while gathering a window.
const CHUNK: usize = 256;

impl Line {
    /// The first sequence number below `size` whose entry's time is at or after `t` (`size` if none).
    fn first_at_or_after(&self, t: i64, size: u64) -> Result<u64, LineError> {
        let (mut lo, mut hi) = (0u64, size);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let entry = self
                .store()
                .entry(mid)?
                .ok_or_else(|| LineError::Storage(format!("log entry {mid} is missing")))?;
            if entry.header.time_ms < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }

    /// The proof bundle of every entry `party` may read with a time in `[from_ms, to_ms)`, under the latest
    /// checkpoint (see the module's comment for the bounds).
    pub fn report_bundle(
        &self,
        party: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<ProofBundle, LineError> {
        if from_ms >= to_ms {
            return Err(LineError::Invalid {
                field: "to".into(),
                detail: "the window must end after it starts (`to` after `from`)".into(),
            });
        }
        if to_ms - from_ms > REPORT_WINDOW_MS {
            return Err(LineError::Limit {
                limit: "report_window",
                detail: "a report covers at most 31 days: narrow the window (ask for several)"
                    .into(),
                rate: false,
            });
        }
        // A report reads up to REPORT_SCAN entries and proves up to REPORT_ENTRIES: charged as many writes.
        self.charge_n(party, REPORT_COST)?;
        let Some(note) = self.store().latest_checkpoint()? else {
            return Err(LineError::NotFound(
                "a checkpoint (the log has none yet)".into(),
            ));
        };
        let lo = self.first_at_or_after(from_ms, note.size)?;
        let hi = self.first_at_or_after(to_ms, note.size)?;
        if hi - lo > REPORT_SCAN {
            return Err(LineError::Limit {
                limit: "report_scan",
                detail: format!(
                    "the window spans {} entries of the log; a report reads at most {REPORT_SCAN}: narrow the window",
                    hi - lo
                ),
                rate: false,
            });
        }
        let mut seqs = Vec::new();
        let mut next = lo;
        while next < hi {
            let chunk = self
                .store()
                .entries(next, ((hi - next) as usize).min(CHUNK))?;
            if chunk.is_empty() {
                break;
            }
            for e in &chunk {
                next = e.header.seq + 1;
                if e.header.seq < hi && e.header.audience.includes(party) {
                    seqs.push(e.header.seq);
                }
            }
            if seqs.len() > BUNDLE_ENTRIES {
                return Err(LineError::Limit {
                    limit: "report_entries",
                    detail: format!(
                        "the window holds more than {BUNDLE_ENTRIES} entries you may read, the most one report \
                         holds: narrow it (ask for several reports; nothing was cut)"
                    ),
                    rate: false,
                });
            }
        }
        self.proof_bundle(party, &seqs)
    }
}
