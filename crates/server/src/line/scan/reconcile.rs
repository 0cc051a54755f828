//! A scan's fourth phase, the reconciliation: what the scan decided against the alerts open (and, at the
//! first scan, those the log shows open that this process never saw), as the entries to log — alerts raised,
//! updated and closed, storm alerts likewise — and their commit.

use std::collections::{BTreeMap, BTreeSet};

use deconflict_ledger::Audience;
use deconflict_store::NewEntry;
use serde_json::{json, Value};

use super::decide::{Decisions, Tally};
use super::party_pair;
use super::snapshot::Snapshot;
use crate::line::{key as area_key, Line, LineError, LINE_ACTOR};
use crate::tracks::{self, Tactical, ALERT_CLOSED, ALERT_RAISED, ALERT_UPDATED, STORM};

/// A fresh alert id: random, so that it tells nothing of what it is about (a hash of the tracks and the area
/// could be checked against guessed ids of areas the intruder was never given).
fn alert_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("a-{}", hex::encode(bytes))
}

impl Line {
    /// Reconciles the scan's `decisions` about `snap` with the scan state `t` at `now` (ms), `cap` being
    /// `alerts_per_party_pair`: updates `t`'s open alerts and storms, and returns the entries that say so
    /// (to be committed with [`Line::commit_alerts`] once `t`'s lock is let go). Takes the line's lock only
    /// at the first scan, to close the alerts an earlier process left open.
    pub(super) fn reconcile(
        &self,
        t: &mut Tactical,
        snap: &Snapshot,
        decisions: Decisions,
        cap: usize,
        now: i64,
    ) -> Result<Vec<NewEntry>, LineError> {
        let Decisions {
            mut found,
            tallies,
            areas,
        } = decisions;
        let mut entries = Vec::new();
        self.close_recovered(t, now, &mut entries)?;
        let track = |i: usize| snap.track(i);
        // Raised once; updated when separation is lost; closed after enough clear scans or when a track is gone.
        for (key, f) in found.iter_mut() {
            let audience = Audience::Parties(f.parties.iter().cloned().collect());
            match t.open.get_mut(key) {
                None => {
                    let area = |party: &str, id: &str| areas.get(&area_key(party, id)).cloned();
                    let Some(Value::Object(body)) = f.body.build(track, area) else {
                        continue;
                    };
                    let detail = f.body.owner_detail(area);
                    let id = alert_id();
                    let mut content = json!({"id": id});
                    if self.shared {
                        content["node"] = json!(self.node);
                    }
                    if let Some(o) = content.as_object_mut() {
                        o.extend(body);
                    }
                    entries.push(NewEntry {
                        time_ms: now,
                        kind: ALERT_RAISED.into(),
                        actor: LINE_ACTOR.into(),
                        audience,
                        content,
                    });
                    // An incursion into areas the intruder was not given: what they are, how near and when,
                    // for their party alone.
                    if let Some(Value::Object(detail)) = detail {
                        let owner = f.parties[1].clone();
                        let mut content = json!({"id": id});
                        if let Some(o) = content.as_object_mut() {
                            o.extend(detail);
                        }
                        entries.push(NewEntry {
                            time_ms: now,
                            kind: ALERT_UPDATED.into(),
                            actor: LINE_ACTOR.into(),
                            audience: Audience::Parties(BTreeSet::from([owner])),
                            content,
                        });
                    }
                    t.open.insert(
                        key.clone(),
                        tracks::OpenAlert {
                            id,
                            parties: f.parties.clone(),
                            tracks: std::mem::take(&mut f.tracks),
                            los: f.los,
                            clear_scans: 0,
                        },
                    );
                }
                Some(open) => {
                    open.clear_scans = 0;
                    if f.los && !open.los {
                        open.los = true;
                        let mut content = json!({"id": open.id});
                        let body = f.body.build(track, |_, _| None).unwrap_or_default();
                        if let (Some(o), Some(body)) = (content.as_object_mut(), body.as_object()) {
                            for k in ["tracks", "t_cpa_s", "d_cpa_m", "t_los_s", "los"] {
                                if let Some(v) = body.get(k) {
                                    o.insert(k.into(), v.clone());
                                }
                            }
                        }
                        entries.push(NewEntry {
                            time_ms: now,
                            kind: ALERT_UPDATED.into(),
                            actor: LINE_ACTOR.into(),
                            audience,
                            content,
                        });
                    }
                }
            }
        }
        // Pairs of parties in a storm: their open alerts may not have been decided this scan, so they are not
        // counted clear.
        let storming: BTreeSet<&(String, String)> = tallies.keys().collect();
        t.open.retain(|key, open| {
            if found.contains_key(key) {
                return true;
            }
            // `keys` is in the live map's order, so sorted.
            let gone = !open.tracks.iter().all(|k| snap.keys.binary_search(k).is_ok());
            if !gone && storming.contains(&party_pair(&open.parties[0], &open.parties[1])) {
                return true;
            }
            open.clear_scans += 1;
            if open.clear_scans < tracks::CLEAR_SCANS && !gone {
                return true;
            }
            entries.push(NewEntry {
                time_ms: now,
                kind: ALERT_CLOSED.into(),
                actor: LINE_ACTOR.into(),
                audience: Audience::Parties(open.parties.iter().cloned().collect()),
                content: json!({"id": open.id, "reason": if gone { "a track is no longer reported" } else { "clear" }}),
            });
            false
        });
        self.reconcile_storms(t, &tallies, cap, now, &mut entries);
        Ok(entries)
    }

