//! Tactical conflict detection between live tracks, state-based as in DESIGN §4 (the BlueSky simulator's
//! method): every track is extrapolated linearly from its last state; for a pair, the relative position comes
//! from the flat-earth approximation at the pair's mean latitude (R = 6 371 000 m), the horizontal intrusion
//! interval from the closest point of approach, the vertical one from the altitude difference, and a conflict
//! is an overlap of the two that ends after now and begins before the look-ahead. A pair already inside both
//! minima is a loss of separation.
//!
//! [`pair`] decides one pair; [`brute_force`] checks every pair; [`detect`] finds exactly the same pairs in
//! close to linear time: each track's position over the look-ahead is boxed in latitude, longitude and
//! altitude (a box any conflicting partner's box must meet — see [`SweptBox`]), boxes are hashed into a grid,
//! and only pairs whose boxes meet are decided, in parallel.
//!
//! Architecture invariant: pure — states in, encounters out; no IO, no clock.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

/// Earth radius of the flat-earth approximation (m).
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;
/// Altitude differences within this (m) of the vertical minimum count as meeting it. Altitudes arrive in feet
/// and flight levels; in binary floating point, aircraft exactly 1 000 ft apart can come out a hair under
/// 304.8 m (36 000 ft and 35 000 ft converted differ by 304.7999999999993 m), which would turn standard
/// vertical separation into a loss.
pub const LEVEL_TOLERANCE_M: f64 = 1e-6;
/// Relative speeds (m/s) below this are treated as zero: the separation then stays what it is.
pub const STILL_MPS: f64 = 1e-6;

/// A track's last state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Track {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: f64,
    /// Ground speed (m/s).
    pub gs_mps: f64,
    /// Track angle, degrees clockwise from true north.
    pub trk_deg: f64,
    /// Vertical speed (m/s), positive up.
    pub vs_mps: f64,
}

impl Track {
    /// Velocity east and north (m/s).
    pub fn velocity(&self) -> (f64, f64) {
        let (s, c) = self.trk_deg.to_radians().sin_cos();
        (self.gs_mps * s, self.gs_mps * c)
    }
}

/// The longest extrapolation (s) [`extrapolate`] makes, either way; a longer one is cut to it. The line's
/// reports are at most its track lifetime old and its look-ahead ahead, far less than this.
pub const MAX_EXTRAPOLATION_S: f64 = 86_400.0;

/// A longitude in [-180°, 180°] as it is, any other wrapped into [-180°, 180°), in closed form (no loop over
/// its value, however large); not finite: 0.
pub fn wrap_lon(lon_deg: f64) -> f64 {
    if !lon_deg.is_finite() {
        return 0.0;
    }
    if (-180.0..=180.0).contains(&lon_deg) {
        return lon_deg;
    }
    let w = (lon_deg + 180.0).rem_euclid(360.0) - 180.0;
    // rem_euclid may round up to 360 for tiny negative inputs.
    if w >= 180.0 {
        w - 360.0
    } else {
        w
    }
}

/// `t` moved on in a straight line (flat earth at its latitude) by `dt_s` seconds, in closed form: every value
/// of the result is finite whatever `t` and `dt_s` are. Not-finite inputs count as 0 (a time as no time); the
/// time is cut to ±[`MAX_EXTRAPOLATION_S`], the latitude to ±90°; a path over a pole comes down the other
/// side (latitude reflected, longitude and track turned by 180°), and the longitude is wrapped into
/// [-180°, 180°) with [`wrap_lon`]. At a pole itself (where east has no direction) the longitude is kept.
pub fn extrapolate(t: &Track, dt_s: f64) -> Track {
    let or0 = |v: f64| if v.is_finite() { v } else { 0.0 };
    let dt = or0(dt_s).clamp(-MAX_EXTRAPOLATION_S, MAX_EXTRAPOLATION_S);
    let lat0 = or0(t.lat_deg).clamp(-90.0, 90.0);
    let lon0 = wrap_lon(or0(t.lon_deg));
    let trk0 = or0(t.trk_deg);
    let state = Track {
        lat_deg: lat0,
        lon_deg: lon0,
        alt_m: or0(t.alt_m),
        gs_mps: or0(t.gs_mps),
        trk_deg: trk0,
        vs_mps: or0(t.vs_mps),
    };
    let (ve, vn) = state.velocity();
    let to_deg = 180.0 / (std::f64::consts::PI * EARTH_RADIUS_M);
    // Latitude along the meridian, reduced to one turn round it, then reflected at a pole.
    let raw = (lat0 + vn * dt * to_deg + 180.0).rem_euclid(360.0) - 180.0;
    let (lat, over_pole) = if raw > 90.0 {
        (180.0 - raw, true)
    } else if raw < -90.0 {
        (-180.0 - raw, true)
    } else {
        (raw, false)
    };
    let cos = lat0.to_radians().cos();
    let dlon = if cos > 1e-9 {
        ve * dt * to_deg / cos
    } else {
        0.0
    };
    let turn = if over_pole { 180.0 } else { 0.0 };
    let alt = state.alt_m + state.vs_mps * dt;
    Track {
        lat_deg: or0(lat).clamp(-90.0, 90.0),
        lon_deg: wrap_lon(lon0 + dlon + turn),
        alt_m: if alt.is_finite() { alt } else { state.alt_m },
        trk_deg: if over_pole {
            (trk0 + turn).rem_euclid(360.0)
        } else {
            trk0
        },
        ..state
    }
}

