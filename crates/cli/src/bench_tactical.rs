//! `deconflict bench tactical`: time per full detection scan at growing track counts, printed as a Markdown
//! table for `docs/BENCHMARKS.md`.
//!
//! Constant density (issue #5): 10 000 tracks per 1 000 km × 1 000 km, the square growing with the count,
//! centred on Syria; altitudes 1–12 km, ground speeds 100–250 m/s, random headings, one in five climbing or
//! descending at up to 15 m/s. Dense: 10 000 and 20 000 tracks in one 1 000 km square. Defaults rpz 9 260 m,
//! hpz 304.8 m, look-ahead 300 s; each scan is timed `--repeat` times and the median reported.

use std::time::{Duration, Instant};

use anyhow::Result;
use deconflict_tactical::{Detector, Params, Track};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::bench::BenchArgs;

/// `n` tracks spread uniformly over a square of `side_km` centred at 35°N 38°E.
pub fn traffic(n: usize, side_km: f64, seed: u64) -> Vec<Track> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lat0, lon0) = (35.0f64, 38.0f64);
    let half_lat = 0.5 * side_km / 111.195;
    (0..n)
        .map(|_| {
            let lat = (lat0 + rng.gen_range(-half_lat..half_lat)).clamp(-89.0, 89.0);
            let half_lon = (0.5 * side_km / (111.195 * lat.to_radians().cos())).min(180.0);
            let mut lon = lon0 + rng.gen_range(-half_lon..half_lon);
            if lon > 180.0 {
                lon -= 360.0;
            } else if lon < -180.0 {
                lon += 360.0;
            }
            Track {
                lat_deg: lat,
                lon_deg: lon,
                alt_m: rng.gen_range(1_000.0..12_000.0),
                gs_mps: rng.gen_range(100.0..250.0),
                trk_deg: rng.gen_range(0.0..360.0),
                vs_mps: if rng.gen_bool(0.2) {
                    rng.gen_range(-15.0..15.0)
                } else {
                    0.0
                },
            }
        })
        .collect()
}

fn median_scan(tracks: &[Track], params: &Params, repeat: usize) -> (Duration, usize, usize) {
    let mut times = Vec::new();
    let mut found = (0, 0);
    // One detector for all the scans of a count, as a periodic scan in the server would keep it.
    let mut detector = Detector::default();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let pairs = detector.detect(tracks, params);
        times.push(t.elapsed());
        found = (pairs.len(), pairs.iter().filter(|e| e.los_now).count());
    }
    times.sort();
    (times[times.len() / 2], found.0, found.1)
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let params = Params::default();
    let threads = rayon::current_num_threads();
    println!(
        "### Tactical detection, full scan ({threads} threads, median of {} scans)\n",
        args.repeat
    );
    println!(
        "| tracks | square side (km) | scan (ms) | conflicting pairs | losses of separation now |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut cases: Vec<(usize, f64)> = args
        .tracks
        .iter()
        .map(|&n| (n, 1_000.0 * (n as f64 / 10_000.0).sqrt()))
        .collect();
    cases.push((20_000, 1_000.0));
    for (n, side) in cases {
        let tracks = traffic(n, side, args.seed);
        let (t, pairs, losses) = median_scan(&tracks, &params, args.repeat);
        println!(
            "| {n} | {side:.0} | {:.2} | {pairs} | {losses} |",
            t.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
