//! `deconflict bench storm`: what a storm of tracks costs everyone else. One line in-process (embedded store,
//! a manual clock moved on one second per scan); parties `a` and `b` report stacks of tracks on one point, every
//! second, while parties `c` and `d` (their own agreement) report a fresh head-on pair 300 km away. For each
//! case: how long the scan that raises `c`–`d`'s alert takes (the delay the storm adds to that alert, on top
//! of waiting for the next scan; in scan periods of 250 ms), and the entries each scan logs — bounded by the
//! pairs of parties, not by the tracks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use deconflict_server::clock::ManualClock;
use deconflict_server::Line;
use serde_json::{json, Value};

use crate::bench::{percentile, BenchArgs};

/// 2030-03-17T17:46:40Z.
const START_MS: i64 = 1_900_000_000_000;
/// The server's scan period.
const SCAN_PERIOD: Duration = Duration::from_millis(250);

/// `n` tracks of one party stacked on one point (35°N 38°E, 9 000 m, still).
fn stack(prefix: &str, n: usize) -> Value {
    json!({"tracks": (0..n).map(|i| json!({"id": format!("{prefix}{i}"), "lat": 35.0, "lon": 38.0,
        "alt_m": 9000.0, "gs_mps": 0.0, "trk_deg": 0.0, "vs_mps": 0.0})).collect::<Vec<_>>()})
}

/// `n` tracks spread over a 1 000 km square at 35°N 38°E (the tactical benchmark's traffic).
fn spread(prefix: &str, n: usize, seed: u64) -> Value {
    let tracks = crate::bench_tactical::traffic(n, 1_000.0, seed);
    json!({"tracks": tracks.iter().enumerate().map(|(i, t)| json!({"id": format!("{prefix}{i}"),
        "lat": t.lat_deg, "lon": t.lon_deg, "alt_m": t.alt_m, "gs_mps": t.gs_mps, "trk_deg": t.trk_deg,
        "vs_mps": t.vs_mps})).collect::<Vec<_>>()})
}

/// `n` tracks within 0.1° of the North Pole, in every direction at 100–250 m/s (each one's box spans every
/// longitude: they all meet in the detector's coarse polar plane).
fn polar(prefix: &str, n: usize, seed: u64) -> Value {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    json!({"tracks": (0..n).map(|i| json!({"id": format!("{prefix}{i}"),
        "lat": rng.gen_range(89.9..90.0), "lon": rng.gen_range(-180.0..180.0),
        "alt_m": rng.gen_range(1_000.0..12_000.0), "gs_mps": rng.gen_range(100.0..250.0),
        "trk_deg": rng.gen_range(0.0..360.0), "vs_mps": 0.0})).collect::<Vec<_>>()})
}

/// A case: what `a` and `b` report every second.
struct Case {
    name: &'static str,
    a: Option<Value>,
    b: Option<Value>,
}

/// What one case measured.
struct Figures {
    /// Entries the storm's own first scan logged (its pair's alerts up to the cap, and the storm alert).
    storm_entries: usize,
    /// The scan that raised the fresh pair's alert.
    first_scan: Duration,
    /// Median and slowest of the later scans (the storm re-reported each second).
    later_p50: Duration,
    later_max: Duration,
    first_entries: usize,
    later_max_entries: usize,
    /// The fresh pair alerted in the first scan.
    alerted: bool,
}

