//! Resolution advice: the smallest delay, and the smallest climb or descent, that clears every conflict of
//! a declaration against the declarations in an index.
//!
//! A delay moves every volume of the declaration later by the same time; a climb or descent moves every
//! altitude band by the same height. For each volume of another party that could conflict, the shifts that
//! would make it conflict form an open interval (from the separation test of docs/DESIGN.md §1); the advice is the
//! least shift outside all of them, found by a sweep over the intervals sorted by their lower ends. Shifts
//! are whole seconds and whole metres, rounded so that the advice always clears.

use deconflict_space::volume::MAX_GEOID_SEPARATION_M;
use deconflict_space::{MAX_ALTITUDE_M, MIN_ALTITUDE_M};

use crate::declaration::{Declaration, Kind};
use crate::index::{space_time_box, ConflictIndex, Policy, Reach};

/// How far advice may move a declaration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdviceBounds {
    pub max_delay_ms: i64,
    pub max_altitude_shift_m: f64,
}

impl Default for AdviceBounds {
    /// 24 hours; 3 000 m (about 10 000 ft).
    fn default() -> Self {
        AdviceBounds {
            max_delay_ms: 24 * 3_600_000,
            max_altitude_shift_m: 3_000.0,
        }
    }
}

/// The advice for one declaration; a shift of `None` means no such shift within the bounds clears it.
///
/// Only what can move is advised: air operations and ground movements in time, air operations in height.
/// Sites and zones are places and get no advice (both flags false).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Advice {
    /// Whether a delay is meaningful for this kind of declaration (`delay_ms` is `None` otherwise).
    pub can_delay: bool,
    /// Whether a climb or descent is meaningful for this kind (`climb_m`, `descend_m` are `None` otherwise).
    pub can_change_height: bool,
    /// Delay in whole seconds (ms, a multiple of 1 000).
    pub delay_ms: Option<i64>,
    /// Climb in whole metres.
    pub climb_m: Option<f64>,
    /// Descent in whole metres (a positive number).
    pub descend_m: Option<f64>,
}

/// The least `x ≥ 0` in no open interval `(lo, hi)`.
fn least_clear(mut intervals: Vec<(i64, i64)>) -> i64 {
    intervals.sort_unstable();
    let mut x = 0;
    for (lo, hi) in intervals {
        if lo >= x {
            break;
        }
        x = x.max(hi);
    }
    x
}

/// Computes the advice for `d` against every declaration of other parties in `index` (a version of `d`
/// itself in the index is ignored).
pub fn advise(index: &ConflictIndex, d: &Declaration, bounds: &AdviceBounds) -> Advice {
    advise_under(index, d, bounds, &index.own_policy())
}

/// As [`advise`], with the minima `policy` gives for each other party.
pub fn advise_under(
    index: &ConflictIndex,
    d: &Declaration,
    bounds: &AdviceBounds,
    policy: &Policy<'_>,
) -> Advice {
    advise_seen(index, d, bounds, policy, &|_, _| true)
}

/// The declarations of `index` that [`advise_under`] may look at for `d` within `bounds` (those with a
/// volume within reach of one of `d`'s, for any shift within the bounds), so that advice can be computed on a
/// copy of just these, away from the index.
pub fn advice_candidates<'a>(
    index: &'a ConflictIndex,
    d: &Declaration,
    bounds: &AdviceBounds,
    widest: crate::Separation,
) -> Vec<&'a Declaration> {
    let buffer2 = 2 * widest.time_buffer_ms;
    let reach = Reach {
        margin_m: widest.lateral_m,
        before_ms: buffer2,
        after_ms: bounds.max_delay_ms.saturating_add(buffer2),
    };
    // By slot number, with nothing copied: what it costs per declaration near is the same whoever's it is.
    let mut seen = std::collections::BTreeSet::new();
    for v in &d.volumes {
        index.near(d, v, reach, |slot, _, _| {
            seen.insert(slot);
        });
    }
    seen.into_iter()
        .filter_map(|slot| index.slot(slot))
        .collect()
}