/// Protected zone and look-ahead.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Horizontal protected radius (m).
    pub rpz_m: f64,
    /// Vertical protected half-height (m).
    pub hpz_m: f64,
    /// How far ahead to look (s).
    pub lookahead_s: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            rpz_m: 9_260.0,
            hpz_m: 304.8,
            lookahead_s: 300.0,
        }
    }
}

/// A predicted (or present) loss of separation between tracks `a` < `b` (indices into the input).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Encounter {
    pub a: usize,
    pub b: usize,
    /// Time to the horizontal closest point of approach (s; 0 when they do not move relative to each other).
    pub t_cpa_s: f64,
    /// Horizontal distance at the closest point of approach (m).
    pub d_cpa_m: f64,
    /// Time until separation is lost (s; 0 when it already is).
    pub t_los_s: f64,
    /// Time until separation is regained (s; infinite when it never is).
    pub t_out_s: f64,
    /// Separation is lost now.
    pub los_now: bool,
}

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
/// `vs_mps` is ignored and held 0, and the altitude spreads by [`UNKNOWN_VERTICAL_RATE_MPS`] each way), and
/// whether its altitude is pressure altitude rather than MSL (then compared with MSL altitudes with
/// [`PRESSURE_MARGIN_M`] more).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vertical {
    pub rate_unknown: bool,
    pub pressure: bool,
}

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
        if self.pressure != other.pressure {
            PRESSURE_MARGIN_M
        } else {
            0.0
        }
    }
}

