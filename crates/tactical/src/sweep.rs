//! The box a track sweeps over the look-ahead, in latitude, longitude and altitude: any track that can come
//! too close to it has a box that meets it (see [`SweptBox`]).

use crate::*;

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

pub(crate) fn ordered(a: f64, b: f64) -> (f64, f64) {
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
    let widen = 0.5 * p.hpz_m + v.spread_mps() * horizon + v.reference_margin_m();
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
pub(crate) fn polar_square(t: &Track, p: &Params) -> (f64, f64, f64) {
    let (phi, lambda) = (t.lat_deg.to_radians(), t.lon_deg.to_radians());
    let rho = EARTH_RADIUS_M * phi.cos();
    // 1 m for rounding.
    let half = 0.5 * p.rpz_m + t.gs_mps.abs() * p.lookahead_s + 1.0;
    (rho * lambda.cos(), rho * lambda.sin(), half)
}

pub(crate) fn meets(a: (f64, f64), b: (f64, f64)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// Longitude intervals meet, modulo 360°.
pub(crate) fn lon_meets(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => {
            meets(a, b)
                || meets(a, (b.0 + 360.0, b.1 + 360.0))
                || meets(a, (b.0 - 360.0, b.1 - 360.0))
        }
        _ => true,
    }
}
