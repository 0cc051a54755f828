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
use crate::index::{ConflictIndex, Policy, Reach};

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
