//! The index finds exactly the conflicts of a brute-force O(n²) comparison, on thousands of seeded random
//! scenes: dense theatres, the antimeridian, the poles, time buffers, zone minima, mixed datums, and updates
//! (insert, replace, remove) between checks.

use deconflict_space::LonLat;
use deconflict_strategic::synthetic::{theatre, TheatreSpec};
use deconflict_strategic::{
    advise, brute_force, check_pair, AdviceBounds, Conflict, ConflictIndex, Declaration, Minima,
    Separation,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(rng: &mut ChaCha8Rng) -> TheatreSpec {
    let center = match rng.gen_range(0..4) {
        0 => LonLat::new(179.9, rng.gen_range(-60.0..60.0)),
        1 => LonLat::new(rng.gen_range(-180.0..180.0), 89.9),
        2 => LonLat::new(rng.gen_range(-180.0..180.0), -89.5),
        _ => LonLat::new(38.5, 35.5),
    };
    TheatreSpec {
        center,
        area_km2: rng.gen_range(5_000.0..200_000.0),
        width_km: (1.0, rng.gen_range(5.0..150.0)),
        duration_h: (0.25, 4.0),
        span_h: rng.gen_range(2.0..24.0),
        start_ms: 1_497_744_000_000,
        volumes: (1, 3),
        parties: rng.gen_range(2..5),
        zone_share: 0.3,
        line_share: 0.4,
        wgs84_share: 0.2,
    }
}

fn minima(rng: &mut ChaCha8Rng) -> Minima {
    let standard = Separation {
        lateral_m: rng.gen_range(0.0..20_000.0),
        vertical_m: rng.gen_range(0.0..600.0),
        time_buffer_ms: if rng.gen_bool(0.5) {
            0
        } else {
            rng.gen_range(0..3_600_000)
        },
    };
    if rng.gen_bool(0.5) {
        Minima::uniform(standard)
    } else {
        Minima {
            standard,
            around_zones: Separation::AROUND_ZONES,
        }
    }
}

/// Which declarations and which of their volumes conflict.
type Summary = Vec<(String, String, Vec<(usize, usize)>)>;

fn summary(c: &[Conflict]) -> Summary {
    c.iter()
        .map(|c| {
            (
                c.a.id.clone(),
                c.b.id.clone(),
                c.volumes.iter().map(|v| (v.a_volume, v.b_volume)).collect(),
            )
        })
        .collect()
}

#[test]
fn index_finds_exactly_the_brute_force_conflicts() {
    let mut total = 0;
    for seed in 0..2_000u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let spec = spec(&mut rng);
        let minima = minima(&mut rng);
        let n = rng.gen_range(2..40);
        let decls = theatre(seed, n, &spec);
        let expected = brute_force(&decls, &minima);
        total += expected.len();

        let bulk = ConflictIndex::bulk(minima, decls.clone()).expect("unique ids");
        assert_eq!(
            bulk.all_conflicts(),
            expected,
            "seed {seed}: bulk-loaded index"
        );

        // One by one, checking each new declaration against those before it.
        let mut index = ConflictIndex::new(minima);
        let mut incremental = Vec::new();
        for d in &decls {
            incremental.extend(index.conflicts_of(d));
            index.insert(d.clone()).expect("unique ids");
        }
        deconflict_strategic::conflict::sort_conflicts(&mut incremental);
        assert_eq!(
            summary(&incremental),
            summary(&expected),
            "seed {seed}: incremental"
        );
        assert_eq!(
            index.all_conflicts(),
            expected,
            "seed {seed}: inserted index"
        );

        // Each declaration's own conflicts.
        for d in decls.iter().take(5) {
            let own: Vec<Conflict> = decls
                .iter()
                .filter_map(|o| check_pair(d, o, &minima))
                .collect();
            let mut own = own;
            deconflict_strategic::conflict::sort_conflicts(&mut own);
            assert_eq!(
                index.conflicts_of(d),
                own,
                "seed {seed}: conflicts of {}",
                d.id
            );
        }
    }
    assert!(
        total > 5_000,
        "the scenes must be dense enough to conflict often: {total}"
    );
}

