//! What a hostile or careless party's tracks cannot do to detection: make it loop, spin or allocate without
//! bound (any finite state, poles and the antimeridian included, extrapolated over any time), or make one pair
//! of parties' stack of tracks cost the others more than a bounded amount. Pairs between groups, with unknown
//! vertical rates and pressure altitudes, match the one-by-one reference when no budget is reached.

use std::time::{Duration, Instant};

use deconflict_tactical::{
    brute_force_between, extrapolate, Between, Budget, Detector, Params, Track, Vertical,
};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn finite(t: &Track) -> bool {
    [t.lat_deg, t.lon_deg, t.alt_m, t.gs_mps, t.trk_deg, t.vs_mps]
        .iter()
        .all(|v| v.is_finite())
}

fn any_finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e300..1e300f64,
        -1e6..1e6f64,
        Just(90.0),
        Just(-90.0),
        Just(180.0),
        Just(-180.0),
        Just(0.0),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(f64::MIN_POSITIVE),
        89.9999..90.0f64,
    ]
}

fn any_track() -> impl Strategy<Value = Track> {
    (
        any_finite(),
        any_finite(),
        any_finite(),
        any_finite(),
        any_finite(),
        any_finite(),
    )
        .prop_map(|(lat, lon, alt, gs, trk, vs)| Track {
            lat_deg: lat,
            lon_deg: lon,
            alt_m: alt,
            gs_mps: gs,
            trk_deg: trk,
            vs_mps: vs,
        })
}