/// The times `t` with `a·t < b`, as an interval; `None` if none.
fn below(a: f64, b: f64) -> Option<(f64, f64)> {
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
fn intrusion(x0: f64, v: f64, limit: f64, spread: f64) -> Option<(f64, f64)> {
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
fn vertical_terms(va: Vertical, vb: Vertical) -> (f64, f64) {
    (va.margin_with(vb), va.spread_mps() + vb.spread_mps())
}

/// [`pair`] with both velocities (east, north) already computed, and the vertical test's margin and spread.
fn pair_moving(
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

fn decided(tracks: &[Track], i: usize, j: usize, p: &Params) -> Option<Encounter> {
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

/// Where a track can be during the look-ahead, widened so that any two tracks in conflict have meeting boxes.
///
/// Latitude: the swept interval of `lat + v_north·t/R`, widened by `rpz/2R` — exact, since the north component
/// of the pair's relative position is the difference of these. Longitude: the pair's east component is
/// `R·Δlon·cos(mean lat) + Δv_east·t`, and the mean latitude lies within `Δφ` of either track's (`Δφ` bounds
/// the latitude difference of any pair whose latitude boxes meet), so dividing by the least cosine within `Δφ`
/// of the track's latitude gives an interval that holds the track's share of it. Altitude: the swept interval
/// widened by `hpz/2` (and by what an unknown vertical rate or a pressure altitude adds: see [`Vertical`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweptBox {
    pub lat: (f64, f64),
    /// Longitude interval; may extend past ±180° (the grid wraps it); `None` when it spans every longitude.
    pub lon: Option<(f64, f64)>,
    pub alt: (f64, f64),
}

fn ordered(a: f64, b: f64) -> (f64, f64) {
    (a.min(b), a.max(b))
}

/// The swept box of `t`, for partners whose latitude is within `reach_deg` of its own.
pub fn swept_box(t: &Track, p: &Params, reach_deg: f64) -> SweptBox {
    swept_box_vertical(t, Vertical::default(), p, reach_deg)
}

/// [`swept_box`] of a track with vertical state `v`: its altitude interval is widened by the spread of an unknown
/// vertical rate over the look-ahead, and by [`PRESSURE_MARGIN_M`] for a pressure altitude (so that it meets
/// the box of any MSL track within the minimum plus the margin).
pub fn swept_box_vertical(t: &Track, v: Vertical, p: &Params, reach_deg: f64) -> SweptBox {
    let (ve, vn) = t.velocity();
    let horizon = p.lookahead_s;
    let to_deg = 180.0 / (std::f64::consts::PI * EARTH_RADIUS_M);
    let half_deg = 0.5 * p.rpz_m * to_deg;
    let (lat_lo, lat_hi) = ordered(t.lat_deg, t.lat_deg + vn * horizon * to_deg);
    let lat = (lat_lo - half_deg, lat_hi + half_deg);
    // The least cosine of any latitude within reach of this track's.
    let pole_side = t.lat_deg.abs() + reach_deg;
    let lon = if pole_side >= 89.999 {
        None
    } else {
        let c = pole_side.to_radians().cos();
        let (lo, hi) = ordered(t.lon_deg, t.lon_deg + ve * horizon * to_deg / c);
        let half = half_deg / c;
        if hi - lo + 2.0 * half >= 360.0 {
            None
        } else {
            Some((lo - half, hi + half))
        }
    };
    let (alt_lo, alt_hi) = ordered(t.alt_m, t.alt_m + t.vs_mps * horizon);
    let widen =
        0.5 * p.hpz_m + v.spread_mps() * horizon + if v.pressure { PRESSURE_MARGIN_M } else { 0.0 };
    SweptBox {
        lat,
        lon,
        alt: (alt_lo - widen, alt_hi + widen),
    }
}

/// Where a track starts, on the plane of the equator: `x, y = R·cos φ·(cos λ, sin λ)` (m), and the half-width of
/// a square there that meets the square of any partner in conflict within the look-ahead.
///
/// The flat-earth distance of [`pair`] is never less than the distance of the two points in this plane: its
/// north term `R·|Δφ|` bounds the difference of `R·cos φ` (which changes by at most `R` per radian), and its east
/// term `R·|Δλ|·cos(mean φ)` bounds `2·√(R cos φa · R cos φb)·|sin(Δλ/2)|` (the cosine is log-concave, so the
/// cosine of the mean latitude is at least the geometric mean of the cosines). A pair in conflict comes within
/// `rpz` at some time in the look-ahead `T`, so it starts within `rpz + (|va| + |vb|)·T`: squares of half-width
/// `rpz/2 + |v|·T` meet. Unlike longitude, this does not degenerate at the poles.
fn polar_square(t: &Track, p: &Params) -> (f64, f64, f64) {
    let (phi, lambda) = (t.lat_deg.to_radians(), t.lon_deg.to_radians());
    let rho = EARTH_RADIUS_M * phi.cos();
    // 1 m for rounding.
    let half = 0.5 * p.rpz_m + t.gs_mps.abs() * p.lookahead_s + 1.0;
    (rho * lambda.cos(), rho * lambda.sin(), half)
}

fn meets(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// Longitude intervals meet, modulo 360°.
fn lon_meets(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            meets(a, b)
                || meets(a, (b.0 + 360.0, b.1 + 360.0))
                || meets(a, (b.0 - 360.0, b.1 - 360.0))
        }
        _ => true,
    }
}

/// Scans started, for the stamps of [`SEEN`].
static SCANS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Per worker thread: the stamp of the query that last met each position.
    static SEEN: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// How cells are numbered: densely over the occupied window, or hashed into `mask + 1` buckets.
struct Grid {
    dense: bool,
    row0: i64,
    layer0: i64,
    columns: i64,
    layers: i64,
    mask: u64,
}

impl Grid {
    #[inline]
    fn bucket(&self, r: i64, c: i64, l: i64) -> usize {
        let c = c.rem_euclid(self.columns);
        if self.dense {
            (((r - self.row0) * self.columns + c) * self.layers + (l - self.layer0)) as usize
        } else {
            let mut h = (r as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            h ^= (c as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
            h ^= (l as u64).wrapping_mul(0x1656_67B1_9E37_79F9);
            h ^= h >> 29;
            (h & self.mask) as usize
        }
    }

    /// Calls `f` with the bucket of every cell of a span (rows, unwrapped columns, layers).
    #[inline]
    fn cells(&self, s: &[i64; 6], mut f: impl FnMut(usize)) {
        for r in s[0]..=s[1] {
            for c in s[2]..=s[3] {
                for l in s[4]..=s[5] {
                    f(self.bucket(r, c, l));
                }
            }
        }
    }

    /// Compressed buckets: the positions in bucket `k` are `members[start[k]..start[k + 1]]`, in order.
    fn fill(
        &self,
        buckets: usize,
        spans: impl Iterator<Item = (usize, [i64; 6])> + Clone,
        start: &mut Vec<u32>,
        fill: &mut Vec<u32>,
        members: &mut Vec<u32>,
    ) {
        start.clear();
        start.resize(buckets + 1, 0);
        for (_, s) in spans.clone() {
            self.cells(&s, |k| start[k + 1] += 1);
        }
        for k in 0..buckets {
            start[k + 1] += start[k];
        }
        fill.clear();
        fill.extend_from_slice(start);
        members.clear();
        members.resize(start[buckets] as usize, 0);
        for (q, s) in spans {
            self.cells(&s, |k| {
                members[fill[k] as usize] = q as u32;
                fill[k] += 1;
            });
        }
    }
}

/// A box whose span covers more grid cells than this (a track near a pole, where longitude boxes degenerate,
/// or one reported far faster or steeper than the rest) is not put in the grid: it is queried instead through a
/// coarse grid of squares on the plane of the equator (see [`polar_square`]), whose cells are at least a
/// sixteenth of the largest square. No reported value can make a track cover an unbounded number of cells.
pub const MAX_BOX_CELLS: f64 = 512.0;

/// How much one query may spend on one other group (party) in [`Detector::detect_between`]: tracks of that
/// group looked at, candidates (boxes that meet) decided, and conflicts kept. Past any of them the rest of that
/// group is skipped for this track and counted in a [`Saturation`]: one party's stack of tracks costs every
/// other track a bounded amount, and its pairs with the other party are reported as a storm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub examined: usize,
    pub decided: usize,
    pub kept: usize,
}

impl Budget {
    /// No bound (the result is then exactly [`brute_force_between`]'s).
    pub const UNLIMITED: Budget = Budget {
        examined: usize::MAX,
        decided: usize::MAX,
        kept: usize::MAX,
    };
}

impl Default for Budget {
    /// Well above what real traffic needs (10 000 tracks per 1 000 km square meet ~100 boxes each), far below
    /// what a stack of tracks on one point costs: 40 000 tracks packed at a pole take about 0.1 s a scan on
    /// two cores (four times that with the budget four times larger).
    fn default() -> Self {
        Budget {
            examined: 512,
            decided: 64,
            kept: 8,
        }
    }
}

/// How [`Detector::detect_between`] pairs tracks.
pub struct Between<'a> {
    /// Each track's group (its party). Tracks of one group are never paired.
    pub groups: &'a [u32],
    /// Whether two groups (the lower first) are paired at all.
    pub linked: &'a (dyn Fn(u32, u32) -> bool + Sync),
    /// Each track's vertical state (empty: all known rates, MSL).
    pub vertical: &'a [Vertical],
    /// What one track may spend on each other group.
    pub budget: Budget,
}

impl std::fmt::Debug for Between<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Between")
            .field("groups", &self.groups.len())
            .field("vertical", &self.vertical.len())
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

/// A track whose query ran out of [`Budget`] on another group: conflicts it may have with that group's tracks
/// are unknown (`skipped` tracks not looked at or not decided) or found but not kept (`unkept`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Saturation {
    pub track: usize,
    pub group: u32,
    pub skipped: u64,
    pub unkept: u64,
}

/// What [`Detector::detect_between`] found: the pairs in conflict (ordered by `(a, b)`) and the tracks whose
/// budget ran out (ordered by track, then group).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detection {
    pub encounters: Vec<Encounter>,
    pub saturated: Vec<Saturation>,
    /// Steps the queries took over bucket members (what the detection cost, whatever the machine).
    pub steps: u64,
}

