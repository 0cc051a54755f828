//! Unit tests of regions: footprints, distances between them, and their edge cases.

use super::*;

fn square(lon: f64, lat: f64, half: f64) -> Footprint {
    Footprint::Polygon(vec![
        LonLat::new(lon - half, lat - half),
        LonLat::new(lon + half, lat - half),
        LonLat::new(lon + half, lat + half),
        LonLat::new(lon - half, lat + half),
    ])
}

fn region(f: &Footprint) -> Region {
    Region::new(f).expect("valid footprint")
}

#[test]
fn overlapping_and_nested_polygons_are_at_distance_zero() {
    let big = region(&square(38.0, 35.0, 1.0));
    let inner = region(&square(38.0, 35.0, 0.1));
    let crossing = region(&square(39.0, 35.0, 0.5));
    assert_eq!(big.distance_m(&inner), 0.0);
    assert_eq!(inner.distance_m(&big), 0.0);
    assert_eq!(big.distance_m(&crossing), 0.0);
}

#[test]
fn circle_inside_polygon_is_at_distance_zero() {
    let big = region(&square(38.0, 35.0, 1.0));
    let c = region(&Footprint::Circle {
        center: LonLat::new(38.0, 35.0),
        radius_m: 10.0,
    });
    assert_eq!(c.distance_m(&big), 0.0);
}

#[test]
fn circles_subtract_their_radii() {
    let a = LonLat::new(38.0, 35.0);
    let b = LonLat::new(38.2, 35.1);
    let d = geodesy::geodesic_distance(a, b);
    let ca = region(&Footprint::Circle {
        center: a,
        radius_m: 1000.0,
    });
    let cb = region(&Footprint::Circle {
        center: b,
        radius_m: 2000.0,
    });
    assert!((ca.distance_m(&cb) - (d - 3000.0)).abs() < 0.01);
    assert_eq!(ca.distance_below(&cb, d - 3000.0), None);
    assert!(ca.distance_below(&cb, d - 2999.0).is_some());
}

#[test]
fn self_intersecting_bow_tie_is_rejected() {
    let bow = Footprint::Polygon(vec![
        LonLat::new(38.0, 35.0),
        LonLat::new(38.5, 35.5),
        LonLat::new(38.5, 35.0),
        LonLat::new(38.0, 35.5),
    ]);
    let err = Region::new(&bow).expect_err("bow tie");
    assert!(
        matches!(err.problem, Problem::SelfIntersecting(_, _)),
        "{err}"
    );
}

/// The quadratic loops the sweep replaces.
fn naive_self_intersection(ring: &[Coord<f64>]) -> bool {
    let n = ring.len();
    (0..n).any(|i| {
        (i + 1..n).any(|j| {
            let (a1, a2, b1, b2) = (ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]);
            if j == i + 1 || (i == 0 && j == n - 1) {
                let (shared, p, q) = if j == i + 1 {
                    (a2, a1, b2)
                } else {
                    (a1, a2, b1)
                };
                orient2d(p, shared, q) == 0.0
                    && (p.x - shared.x) * (q.x - shared.x) + (p.y - shared.y) * (q.y - shared.y)
                        > 0.0
            } else {
                segments_meet(a1, a2, b1, b2)
            }
        })
    })
}

#[test]
fn sweep_finds_the_same_crossings_as_the_double_loop() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let (mut simple, mut crossed) = (0, 0);
    for _ in 0..5_000 {
        let n = rng.gen_range(3..40);
        // Coarse grid coordinates make touching vertices and collinear edges common.
        let ring: Vec<Coord<f64>> = (0..n)
            .map(|_| Coord {
                x: f64::from(rng.gen_range(0..12)),
                y: f64::from(rng.gen_range(0..12)),
            })
            .collect();
        let naive = naive_self_intersection(&ring);
        let swept = matches!(check_simple(&ring), Err(Problem::SelfIntersecting(_, _)));
        assert_eq!(swept, naive, "{ring:?}");
        if naive {
            crossed += 1
        } else {
            simple += 1
        }
    }
    assert!(
        simple > 100 && crossed > 100,
        "both outcomes exercised: {simple} simple, {crossed} crossed"
    );

    for _ in 0..2_000 {
        let c = LonLat::new(rng.gen_range(-180.0..180.0), rng.gen_range(-80.0..80.0));
        let star = |rng: &mut rand_chacha::ChaCha8Rng, c: LonLat| {
            let n = rng.gen_range(3..30);
            Footprint::Polygon(
                (0..n)
                    .map(|k| {
                        let a = (f64::from(k) + 0.5) / f64::from(n) * std::f64::consts::TAU;
                        let r = rng.gen_range(0.05..1.0);
                        LonLat::new(
                            (c.lon + r * a.cos()).clamp(-180.0, 180.0),
                            c.lat + r * a.sin(),
                        )
                    })
                    .collect(),
            )
        };
        let other = LonLat::new(
            (c.lon + rng.gen_range(-1.5..1.5)).clamp(-180.0, 180.0),
            c.lat + rng.gen_range(-1.5..1.5),
        );
        let (Ok(a), Ok(b)) = (
            Region::new(&star(&mut rng, c)),
            Region::new(&star(&mut rng, other)),
        ) else {
            continue;
        };
        let plane = Gnomonic::new(vec3::normalize(vec3::add(a.center, b.center)));
        let pa: Vec<Coord<f64>> = a.vertices.iter().map(|v| plane.project(v.dir)).collect();
        let pb: Vec<Coord<f64>> = b.vertices.iter().map(|v| plane.project(v.dir)).collect();
        let naive = a.edges.iter().any(|ea| {
            b.edges
                .iter()
                .any(|eb| segments_meet(pa[ea.from], pa[ea.to], pb[eb.from], pb[eb.to]))
        }) || polygon_contains(&pa, pb[0])
            || polygon_contains(&pb, pa[0]);
        assert_eq!(cores_meet(&a, &b), naive);
    }
}

#[test]
fn unit_box_holds_a_polar_cap() {
    let ring = Footprint::Polygon(
        (0..8)
            .map(|k| LonLat::new(-180.0 + 45.0 * f64::from(k), 87.0))
            .collect(),
    );
    let r = region(&ring);
    let (_, hi) = r.unit_box(0.0);
    assert!(hi[2] >= 1.0 - 1e-12, "the pole is inside the ring");
}
