//! Live tracks and the tactical scan, as part of the line: taking a party's track reports, the periodic scan
//! that finds losses of separation and incursions between parties' tracks and logs alerts, and reading alerts.
//! The parts that need no line (parsing reports, extrapolating, the alerts' content) are in [`crate::tracks`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use deconflict_ledger::Audience;
use deconflict_space::units::format_time;
use deconflict_store::NewEntry;
use deconflict_strategic::Conflict;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{invalid, Line, LineError, LINE_ACTOR};
use crate::tracks::{self, ALERT_CLOSED, ALERT_RAISED, ALERT_UPDATED};

impl Line {
    /// Stores a party's batch of track reports (not logged: tracks are ephemeral); returns how many.
    pub fn report_tracks(&self, party: &str, body: Value) -> Result<Value, LineError> {
        let now = self.clock.now_ms();
        let reports =
            tracks::parse_batch(&body, now).map_err(|(field, why)| invalid(field, why))?;
        Ok(self.keep_tracks(party, reports))
    }

    /// As [`Line::report_tracks`], from the request body as sent, without building a JSON tree; `None` when
    /// the body does not have the batch's shape (read it as a tree then, for an error that names the field).
    pub fn report_track_bytes(&self, party: &str, body: &[u8]) -> Option<Result<Value, LineError>> {
        let now = self.clock.now_ms();
        Some(match tracks::parse_batch_bytes(body, now)? {
            Ok(reports) => Ok(self.keep_tracks(party, reports)),
            Err((field, why)) => Err(invalid(field, why)),
        })
    }

    fn keep_tracks(&self, party: &str, reports: Vec<(String, tracks::Reported)>) -> Value {
        let n = reports.len();
        let mut live = self.live.lock();
        let mut key = (party.to_string(), String::new());
        for (id, r) in reports {
            key.1 = id;
            match live.get_mut(&key) {
                Some(old) => *old = r,
                None => {
                    live.insert(key.clone(), r);
                }
            }
        }
        json!({"accepted": n})
    }

    /// The caller's own live tracks (last reported states, not extrapolated), by id. Another party's tracks
    /// are never listed: a party learns of them only through an alert it is one of the two parties of.
    pub fn tracks_of(&self, party: &str) -> Vec<Value> {
        let now = self.clock.now_ms();
        let live = self.live.lock();
        live.range((party.to_string(), String::new())..)
            .take_while(|((p, _), _)| p == party)
            .filter(|(_, r)| r.time_ms >= now - tracks::TRACK_TTL_MS)
            .map(|(key, r)| tracks::track_json(key, r, &r.state))
            .collect()
    }

