//! The pruned, parallel detector finds exactly the pairs the O(n²) reference finds, with the same figures, on
//! seeded random snapshots: anywhere on Earth (the antimeridian and the poles included), dense and sparse,
//! stacked tracks meeting only vertically, pairs already in loss of separation, and pairs that do not move
//! relative to each other.

use deconflict_tactical::{brute_force, detect, Params, Track};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn scene(rng: &mut ChaCha8Rng) -> (Vec<Track>, Params) {
    let n = rng.gen_range(2..400);
    // Centre: anywhere, but often near the antimeridian or a pole.
    let lat0: f64 = match rng.gen_range(0..4) {
        0 => rng.gen_range(80.0..89.9) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
        _ => rng.gen_range(-75.0..75.0),
    };
    let lon0: f64 = match rng.gen_range(0..3) {
        0 => 180.0 * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
        _ => rng.gen_range(-180.0..180.0),
    };
    let spread_km: f64 = [5.0, 50.0, 300.0, 1000.0][rng.gen_range(0..4)];
    let mut tracks: Vec<Track> = Vec::with_capacity(n);
    for _ in 0..n {
        let dlat = rng.gen_range(-1.0..1.0) * spread_km / 111.0;
        let dlon =
            rng.gen_range(-1.0..1.0) * spread_km / (111.0 * lat0.to_radians().cos().max(0.05));
        let mut lon = lon0 + dlon;
        if lon > 180.0 {
            lon -= 360.0;
        } else if lon < -180.0 {
            lon += 360.0;
        }
        let lat = (lat0 + dlat).clamp(-89.99, 89.99);
        let kind = rng.gen_range(0..10);
        let mut t = Track {
            lat_deg: lat,
            lon_deg: lon,
            // Levels on a 300 m grid make stacked and co-level pairs common.
            alt_m: (rng.gen_range(0..40) as f64) * 300.0,
            gs_mps: rng.gen_range(100.0..250.0),
            trk_deg: rng.gen_range(0.0..360.0),
            vs_mps: 0.0,
        };
        match kind {
            0 => t.gs_mps = 0.0,                        // hovering
            1 => t.vs_mps = rng.gen_range(-20.0..20.0), // climbing or descending
            2 => {
                // Stacked above another, meeting only vertically.
                if let Some(o) = tracks.last().copied() {
                    t = Track {
                        alt_m: o.alt_m + 600.0,
                        gs_mps: 0.0,
                        vs_mps: -10.0,
                        ..o
                    };
                }
            }
            3 => {
                // The same velocity as another close by: no relative motion.
                if let Some(o) = tracks.last().copied() {
                    t = Track {
                        lat_deg: (o.lat_deg + 0.02).min(89.99),
                        ..o
                    };
                }
            }
            _ => {}
        }
        tracks.push(t);
    }
    let params = Params {
        rpz_m: rng.gen_range(1_000.0..20_000.0),
        hpz_m: rng.gen_range(100.0..600.0),
        lookahead_s: rng.gen_range(30.0..900.0),
    };
    (tracks, params)
}

#[test]
fn detect_finds_exactly_the_brute_force_pairs() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut pairs = 0;
    let mut losses = 0;
    for k in 0..600 {
        let (tracks, params) = scene(&mut rng);
        let expected = brute_force(&tracks, &params);
        let found = detect(&tracks, &params);
        if found != expected {
            let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
            let extra: Vec<_> = found.iter().filter(|e| !expected.contains(e)).collect();
            let show = |e: &&deconflict_tactical::Encounter| (e.a, e.b, tracks[e.a], tracks[e.b]);
            panic!(
                "scene {k}: {} tracks, {params:?}\nmissing {:?}\nextra {:?}",
                tracks.len(),
                missing.iter().take(3).map(show).collect::<Vec<_>>(),
                extra.iter().take(3).map(show).collect::<Vec<_>>()
            );
        }
        pairs += expected.len();
        losses += expected.iter().filter(|e| e.los_now).count();
    }
    // The scenes are not vacuous: many predicted conflicts and many present losses.
    assert!(pairs > 5_000, "{pairs} pairs");
    assert!(losses > 500, "{losses} losses");
}

#[test]
fn defaults_are_the_design_values() {
    let p = Params::default();
    assert_eq!((p.rpz_m, p.hpz_m, p.lookahead_s), (9_260.0, 304.8, 300.0));
}
