//! Distances proven against a geodesic reference: Karney's algorithm (geographiclib) on densely searched
//! boundaries, on seeded random scenes with long distances, high latitudes and the antimeridian.

use deconflict_space::geodesy::{self, LonLat};
use deconflict_space::{Footprint, Region};
use geographiclib_rs::{DirectGeodesic, Geodesic, InverseGeodesic};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn g() -> Geodesic {
    Geodesic::wgs84()
}

fn direct(from: LonLat, azimuth: f64, distance_m: f64) -> LonLat {
    let (lat, lon, _az): (f64, f64, f64) = g().direct(from.lat, from.lon, azimuth, distance_m);
    LonLat::new(wrap(lon), lat)
}

fn wrap(lon: f64) -> f64 {
    let mut l = lon;
    while l > 180.0 {
        l -= 360.0;
    }
    while l < -180.0 {
        l += 360.0;
    }
    l
}

fn inverse(a: LonLat, b: LonLat) -> f64 {
    g().inverse(a.lat, a.lon, b.lat, b.lon)
}

/// The point at fraction `t` along the great-elliptic arc from `a` to `b`, computed independently of the
/// crate: spherical interpolation of geocentric directions, then the surface point in that direction.
fn along_arc(a: LonLat, b: LonLat, t: f64) -> LonLat {
    let ua = unit(a);
    let ub = unit(b);
    let omega = (ua[0] * ub[0] + ua[1] * ub[1] + ua[2] * ub[2])
        .clamp(-1.0, 1.0)
        .acos();
    let (wa, wb) = if omega < 1e-15 {
        (1.0 - t, t)
    } else {
        (
            ((1.0 - t) * omega).sin() / omega.sin(),
            (t * omega).sin() / omega.sin(),
        )
    };
    let d = [
        wa * ua[0] + wb * ub[0],
        wa * ua[1] + wb * ub[1],
        wa * ua[2] + wb * ub[2],
    ];
    // Geocentric latitude of the direction → geodetic latitude of the surface point on it.
    let geocentric = d[2].atan2(d[0].hypot(d[1]));
    let geodetic = (geocentric.tan() / (1.0 - geodesy::E2)).atan();
    LonLat::new(d[1].atan2(d[0]).to_degrees(), geodetic.to_degrees())
}

fn unit(p: LonLat) -> [f64; 3] {
    let x = geodesy::ecef(p);
    let n = (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt();
    [x[0] / n, x[1] / n, x[2] / n]
}

/// Distance from a point to an arc: a coarse scan, then golden-section search around the best sample.
fn point_to_arc(p: LonLat, a: LonLat, b: LonLat) -> f64 {
    const SCAN: usize = 24;
    let f = |t: f64| inverse(p, along_arc(a, b, t));
    let mut best_i = 0;
    let mut best = f64::INFINITY;
    for i in 0..=SCAN {
        let d = f(i as f64 / SCAN as f64);
        if d < best {
            best = d;
            best_i = i;
        }
    }
    let (mut lo, mut hi) = (
        (best_i.saturating_sub(1)) as f64 / SCAN as f64,
        ((best_i + 1).min(SCAN)) as f64 / SCAN as f64,
    );
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..60 {
        let m1 = hi - phi * (hi - lo);
        let m2 = lo + phi * (hi - lo);
        if f(m1) < f(m2) {
            hi = m2;
        } else {
            lo = m1;
        }
    }
    best.min(f((lo + hi) / 2.0))
}

/// The core of a footprint as the reference sees it: points, edges, buffer.
struct RefShape {
    points: Vec<LonLat>,
    edges: Vec<(LonLat, LonLat)>,
    buffer: f64,
}

fn ref_shape(f: &Footprint) -> RefShape {
    match f {
        Footprint::Circle { center, radius_m } => RefShape {
            points: vec![*center],
            edges: vec![],
            buffer: *radius_m,
        },
        Footprint::Corridor { path, half_width_m } => RefShape {
            points: path.clone(),
            edges: path.windows(2).map(|w| (w[0], w[1])).collect(),
            buffer: *half_width_m,
        },
        Footprint::Polygon(ring) => RefShape {
            points: ring.clone(),
            edges: (0..ring.len())
                .map(|i| (ring[i], ring[(i + 1) % ring.len()]))
                .collect(),
            buffer: 0.0,
        },
    }
}

/// Brute-force distance between two separated footprints: every vertex and 8 interior points of every edge
/// of each side, each searched against every edge (or point) of the other side.
fn reference_distance(fa: &Footprint, fb: &Footprint) -> f64 {
    let (a, b) = (ref_shape(fa), ref_shape(fb));
    let mut best = f64::INFINITY;
    for (x, y) in [(&a, &b), (&b, &a)] {
        let mut samples = x.points.clone();
        for (e0, e1) in &x.edges {
            samples.extend((1..8).map(|k| along_arc(*e0, *e1, k as f64 / 8.0)));
        }
        for s in samples {
            if y.edges.is_empty() {
                for q in &y.points {
                    best = best.min(inverse(s, *q));
                }
            }
            for (e0, e1) in &y.edges {
                best = best.min(point_to_arc(s, *e0, *e1));
            }
        }
    }
    (best - a.buffer - b.buffer).max(0.0)
}

/// A random star-shaped footprint around `center` that stays within `reach` metres of it.
fn random_footprint(rng: &mut ChaCha8Rng, center: LonLat, reach: f64) -> Footprint {
    match rng.gen_range(0..3) {
        0 => {
            let n = rng.gen_range(3..9);
            let mut angles: Vec<f64> = (0..n)
                .map(|k| (k as f64 + rng.gen_range(0.1..0.9)) * 360.0 / n as f64)
                .collect();
            angles.sort_by(f64::total_cmp);
            Footprint::Polygon(
                angles
                    .iter()
                    .map(|az| direct(center, *az, reach * rng.gen_range(0.3..1.0)))
                    .collect(),
            )
        }
        1 => Footprint::Circle {
            center,
            radius_m: reach * rng.gen_range(0.05..1.0),
        },
        _ => {
            let w = reach * rng.gen_range(0.02..0.3);
            let n = rng.gen_range(2..6);
            let path = (0..n)
                .map(|_| {
                    direct(
                        center,
                        rng.gen_range(0.0..360.0),
                        (reach - w) * rng.gen_range(0.0..1.0),
                    )
                })
                .collect();
            Footprint::Corridor {
                path,
                half_width_m: w,
            }
        }
    }
}

fn random_place(rng: &mut ChaCha8Rng) -> LonLat {
    match rng.gen_range(0..3) {
        0 => LonLat::new(
            rng.gen_range(179.0..180.0) * if rng.gen() { 1.0 } else { -1.0 },
            rng.gen_range(-70.0..70.0),
        ),
        1 => LonLat::new(
            rng.gen_range(-180.0..180.0),
            rng.gen_range(75.0..88.0) * if rng.gen() { 1.0 } else { -1.0 },
        ),
        _ => LonLat::new(rng.gen_range(-180.0..180.0), rng.gen_range(-80.0..80.0)),
    }
}

#[test]
fn point_distances_match_karney_within_a_hundred_thousandth() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..20_000 {
        let a = random_place(&mut rng);
        let d = 10f64.powf(rng.gen_range(0.0..6.8));
        let b = direct(a, rng.gen_range(0.0..360.0), d);
        let ours = geodesy::surface_distance(geodesy::ecef(a), geodesy::ecef(b));
        let truth = inverse(a, b);
        assert!(
            (ours - truth).abs() <= (1e-5 * truth).max(0.001),
            "{a:?} → {b:?}: ours {ours}, Karney {truth}"
        );
    }
}

