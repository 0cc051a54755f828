//! Seeded random theatres for property tests and benchmarks: declarations of several parties spread at a
//! given density over a spherical cap around a chosen place, a chosen day.

use deconflict_space::{AltitudeBand, Datum, Footprint, LonLat, Region, TimeWindow, Volume4D};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::declaration::{Declaration, Kind};

/// How to draw a theatre.
#[derive(Clone, Debug)]
pub struct TheatreSpec {
    /// Centre of the theatre.
    pub center: LonLat,
    /// Area of the theatre (km²); the theatre is the spherical cap of that area around `center`.
    pub area_km2: f64,
    /// Footprint width range (km).
    pub width_km: (f64, f64),
    /// Duration range (hours).
    pub duration_h: (f64, f64),
    /// Length of the day the windows start in (hours), from `start_ms`.
    pub span_h: f64,
    pub start_ms: i64,
    /// Volumes per declaration (inclusive range).
    pub volumes: (usize, usize),
    pub parties: usize,
    /// Share of sites and zones among the declarations.
    pub zone_share: f64,
    /// Share of sides of lines among those sites and zones (0 draws nothing more from the generator).
    pub line_share: f64,
    /// Share of altitude bands given above the ellipsoid rather than mean sea level.
    pub wgs84_share: f64,
}

impl TheatreSpec {
    /// The benchmark density of issue #2: 10 000 volumes 5–100 km across, 1–4 h long, per 1 000 km × 1 000 km
    /// and 24 h, the area growing with the count; one volume per declaration; centred on Syria.
    pub fn constant_density(volumes: usize) -> Self {
        TheatreSpec {
            center: LonLat::new(38.5, 35.5),
            area_km2: 1_000_000.0 * volumes as f64 / 10_000.0,
            width_km: (5.0, 100.0),
            duration_h: (1.0, 4.0),
            span_h: 24.0,
            start_ms: 1_497_744_000_000, // 2017-06-18T00:00Z
            volumes: (1, 1),
            parties: 5,
            zone_share: 0.1,
            line_share: 0.0,
            wgs84_share: 0.0,
        }
    }
}

/// A point drawn uniformly in the cap.
fn place(rng: &mut ChaCha8Rng, spec: &TheatreSpec) -> LonLat {
    let r = deconflict_space::geodesy::gaussian_radius(spec.center.lat) / 1000.0;
    let cos_max = (1.0 - spec.area_km2 / (2.0 * std::f64::consts::PI * r * r)).max(-1.0);
    let cos_t: f64 = rng.gen_range(cos_max..=1.0);
    let t = cos_t.acos();
    let az: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    destination(spec.center, az, t)
}

/// The point at angle `t` (radians) and azimuth `az` from `from` on the sphere.
fn destination(from: LonLat, az: f64, t: f64) -> LonLat {
    let (lat1, lon1) = (from.lat.to_radians(), from.lon.to_radians());
    let lat2 = (lat1.sin() * t.cos() + lat1.cos() * t.sin() * az.cos()).asin();
    let lon2 = lon1 + (az.sin() * t.sin() * lat1.cos()).atan2(t.cos() - lat1.sin() * lat2.sin());
    let mut lon = lon2.to_degrees();
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    LonLat::new(lon, lat2.to_degrees())
}

/// A random footprint about `width_km` across around `c`.
pub fn footprint(rng: &mut ChaCha8Rng, c: LonLat, width_km: f64) -> Footprint {
    let radius = width_km * 500.0; // metres
    let angle = |m: f64| m / 6_371_000.0;
    match rng.gen_range(0..3) {
        0 => {
            let n = rng.gen_range(3..9);
            let polygon = (0..n)
                .map(|k| {
                    let az =
                        (k as f64 + rng.gen_range(0.1..0.9)) * std::f64::consts::TAU / n as f64;
                    destination(c, az, angle(radius * rng.gen_range(0.4..1.0)))
                })
                .collect();
            Footprint::Polygon(polygon)
        }
        1 => Footprint::Circle {
            center: c,
            radius_m: radius,
        },
        _ => {
            let half = radius * rng.gen_range(0.05..0.3);
            let az = rng.gen_range(0.0..std::f64::consts::TAU);
            let reach = angle(radius - half);
            let mid_az = az + rng.gen_range(-0.5..0.5);
            Footprint::Corridor {
                path: vec![
                    destination(c, az, reach),
                    destination(
                        c,
                        mid_az + std::f64::consts::PI,
                        reach * rng.gen_range(0.0..0.5),
                    ),
                    destination(c, az + std::f64::consts::PI, reach),
                ],
                half_width_m: half,
            }
        }
    }
}

/// A random valid volume.
pub fn volume(rng: &mut ChaCha8Rng, spec: &TheatreSpec) -> Volume4D {
    loop {
        let c = place(rng, spec);
        let width = rng.gen_range(spec.width_km.0..=spec.width_km.1);
        let f = footprint(rng, c, width);
        let Ok(region) = Region::new(&f) else {
            continue; // a rare random polygon that folds onto itself
        };
        let lower: f64 = rng.gen_range(0.0..12_000.0);
        let upper = lower + rng.gen_range(150.0..3_000.0);
        let datum = if rng.gen_bool(spec.wgs84_share) {
            Datum::Wgs84
        } else {
            Datum::Msl
        };
        let duration = (rng.gen_range(spec.duration_h.0..=spec.duration_h.1) * 3.6e6) as i64;
        let latest = ((spec.span_h * 3.6e6) as i64 - duration).max(1);
        let start = spec.start_ms + rng.gen_range(0..latest);
        let (Ok(altitude), Ok(time)) = (
            AltitudeBand::new(lower, upper.min(deconflict_space::MAX_ALTITUDE_M), datum),
            TimeWindow::new(start, start + duration),
        ) else {
            continue;
        };
        return Volume4D {
            footprint: region,
            altitude,
            time,
            originals: Vec::new(),
        };
    }
}

/// `count` random declarations with ids `d0`, `d1`, … and parties `p0`, `p1`, ….
pub fn theatre(seed: u64, count: usize, spec: &TheatreSpec) -> Vec<Declaration> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let n = rng.gen_range(spec.volumes.0..=spec.volumes.1);
            let kind = if rng.gen_bool(spec.zone_share) {
                if spec.line_share > 0.0 && rng.gen_bool(spec.line_share) {
                    Kind::Line
                } else if rng.gen_bool(0.5) {
                    Kind::Zone
                } else {
                    Kind::Site
                }
            } else if rng.gen_bool(0.8) {
                Kind::AirOperation
            } else {
                Kind::GroundMovement
            };
            Declaration {
                id: format!("d{i}"),
                party: format!("p{}", rng.gen_range(0..spec.parties)),
                kind,
                version: 1,
                volumes: (0..n).map(|_| volume(&mut rng, spec)).collect(),
            }
        })
        .collect()
}
