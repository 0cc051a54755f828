//! Tactical conflict detection between live tracks, state-based as in docs/DESIGN.md §1 (the BlueSky simulator's
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
//! This file holds tracks, extrapolation and the parameters; `encounter` decides pairs (and holds the brute
//! force), `sweep` the swept boxes, `detect` the grid, the budget and detection.
//!
//! Architecture invariant: pure — states in, encounters out; no IO, no clock.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

mod detect;
mod encounter;
mod sweep;
#[cfg(test)]
mod tests;

pub use detect::*;
pub use encounter::*;
pub use sweep::*;

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
