//! Deciding one pair of tracks: the vertical terms (with unknown rates and pressure altitudes), the
//! horizontal intrusion from the closest point of approach, and the brute-force checks every other method is
//! tested against.

use crate::*;

/// The climb or descent rate (m/s) assumed, both ways, for a track whose vertical rate is unknown: 6 000 ft/min,
/// about the best sustained climb of transport aircraft and more than most aircraft hold for the five minutes of
/// a look-ahead. Such a track's altitude is not held level: over `t` seconds it may be anywhere within
/// `±UNKNOWN_VERTICAL_RATE_MPS · t` of the last report, so an unknown climb is never assumed level. A faster
/// climber must report its vertical rate.
pub const UNKNOWN_VERTICAL_RATE_MPS: f64 = 30.48;

/// Added to the vertical minimum (m) when one altitude is barometric (pressure altitude, the standard setting
/// 1013.25 hPa: flight levels) and the other is referenced to mean sea level. Pressure altitude differs from
/// altitude above MSL by about 8.5 m per hPa that the local QNH differs from 1013.25 hPa; QNH stays within
/// 1013 ± 60 hPa outside the deepest cyclones (±510 m), and a temperature away from the standard atmosphere
/// adds about 4 % of the height per 10 °C (±240 m at 3 000 m for ±20 °C): 750 m in all. Two pressure altitudes
/// need no margin (the same reference).
pub const PRESSURE_MARGIN_M: f64 = 750.0;

/// What is known of a track's vertical state beyond its [`Track`]: whether its vertical rate is unknown (then
/// `vs_mps` is ignored and held 0, and the altitude spreads by [`UNKNOWN_VERTICAL_RATE_MPS`] each way),
/// whether its altitude is pressure altitude rather than MSL (then compared with MSL altitudes with
/// [`PRESSURE_MARGIN_M`] more), and whether it is a height above the WGS84 ellipsoid (GNSS, TAK's `hae`; then
/// compared with altitudes on another reference with [`MAX_GEOID_SEPARATION_M`] more).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vertical {
    pub rate_unknown: bool,
    pub pressure: bool,
    pub ellipsoid: bool,
}

/// The largest separation between mean sea level and the WGS84 ellipsoid anywhere on Earth (m), rounded up: the
/// margin between a height above the ellipsoid and an altitude on another reference, for want of a geoid
/// model (the strategic check's `MAX_GEOID_SEPARATION_M`, the same value; the server checks they agree).
pub const MAX_GEOID_SEPARATION_M: f64 = 110.0;

impl Vertical {
    /// How fast (m/s) the track's altitude may drift from its extrapolation, either way.
    pub fn spread_mps(self) -> f64 {
        if self.rate_unknown {
            UNKNOWN_VERTICAL_RATE_MPS
        } else {
            0.0
        }
    }

    /// The margin (m) added to the vertical minimum between this track and `other`.
    pub fn margin_with(self, other: Vertical) -> f64 {
        let pressure = if self.pressure != other.pressure {
            PRESSURE_MARGIN_M
        } else {
            0.0
        };
        let geoid = if self.ellipsoid != other.ellipsoid {
            MAX_GEOID_SEPARATION_M
        } else {
            0.0
        };
        pressure + geoid
    }

    /// What this track's altitude interval is widened by so that it meets the interval of any track on another
    /// reference within the minimum plus [`Vertical::margin_with`].
    pub fn reference_margin_m(self) -> f64 {
        (if self.pressure {
            PRESSURE_MARGIN_M
        } else {
            0.0
        }) + if self.ellipsoid {
            MAX_GEOID_SEPARATION_M
        } else {
            0.0
        }
    }
}

/// The times `t` with `a·t < b`, as an interval; `None` if none.
pub(crate) fn below(a: f64, b: f64) -> Option<(f64, f64)> {
    if a.abs() < STILL_MPS {
        (b > 0.0).then_some((f64::NEG_INFINITY, f64::INFINITY))
    } else if a > 0.0 {
        Some((f64::NEG_INFINITY, b / a))
    } else {
        Some((b / a, f64::INFINITY))
    }
}

/// The interval `(lo, hi)` when `|x0 + v t| < limit + spread·t` (`spread ≥ 0`: a limit that widens with time,
/// for an unknown vertical rate); `None` if never.
pub(crate) fn intrusion(x0: f64, v: f64, limit: f64, spread: f64) -> Option<(f64, f64)> {
    if spread <= 0.0 {
        if v.abs() < STILL_MPS {
            return (x0.abs() < limit).then_some((f64::NEG_INFINITY, f64::INFINITY));
        }
        let t1 = (-limit - x0) / v;
        let t2 = (limit - x0) / v;
        return Some((t1.min(t2), t1.max(t2)));
    }
    // x0 + v t < limit + spread t  and  −(x0 + v t) < limit + spread t.
    let (a0, a1) = below(v - spread, limit - x0)?;
    let (b0, b1) = below(-v - spread, limit + x0)?;
    let (lo, hi) = (a0.max(b0), a1.min(b1));
    (lo < hi).then_some((lo, hi))
}