/// Every conflicting pair, the same as [`brute_force`], ordered by `(a, b)`; uses every core.
pub fn detect(tracks: &[Track], p: &Params) -> Vec<Encounter> {
    Detector::default().detect(tracks, p)
}

/// [`detect`] with its grid's buffers kept from one scan to the next (a periodic scan allocates nothing large).
#[derive(Debug, Default)]
pub struct Detector {
    start: Vec<u32>,
    fill: Vec<u32>,
    members: Vec<u32>,
}

impl Detector {
    /// As [`detect`].
    pub fn detect(&mut self, tracks: &[Track], p: &Params) -> Vec<Encounter> {
        detect_with(self, tracks, p, &Spec::all()).encounters
    }

    /// Pairs of tracks of different, linked groups only, each decided with its tracks' [`Vertical`] states,
    /// within `between.budget` per track and other group. Without a budget reached, the same pairs as
    /// [`brute_force_between`]. Tracks with a value that is not finite are never paired.
    pub fn detect_between(
        &mut self,
        tracks: &[Track],
        between: &Between<'_>,
        p: &Params,
    ) -> Detection {
        let spec = Spec {
            groups: Some(between.groups),
            linked: Some(between.linked),
            vertical: between.vertical,
            budget: between.budget,
        };
        detect_with(self, tracks, p, &spec)
    }
}

struct Spec<'a> {
    groups: Option<&'a [u32]>,
    linked: Option<&'a (dyn Fn(u32, u32) -> bool + Sync)>,
    vertical: &'a [Vertical],
    budget: Budget,
}

impl Spec<'_> {
    fn all() -> Self {
        Spec {
            groups: None,
            linked: None,
            vertical: &[],
            budget: Budget::UNLIMITED,
        }
    }
}

/// A query's spending on one other group.
#[derive(Clone, Copy, Default)]
struct Spent {
    group: u32,
    examined: usize,
    decided: usize,
    kept: usize,
    skipped: u64,
    unkept: u64,
}

/// Where a track goes: the grid, the coarse plane (see [`MAX_BOX_CELLS`]), or nowhere (not finite).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Grid,
    Wide,
    Out,
}

fn finite(t: &Track) -> bool {
    [t.lat_deg, t.lon_deg, t.alt_m, t.gs_mps, t.trk_deg, t.vs_mps]
        .iter()
        .all(|v| v.is_finite())
}