/// The boxes [`advice_candidates`] searches around a declaration, for testing volumes one by one without an
/// index: advice and previews gather the few declarations a party was given and keep those with a volume
/// that [`AdviceReach::meets`], so that what they examine never depends on declarations they were not given.
/// A volume meets exactly when the index would have returned it as a candidate.
#[derive(Clone, Debug)]
pub struct AdviceReach {
    /// Per volume of the declaration: its box widened as the candidates' search widens it.
    boxes: Vec<([f64; 4], [f64; 4])>,
    /// The least box holding them all (a first, cheap test).
    all: ([f64; 4], [f64; 4]),
}

impl AdviceReach {
    /// The reach of advice on `d` within `bounds` under minima no wider than `widest`.
    pub fn new(d: &Declaration, bounds: &AdviceBounds, widest: crate::Separation) -> Self {
        let buffer2 = 2 * widest.time_buffer_ms;
        let after_ms = bounds.max_delay_ms.saturating_add(buffer2);
        let boxes: Vec<_> = d
            .volumes
            .iter()
            .map(|v| space_time_box(v, widest.lateral_m, buffer2, after_ms))
            .collect();
        let mut all = ([f64::INFINITY; 4], [f64::NEG_INFINITY; 4]);
        for (lo, hi) in &boxes {
            for k in 0..4 {
                all.0[k] = all.0[k].min(lo[k]);
                all.1[k] = all.1[k].max(hi[k]);
            }
        }
        AdviceReach { boxes, all }
    }

    /// Whether advice on the declaration may have to clear `w` (its box meets one of the declaration's
    /// widened boxes: the test of the index's search).
    pub fn meets(&self, w: &deconflict_space::Volume4D) -> bool {
        let b = space_time_box(w, 0.0, 0, 0);
        let meet =
            |(lo, hi): &([f64; 4], [f64; 4])| (0..4).all(|k| lo[k] <= b.1[k] && b.0[k] <= hi[k]);
        meet(&self.all) && self.boxes.iter().any(meet)
    }
}