/// Decides one pair.
pub fn pair(a: &Track, b: &Track, p: &Params) -> Option<Encounter> {
    pair_moving(a, a.velocity(), b, b.velocity(), (0.0, 0.0), p)
}

/// [`pair`] with what is known of each track's vertical state: an unknown vertical rate widens the vertical
/// test over time, and a pressure altitude against an MSL one widens it by [`PRESSURE_MARGIN_M`].
pub fn pair_vertical(
    a: &Track,
    va: Vertical,
    b: &Track,
    vb: Vertical,
    p: &Params,
) -> Option<Encounter> {
    pair_moving(a, a.velocity(), b, b.velocity(), vertical_terms(va, vb), p)
}

/// The margin (m) and spread (m/s) of the vertical test between two tracks.
pub(crate) fn vertical_terms(va: Vertical, vb: Vertical) -> (f64, f64) {
    (va.margin_with(vb), va.spread_mps() + vb.spread_mps())
}

/// [`pair`] with both velocities (east, north) already computed, and the vertical test's margin and spread.
pub(crate) fn pair_moving(
    a: &Track,
    (ae, an): (f64, f64),
    b: &Track,
    (be, bn): (f64, f64),
    (margin, spread): (f64, f64),
    p: &Params,
) -> Option<Encounter> {
    let mean_lat = (0.5 * (a.lat_deg + b.lat_deg)).to_radians();
    let mut dlon = b.lon_deg - a.lon_deg;
    if dlon > 180.0 {
        dlon -= 360.0;
    } else if dlon < -180.0 {
        dlon += 360.0;
    }
    let east = EARTH_RADIUS_M * dlon.to_radians() * mean_lat.cos();
    let north = EARTH_RADIUS_M * (b.lat_deg - a.lat_deg).to_radians();
    let (ve, vn) = (be - ae, bn - an);
    let v2 = ve * ve + vn * vn;
    let r2 = east * east + north * north;
    let rpz2 = p.rpz_m * p.rpz_m;

    // Horizontal: closest point of approach, then the interval within rpz around it.
    let (t_cpa, d_cpa2, horizontal) = if v2 < STILL_MPS * STILL_MPS {
        let inside = r2 < rpz2;
        (
            0.0,
            r2,
            inside.then_some((f64::NEG_INFINITY, f64::INFINITY)),
        )
    } else {
        let t_cpa = -(east * ve + north * vn) / v2;
        let (ce, cn) = (east + ve * t_cpa, north + vn * t_cpa);
        let d2 = ce * ce + cn * cn;
        let window = (d2 < rpz2).then(|| {
            let half = ((rpz2 - d2) / v2).sqrt();
            (t_cpa - half, t_cpa + half)
        });
        (t_cpa, d2, window)
    };
    let (h_in, h_out) = horizontal?;
    let (v_in, v_out) = intrusion(
        b.alt_m - a.alt_m,
        b.vs_mps - a.vs_mps,
        p.hpz_m - LEVEL_TOLERANCE_M + margin,
        spread,
    )?;
    let t_in = h_in.max(v_in);
    let t_out = h_out.min(v_out);
    if !(t_in < t_out && t_out > 0.0 && t_in < p.lookahead_s) {
        return None;
    }
    Some(Encounter {
        a: 0,
        b: 0,
        t_cpa_s: t_cpa,
        d_cpa_m: d_cpa2.sqrt(),
        t_los_s: t_in.max(0.0),
        t_out_s: t_out,
        los_now: t_in < 0.0,
    })
}

pub(crate) fn decided(tracks: &[Track], i: usize, j: usize, p: &Params) -> Option<Encounter> {
    pair(&tracks[i], &tracks[j], p).map(|e| Encounter { a: i, b: j, ..e })
}

/// Every pair, one by one: the reference.
pub fn brute_force(tracks: &[Track], p: &Params) -> Vec<Encounter> {
    let mut out = Vec::new();
    for i in 0..tracks.len() {
        for j in i + 1..tracks.len() {
            if let Some(e) = decided(tracks, i, j, p) {
                out.push(e);
            }
        }
    }
    out
}

/// Every pair of linked groups, one by one, with each track's [`Vertical`] and no budget: the reference for
/// [`Detector::detect_between`] when no budget is reached.
pub fn brute_force_between(tracks: &[Track], between: &Between<'_>, p: &Params) -> Vec<Encounter> {
    let vertical = |i: usize| between.vertical.get(i).copied().unwrap_or_default();
    let mut out = Vec::new();
    for i in 0..tracks.len() {
        for j in i + 1..tracks.len() {
            let (gi, gj) = (between.groups[i], between.groups[j]);
            if gi == gj || !(between.linked)(gi.min(gj), gi.max(gj)) {
                continue;
            }
            if let Some(e) = pair_vertical(&tracks[i], vertical(i), &tracks[j], vertical(j), p) {
                out.push(Encounter { a: i, b: j, ..e });
            }
        }
    }
    out
}
