//! The WGS84 ellipsoid: geodetic ⇄ ECEF conversion and surface distances.
//!
//! Distances between two surface points use the chord in ECEF with the exact sphere correction
//! `s = 2R·asin(c / 2R)` at the Gaussian mean radius of curvature of the mid-latitude for chords up to
//! [`CHORD_FORMULA_LIMIT_M`], and Karney's geodesic inverse (geographiclib) beyond. Tests hold both to the
//! geodesic reference within 0.001 % (see `tests/geodesic_reference.rs`).

use std::sync::LazyLock;

use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};

use crate::vec3::{self, V3};

/// Semi-major axis (m).
pub const A: f64 = 6_378_137.0;
/// Flattening.
pub const F: f64 = 1.0 / 298.257_223_563;
/// Semi-minor axis (m).
pub const B: f64 = A * (1.0 - F);
/// First eccentricity squared.
pub const E2: f64 = F * (2.0 - F);

/// No two surface points whose geocentric directions are `θ` radians apart are closer than `B·θ`: radial
/// projection onto the sphere of radius `B` (inside the ellipsoid) never lengthens a curve.
pub const MIN_METRES_PER_RADIAN: f64 = B;
/// Two surface points whose geocentric directions are `θ` radians apart are at most `MAX_METRES_PER_RADIAN·θ`
/// apart: the great-elliptic arc between them is that long at most (its speed is bounded by `A·√(1 + 0.0034²)`).
pub const MAX_METRES_PER_RADIAN: f64 = A * 1.000_01;

/// Chords up to this length use the corrected-chord formula; longer ones the geodesic inverse.
pub const CHORD_FORMULA_LIMIT_M: f64 = 1_000_000.0;

static WGS84: LazyLock<Geodesic> = LazyLock::new(Geodesic::wgs84);

/// A position on the ellipsoid in degrees. Longitude first, as in GeoJSON.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Self {
        LonLat { lon, lat }
    }
}

/// ECEF coordinates (m) of a point on the ellipsoid surface (height 0).
pub fn ecef(p: LonLat) -> V3 {
    let (sin_lat, cos_lat) = p.lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = p.lon.to_radians().sin_cos();
    let n = A / (1.0 - E2 * sin_lat * sin_lat).sqrt();
    [
        n * cos_lat * cos_lon,
        n * cos_lat * sin_lon,
        n * (1.0 - E2) * sin_lat,
    ]
}

/// The geodetic position of an ECEF point on (or very near) the surface.
pub fn lonlat_of_surface(x: V3) -> LonLat {
    let rho = x[0].hypot(x[1]);
    LonLat {
        lon: x[1].atan2(x[0]).to_degrees(),
        lat: x[2].atan2((1.0 - E2) * rho).to_degrees(),
    }
}

/// The point on the surface in a geocentric direction (a unit vector).
pub fn surface_point(dir: V3) -> V3 {
    vec3::scale(dir, radius_towards(dir))
}

/// Distance from the centre to the surface along a unit vector.
pub fn radius_towards(dir: V3) -> f64 {
    let k = (dir[0] * dir[0] + dir[1] * dir[1]) / (A * A) + dir[2] * dir[2] / (B * B);
    1.0 / k.sqrt()
}

/// Gaussian mean radius of curvature `√(M·N)` at a geodetic latitude (degrees).
pub fn gaussian_radius(lat_deg: f64) -> f64 {
    let s = lat_deg.to_radians().sin();
    let w2 = 1.0 - E2 * s * s;
    A * (1.0 - E2).sqrt() / w2
}

/// Geodesic distance (m) between two positions, by Karney's algorithm.
pub fn geodesic_distance(a: LonLat, b: LonLat) -> f64 {
    WGS84.inverse(a.lat, a.lon, b.lat, b.lon)
}

/// Geodesic distance (m) between two ECEF points on the surface.
pub fn surface_distance(p: V3, q: V3) -> f64 {
    let c = vec3::norm(vec3::sub(p, q));
    if c <= CHORD_FORMULA_LIMIT_M {
        let mid = vec3::scale(vec3::add(p, q), 0.5);
        let r = gaussian_radius(lonlat_of_surface(mid).lat);
        2.0 * r * (c / (2.0 * r)).min(1.0).asin()
    } else {
        geodesic_distance(lonlat_of_surface(p), lonlat_of_surface(q))
    }
}

/// Forward azimuths (degrees clockwise from north) of the geodesic from `a` to `b`: at `a`, and at `b`.
pub fn azimuths(a: LonLat, b: LonLat) -> (f64, f64) {
    let (azi1, azi2, _a12): (f64, f64, f64) = WGS84.inverse(a.lat, a.lon, b.lat, b.lon);
    (azi1, azi2)
}

/// The position `distance_m` from `from` along the geodesic that leaves it at `azimuth_deg`.
pub fn destination(from: LonLat, azimuth_deg: f64, distance_m: f64) -> LonLat {
    let (lat, lon): (f64, f64) = WGS84.direct(from.lat, from.lon, azimuth_deg, distance_m);
    LonLat::new(lon, lat)
}

/// Which side of a line, looking along it from its first point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Left,
    Right,
}