/// As [`advise_under`], over only the volumes `sees` admits (`sees(declaration, volume index)`): the advice clears the conflicts with
/// those and knows nothing of the others (it may lead into one of them; that conflict is found when the
/// declaration is written). Neither the advice nor the time it takes depends on the declarations skipped.
pub fn advise_seen(
    index: &ConflictIndex,
    d: &Declaration,
    bounds: &AdviceBounds,
    policy: &Policy<'_>,
    sees: &dyn Fn(&Declaration, usize) -> bool,
) -> Advice {
    let can_delay = matches!(d.kind, Kind::AirOperation | Kind::GroundMovement);
    let can_change_height = d.kind == Kind::AirOperation;
    if !can_delay {
        return Advice {
            can_delay,
            can_change_height,
            delay_ms: None,
            climb_m: None,
            descend_m: None,
        };
    }
    let widest = policy.widest;
    let buffer2 = 2 * widest.time_buffer_ms;

    // Delay: every volume pair that conflicts in space and height at some delay within bounds.
    let mut delays = Vec::new();
    let reach = Reach {
        margin_m: widest.lateral_m,
        before_ms: buffer2,
        after_ms: bounds.max_delay_ms.saturating_add(buffer2),
    };
    for v in &d.volumes {
        index.near(d, v, reach, |_, other, j| {
            if !sees(other, j) {
                return;
            }
            let w = &other.volumes[j];
            let Some(minima) = (policy.minima_with)(&other.party) else {
                return;
            };
            let sep = minima.between(d.kind, other.kind);
            let b2 = 2 * sep.time_buffer_ms;
            if v.altitude.gap_m(&w.altitude) < sep.vertical_m
                && v.footprint
                    .distance_below(&w.footprint, sep.lateral_m)
                    .is_some()
            {
                let lo = (w.time.start_ms - v.time.end_ms - b2).div_euclid(1000);
                let hi = (w.time.end_ms - v.time.start_ms + b2 + 999).div_euclid(1000);
                delays.push((lo, hi));
            }
        });
    }
    let delay_s = least_clear(delays);
    let delay_ms = (delay_s * 1000 <= bounds.max_delay_ms).then_some(delay_s * 1000);

    // Height: every volume pair that conflicts in space and time at any height.
    let mut ups = Vec::new();
    let mut downs = Vec::new();
    let reach = Reach {
        margin_m: widest.lateral_m,
        before_ms: buffer2,
        after_ms: buffer2,
    };
    for v in &d.volumes {
        index.near(d, v, reach, |_, other, j| {
            if !sees(other, j) {
                return;
            }
            let w = &other.volumes[j];
            let Some(minima) = (policy.minima_with)(&other.party) else {
                return;
            };
            let sep = minima.between(d.kind, other.kind);
            if v.time
                .overlap_widened(&w.time, sep.time_buffer_ms)
                .is_some()
                && v.footprint
                    .distance_below(&w.footprint, sep.lateral_m)
                    .is_some()
            {
                // Gap after a shift h is below the minimum when h is in (lo, hi).
                // Bands on different datums are compared as if closer by the geoid margin (see AltitudeBand::gap_m).
                let margin = if v.altitude.datum == w.altitude.datum {
                    sep.vertical_m
                } else {
                    sep.vertical_m + MAX_GEOID_SEPARATION_M
                };
                let lo = (w.altitude.lower_m - v.altitude.upper_m - margin).floor() as i64;
                let hi = (w.altitude.upper_m - v.altitude.lower_m + margin).ceil() as i64;
                ups.push((lo, hi));
                downs.push((-hi, -lo));
            }
        });
    }
    let lowest = d
        .volumes
        .iter()
        .map(|v| v.altitude.lower_m)
        .fold(f64::INFINITY, f64::min);
    let highest = d
        .volumes
        .iter()
        .map(|v| v.altitude.upper_m)
        .fold(f64::NEG_INFINITY, f64::max);
    let climb = least_clear(ups) as f64;
    let descend = least_clear(downs) as f64;
    if !can_change_height {
        return Advice {
            can_delay,
            can_change_height,
            delay_ms,
            climb_m: None,
            descend_m: None,
        };
    }
    Advice {
        can_delay,
        can_change_height,
        delay_ms,
        climb_m: (climb <= bounds.max_altitude_shift_m && highest + climb <= MAX_ALTITUDE_M)
            .then_some(climb),
        descend_m: (descend <= bounds.max_altitude_shift_m && lowest - descend >= MIN_ALTITUDE_M)
            .then_some(descend),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{theatre, TheatreSpec};
    use crate::{Minima, Separation};

    /// [`AdviceReach::meets`], volume by volume and with no index, keeps exactly the declarations the index's
    /// search gives [`advice_candidates`]: advice over what a party was given, gathered without the index,
    /// looks at the same declarations as before.
    #[test]
    fn the_reach_of_advice_is_the_index_search() {
        let mut spec = TheatreSpec::constant_density(600);
        spec.volumes = (1, 3);
        spec.parties = 3;
        let declarations = theatre(7, 600, &spec);
        let index = ConflictIndex::bulk(Minima::default(), declarations.clone()).expect("index");
        let bounds = AdviceBounds::default();
        let mut found = 0;
        for widest in [
            Minima::default().standard,
            Separation {
                lateral_m: 40_000.0,
                vertical_m: 300.0,
                time_buffer_ms: 1_800_000,
            },
        ] {
            for d in declarations.iter().take(60) {
                let mut by_index: Vec<(&str, &str)> = advice_candidates(&index, d, &bounds, widest)
                    .iter()
                    .map(|o| (o.party.as_str(), o.id.as_str()))
                    .collect();
                by_index.sort_unstable();
                let reach = AdviceReach::new(d, &bounds, widest);
                let mut by_reach: Vec<(&str, &str)> = declarations
                    .iter()
                    .filter(|o| o.party != d.party && o.volumes.iter().any(|v| reach.meets(v)))
                    .map(|o| (o.party.as_str(), o.id.as_str()))
                    .collect();
                by_reach.sort_unstable();
                assert_eq!(by_reach, by_index, "{}", d.id);
                found += by_index.len();
            }
        }
        assert!(found > 100, "{found} candidates in all");
    }
}
