//! Live tracks and the tactical scan, as part of the line: taking a party's track reports (within the line's
//! [`crate::Limits`]), the periodic scan that finds losses of separation and incursions between parties' tracks
//! and logs alerts, and reading alerts. The parts that need no line (parsing reports, extrapolating, the alerts'
//! content) are in [`crate::tracks`].
//!
//! A scan's cost and what it logs are bounded per pair of parties: the detector spends at most a
//! [`deconflict_tactical::Budget`] per track on each other party and never pairs a party with itself or with a
//! party it shares no agreement with; at most `alerts_per_party_pair` alerts are open one by one between two
//! parties, and everything else between them is one storm alert with counts.
//!
//! A scan runs in four phases, one module each: `snapshot` (the live tracks and what the scan needs from the
//! line, in one short hold of its lock), `candidates` (pairs and incursions found without the line's lock),
//! `decide` (what is in conflict now, capped per pair of parties) and `reconcile` (the entries raised, updated
//! and closed against the open alerts, and their commit).

mod candidates;
mod decide;
mod reconcile;
mod snapshot;

use serde_json::{json, Value};

use super::{invalid, Line, LineError};
use crate::tracks;
use candidates::Candidates;

/// A pair of parties, the lesser first.
fn party_pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl Line {
    /// Stores a party's batch of track reports (not logged: tracks are ephemeral); returns how many.
    pub fn report_tracks(&self, party: &str, body: Value) -> Result<Value, LineError> {
        let now = self.clock.now_ms();
        let reports = tracks::parse_batch(&body, now, &self.limits)
            .map_err(|(field, why)| invalid(field, why))?;
        self.keep_tracks(party, reports, now)
    }

    /// As [`Line::report_tracks`], from the request body as sent, without building a JSON tree; `None` when
    /// the body does not have the batch's shape (read it as a tree then, for an error that names the field).
    pub fn report_track_bytes(&self, party: &str, body: &[u8]) -> Option<Result<Value, LineError>> {
        let now = self.clock.now_ms();
        Some(match tracks::parse_batch_bytes(body, now, &self.limits)? {
            Ok(reports) => self.keep_tracks(party, reports, now),
            Err((field, why)) => Err(invalid(field, why)),
        })
    }

    /// Keeps a batch, or nothing of it when it passes `tracks_per_party` or `track_reports_per_second` (the
    /// problem names the limit).
    fn keep_tracks(
        &self,
        party: &str,
        reports: Vec<(String, tracks::Reported)>,
        now: i64,
    ) -> Result<Value, LineError> {
        let n = self
            .live
            .lock()
            .keep(party, reports, now, &self.limits)
            .map_err(|(limit, detail)| LineError::Limit {
                limit,
                detail,
                // Reports per second: retry later (429); live tracks: a size (422).
                rate: limit == "track_reports_per_second",
            })?;
        Ok(json!({"accepted": n}))
    }

    /// The caller's own live tracks (last reported states, not extrapolated), by id. Another party's tracks
    /// are never listed: a party learns of them only through an alert it is one of the two parties of.
    pub fn tracks_of(&self, party: &str) -> Vec<Value> {
        let now = self.clock.now_ms();
        let oldest = now - tracks::limit_ms(self.limits.track_ttl);
        let live = self.live.lock();
        live.tracks
            .range((party.to_string(), String::new())..)
            .take_while(|((p, _), _)| p == party)
            .filter(|(_, r)| r.time_ms >= oldest)
            .map(|(key, r)| tracks::track_json(key, r, &r.state))
            .collect()
    }

    /// One tactical scan: drops stale tracks, predicts every pair of tracks of two parties under an active
    /// agreement, and logs alerts raised, updated (separation lost) and closed, and storms; returns the entries
    /// logged.
    ///
    /// The phases run in order under the scan state's lock (`tactical`), which is let go before the entries are
    /// committed: the snapshot, the candidates, the decisions and the reconciliation.
    pub fn scan_tracks(&self) -> Result<usize, LineError> {
        let now = self.clock.now_ms();
        let cap = self.limits.alerts_per_party_pair;
        let mut tactical = self.tactical.lock();
        let t = &mut *tactical;
        let snap = self.snapshot(now)?;
        let candidates = Candidates::find(&mut t.detector, &snap, now);
        let decisions = self.decide(&t.open, &snap, &candidates, cap)?;
        let entries = self.reconcile(t, &snap, decisions, cap, now)?;
        drop(tactical);
        self.commit_alerts(entries)
    }

    /// A page of the alerts the caller is a party to (open, and closed within the retention period), by id.
    pub fn alerts_page(&self, party: &str, page: &super::Page) -> Result<super::Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .listable(super::List::Alerts, party, page.after.as_deref())
                .filter_map(|id| inner.alert_view(id, party).map(|v| (id, v))),
            limit,
            inner.next_seq,
        ))
    }

    /// A page of the caller's own live tracks, by track id.
    pub fn tracks_page(&self, party: &str, page: &super::Page) -> Result<super::Listed, LineError> {
        use std::ops::Bound;
        let limit = self.page_limit(page)?;
        // The line's lock is let go before the tracks' is taken (the scan takes them in the other order).
        let cursor = self.lock()?.next_seq;
        let now = self.clock.now_ms();
        let oldest = now - tracks::limit_ms(self.limits.track_ttl);
        let from = match &page.after {
            Some(after) => Bound::Excluded((party.to_string(), after.clone())),
            None => Bound::Included((party.to_string(), String::new())),
        };
        let live = self.live.lock();
        Ok(self.listed(
            live.tracks
                .range((from, Bound::Unbounded))
                .take_while(|((p, _), _)| p == party)
                .filter(|(_, r)| r.time_ms >= oldest)
                .map(|(key, r)| (&key.1, tracks::track_json(key, r, &r.state))),
            limit,
            cursor,
        ))
    }

    /// The alerts the caller is one of the two parties of, open and closed.
    pub fn alerts(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .listable(super::List::Alerts, party, None)
            .filter_map(|id| inner.alert_view(id, party))
            .collect())
    }
}