#[test]
fn footprint_distances_match_the_geodesic_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(2017);
    let mut worst_relative: f64 = 0.0;
    for case in 0..300 {
        let c1 = random_place(&mut rng);
        let (r1, r2) = (
            rng.gen_range(1_000.0..450_000.0),
            rng.gen_range(1_000.0..450_000.0),
        );
        let gap = 10f64.powf(rng.gen_range(2.0..6.3));
        let c2 = direct(c1, rng.gen_range(0.0..360.0), r1 + r2 + gap);
        let (fa, fb) = (
            random_footprint(&mut rng, c1, r1),
            random_footprint(&mut rng, c2, r2),
        );
        let (Ok(a), Ok(b)) = (Region::new(&fa), Region::new(&fb)) else {
            continue; // a random corridor or polygon over the width limit
        };
        let ours = a.distance_m(&b);
        let truth = reference_distance(a.footprint(), b.footprint());
        let tolerance = (0.001 * truth).max(1.0);
        assert!(
            (ours - truth).abs() <= tolerance,
            "case {case}: ours {ours:.3} m, reference {truth:.3} m\n{fa:?}\n{fb:?}"
        );
        assert_eq!(ours, b.distance_m(&a), "case {case}: distance is symmetric");
        if truth > 1000.0 {
            worst_relative = worst_relative.max((ours - truth).abs() / truth);
        }
        // The cheap test agrees with the exact distance on both sides of it.
        assert_eq!(a.distance_below(&b, ours + 1.0), Some(ours));
        assert_eq!(a.distance_below(&b, ours), None);
    }
    eprintln!("worst relative error beyond 1 km: {worst_relative:.2e}");
    assert!(worst_relative < 1e-3);
}

#[test]
fn footprints_around_one_point_overlap() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..500 {
        let c = random_place(&mut rng);
        let (ra, rb) = (
            rng.gen_range(1_000.0..400_000.0),
            rng.gen_range(1_000.0..400_000.0),
        );
        let fa = random_footprint(&mut rng, c, ra);
        let fb = random_footprint(&mut rng, c, rb);
        let (Ok(a), Ok(b)) = (Region::new(&fa), Region::new(&fb)) else {
            continue;
        };
        // Star-shaped polygons and circles contain their centre; corridors may not, so only those pairs.
        if !matches!(fa, Footprint::Corridor { .. }) && !matches!(fb, Footprint::Corridor { .. }) {
            assert_eq!(a.distance_m(&b), 0.0, "{fa:?}\n{fb:?}");
        }
    }
}
