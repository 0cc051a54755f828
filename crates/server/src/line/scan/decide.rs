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
    /// The areas of new incursion alerts as each intruder may see them, by (intruder, area as `party/id`).
    pub areas: HashMap<(String, String), Value>,
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
        let (found, tallies) = decide_pairs(open, snap, candidates, cap);
        let areas = self.incursion_areas(open, &found)?;
        Ok(Decisions {
            found,
            tallies,
            areas,
        })
    }

    /// The areas the new incursion alerts among `found` (those not `open`) are about, as each intruder may see
    /// them, by (intruder, area as `party/id`), read in one short hold of the line's lock.
    fn incursion_areas(
        &self,
        open: &BTreeMap<String, tracks::OpenAlert>,
        found: &BTreeMap<String, tracks::Finding>,
    ) -> Result<HashMap<(String, String), Value>, LineError> {
        // The areas new incursion alerts are about, as each intruder may see them, in one short hold of the
        // line's lock (an area no longer in force is skipped).
        let mut areas: HashMap<(String, String), Value> = HashMap::new();
        let inner = self.lock()?;
        for (key, f) in found {
            if let (false, tracks::Body::Incursion { area, party, .. }) =
                (open.contains_key(key), &f.body)
            {
                let intruder = &f.parties[0];
                let Some(site) = inner
                    .current
                    .get(&area_key(party, area))
                    .filter(|s| s.declaration.kind.is_area_of_protection() && !s.state.closed())
                else {
                    continue;
                };
                areas.insert(
                    (intruder.clone(), area_key(party, area)),
                    tracks::area_json(
                        area,
                        party,
                        site.declaration.kind.name(),
                        site.content.get("name"),
                        crate::line::need_to_know::declaration(site, intruder),
                    ),
                );
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
    // Candidates: (new, not a loss now, kind and place), in the order they are admitted.
    let mut admitted: Vec<(bool, bool, usize, bool)> = encounters
        .iter()
        .enumerate()
        .map(|(k, e)| (!open_pairs.contains(&(e.a, e.b)), !e.los_now, k, false))
        .chain(incursions.iter().enumerate().map(|(k, (i, c))| {
            // The two sides are of different parties: the area is the side not of the track's party.
            let area = c.other_than(&keys[*i].0);
            let area = area_key(&area.party, &area.id);
            (!open_areas.contains(&(*i, area.as_str())), true, k, true)
        }))
        .collect();
    admitted.sort_unstable();
    let mut found: BTreeMap<String, tracks::Finding> = BTreeMap::new();
    let mut tallies: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (new, _, k, incursion) in admitted {
        let (finding_key, finding) = if incursion {
            let (i, c) = &incursions[k];
            let (i, key) = (*i, &keys[*i]);
            let other = c.other_than(&key.0);
            let agreements = terms
                .get(&(key.0.clone(), other.party.clone()))
                .map_or_else(|| json!([]), |t| t.1.clone());
            (
                format!("{}/{}>{}", key.0, key.1, area_key(&other.party, &other.id)),
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