    /// One tactical scan: drops stale tracks, predicts every pair of tracks of two parties under an active
    /// agreement, and logs alerts raised, updated (separation lost) and closed; returns the entries logged.
    pub fn scan_tracks(&self) -> Result<usize, LineError> {
        let now = self.clock.now_ms();
        let mut tactical = self.tactical.lock();
        let t = &mut *tactical;
        // A copy of the live tracks, taken quickly: reports keep arriving while this scan runs.
        let (keys, reported): (Vec<(String, String)>, Vec<tracks::Reported>) = {
            let mut live = self.live.lock();
            live.retain(|_, r| r.time_ms >= now - tracks::TRACK_TTL_MS);
            live.iter().map(|(k, r)| (k.clone(), r.clone())).unzip()
        };
        let now_states: Vec<deconflict_tactical::Track> = reported
            .iter()
            .map(|r| tracks::extrapolate(&r.state, (now - r.time_ms) as f64 / 1000.0))
            .collect();
        // What is in conflict now, by alert key: pairs of tracks under the minima of their parties'
        // agreements, and tracks heading into partners' sites and zones.
        let mut found: BTreeMap<String, tracks::Finding> = BTreeMap::new();
        let mut entries = Vec::new();
        let track = |i: usize| tracks::track_json(&keys[i], &reported[i], &now_states[i]);
        // What the scan needs from the line, taken in one short hold of its lock: the widest minima, the
        // protected areas' index, and the minima between each tracked party and every other party.
        let tracked: BTreeSet<&String> = keys.iter().map(|k| &k.0).collect();
        let (widest, protected, minima_between) = {
            let inner = self.lock()?;
            let mut between: HashMap<(String, String), deconflict_strategic::Minima> =
                HashMap::new();
            for p in &tracked {
                for other in inner.parties.keys() {
                    if let Some(t) = inner.agreements.between(p, other) {
                        between.insert(((*p).clone(), other.clone()), t.minima);
                    }
                }
            }
            (
                inner.agreements.widest(),
                Arc::clone(&inner.protected),
                between,
            )
        };
        // Candidate pairs under the widest minima, and incursions into partners' sites, zones and sides of
        // lines (each track's path over the look-ahead through the protected areas' index), found without
        // holding the line's lock.
        let pairs = widest.map(|w| {
            t.detector
                .detect(&now_states, &tracks::params(w.lateral_m, w.vertical_m))
        });
        let incursions: Vec<(usize, Conflict)> = {
            use rayon::prelude::*;
            let protected = protected.read();
            if protected.is_empty() {
                Vec::new()
            } else {
                let widest = widest.unwrap_or(deconflict_strategic::Minima::default().standard);
                keys.par_iter()
                    .enumerate()
                    .flat_map_iter(|(i, key)| {
                        let hits = tracks::path_declaration(&key.0, &key.1, &now_states[i], now)
                            .map(|path| {
                                let party = key.0.clone();
                                let between = &minima_between;
                                let policy = deconflict_strategic::Policy {
                                    widest,
                                    minima_with: Box::new(move |other: &str| {
                                        between.get(&(party.clone(), other.to_string())).copied()
                                    }),
                                };
                                protected.conflicts_of_under(&path, &policy)
                            })
                            .unwrap_or_default();
                        hits.into_iter().map(move |c| (i, c))
                    })
                    .collect()
            }
        };
        {
            let inner = self.lock()?;
            // Alerts the log shows open but this process never saw (it restarted): their tracks are gone.
            if !t.recovered {
                t.recovered = true;
                let known: std::collections::BTreeSet<&str> =
                    t.open.values().map(|o| o.id.as_str()).collect();
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
            for e in pairs.into_iter().flatten() {
                let (pa, pb) = (&keys[e.a].0, &keys[e.b].0);
                let Some(terms) = (pa != pb)
                    .then(|| inner.agreements.between(pa, pb))
                    .flatten()
                else {
                    continue;
                };
                let sep = terms.minima.standard;
                let params = tracks::params(sep.lateral_m, sep.vertical_m);
                let Some(x) =
                    deconflict_tactical::pair(&now_states[e.a], &now_states[e.b], &params)
                else {
                    continue;
                };
                found.insert(
                    tracks::pair_key(&keys[e.a], &keys[e.b]),
                    tracks::Finding {
                        tracks: vec![keys[e.a].clone(), keys[e.b].clone()],
                        parties: [pa.clone(), pb.clone()],
                        los: x.los_now,
                        body: tracks::Body::Separation {
                            a: e.a,
                            b: e.b,
                            encounter: x,
                            agreements: json!(terms.agreements),
                        },
                    },
                );
            }
            // Incursions found above, completed with what the line knows of the area (it may have ended since:
            // then it is skipped).
            for (i, c) in &incursions {
                let (i, key) = (*i, &keys[*i]);
                let path_id = tracks::path_id(&key.0, &key.1);
                let other = if c.a.id == path_id { &c.b } else { &c.a };
                let Some(site) = inner
                    .current
                    .get(&other.id)
                    .filter(|s| s.declaration.kind.is_area_of_protection() && !s.state.closed())
                else {
                    continue;
                };
                let agreements = inner
                    .agreements
                    .between(&key.0, &other.party)
                    .map(|t| t.agreements.clone())
                    .unwrap_or_default();
                found.insert(
                    format!("{}/{}>{}", key.0, key.1, other.id),
                    tracks::Finding {
                        tracks: vec![key.clone()],
                        parties: [key.0.clone(), other.party.clone()],
                        los: false,
                        body: tracks::Body::Ready(json!({
                            "kind": "incursion", "parties": [key.0, other.party],
                            "tracks": [track(i)],
                            "declaration": {"id": other.id, "party": other.party,
                                            "kind": site.declaration.kind.name(),
                                            "name": site.content.get("name")},
                            "distance_m": c.distance_m.round(),
                            "start": format_time(c.window.start_ms),
                            "end": format_time(c.window.end_ms),
                            "agreements": agreements,
                        })),
                    },
                );
            }
        }
        // Raised once; updated when separation is lost; closed after enough clear scans or when a track is gone.
        for (key, f) in found.iter_mut() {
            let audience = Audience::Parties(f.parties.iter().cloned().collect());
            match t.open.get_mut(key) {
                None => {
                    let id = format!(
                        "a-{}",
                        &hex::encode(Sha256::digest(format!("{key}@{now}").as_bytes()))[..16]
                    );
                    let mut content = json!({"id": id});
                    if self.shared {
                        content["node"] = json!(self.node);
                    }
                    if let (Some(o), Value::Object(body)) =
                        (content.as_object_mut(), f.body.build(track))
                    {
                        o.extend(body);
                    }
                    entries.push(NewEntry {
                        time_ms: now,
                        kind: ALERT_RAISED.into(),
                        actor: LINE_ACTOR.into(),
                        audience,
                        content,
                    });
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
                        let body = f.body.build(track);
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
        t.open.retain(|key, open| {
            if found.contains_key(key) {
                return true;
            }
            open.clear_scans += 1;
            // `keys` is in the live map's order, so sorted.
            let gone = !open.tracks.iter().all(|k| keys.binary_search(k).is_ok());
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
        drop(tactical);
        let n = entries.len();
        if n > 0 {
            self.write(|inner| self.commit(inner, entries))?;
        }
        Ok(n)
    }

    /// The alerts the caller is one of the two parties of, open and closed.
    pub fn alerts(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .alerts
            .values()
            .filter(|(parties, _)| parties.iter().any(|p| p == party))
            .map(|(_, v)| v.clone())
            .collect())
    }
}