    /// Logs a scan's `entries` (if any) in one commit; returns how many alerts they raise, update or close (an
    /// incursion's details for its areas' party alone are part of raising it, not counted apart). Called with
    /// the scan state's lock let go.
    pub(super) fn commit_alerts(&self, entries: Vec<NewEntry>) -> Result<usize, LineError> {
        let n = entries
            .iter()
            .filter(|e| e.content.get("for").is_none())
            .count();
        if n > 0 {
            self.write(|inner| self.commit(inner, entries))?;
        }
        Ok(n)
    }

    /// At the first scan of this process, adds to `entries` the closing at `now` of the alerts the log shows
    /// open (of this node, on a shared log) that the scan state `t` does not know; later, nothing.
    fn close_recovered(
        &self,
        t: &mut Tactical,
        now: i64,
        entries: &mut Vec<NewEntry>,
    ) -> Result<(), LineError> {
        // Alerts the log shows open but this process never saw (it restarted): their tracks are gone.
        if !t.recovered {
            t.recovered = true;
            let inner = self.lock()?;
            let known: BTreeSet<&str> = t
                .open
                .values()
                .map(|o| o.id.as_str())
                .chain(t.storms.values().map(|s| s.id.as_str()))
                .collect();
            for (id, (parties, view)) in &inner.alerts {
                // On a shared log, other nodes' alerts are theirs to close.
                let ours = !self.shared || view["node"].as_str() == Some(self.node.as_str());
                if ours && view["status"] == "open" && !known.contains(id.as_str()) {
                    entries.push(NewEntry {
                        time_ms: now,
                        kind: ALERT_CLOSED.into(),
                        actor: LINE_ACTOR.into(),
                        audience: Audience::Parties(parties.iter().cloned().collect()),
                        content: json!({"id": id, "reason": "the server restarted; its tracks were lost"}),
                    });
                }
            }
        }
        Ok(())
    }

    /// Adds to `entries` the storm alerts of the scan at `now` given its `tallies` by pair of parties, `cap`
    /// being `alerts_per_party_pair`, and updates the scan state `t`'s storms to match.
    fn reconcile_storms(
        &self,
        t: &mut Tactical,
        tallies: &BTreeMap<(String, String), Tally>,
        cap: usize,
        now: i64,
        entries: &mut Vec<NewEntry>,
    ) {
        // One storm alert per pair of parties: raised, updated when a count doubles or halves, closed after
        // enough scans without one.
        for (pp, tally) in tallies {
            let counts = [tally.pairs, tally.tracks.len() as u64, tally.undecided];
            let audience = Audience::Parties([pp.0.clone(), pp.1.clone()].into_iter().collect());
            match t.storms.get_mut(pp) {
                None => {
                    let id = alert_id();
                    let mut content = json!({
                        "id": id, "kind": STORM, "parties": [pp.0, pp.1],
                        "pairs": counts[0], "tracks": counts[1], "undecided": counts[2],
                        "alerts_per_party_pair": cap,
                        "detail": format!(
                            "more conflicts between {} and {} than the line alerts one by one \
                             ({cap}, alerts_per_party_pair): {} more pairs in conflict and {} pairs not \
                             decided, among {} tracks",
                            pp.0, pp.1, counts[0], counts[2], counts[1]
                        ),
                    });
                    if self.shared {
                        content["node"] = json!(self.node);
                    }
                    entries.push(NewEntry {
                        time_ms: now,
                        kind: ALERT_RAISED.into(),
                        actor: LINE_ACTOR.into(),
                        audience,
                        content,
                    });
                    t.storms.insert(
                        pp.clone(),
                        tracks::Storm {
                            id,
                            logged: counts,
                            clear_scans: 0,
                        },
                    );
                }
                Some(storm) => {
                    storm.clear_scans = 0;
                    if tracks::storm_changed(storm.logged, counts) {
                        storm.logged = counts;
                        entries.push(NewEntry {
                            time_ms: now,
                            kind: ALERT_UPDATED.into(),
                            actor: LINE_ACTOR.into(),
                            audience,
                            content: json!({"id": storm.id, "pairs": counts[0],
                                            "tracks": counts[1], "undecided": counts[2]}),
                        });
                    }
                }
            }
        }
        t.storms.retain(|pp, storm| {
            if tallies.contains_key(pp) {
                return true;
            }
            storm.clear_scans += 1;
            if storm.clear_scans < tracks::CLEAR_SCANS {
                return true;
            }
            entries.push(NewEntry {
                time_ms: now,
                kind: ALERT_CLOSED.into(),
                actor: LINE_ACTOR.into(),
                audience: Audience::Parties([pp.0.clone(), pp.1.clone()].into_iter().collect()),
                content: json!({"id": storm.id, "reason": "clear"}),
            });
            false
        });
    }
}