fn run_case(case: &Case, scans: usize) -> Result<Figures> {
    let dir = tempfile::tempdir().context("temporary directory")?;
    let clock = Arc::new(ManualClock::new(START_MS));
    let line = Line::open_with_clock(dir.path(), "bench.example/storm", clock.clone())
        .map_err(|e| anyhow!("{e}"))?;
    for p in ["a", "b", "c", "d"] {
        line.register_party(p, "military")
            .map_err(|e| anyhow!("{e}"))?;
    }
    for (id, parties) in [("a-b", ["a", "b"]), ("c-d", ["c", "d"])] {
        line.establish_agreement(json!({"id": id, "parties": parties}))
            .map_err(|e| anyhow!("{e}"))?;
    }
    let report = |party: &str, body: &Option<Value>| -> Result<()> {
        if let Some(b) = body {
            line.report_tracks(party, b.clone())
                .map_err(|e| anyhow!("{party}: {e}"))?;
        }
        Ok(())
    };
    let fresh = |lat: f64| -> Result<()> {
        let t = |id: &str, lon: f64, trk: f64| {
            json!({"tracks": [{"id": id, "lat": lat, "lon": lon,
            "alt_m": 9000.0, "gs_mps": 220.0, "trk_deg": trk, "vs_mps": 0.0}]})
        };
        line.report_tracks("c", t("fresh", 38.0, 90.0))
            .map_err(|e| anyhow!("{e}"))?;
        line.report_tracks("d", t("fresh", 38.44, 270.0))
            .map_err(|e| anyhow!("{e}"))?;
        Ok(())
    };
    report("a", &case.a)?;
    report("b", &case.b)?;
    // A first scan with the storm alone (its own alerts), then the fresh pair arrives.
    let storm_entries = line.scan_tracks().map_err(|e| anyhow!("{e}"))?;
    clock.advance_ms(1_000);
    report("a", &case.a)?;
    report("b", &case.b)?;
    fresh(32.3)?;
    let from = line.store().size().map_err(|e| anyhow!("{e}"))?;
    let started = Instant::now();
    let first_entries = line.scan_tracks().map_err(|e| anyhow!("{e}"))?;
    let first_scan = started.elapsed();
    let size = line.store().size().map_err(|e| anyhow!("{e}"))?;
    let alerted = line
        .store()
        .entries(from, (size - from) as usize)
        .map_err(|e| anyhow!("{e}"))?
        .iter()
        .any(|e| e.header.kind == "alert.raised" && e.header.audience.includes("c"));
    let (mut later, mut later_max_entries) = (Vec::new(), 0);
    for _ in 0..scans {
        clock.advance_ms(1_000);
        report("a", &case.a)?;
        report("b", &case.b)?;
        fresh(32.3)?;
        let t = Instant::now();
        let n = line.scan_tracks().map_err(|e| anyhow!("{e}"))?;
        later.push(t.elapsed());
        later_max_entries = later_max_entries.max(n);
    }
    later.sort_unstable();
    Ok(Figures {
        storm_entries,
        first_scan,
        later_p50: percentile(&later, 0.5),
        later_max: later.last().copied().unwrap_or_default(),
        first_entries,
        later_max_entries,
        alerted,
    })
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let scans = args.repeat.max(1);
    let cases = [
        Case {
            name: "no storm (the fresh pair alone)",
            a: None,
            b: None,
        },
        Case {
            name: "a: 10 000 tracks on one point",
            a: Some(stack("a", 10_000)),
            b: None,
        },
        Case {
            name: "a, b: 1 000 + 1 000 on one point",
            a: Some(stack("a", 1_000)),
            b: Some(stack("b", 1_000)),
        },
        Case {
            name: "a, b: 10 000 + 10 000 on one point",
            a: Some(stack("a", 10_000)),
            b: Some(stack("b", 10_000)),
        },
        Case {
            name: "a, b: 10 000 + 10 000 spread over 1 000 km",
            a: Some(spread("a", 10_000, args.seed)),
            b: Some(spread("b", 10_000, args.seed + 1)),
        },
        Case {
            name: "a, b: 10 000 + 10 000 within 0.1° of the North Pole, moving",
            a: Some(polar("a", 10_000, args.seed)),
            b: Some(polar("b", 10_000, args.seed + 1)),
        },
    ];
    let threads = rayon::current_num_threads();
    println!(
        "### Alert storms: the delay one pair's tracks add to another pair's alert ({threads} threads; {scans} \
         further scans, one a second)\n"
    );
    println!(
        "| storm (re-reported every second) | scan raising c–d's alert (ms) | in scan periods | later scans p50 / max (ms) | entries: storm's first scan / that scan / most in a later scan | c–d alerted |"
    );
    println!("|---|---:|---:|---:|---:|---|");
    for case in &cases {
        let f = run_case(case, scans)?;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "| {} | {:.1} | {:.2} | {:.1} / {:.1} | {} / {} / {} | {} |",
            case.name,
            ms(f.first_scan),
            f.first_scan.as_secs_f64() / SCAN_PERIOD.as_secs_f64(),
            ms(f.later_p50),
            ms(f.later_max),
            f.storm_entries,
            f.first_entries,
            f.later_max_entries,
            if f.alerted { "yes" } else { "no" }
        );
    }
    Ok(())
}
