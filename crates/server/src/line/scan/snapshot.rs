//! A scan's first phase, the snapshot: a copy of the live tracks (stale ones expired), extrapolated to the
//! scan's time and grouped by party, and what the scan needs from the line, taken in one short hold of its
//! lock. Nothing later in the scan reads the live tracks or, until the incursion areas, the line.

use std::collections::HashMap;
use std::sync::Arc;

use deconflict_strategic::{ConflictIndex, Minima, Separation};
use deconflict_tactical::{Track, Vertical};
use serde_json::{json, Value};

use crate::line::{Line, LineError};
use crate::tracks;

/// What one scan works on: the live tracks as of its time, their parties as groups of the detector, and the
/// line's terms between those parties.
pub(super) struct Snapshot {
    /// The scan's time (ms).
    pub now: i64,
    /// Each track's key (party, id), in the live map's order, so sorted (each party's tracks together).
    pub keys: Vec<(String, String)>,
    /// Each track as last reported.
    pub reported: Vec<tracks::Reported>,
    /// Each track extrapolated to the scan's time.
    pub now_states: Vec<Track>,
    /// Each track's vertical state.
    pub vertical: Vec<Vertical>,
    /// Each track's party as a group of the detector (numbered in the order of `keys`).
    pub groups: Vec<u32>,
    /// Each group's first track in `keys` (the group's party is that track's).
    firsts: Vec<usize>,
    /// The widest minima of the line's agreements (`None`: none is active).
    pub widest: Option<Separation>,
    /// The protected areas' index (read only after the line's lock is let go).
    pub protected: Arc<parking_lot::RwLock<ConflictIndex>>,
    /// The minima and the agreements (as logged) between each tracked party and every other party it shares
    /// an agreement with, by (tracked party, other party).
    pub terms: HashMap<(String, String), (Minima, Value)>,
}

impl Snapshot {
    /// How many parties have tracks in the scan (groups of the detector).
    pub fn parties(&self) -> usize {
        self.firsts.len()
    }

    /// The party of group `g`.
    pub fn party(&self, g: usize) -> &String {
        &self.keys[self.firsts[g]].0
    }

    /// The scan's `i`-th track as it appears in an alert (its last report, extrapolated to the scan's time).
    pub fn track(&self, i: usize) -> Value {
        tracks::track_json(&self.keys[i], &self.reported[i], &self.now_states[i])
    }
}

impl Line {
    /// The snapshot a scan at `now` (ms) works on: holds the live tracks' lock only to expire stale tracks and
    /// copy the rest, then the line's lock only to read the widest minima, the protected areas' index and the
    /// terms between the tracked parties. The caller holds the scan's state (`tactical`), per the lock order.
    pub(super) fn snapshot(&self, now: i64) -> Result<Snapshot, LineError> {
        // A copy of the live tracks, taken quickly: reports keep arriving while this scan runs.
        let (keys, reported): (Vec<(String, String)>, Vec<tracks::Reported>) = {
            let mut live = self.live.lock();
            live.expire(now - tracks::limit_ms(self.limits.track_ttl));
            live.tracks
                .iter()
                .map(|(k, r)| (k.clone(), r.clone()))
                .unzip()
        };
        let now_states: Vec<Track> = reported
            .iter()
            .map(|r| tracks::extrapolate(&r.state, (now - r.time_ms) as f64 / 1000.0))
            .collect();
        let vertical: Vec<Vertical> = reported.iter().map(|r| r.vertical).collect();
        // Each track's party as a group of the detector (keys are sorted, so each party's tracks are together).
        let mut firsts: Vec<usize> = Vec::new();
        let groups: Vec<u32> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| {
                if firsts.last().map(|&f| &keys[f].0) != Some(&k.0) {
                    firsts.push(i);
                }
                (firsts.len() - 1) as u32
            })
            .collect();
        // What the scan needs from the line, taken in one short hold of its lock: the widest minima, the
        // protected areas' index, and the terms between each tracked party and every other party.
        let (widest, protected, terms) = {
            let inner = self.lock()?;
            let mut terms: HashMap<(String, String), (Minima, Value)> = HashMap::new();
            for p in firsts.iter().map(|&f| &keys[f].0) {
                for other in inner.parties.keys() {
                    if let Some(t) = inner.agreements.between(p, other) {
                        terms.insert((p.clone(), other.clone()), (t.minima, json!(t.agreements)));
                    }
                }
            }
            (
                inner.agreements.widest(),
                Arc::clone(&inner.protected),
                terms,
            )
        };
        Ok(Snapshot {
            now,
            keys,
            reported,
            now_states,
            vertical,
            groups,
            firsts,
            widest,
            protected,
            terms,
        })
    }
}