/// A valid report, as the line accepts them: near or at a pole, any speed the line allows.
fn valid_track() -> impl Strategy<Value = Track> {
    (
        prop_oneof![-90.0..90.0f64, 89.0..=90.0f64, -90.0..=-89.0f64],
        -180.0..=180.0f64,
        -1_000.0..100_000.0f64,
        0.0..3_000.0f64,
        -360.0..360.0f64,
        -1_000.0..1_000.0f64,
    )
        .prop_map(|(lat, lon, alt, gs, trk, vs)| Track {
            lat_deg: lat,
            lon_deg: lon,
            alt_m: alt,
            gs_mps: gs,
            trk_deg: trk,
            vs_mps: vs,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any finite state over any finite time: a finite state, on the globe.
    #[test]
    fn extrapolation_ends_and_stays_finite(t in any_track(), dt in any_finite()) {
        let e = extrapolate(&t, dt);
        prop_assert!(finite(&e), "{t:?} by {dt}: {e:?}");
        prop_assert!((-90.0..=90.0).contains(&e.lat_deg), "{e:?}");
        prop_assert!((-180.0..=180.0).contains(&e.lon_deg), "{e:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Detection over valid states extrapolated by any time ends, with finite figures, and finds what the
    /// reference finds.
    #[test]
    fn detection_ends_on_any_extrapolated_scene(
        tracks in prop::collection::vec((valid_track(), any_finite(), 0u32..3, any::<bool>(), any::<bool>()), 2..40)
    ) {
        let states: Vec<Track> = tracks.iter().map(|(t, dt, ..)| extrapolate(t, *dt)).collect();
        let groups: Vec<u32> = tracks.iter().map(|x| x.2).collect();
        let vertical: Vec<Vertical> = tracks
            .iter()
            .map(|x| Vertical { rate_unknown: x.3, pressure: x.4, ellipsoid: false })
            .collect();
        let between = Between {
            groups: &groups,
            linked: &|_, _| true,
            vertical: &vertical,
            budget: Budget::UNLIMITED,
        };
        let p = Params::default();
        let found = Detector::default().detect_between(&states, &between, &p);
        for e in &found.encounters {
            prop_assert!(e.t_los_s.is_finite() && e.d_cpa_m.is_finite() && e.t_cpa_s.is_finite(), "{e:?}");
        }
        prop_assert_eq!(found.encounters, brute_force_between(&states, &between, &p));
    }
}

/// 10 000 tracks of valid states within a few kilometres of the North Pole (the report that stalled a scan for
/// more than 150 s): one detection takes well under a second (a few seconds unoptimised).
#[test]
fn ten_thousand_tracks_at_a_pole_are_detected_quickly() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let tracks: Vec<Track> = (0..10_000)
        .map(|_| Track {
            lat_deg: rng.gen_range(89.9..=90.0),
            lon_deg: rng.gen_range(-180.0..180.0),
            alt_m: rng.gen_range(1_000.0..12_000.0),
            gs_mps: rng.gen_range(100.0..250.0),
            trk_deg: rng.gen_range(0.0..360.0),
            vs_mps: 0.0,
        })
        .collect();
    let groups: Vec<u32> = (0..tracks.len() as u32).map(|i| i % 2).collect();
    let between = Between {
        groups: &groups,
        linked: &|_, _| true,
        vertical: &[],
        budget: Budget::default(),
    };
    let started = Instant::now();
    let found = Detector::default().detect_between(&tracks, &between, &Params::default());
    let took = started.elapsed();
    assert!(!found.encounters.is_empty());
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// Tracks packed at a pole all meet in the coarse polar plane: each query passed the wide tracks before it one
/// by one, free of budget, so 40 000 tracks took ~400 million steps (3.4 s a scan). Now a query's steps are
/// bounded by its budget and the cells it covers.
#[test]
fn tracks_packed_at_a_pole_cost_their_budget_not_n_squared() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let n = 20_000;
    let tracks: Vec<Track> = (0..n)
        .map(|_| Track {
            lat_deg: rng.gen_range(89.9..=90.0),
            lon_deg: rng.gen_range(-180.0..180.0),
            alt_m: rng.gen_range(1_000.0..12_000.0),
            gs_mps: rng.gen_range(100.0..250.0),
            trk_deg: rng.gen_range(0.0..360.0),
            vs_mps: 0.0,
        })
        .collect();
    let groups: Vec<u32> = (0..n as u32).map(|i| i % 2).collect();
    let budget = Budget::default();
    let between = Between {
        groups: &groups,
        linked: &|_, _| true,
        vertical: &[],
        budget,
    };
    let found = Detector::default().detect_between(&tracks, &between, &Params::default());
    assert!(!found.encounters.is_empty());
    let per_track = found.steps / n as u64;
    assert!(
        per_track <= 4 * budget.examined as u64,
        "{per_track} steps a track (budget {})",
        budget.examined
    );
}

/// Tracks reported as fast and as steep as the line allows, among ordinary traffic: no track covers an
/// unbounded number of cells.
#[test]
fn the_fastest_and_steepest_tracks_cost_a_bounded_amount() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut tracks: Vec<Track> = (0..5_000)
        .map(|_| Track {
            lat_deg: rng.gen_range(34.0..36.0),
            lon_deg: rng.gen_range(37.0..39.0),
            alt_m: rng.gen_range(1_000.0..12_000.0),
            gs_mps: 0.0,
            trk_deg: 0.0,
            vs_mps: 0.0,
        })
        .collect();
    tracks.extend((0..200).map(|i| Track {
        lat_deg: 35.0,
        lon_deg: 38.0,
        alt_m: 50_000.0,
        gs_mps: 3_000.0,
        trk_deg: f64::from(i),
        vs_mps: if i % 2 == 0 { 1_000.0 } else { -1_000.0 },
    }));
    let groups: Vec<u32> = (0..tracks.len() as u32).map(|i| i % 3).collect();
    let between = Between {
        groups: &groups,
        linked: &|_, _| true,
        vertical: &[],
        budget: Budget::UNLIMITED,
    };
    let started = Instant::now();
    let found = Detector::default().detect_between(&tracks, &between, &Params::default());
    let took = started.elapsed();
    assert_eq!(
        found.encounters,
        brute_force_between(&tracks, &between, &Params::default())
    );
    assert!(took < Duration::from_secs(30), "{took:?}");
}

/// Two groups of 1 000 tracks each stacked on one point: every track spends at most the budget on the other
/// group, the conflicts kept are bounded by it, the rest are counted; a pair of two other groups elsewhere is
/// found all the same, and one group's 10 000 tracks on one point cost nothing (a group never meets itself).
#[test]
fn a_stack_costs_its_pair_of_groups_a_bounded_amount_and_others_nothing() {
    let at = |lat: f64, lon: f64, alt: f64, trk: f64| Track {
        lat_deg: lat,
        lon_deg: lon,
        alt_m: alt,
        gs_mps: 200.0,
        trk_deg: trk,
        vs_mps: 0.0,
    };
    let mut tracks = Vec::new();
    let mut groups = Vec::new();
    for g in 0..2u32 {
        for _ in 0..1_000 {
            tracks.push(at(35.0, 38.0, 9_000.0, 90.0));
            groups.push(g);
        }
    }
    for _ in 0..10_000 {
        tracks.push(at(35.0, 38.0, 9_000.0, 90.0));
        groups.push(4);
    }
    // Groups 2 and 3 head-on 40 km apart, 200 km away.
    tracks.push(at(36.8, 38.0, 9_000.0, 90.0));
    groups.push(2);
    tracks.push(at(36.8, 38.44, 9_000.0, 270.0));
    groups.push(3);
    // Group 4 is linked to nobody.
    let linked = |a: u32, b: u32| a != 4 && b != 4;
    let budget = Budget::default();
    let between = Between {
        groups: &groups,
        linked: &linked,
        vertical: &[],
        budget,
    };
    let started = Instant::now();
    let found = Detector::default().detect_between(&tracks, &between, &Params::default());
    let took = started.elapsed();
    let n = tracks.len();
    assert!(
        found
            .encounters
            .iter()
            .any(|e| (e.a, e.b) == (n - 2, n - 1)),
        "the other pair is found"
    );
    let stacked = found
        .encounters
        .iter()
        .filter(|e| groups[e.a] < 2 && groups[e.b] < 2)
        .count();
    assert!(stacked <= 1_000 * budget.kept, "{stacked}");
    assert!(stacked >= budget.kept, "{stacked}");
    assert!(!found.saturated.is_empty());
    assert!(found
        .saturated
        .iter()
        .all(|s| groups[s.track] < 2 && s.group < 2));
    assert!(took < Duration::from_secs(20), "{took:?}");
}