#[test]
fn replace_and_remove_keep_the_index_exact() {
    for seed in 0..300u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 10_000);
        let spec = spec(&mut rng);
        let minima = minima(&mut rng);
        let n = rng.gen_range(5..30);
        let mut decls = theatre(seed, n, &spec);
        let replacements = theatre(seed + 1, n, &spec);
        let mut index = ConflictIndex::bulk(minima, decls.clone()).expect("unique ids");
        for (step, replacement) in replacements.iter().enumerate() {
            let i = rng.gen_range(0..decls.len());
            if rng.gen_bool(0.3) && decls.len() > 1 {
                let gone = decls.remove(i);
                assert_eq!(
                    index.remove(&gone.party, &gone.id).map(|d| d.id),
                    Some(gone.id.clone())
                );
                assert!(index.get(&gone.party, &gone.id).is_none());
            } else {
                let mut new = replacement.clone();
                new.id = decls[i].id.clone();
                new.party = decls[i].party.clone();
                new.version = decls[i].version + 1;
                decls[i] = new.clone();
                index.replace(new).expect("replace");
            }
            assert_eq!(index.len(), decls.len());
            assert_eq!(
                index.all_conflicts(),
                brute_force(&decls, &minima),
                "seed {seed} step {step}"
            );
        }
    }
}

#[test]
fn conflict_ids_are_stable_and_depend_on_versions() {
    let spec = TheatreSpec {
        area_km2: 2_000.0,
        ..TheatreSpec::constant_density(10)
    };
    let decls: Vec<Declaration> = theatre(1, 30, &spec);
    let minima = Minima::default();
    let first = brute_force(&decls, &minima);
    assert!(!first.is_empty());
    assert_eq!(first, brute_force(&decls, &minima));
    let mut bumped = decls.clone();
    for d in &mut bumped {
        d.version += 1;
    }
    let second = brute_force(&bumped, &minima);
    assert_eq!(first.len(), second.len());
    for (x, y) in first.iter().zip(&second) {
        assert_ne!(x.id, y.id, "a new version is a new conflict");
    }
}

#[test]
fn advice_clears_every_conflict_and_is_the_smallest() {
    let mut advised = 0;
    for seed in 0..400u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 50_000);
        let spec = spec(&mut rng);
        let minima = minima(&mut rng);
        let decls = theatre(seed, rng.gen_range(5..30), &spec);
        let index = ConflictIndex::bulk(minima, decls.clone()).expect("unique ids");
        let bounds = AdviceBounds::default();
        for d in decls.iter().take(4) {
            if index.conflicts_of(d).is_empty() {
                continue;
            }
            advised += 1;
            let a = advise(&index, d, &bounds);
            assert_eq!(a.can_delay, !d.kind.is_area_of_protection());
            assert_eq!(
                a.can_change_height,
                d.kind == deconflict_strategic::Kind::AirOperation
            );
            let shifted = |dt: i64, dz: f64| {
                let mut s = d.clone();
                for v in &mut s.volumes {
                    v.time = v.time.shifted(dt);
                    v.altitude = v.altitude.shifted(dz);
                }
                s
            };
            if let Some(delay) = a.delay_ms {
                assert!(delay > 0);
                assert!(
                    index.conflicts_of(&shifted(delay, 0.0)).is_empty(),
                    "seed {seed}: delay {delay} clears"
                );
                assert!(
                    !index.conflicts_of(&shifted(delay - 1000, 0.0)).is_empty(),
                    "seed {seed}: a second less does not"
                );
            }
            if let Some(up) = a.climb_m {
                assert!(
                    index.conflicts_of(&shifted(0, up)).is_empty(),
                    "seed {seed}: climb {up} clears"
                );
                assert!(
                    !index.conflicts_of(&shifted(0, up - 1.0)).is_empty(),
                    "seed {seed}: a metre less does not"
                );
            }
            if let Some(down) = a.descend_m {
                assert!(
                    index.conflicts_of(&shifted(0, -down)).is_empty(),
                    "seed {seed}: descent {down} clears"
                );
                assert!(
                    !index.conflicts_of(&shifted(0, 1.0 - down)).is_empty(),
                    "seed {seed}: a metre less does not"
                );
            }
        }
    }
    assert!(
        advised > 200,
        "enough declarations in conflict were advised: {advised}"
    );
}
