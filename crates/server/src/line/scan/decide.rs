//! A scan's third phase, the decisions: what is in conflict now, by alert key. Candidate pairs are re-decided
//! under the minima of their parties' agreements, incursions kept, and at most `alerts_per_party_pair` alerts
//! are open one by one between two parties (the rest is counted into their storm); then the areas new
//! incursion alerts are about, as each intruder may see them.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{json, Value};

use super::candidates::Candidates;
use super::party_pair;
use super::snapshot::Snapshot;
use crate::line::{key as area_key, Line, LineError};
use crate::tracks;

/// What a scan found beyond the cap between one pair of parties.
#[derive(Default)]
pub(super) struct Tally {
    /// Pairs (of tracks, or of a track and an area) in conflict, not alerted one by one.
    pub pairs: u64,
    pub tracks: HashSet<(String, String)>,
    /// Candidate pairs the detector's budget left undecided.
    pub undecided: u64,
}

/// What is in conflict now, as the scan decided it.
pub(super) struct Decisions {
    /// What is alerted one by one, by alert key (a pair's key, or `party/track>party/area`).
    pub found: BTreeMap<String, tracks::Finding>,
    /// What is beyond the cap, by pair of parties (the lesser first): the pairs in a storm.
    pub tallies: BTreeMap<(String, String), Tally>,
    /// The kind and name of the areas new incursion alerts are about, by area (`party/id`).
    pub areas: HashMap<String, tracks::AreaInfo>,
}

impl Line {
    /// Decides the `candidates` of the scan of `snap`, given the alerts already `open` (by key) and the cap
    /// per pair of parties; returns what is alerted one by one, the storms' tallies and the areas of new
    /// incursion alerts (the only step that takes the line's lock).
    pub(super) fn decide(
        &self,
        open: &BTreeMap<String, tracks::OpenAlert>,
        snap: &Snapshot,
        candidates: &Candidates,
        cap: usize,
    ) -> Result<Decisions, LineError> {
        let given = self.incursions_given(snap, candidates)?;
        let (found, tallies) = decide_pairs(open, snap, candidates, &given, cap);
        let areas = self.incursion_areas(open, &found)?;
        Ok(Decisions {
            found,
            tallies,
            areas,
        })
    }

    /// For each incursion candidate, whether its track's party was given the area (read in one short hold of
    /// the line's lock): an area it was given is alerted on its own, by name; those it was not given are
    /// folded into one alert per track and party, which names none of them.
    fn incursions_given(
        &self,
        snap: &Snapshot,
        candidates: &Candidates,
    ) -> Result<Vec<bool>, LineError> {
        if candidates.incursions.is_empty() {
            return Ok(Vec::new());
        }
        let inner = self.lock()?;
        Ok(candidates
            .incursions
            .iter()
            .map(|(i, c)| {
                let intruder = &snap.keys[*i].0;
                let area = c.other_than(intruder);
                inner
                    .current
                    .get(&area_key(&area.party, &area.id))
                    .is_some_and(|s| crate::line::need_to_know::declaration(s, intruder))
            })
            .collect())
    }

    /// The kind and name of the areas the new incursion alerts among `found` (those not `open`) are about, by
    /// area, read in one short hold of the line's lock (an area no longer in force is left out).
    fn incursion_areas(
        &self,
        open: &BTreeMap<String, tracks::OpenAlert>,
        found: &BTreeMap<String, tracks::Finding>,
    ) -> Result<HashMap<String, tracks::AreaInfo>, LineError> {
        let mut areas: HashMap<String, tracks::AreaInfo> = HashMap::new();
        let new: Vec<(&String, &[(String, f64)])> = found
            .iter()
            .filter(|(key, _)| !open.contains_key(*key))
            .filter_map(|(_, f)| match &f.body {
                tracks::Body::Incursion { party, areas, .. } => Some((party, areas.as_slice())),
                _ => None,
            })
            .collect();
        if new.is_empty() {
            return Ok(areas);
        }
        let inner = self.lock()?;
        for (party, ids) in new {
            for (id, _) in ids {
                let k = area_key(party, id);
                if let Some(site) = inner
                    .current
                    .get(&k)
                    .filter(|s| s.declaration.kind.is_area_of_protection() && !s.state.closed())
                {
                    let name = site.content.get("name").cloned().unwrap_or(Value::Null);
                    areas.insert(k, (site.declaration.kind.name().to_string(), name));
                }
            }
        }
        Ok(areas)
    }
}

