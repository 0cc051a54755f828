//! Live tracks and the tactical scan, as part of the line: taking a party's track reports (within the line's
//! [`crate::Limits`]), the periodic scan that finds losses of separation and incursions between parties' tracks
//! and logs alerts, and reading alerts. The parts that need no line (parsing reports, extrapolating, the alerts'
//! content) are in [`crate::tracks`].
//!
//! A scan's cost and what it logs are bounded per pair of parties: the detector spends at most a
//! [`deconflict_tactical::Budget`] per track on each other party and never pairs a party with itself or with a
//! party it shares no agreement with; at most `alerts_per_party_pair` alerts are open one by one between two
//! parties, and everything else between them is one storm alert with counts.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use deconflict_ledger::Audience;
use deconflict_store::NewEntry;
use deconflict_strategic::{Conflict, Minima};
use deconflict_tactical::{Between, Budget, Track, Vertical};
use serde_json::{json, Value};

use super::{invalid, Line, LineError, LINE_ACTOR};
use crate::tracks::{self, ALERT_CLOSED, ALERT_RAISED, ALERT_UPDATED, STORM};

/// A pair of parties, the lesser first.
fn party_pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

/// A fresh alert id: random, so that it tells nothing of what it is about (a hash of the tracks and the area
/// could be checked against guessed ids of areas the intruder was never given).
fn alert_id() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 8];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("a-{}", hex::encode(bytes))
}

