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

/// The interval `(lo, hi)` when `|x0 + v t| < limit`; `None` if never.
fn intrusion(x0: f64, v: f64, limit: f64) -> Option<(f64, f64)> {
    if v.abs() < STILL_MPS {
        return (x0.abs() < limit).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let t1 = (-limit - x0) / v;
    let t2 = (limit - x0) / v;
    Some((t1.min(t2), t1.max(t2)))
}

/// Decides one pair.
pub fn pair(a: &Track, b: &Track, p: &Params) -> Option<Encounter> {
    pair_moving(a, a.velocity(), b, b.velocity(), p)
}

/// [`pair`] with both velocities (east, north) already computed.
fn pair_moving(
    a: &Track,
    (ae, an): (f64, f64),
    b: &Track,
    (be, bn): (f64, f64),
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
        p.hpz_m - LEVEL_TOLERANCE_M,
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

/// Where a track can be during the look-ahead, widened so that any two tracks in conflict have meeting boxes.
///
/// Latitude: the swept interval of `lat + v_north·t/R`, widened by `rpz/2R` — exact, since the north component
/// of the pair's relative position is the difference of these. Longitude: the pair's east component is
/// `R·Δlon·cos(mean lat) + Δv_east·t`, and the mean latitude lies within `Δφ` of either track's (`Δφ` bounds
/// the latitude difference of any pair whose latitude boxes meet), so dividing by the least cosine within `Δφ`
/// of the track's latitude gives an interval that holds the track's share of it. Altitude: the swept interval
/// widened by `hpz/2`.
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
    SweptBox {
        lat,
        lon,
        alt: (alt_lo - 0.5 * p.hpz_m, alt_hi + 0.5 * p.hpz_m),
    }
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
        detect_with(self, tracks, p)
    }
}

fn detect_with(buffers: &mut Detector, tracks: &[Track], p: &Params) -> Vec<Encounter> {
    if tracks.len() < 2 {
        return Vec::new();
    }
    // How far apart in latitude two tracks whose boxes meet can be: both sweeps plus rpz.
    let max_north = tracks
        .iter()
        .map(|t| t.velocity().1.abs())
        .fold(0.0f64, f64::max);
    let to_deg = 180.0 / (std::f64::consts::PI * EARTH_RADIUS_M);
    let reach_deg = (p.rpz_m + 2.0 * max_north * p.lookahead_s) * to_deg;
    let boxes: Vec<SweptBox> = tracks
        .par_iter()
        .map(|t| swept_box(t, p, reach_deg))
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
    let cell = median(boxes.iter().map(|b| b.lat.1 - b.lat.0).collect()).max(0.01);
    let layer = 4.0 * median(boxes.iter().map(|b| b.alt.1 - b.alt.0).collect()).max(10.0);
    let columns = (360.0 / cell).ceil() as i64;
    let column_width = 360.0 / columns as f64;
    let row = |lat: f64| (lat / cell).floor() as i64;
    let column = |lon: f64| ((lon + 180.0) / column_width).floor() as i64;
    let level = |alt: f64| (alt / layer).floor() as i64;
    // Each box's rows, (unwrapped) columns and layers.
    let spans: Vec<[i64; 6]> = boxes
        .iter()
        .map(|b| {
            let (c0, c1) = match b.lon {
                Some((lo, hi)) if column(hi) - column(lo) < columns => (column(lo), column(hi)),
                _ => (0, columns - 1),
            };
            [
                row(b.lat.0),
                row(b.lat.1),
                c0,
                c1,
                level(b.alt.0),
                level(b.alt.1),
            ]
        })
        .collect();
    // Cells are numbered densely over the window the boxes occupy (rows × wrapped columns × layers) when that
    // window is small enough, else hashed into buckets; two cells sharing a bucket only add candidates, which
    // the box test then drops.
    let memberships: usize = spans
        .iter()
        .map(|s| ((s[1] - s[0] + 1) * (s[3] - s[2] + 1) * (s[5] - s[4] + 1)) as usize)
        .sum();
    let lo = |k: usize| spans.iter().map(|s| s[k]).min().unwrap_or(0);
    let hi = |k: usize| spans.iter().map(|s| s[k + 1]).max().unwrap_or(0);
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
    // Tracks in cell order, so that neighbours are filled and queried together (memory locality).
    let mut keyed: Vec<(usize, u32)> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (grid.bucket(s[0], s[2], s[4]), i as u32))
        .collect();
    keyed.sort_unstable();
    let order: Vec<u32> = keyed.into_iter().map(|(_, i)| i).collect();
    // From here on tracks are numbered in that order (position `q` is track `order[q]`), so that the boxes and
    // states a query reads lie close together in memory.
    let sboxes: Vec<SweptBox> = order.iter().map(|&i| boxes[i as usize]).collect();
    let sspans: Vec<[i64; 6]> = order.iter().map(|&i| spans[i as usize]).collect();
    let velocities: Vec<(f64, f64)> = tracks.iter().map(Track::velocity).collect();
    // Compressed buckets: the positions in bucket k are members[start[k]..start[k + 1]].
    let start = &mut buffers.start;
    start.clear();
    start.resize(buckets + 1, 0);
    for s in &sspans {
        grid.cells(s, |k| start[k + 1] += 1);
    }
    for k in 0..buckets {
        start[k + 1] += start[k];
    }
    let fill = &mut buffers.fill;
    fill.clear();
    fill.extend_from_slice(start);
    let members = &mut buffers.members;
    members.clear();
    members.resize(start[buckets] as usize, 0);
    for (q, s) in sspans.iter().enumerate() {
        grid.cells(s, |k| {
            members[fill[k] as usize] = q as u32;
            fill[k] += 1;
        });
    }
    let (start, members) = (&*start, &*members);

    // Each query marks the positions it has seen with its own stamp (unique across scans), so a partner met
    // in several cells is decided once, without sorting.
    let scan = SCANS.fetch_add(1, Ordering::Relaxed);
    let n = order.len();
    let mut found: Vec<Encounter> = (0..n)
        .into_par_iter()
        .map_init(Vec::new, |out: &mut Vec<Encounter>, q| {
            out.clear();
            let b = &sboxes[q];
            let stamp = (scan << 32) | q as u64;
            SEEN.with(|seen| {
                let mut seen = seen.borrow_mut();
                if seen.len() < n {
                    seen.resize(n, u64::MAX);
                }
                grid.cells(&sspans[q], |k| {
                    for &r in &members[start[k] as usize..start[k + 1] as usize] {
                        let r = r as usize;
                        if r <= q || seen[r] == stamp {
                            continue;
                        }
                        seen[r] = stamp;
                        let o = &sboxes[r];
                        if !(meets(b.lat, o.lat) && meets(b.alt, o.alt) && lon_meets(b.lon, o.lon))
                        {
                            continue;
                        }
                        // Decided as the reference does: the lower input index first.
                        let (x, y) = (order[q] as usize, order[r] as usize);
                        let (i, j) = (x.min(y), x.max(y));
                        if let Some(e) =
                            pair_moving(&tracks[i], velocities[i], &tracks[j], velocities[j], p)
                        {
                            out.push(Encounter { a: i, b: j, ..e });
                        }
                    }
                });
            });
            out.clone()
        })
        .flatten_iter()
        .collect();
    found.sort_by_key(|e| (e.a, e.b));
    found
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