fn detect_with(buffers: &mut Detector, tracks: &[Track], p: &Params, spec: &Spec) -> Detection {
    let usable: Vec<bool> = tracks.iter().map(finite).collect();
    if usable.iter().filter(|u| **u).count() < 2 {
        return Detection::default();
    }
    let vertical = |i: usize| spec.vertical.get(i).copied().unwrap_or_default();
    let group = |i: usize| spec.groups.map_or(0, |g| g.get(i).copied().unwrap_or(0));
    // How far apart in latitude two tracks whose boxes meet can be: both sweeps plus rpz.
    let max_north = tracks
        .iter()
        .zip(&usable)
        .filter(|(_, u)| **u)
        .map(|(t, _)| t.velocity().1.abs())
        .fold(0.0f64, f64::max);
    let to_deg = 180.0 / (std::f64::consts::PI * EARTH_RADIUS_M);
    let reach_deg = (p.rpz_m + 2.0 * max_north * p.lookahead_s) * to_deg;
    let boxes: Vec<SweptBox> = tracks
        .par_iter()
        .enumerate()
        .map(|(i, t)| swept_box_vertical(t, vertical(i), p, reach_deg))
        .collect();

    // Cells about the size of a typical box in latitude (its median extent) and four times its median extent in
    // altitude (measured best on the benchmark traffic); columns divide
    // 360° exactly, so a longitude and the same longitude ± 360° fall in the same column. Cells are hashed
    // into buckets: two cells sharing a bucket only add candidates, which the box test then drops.
    let median = |mut x: Vec<f64>| {
        let mid = x.len() / 2;
        x.select_nth_unstable_by(mid, f64::total_cmp);
        x[mid]
    };
    let usable_boxes = || {
        boxes
            .iter()
            .zip(&usable)
            .filter(|(_, u)| **u)
            .map(|(b, _)| b)
    };
    let cell = median(usable_boxes().map(|b| b.lat.1 - b.lat.0).collect()).clamp(0.01, 360.0);
    let layer = 4.0 * median(usable_boxes().map(|b| b.alt.1 - b.alt.0).collect()).max(10.0);
    let columns = (360.0 / cell).ceil() as i64;
    let column_width = 360.0 / columns as f64;
    let row = |lat: f64| (lat / cell).floor() as i64;
    let column = |lon: f64| ((lon + 180.0) / column_width).floor() as i64;
    let level = |alt: f64| (alt / layer).floor() as i64;
    // Each box's rows, (unwrapped) columns and layers, and where it goes.
    let (spans, class): (Vec<[i64; 6]>, Vec<Class>) = boxes
        .iter()
        .zip(&usable)
        .map(|(b, &u)| {
            if !u {
                return ([0; 6], Class::Out);
            }
            let Some((lo, hi)) = b.lon else {
                return ([0; 6], Class::Wide);
            };
            let (c0, c1) = if column(hi) - column(lo) < columns {
                (column(lo), column(hi))
            } else {
                (0, columns - 1)
            };
            let s = [
                row(b.lat.0),
                row(b.lat.1),
                c0,
                c1,
                level(b.alt.0),
                level(b.alt.1),
            ];
            let count = |k: usize| (s[k + 1] as f64 - s[k] as f64) + 1.0;
            if count(0) * count(2) * count(4) > MAX_BOX_CELLS {
                (s, Class::Wide)
            } else {
                (s, Class::Grid)
            }
        })
        .unzip();
    let cell_count =
        |s: &[i64; 6]| ((s[1] - s[0] + 1) * (s[3] - s[2] + 1) * (s[5] - s[4] + 1)) as usize;
    let in_grid = |i: &usize| class[*i] == Class::Grid;
    let memberships: usize = (0..tracks.len())
        .filter(in_grid)
        .map(|i| cell_count(&spans[i]))
        .sum();
    let lo = |k: usize| {
        (0..tracks.len())
            .filter(in_grid)
            .map(|i| spans[i][k])
            .min()
            .unwrap_or(0)
    };
    let hi = |k: usize| {
        (0..tracks.len())
            .filter(in_grid)
            .map(|i| spans[i][k + 1])
            .max()
            .unwrap_or(0)
    };
    let (row0, rows) = (lo(0), (hi(0) - lo(0) + 1) as u64);
    let (layer0, layers) = (lo(4), (hi(4) - lo(4) + 1) as u64);
    let dense_cells = rows.saturating_mul(columns as u64).saturating_mul(layers);
    let dense = dense_cells <= (8 * memberships as u64).max(1 << 20);
    let buckets = if dense {
        dense_cells as usize
    } else {
        (2 * memberships).next_power_of_two().max(16)
    };
    let grid = Grid {
        dense,
        row0,
        layer0,
        columns,
        layers: layers as i64,
        mask: (buckets as u64).wrapping_sub(1),
    };
    // Tracks by group, then in cell order, so that neighbours are filled and queried together (memory
    // locality) and every bucket lists each group's tracks together (a query skips a group in one step).
    let mut keyed: Vec<(u32, usize, u32)> = (0..tracks.len())
        .filter(|&i| class[i] != Class::Out)
        .map(|i| {
            let s = &spans[i];
            let k = if class[i] == Class::Grid {
                grid.bucket(s[0], s[2], s[4])
            } else {
                usize::MAX
            };
            (group(i), k, i as u32)
        })
        .collect();
    keyed.sort_unstable();
    let order: Vec<u32> = keyed.iter().map(|&(_, _, i)| i).collect();
    // From here on tracks are numbered in that order (position `q` is track `order[q]`), so that the boxes and
    // states a query reads lie close together in memory.
    let n = order.len();
    let pgroup: Vec<u32> = keyed.iter().map(|&(g, _, _)| g).collect();
    // The first position after each position's group.
    let mut group_end = vec![n as u32; n];
    for q in (0..n.saturating_sub(1)).rev() {
        group_end[q] = if pgroup[q + 1] == pgroup[q] {
            group_end[q + 1]
        } else {
            q as u32 + 1
        };
    }
    let sboxes: Vec<SweptBox> = order.iter().map(|&i| boxes[i as usize]).collect();
    let sspans: Vec<[i64; 6]> = order.iter().map(|&i| spans[i as usize]).collect();
    let sclass: Vec<Class> = order.iter().map(|&i| class[i as usize]).collect();
    let svertical: Vec<Vertical> = order.iter().map(|&i| vertical(i as usize)).collect();
    let velocities: Vec<(f64, f64)> = tracks.iter().map(Track::velocity).collect();
    buffers_fill(buffers, &grid, buckets, &sspans, &sclass);
    let (start, members) = (&*buffers.start, &*buffers.members);

    // The coarse plane, for the wide boxes: every track's square, in cells of at least a sixteenth of the
    // largest square.
    let any_wide = sclass.contains(&Class::Wide);
    let squares: Vec<(f64, f64, f64)> = if any_wide {
        order
            .iter()
            .map(|&i| polar_square(&tracks[i as usize], p))
            .collect()
    } else {
        Vec::new()
    };
    let side = if any_wide {
        let largest = squares.iter().map(|s| 2.0 * s.2).fold(0.0f64, f64::max);
        median(squares.iter().map(|s| 2.0 * s.2).collect()).max(largest / 16.0)
    } else {
        1.0
    };
    let square_span = |s: &(f64, f64, f64)| {
        let at = |v: f64| (v / side).floor() as i64;
        [
            at(s.0 - s.2),
            at(s.0 + s.2),
            at(s.1 - s.2),
            at(s.1 + s.2),
            0,
            0,
        ]
    };
    let plane_spans: Vec<[i64; 6]> = squares.iter().map(square_span).collect();
    let plane_memberships: usize = plane_spans.iter().map(cell_count).sum();
    let plane_buckets = (2 * plane_memberships).next_power_of_two().max(16);
    let plane = Grid {
        dense: false,
        row0: 0,
        layer0: 0,
        columns: i64::MAX,
        layers: 1,
        mask: plane_buckets as u64 - 1,
    };
    let (mut pstart, mut pfill, mut pmembers) = (Vec::new(), Vec::new(), Vec::new());
    if any_wide {
        plane.fill(
            plane_buckets,
            plane_spans.iter().copied().enumerate(),
            &mut pstart,
            &mut pfill,
            &mut pmembers,
        );
    }

    let grouped = spec.groups.is_some();
    let budget = spec.budget;
    let linked = |a: u32, b: u32| spec.linked.is_none_or(|f| f(a.min(b), a.max(b)));
    // Each query marks the positions it has seen with its own stamp (unique across scans), so a partner met
    // in several cells is decided once, without sorting.
    let scan = SCANS.fetch_add(1, Ordering::Relaxed);
    let query = |q: usize, out: &mut Vec<Encounter>, saturated: &mut Vec<Saturation>| -> u64 {
        let mut steps = 0u64;
        let b = &sboxes[q];
        let g = pgroup[q];
        let wide = sclass[q] == Class::Wide;
        let stamp = (scan << 32) | q as u64;
        // Grid queries meet each pair once, from its lower position (the lower groups' queries met it
        // already, and a group is never paired with itself); wide queries meet every grid track and the wide
        // tracks after them.
        let lower = if grouped { group_end[q] } else { q as u32 + 1 };
        let mut spent: Vec<Spent> = Vec::new();
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if seen.len() < n {
                seen.resize(n, u64::MAX);
            }
            let mut bucket = |ms: &[u32]| {
                let mut i = if wide {
                    0
                } else {
                    ms.partition_point(|&r| r < lower)
                };
                while i < ms.len() {
                    let g2 = pgroup[ms[i] as usize];
                    let run = i + ms[i..].partition_point(|&r| pgroup[r as usize] == g2);
                    if (grouped && g2 == g) || !linked(g, g2) {
                        i = run;
                        continue;
                    }
                    let k = match spent.iter().position(|s| s.group == g2) {
                        Some(k) => k,
                        None => {
                            spent.push(Spent {
                                group: g2,
                                ..Spent::default()
                            });
                            spent.len() - 1
                        }
                    };
                    let s = &mut spent[k];
                    let mut at = i;
                    while at < run {
                        steps += 1;
                        if s.examined >= budget.examined || s.decided >= budget.decided {
                            s.skipped += (run - at) as u64;
                            break;
                        }
                        let r = ms[at] as usize;
                        if wide && sclass[r] == Class::Wide && r < q {
                            // A wide track before q met q in its own query. A run lists its group's grid
                            // tracks first, then its wide ones by position, so all those before q are
                            // passed in one step (one by one, tracks packed at a pole cost n² steps).
                            at += ms[at..run].partition_point(|&x| (x as usize) < q);
                            continue;
                        }
                        at += 1;
                        if r == q || seen[r] == stamp {
                            continue;
                        }
                        seen[r] = stamp;
                        s.examined += 1;
                        let o = &sboxes[r];
                        if !(meets(b.lat, o.lat) && meets(b.alt, o.alt) && lon_meets(b.lon, o.lon))
                        {
                            continue;
                        }
                        if wide {
                            let (x, y) = (squares[q], squares[r]);
                            if (x.0 - y.0).abs() > x.2 + y.2 || (x.1 - y.1).abs() > x.2 + y.2 {
                                continue;
                            }
                        }
                        s.decided += 1;
                        // Decided as the reference does: the lower input index first.
                        let (x, y) = (order[q] as usize, order[r] as usize);
                        let (i, j) = (x.min(y), x.max(y));
                        let (vi, vj) = if i == x {
                            (svertical[q], svertical[r])
                        } else {
                            (svertical[r], svertical[q])
                        };
                        if let Some(e) = pair_moving(
                            &tracks[i],
                            velocities[i],
                            &tracks[j],
                            velocities[j],
                            vertical_terms(vi, vj),
                            p,
                        ) {
                            if s.kept < budget.kept {
                                s.kept += 1;
                                out.push(Encounter { a: i, b: j, ..e });
                            } else {
                                s.unkept += 1;
                            }
                        }
                    }
                    i = run;
                }
            };
            if wide {
                plane.cells(&plane_spans[q], |k| {
                    bucket(&pmembers[pstart[k] as usize..pstart[k + 1] as usize])
                });
            } else {
                grid.cells(&sspans[q], |k| {
                    bucket(&members[start[k] as usize..start[k + 1] as usize])
                });
            }
        });
        for s in spent {
            if s.skipped > 0 || s.unkept > 0 {
                saturated.push(Saturation {
                    track: order[q] as usize,
                    group: s.group,
                    skipped: s.skipped,
                    unkept: s.unkept,
                });
            }
        }
        steps
    };
    let (mut encounters, mut saturated, steps) = (0..n)
        .into_par_iter()
        .fold(
            || (Vec::new(), Vec::new(), 0u64),
            |(mut out, mut sat, steps), q| {
                let more = query(q, &mut out, &mut sat);
                (out, sat, steps + more)
            },
        )
        .reduce(
            || (Vec::new(), Vec::new(), 0u64),
            |(mut a, mut sa, x), (b, sb, y)| {
                a.extend(b);
                sa.extend(sb);
                (a, sa, x + y)
            },
        );
    encounters.sort_by_key(|e| (e.a, e.b));
    saturated.sort_by_key(|s| (s.track, s.group));
    Detection {
        encounters,
        saturated,
        steps,
    }
}