/// The pairs and incursions among `candidates` in conflict now (pairs re-decided under their own minima), by
/// alert key, capped at `cap` alerts open per pair of parties given the alerts already `open`; returns them
/// with the tallies of what is beyond the cap (and what the detector's budget left undecided).
fn decide_pairs(
    open: &BTreeMap<String, tracks::OpenAlert>,
    snap: &Snapshot,
    candidates: &Candidates,
    given: &[bool],
    cap: usize,
) -> (
    BTreeMap<String, tracks::Finding>,
    BTreeMap<(String, String), Tally>,
) {
    let (keys, now_states, vertical, terms, groups) = (
        &snap.keys,
        &snap.now_states,
        &snap.vertical,
        &snap.terms,
        &snap.groups,
    );
    let incursions = &candidates.incursions;
    // What is in conflict now, by alert key: pairs of tracks re-decided under the minima of their parties'
    // agreements, and tracks heading into partners' areas. At most `cap` alerts are open one by one per
    // pair of parties: those already open stay, then losses of separation first; the rest is only counted,
    // into the pair's storm, with what the detector left undecided (no finding is built for it, so a storm
    // costs its counting, not its alerts).
    let encounters = candidates.encounters();
    // Open alerts by the scan's track numbers: (a, b) for separations, (track, area as `party/id`) for
    // incursions.
    let mut open_pairs: HashSet<(usize, usize)> = HashSet::new();
    let mut open_areas: HashSet<(usize, &str)> = HashSet::new();
    let mut open_per_pair: HashMap<(String, String), usize> = HashMap::new();
    for (key, open) in open {
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
    // Incursions by alert: a track and an area its party was given (`party/id`), or a track and every area of
    // one party its party was not given (`party/`, which no area's key is): one alert for those, so that the
    // intruder learns that its track is heading into some area of that party, not how many there are.
    let mut by_alert: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
    for (k, (i, c)) in incursions.iter().enumerate() {
        // The two sides are of different parties: the area is the side not of the track's party.
        let area = c.other_than(&keys[*i].0);
        let id = if given.get(k).copied().unwrap_or(false) {
            area.id.as_str()
        } else {
            ""
        };
        by_alert
            .entry((*i, area_key(&area.party, id)))
            .or_default()
            .push(k);
    }
    let by_alert: Vec<((usize, String), Vec<usize>)> = by_alert.into_iter().collect();
    // Candidates: (new, not a loss now, kind and place), in the order they are admitted.
    let mut admitted: Vec<(bool, bool, usize, bool)> =
        encounters
            .iter()
            .enumerate()
            .map(|(k, e)| (!open_pairs.contains(&(e.a, e.b)), !e.los_now, k, false))
            .chain(by_alert.iter().enumerate().map(|(k, ((i, area), _))| {
                (!open_areas.contains(&(*i, area.as_str())), true, k, true)
            }))
            .collect();
    admitted.sort_unstable();
    let mut found: BTreeMap<String, tracks::Finding> = BTreeMap::new();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (new, _, k, incursion) in admitted {
        let (finding_key, finding) = if incursion {
            let ((i, area), ks) = &by_alert[k];
            let (i, key) = (*i, &keys[*i]);
            let hits: Vec<&deconflict_strategic::Conflict> =
                ks.iter().map(|&k| &incursions[k].1).collect();
            let party = hits[0].other_than(&key.0).party.clone();
            let agreements = terms
                .get(&(key.0.clone(), party.clone()))
                .map_or_else(|| json!([]), |t| t.1.clone());
            (
                format!("{}/{}>{area}", key.0, key.1),
                tracks::Finding {
                    tracks: vec![key.clone()],
                    parties: [key.0.clone(), party.clone()],
                    los: false,
                    body: tracks::Body::Incursion {
                        track: i,
                        party,
                        given: !area.ends_with('/'),
                        areas: hits
                            .iter()
                            .map(|c| (c.other_than(&key.0).id.clone(), c.distance_m))
                            .collect(),
                        start_ms: hits
                            .iter()
                            .map(|c| c.window.start_ms)
                            .min()
                            .unwrap_or(snap.now),
                        end_ms: hits
                            .iter()
                            .map(|c| c.window.end_ms)
                            .max()
                            .unwrap_or(snap.now),
                        lookahead: (snap.now, snap.now + (tracks::LOOKAHEAD_S * 1000.0) as i64),
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
    for s in candidates.detection.iter().flat_map(|d| &d.saturated) {
        let tally = tallies
            .entry(party_pair(
                snap.party(groups[s.track] as usize),
                snap.party(s.group as usize),
            ))
            .or_default();
        tally.pairs += s.unkept;
        tally.undecided += s.skipped;
        tally.tracks.insert(keys[s.track].clone());
    }
    (found, tallies)
}