/// The outline of one side of a deconfliction line: the strip between `path` and its offset `depth_m` to
/// `side`, as a polygon (the path, then the offset points back). Each point is offset along the bisector of
/// the perpendiculars of the segments that meet there, by `depth_m / cos(half the turn)` so that the strip
/// keeps its depth around bends (at most three times the depth, at sharp turns).
pub fn side_outline(path: &[LonLat], side: Side, depth_m: f64) -> Vec<LonLat> {
    let n = path.len();
    if n < 2 {
        return path.to_vec();
    }
    let turn = match side {
        Side::Left => -90.0,
        Side::Right => 90.0,
    };
    // Azimuth of each segment at its start and at its end.
    let segs: Vec<(f64, f64)> = path.windows(2).map(|w| azimuths(w[0], w[1])).collect();
    let mut offsets = Vec::with_capacity(n);
    for (i, point) in path.iter().enumerate() {
        let (incoming, outgoing) = match i {
            0 => (segs[0].0, segs[0].0),
            i if i == n - 1 => (segs[n - 2].1, segs[n - 2].1),
            i => (segs[i - 1].1, segs[i].0),
        };
        // Half the turn between the directions, in (-180, 180].
        let half = (outgoing - incoming + 540.0).rem_euclid(360.0) - 180.0;
        let along = incoming + 0.5 * half;
        let stretch = (1.0 / (0.5 * half).to_radians().cos().abs().max(1e-9)).min(3.0);
        offsets.push(destination(*point, along + turn, depth_m * stretch));
    }
    let mut outline = path.to_vec();
    outline.extend(offsets.into_iter().rev());
    outline
}

/// A closed ring around a circle, for drawing: `points` points on the geodesic circle, the first repeated last.
pub fn circle_ring(center: LonLat, radius_m: f64, points: usize) -> Vec<LonLat> {
    let n = points.max(8);
    let mut ring: Vec<LonLat> = (0..n)
        .map(|i| destination(center, 360.0 * i as f64 / n as f64, radius_m))
        .collect();
    ring.push(ring[0]);
    ring
}

/// A closed ring around a corridor, for drawing: both sides of the path offset by `half_width_m` (as
/// [`side_outline`] offsets them) joined by half circles round the ends. Drawing only: the corridor that
/// conflicts are found against is every point within `half_width_m` of the path, exactly.
pub fn corridor_ring(path: &[LonLat], half_width_m: f64) -> Vec<LonLat> {
    let n = path.len();
    if n < 2 {
        return path
            .first()
            .map_or_else(Vec::new, |c| circle_ring(*c, half_width_m, 48));
    }
    let offsets = |side| -> Vec<LonLat> {
        let outline = side_outline(path, side, half_width_m);
        outline[n..].iter().rev().copied().collect()
    };
    let (left, right) = (offsets(Side::Left), offsets(Side::Right));
    let (first_az, _) = azimuths(path[0], path[1]);
    let (_, last_az) = azimuths(path[n - 2], path[n - 1]);
    let cap = |center: LonLat, from_az: f64| -> Vec<LonLat> {
        (1..12)
            .map(|i| destination(center, from_az + 180.0 * i as f64 / 12.0, half_width_m))
            .collect()
    };
    let mut ring = left.clone();
    // Round the end: from the left of the last point, clockwise through ahead, to its right.
    ring.extend(cap(path[n - 1], last_az - 90.0));
    ring.extend(right.iter().rev());
    ring.extend(cap(path[0], first_az + 90.0));
    ring.push(ring[0]);
    ring
}

#[cfg(test)]
mod side_tests {
    use super::*;

    #[test]
    fn drawing_rings_keep_their_distances() {
        let c = LonLat::new(38.75, 35.6);
        let ring = circle_ring(c, 20_000.0, 72);
        assert_eq!(ring.len(), 73);
        assert_eq!(ring.first(), ring.last());
        for p in &ring {
            let d = geodesic_distance(c, *p);
            assert!((d - 20_000.0).abs() < 0.01, "{d}");
        }
        let path = [
            LonLat::new(37.16, 36.2),
            LonLat::new(38.0, 36.0),
            LonLat::new(38.57, 35.87),
        ];
        let ring = corridor_ring(&path, 1_000.0);
        assert_eq!(ring.first(), ring.last());
        // Every point is about the half width from the path (more only at the bend's outer corner).
        use crate::region::{Footprint, Region};
        let line = Region::new(&Footprint::Corridor {
            path: path.to_vec(),
            half_width_m: 0.01,
        })
        .expect("path");
        for p in &ring {
            let dot = Region::new(&Footprint::Circle {
                center: *p,
                radius_m: 0.01,
            })
            .expect("dot");
            let d = line.distance_m(&dot) + 0.02;
            assert!((990.0..1_100.0).contains(&d), "{d} at {p:?}");
        }
    }

    #[test]
    fn a_side_lies_on_its_side_at_its_depth() {
        // Due east along the equator: left is north, right is south.
        let path = [LonLat::new(0.0, 0.0), LonLat::new(1.0, 0.0)];
        let left = side_outline(&path, Side::Left, 10_000.0);
        assert_eq!(left.len(), 4);
        assert!(left[2].lat > 0.08 && left[3].lat > 0.08, "{left:?}");
        let right = side_outline(&path, Side::Right, 10_000.0);
        assert!(right[2].lat < -0.08, "{right:?}");
        for p in &left[2..] {
            let d = geodesic_distance(*p, LonLat::new(p.lon, 0.0));
            assert!((d - 10_000.0).abs() < 1.0, "{d}");
        }
        // Around a right-angle bend the strip keeps its depth from both segments.
        let bend = [
            LonLat::new(0.0, 0.0),
            LonLat::new(1.0, 0.0),
            LonLat::new(1.0, -1.0),
        ];
        let outline = side_outline(&bend, Side::Left, 10_000.0);
        let corner = outline[4]; // the offset of the bend point
        assert!(corner.lat > 0.08 && corner.lon > 1.08, "{corner:?}");
    }
}