/// Fills the grid's buckets with the positions whose boxes are in it.
fn buffers_fill(
    buffers: &mut Detector,
    grid: &Grid,
    buckets: usize,
    spans: &[[i64; 6]],
    class: &[Class],
) {
    let Detector {
        start,
        fill,
        members,
    } = buffers;
    grid.fill(
        buckets,
        spans
            .iter()
            .copied()
            .enumerate()
            .filter(|(q, _)| class[*q] == Class::Grid),
        start,
        fill,
        members,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> Track {
        Track {
            lat_deg: lat,
            lon_deg: lon,
            alt_m: alt,
            gs_mps: gs,
            trk_deg: trk,
            vs_mps: vs,
        }
    }

    #[test]
    fn head_on_at_the_same_level_conflicts_with_the_right_times() {
        // 60 km apart on the equator, closing at 400 m/s: CPA in 150 s at 0 m, separation lost at
        // (60 000 − 9 260) / 400 = 126.85 s.
        let lon = 60_000.0 / EARTH_RADIUS_M * 180.0 / std::f64::consts::PI;
        let a = track(0.0, 0.0, 10_000.0, 200.0, 90.0, 0.0);
        let b = track(0.0, lon, 10_000.0, 200.0, 270.0, 0.0);
        let e = pair(&a, &b, &Params::default()).expect("conflict");
        assert!((e.t_cpa_s - 150.0).abs() < 1e-6, "{e:?}");
        assert!(e.d_cpa_m < 1e-3);
        assert!((e.t_los_s - 126.85).abs() < 1e-6, "{e:?}");
        assert!(!e.los_now);
        // A little more than 1 000 ft apart vertically: clear.
        let high = Track {
            alt_m: 10_305.0,
            ..b
        };
        assert!(pair(&a, &high, &Params::default()).is_none());
        // Beyond the look-ahead: clear.
        let short = Params {
            lookahead_s: 120.0,
            ..Params::default()
        };
        assert!(pair(&a, &b, &short).is_none());
    }

    #[test]
    fn still_pairs_and_present_losses() {
        let a = track(35.0, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        let near = track(35.01, 38.0, 5_100.0, 0.0, 0.0, 0.0);
        let e = pair(&a, &near, &Params::default()).expect("inside both minima");
        assert!(e.los_now && e.t_los_s == 0.0 && e.t_out_s.is_infinite());
        let far = track(35.2, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        assert!(pair(&a, &far, &Params::default()).is_none());
        // Same velocity: relative speed zero, no division by zero.
        let a = track(35.0, 38.0, 5_000.0, 220.0, 45.0, 0.0);
        let b = track(35.01, 38.0, 5_000.0, 220.0, 45.0, 0.0);
        assert!(pair(&a, &b, &Params::default()).expect("loss").los_now);
    }

    #[test]
    fn vertical_only_encounters() {
        // Stacked, one climbing through the other's level in 60 s.
        let a = track(35.0, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        let b = track(35.0, 38.0, 4_000.0, 0.0, 0.0, 1_000.0 / 60.0);
        let e = pair(&a, &b, &Params::default()).expect("conflict");
        let expected = (1_000.0 - 304.8) / (1_000.0 / 60.0);
        assert!((e.t_los_s - expected).abs() < 1e-6, "{e:?}");
    }

    #[test]
    fn across_the_antimeridian() {
        let a = track(10.0, 179.99, 9_000.0, 0.0, 0.0, 0.0);
        let b = track(10.0, -179.99, 9_000.0, 0.0, 0.0, 0.0);
        assert!(
            pair(&a, &b, &Params::default())
                .expect("2 km apart")
                .los_now
        );
        assert_eq!(detect(&[a, b], &Params::default()).len(), 1);
    }
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn adjacent_flight_levels_are_separated() {
        // Head-on at FL360 and FL350 as a feed reports them (metres to 0.1 m): standard separation.
        let a = Track {
            lat_deg: 46.5,
            lon_deg: 6.5,
            alt_m: 10_972.8,
            gs_mps: 240.0,
            trk_deg: 0.0,
            vs_mps: 0.0,
        };
        let b = Track {
            lat_deg: 46.6,
            alt_m: 10_668.0,
            trk_deg: 180.0,
            ..a
        };
        assert!(
            (a.alt_m - b.alt_m) < 304.8,
            "the conversion lands under 304.8 m"
        );
        assert_eq!(pair(&a, &b, &Params::default()), None);
        // 999 ft apart is a conflict.
        let c = Track {
            alt_m: a.alt_m - 999.0 * 0.3048,
            ..b
        };
        assert!(pair(&a, &c, &Params::default()).is_some());
    }
}

#[cfg(test)]
mod vertical_tests {
    use super::*;

    fn level(alt: f64) -> Track {
        Track {
            lat_deg: 35.0,
            lon_deg: 38.0,
            alt_m: alt,
            gs_mps: 0.0,
            trk_deg: 0.0,
            vs_mps: 0.0,
        }
    }

    #[test]
    fn an_unknown_vertical_rate_is_never_assumed_level() {
        // Over each other, 1 500 m apart: level, clear; either rate unknown, a conflict within the look-ahead
        // (30.48 m/s closes 1 195 m in about 39 s), not now.
        let (a, b) = (level(9_000.0), level(10_500.0));
        let p = Params::default();
        assert_eq!(pair(&a, &b, &p), None);
        let unknown = Vertical {
            rate_unknown: true,
            ..Vertical::default()
        };
        let e = pair_vertical(&a, Vertical::default(), &b, unknown, &p).expect("may climb");
        let expected = (1_500.0 - 304.8) / UNKNOWN_VERTICAL_RATE_MPS;
        assert!((e.t_los_s - expected).abs() < 1e-3, "{e:?}");
        assert!(!e.los_now);
        // Both unknown: twice as fast.
        let e = pair_vertical(&a, unknown, &b, unknown, &p).expect("may meet");
        assert!((e.t_los_s - expected / 2.0).abs() < 1e-3, "{e:?}");
        // Out of reach within the look-ahead: 300 s × 30.48 m/s = 9 144 m.
        assert_eq!(
            pair_vertical(&a, unknown, &level(20_000.0), Vertical::default(), &p),
            None
        );
        // The detector agrees, through its boxes.
        let tracks = [a, b];
        let between = Between {
            groups: &[0, 1],
            linked: &|_, _| true,
            vertical: &[Vertical::default(), unknown],
            budget: Budget::UNLIMITED,
        };
        let found = Detector::default().detect_between(&tracks, &between, &p);
        assert_eq!(found.encounters.len(), 1);
    }

    #[test]
    fn pressure_and_msl_altitudes_are_compared_with_a_margin() {
        // 500 m apart: clear on one reference, a conflict across references.
        let (a, b) = (level(9_000.0), level(9_500.0));
        let p = Params::default();
        let pressure = Vertical {
            pressure: true,
            ..Vertical::default()
        };
        assert_eq!(pair_vertical(&a, pressure, &b, pressure, &p), None);
        assert_eq!(
            pair_vertical(&a, Vertical::default(), &b, Vertical::default(), &p),
            None
        );
        assert!(pair_vertical(&a, pressure, &b, Vertical::default(), &p).is_some_and(|e| e.los_now));
        assert!(pair_vertical(&a, Vertical::default(), &b, pressure, &p).is_some());
        // Beyond the minimum and the margin: clear.
        let far = level(9_000.0 + 304.8 + PRESSURE_MARGIN_M + 1.0);
        assert_eq!(
            pair_vertical(&a, pressure, &far, Vertical::default(), &p),
            None
        );
        for (va, vb, n) in [(pressure, Vertical::default(), 1), (pressure, pressure, 0)] {
            let between = Between {
                groups: &[0, 1],
                linked: &|_, _| true,
                vertical: &[va, vb],
                budget: Budget::UNLIMITED,
            };
            let found = Detector::default().detect_between(&[a, b], &between, &p);
            assert_eq!(found.encounters.len(), n);
        }
    }

    #[test]
    fn extrapolation_crosses_poles_and_the_antimeridian_in_closed_form() {
        // The report that froze the scan: at the pole, dated far ahead.
        let pole = Track {
            lat_deg: 90.0,
            lon_deg: 0.0,
            alt_m: 9_000.0,
            gs_mps: 250.0,
            trk_deg: 90.0,
            vs_mps: 0.0,
        };
        let e = extrapolate(&pole, -2.5e11);
        assert!(e.lat_deg.is_finite() && e.lon_deg.is_finite(), "{e:?}");
        // Eastward just short of the antimeridian: wrapped.
        let east = Track {
            lat_deg: 0.0,
            lon_deg: 179.9,
            trk_deg: 90.0,
            ..pole
        };
        let e = extrapolate(&east, 300.0);
        assert!(e.lon_deg < -179.0, "{e:?}");
        // Northward over the pole: down the other side, turned round.
        let north = Track {
            lat_deg: 89.9,
            lon_deg: 10.0,
            trk_deg: 0.0,
            ..pole
        };
        let e = extrapolate(&north, 100.0);
        assert!(e.lat_deg < 89.9 && e.lat_deg > 89.8, "{e:?}");
        assert!((e.lon_deg - -170.0).abs() < 1e-9, "{e:?}");
        assert!((e.trk_deg - 180.0).abs() < 1e-9, "{e:?}");
        // In range: unchanged.
        assert_eq!(extrapolate(&east, 0.0), east);
    }
}