/// What a scan found beyond the cap between one pair of parties.
#[derive(Default)]
struct Tally {
    /// Pairs (of tracks, or of a track and an area) in conflict, not alerted one by one.
    pairs: u64,
    tracks: HashSet<(String, String)>,
    /// Candidate pairs the detector's budget left undecided.
    undecided: u64,
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
    pub fn scan_tracks(&self) -> Result<usize, LineError> {
        let now = self.clock.now_ms();
        let cap = self.limits.alerts_per_party_pair;
        let mut tactical = self.tactical.lock();
        let t = &mut *tactical;
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
        let mut names: Vec<&String> = Vec::new();
        let groups: Vec<u32> = keys
            .iter()
            .map(|k| {
                if names.last() != Some(&&k.0) {
                    names.push(&k.0);
                }
                (names.len() - 1) as u32
            })
            .collect();
        let track = |i: usize| tracks::track_json(&keys[i], &reported[i], &now_states[i]);
        // What the scan needs from the line, taken in one short hold of its lock: the widest minima, the
        // protected areas' index, and the terms between each tracked party and every other party.
        let (widest, protected, terms) = {
            let inner = self.lock()?;
            let mut terms: HashMap<(String, String), (Minima, Value)> = HashMap::new();
            for p in &names {
                for other in inner.parties.keys() {
                    if let Some(t) = inner.agreements.between(p, other) {
                        terms.insert(
                            ((*p).clone(), other.clone()),
                            (t.minima, json!(t.agreements)),
                        );
                    }
                }
            }
            (
                inner.agreements.widest(),
                Arc::clone(&inner.protected),
                terms,
            )
        };
        let g = names.len();
        let linked: Vec<bool> = (0..g * g)
            .map(|k| terms.contains_key(&(names[k / g].clone(), names[k % g].clone())))
            .collect();
        let linked = |a: u32, b: u32| linked[a as usize * g + b as usize];
        // Candidate pairs under the widest minima (between parties that share an agreement, within the
        // detector's budget per track and party), and incursions into partners' sites, zones and sides of lines
        // (each track's path over the look-ahead through the protected areas' index), found without holding
        // the line's lock.
        let detection = widest.map(|w| {
            t.detector.detect_between(
                &now_states,
                &Between {
                    groups: &groups,
                    linked: &linked,
                    vertical: &vertical,
                    budget: Budget::default(),
                },
                &tracks::params(w.lateral_m, w.vertical_m),
            )
        });
        let incursions: Vec<(usize, Conflict)> = {
            use rayon::prelude::*;
            let protected = protected.read();
            if protected.is_empty() {
                Vec::new()
            } else {
                let widest = widest.unwrap_or(Minima::default().standard);
                keys.par_iter()
                    .enumerate()
                    .flat_map_iter(|(i, key)| {
                        let hits = tracks::path_declaration(
                            &key.0,
                            &key.1,
                            &now_states[i],
                            vertical[i],
                            now,
                        )
                        .map(|path| {
                            let party = key.0.clone();
                            let terms = &terms;
                            let policy = deconflict_strategic::Policy {
                                widest,
                                minima_with: Box::new(move |other: &str| {
                                    terms.get(&(party.clone(), other.to_string())).map(|t| t.0)
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
        // What is in conflict now, by alert key: pairs of tracks re-decided under the minima of their parties'
        // agreements, and tracks heading into partners' areas. At most `cap` alerts are open one by one per
        // pair of parties: those already open stay, then losses of separation first; the rest is only counted,
        // into the pair's storm, with what the detector left undecided (no finding is built for it, so a storm
        // costs its counting, not its alerts).
        let encounters: &[deconflict_tactical::Encounter] =
            detection.as_ref().map_or(&[], |d| &d.encounters);
        // Open alerts by the scan's track numbers: (a, b) for separations, (track, area as `party/id`) for
        // incursions.
        let mut open_pairs: HashSet<(usize, usize)> = HashSet::new();
        let mut open_areas: HashSet<(usize, &str)> = HashSet::new();
        let mut open_per_pair: HashMap<(String, String), usize> = HashMap::new();
        for (key, open) in &t.open {
            *open_per_pair
                .entry(party_pair(&open.parties[0], &open.parties[1]))
                .or_default() += 1;
            let at: Vec<usize> = open
                .tracks
                .iter()
                .filter_map(|k| keys.binary_search(k).ok())
                .collect();
            match (at.as_slice(), key.split_once('>')) {
                ([i], Some((_, area))) => {
                    open_areas.insert((*i, area));
                }
                ([x, y], None) => {
                    open_pairs.insert(((*x).min(*y), (*x).max(*y)));
                }
                _ => {}
            }
        }
        // Candidates: (new, not a loss now, kind and place), in the order they are admitted.
        let mut candidates: Vec<(bool, bool, usize, bool)> = encounters
            .iter()
            .enumerate()
            .map(|(k, e)| (!open_pairs.contains(&(e.a, e.b)), !e.los_now, k, false))
            .chain(incursions.iter().enumerate().map(|(k, (i, c))| {
                // The two sides are of different parties: the area is the side not of the track's party.
                let area = c.other_than(&keys[*i].0);
                let area = super::key(&area.party, &area.id);
                (!open_areas.contains(&(*i, area.as_str())), true, k, true)
            }))
            .collect();
        candidates.sort_unstable();
        let mut found: BTreeMap<String, tracks::Finding> = BTreeMap::new();
        let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
        for (new, _, k, incursion) in candidates {
            let (finding_key, finding) = if incursion {
                let (i, c) = &incursions[k];
                let (i, key) = (*i, &keys[*i]);
                let other = c.other_than(&key.0);
                let agreements = terms
                    .get(&(key.0.clone(), other.party.clone()))
                    .map_or_else(|| json!([]), |t| t.1.clone());
                (
                    format!(
                        "{}/{}>{}",
                        key.0,
                        key.1,
                        super::key(&other.party, &other.id)
                    ),
                    tracks::Finding {
                        tracks: vec![key.clone()],
                        parties: [key.0.clone(), other.party.clone()],
                        los: false,
                        body: tracks::Body::Incursion {
                            track: i,
                            area: other.id.clone(),
                            party: other.party.clone(),
                            distance_m: c.distance_m,
                            start_ms: c.window.start_ms,
                            end_ms: c.window.end_ms,
                            agreements,
                        },
                    },
                )
            } else {
                let e = &encounters[k];
                let (pa, pb) = (&keys[e.a].0, &keys[e.b].0);
                let Some((minima, agreements)) = terms.get(&(pa.clone(), pb.clone())) else {
                    continue;
                };
                let sep = minima.standard;
                let params = tracks::params(sep.lateral_m, sep.vertical_m);
                let Some(x) = deconflict_tactical::pair_vertical(
                    &now_states[e.a],
                    vertical[e.a],
                    &now_states[e.b],
                    vertical[e.b],
                    &params,
                ) else {
                    continue;
                };
                if new {
                    let pp = party_pair(pa, pb);
                    if open_per_pair.get(&pp).copied().unwrap_or(0) >= cap {
                        let tally = tallies.entry(pp).or_default();
                        tally.pairs += 1;
                        tally.tracks.insert(keys[e.a].clone());
                        tally.tracks.insert(keys[e.b].clone());
                        continue;
                    }
                }
                (
                    tracks::pair_key(&keys[e.a], &keys[e.b]),
                    tracks::Finding {
                        tracks: vec![keys[e.a].clone(), keys[e.b].clone()],
                        parties: [pa.clone(), pb.clone()],
                        los: x.los_now,
                        body: tracks::Body::Separation {
                            a: e.a,
                            b: e.b,
                            encounter: x,
                            agreements: agreements.clone(),
                        },
                    },
                )
            };
            if new {
                let pp = party_pair(&finding.parties[0], &finding.parties[1]);
                let open = open_per_pair.entry(pp.clone()).or_default();
                if *open >= cap {
                    let tally = tallies.entry(pp).or_default();
                    tally.pairs += 1;
                    tally.tracks.extend(finding.tracks.iter().cloned());
                    continue;
                }
                *open += 1;
            }
            found.insert(finding_key, finding);
        }
        for s in detection.iter().flat_map(|d| &d.saturated) {
            let tally = tallies
                .entry(party_pair(
                    names[groups[s.track] as usize],
                    names[s.group as usize],
                ))
                .or_default();
            tally.pairs += s.unkept;
            tally.undecided += s.skipped;
            tally.tracks.insert(keys[s.track].clone());
        }
        // The areas new incursion alerts are about, as each intruder may see them, in one short hold of the
        // line's lock (an area no longer in force is skipped).
        let mut areas: HashMap<(String, String), Value> = HashMap::new();
        {
            let inner = self.lock()?;
            for (key, f) in &found {
                if let (false, tracks::Body::Incursion { area, party, .. }) =
                    (t.open.contains_key(key), &f.body)
                {
                    let intruder = &f.parties[0];
                    let Some(site) = inner.current.get(&super::key(party, area)).filter(|s| {
                        s.declaration.kind.is_area_of_protection() && !s.state.closed()
                    }) else {
                        continue;
                    };
                    areas.insert(
                        (intruder.clone(), super::key(party, area)),
                        tracks::area_json(
                            area,
                            party,
                            site.declaration.kind.name(),
                            site.content.get("name"),
                            super::need_to_know::declaration(site, intruder),
                        ),
                    );
                }
            }
        }
        let mut entries = Vec::new();
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
        // Raised once; updated when separation is lost; closed after enough clear scans or when a track is gone.
        for (key, f) in found.iter_mut() {
            let audience = Audience::Parties(f.parties.iter().cloned().collect());
            match t.open.get_mut(key) {
                None => {
                    let area = |party: &str, id: &str| {
                        areas
                            .get(&(f.parties[0].clone(), super::key(party, id)))
                            .cloned()
                    };
                    let Some(Value::Object(body)) = f.body.build(track, area) else {
                        continue;
                    };
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
            let gone = !open.tracks.iter().all(|k| keys.binary_search(k).is_ok());
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
        // One storm alert per pair of parties: raised, updated when a count doubles or halves, closed after
        // enough scans without one.
        for (pp, tally) in &tallies {
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
        drop(tactical);
        let n = entries.len();
        if n > 0 {
            self.write(|inner| self.commit(inner, entries))?;
        }
        Ok(n)
    }

    /// The alerts the caller is one of the two parties of, open and closed.
    /// A page of the alerts the caller is a party to (open, and closed within the retention period), by id.
    pub fn alerts_page(&self, party: &str, page: &super::Page) -> Result<super::Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .alerts
                .range::<str, _>(super::after_key(page))
                .filter(|(_, (parties, _))| parties.iter().any(|p| p == party))
                .map(|(id, (_, v))| (id, v.clone())),
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
