//! `deconflict bench`: the strategic engine at benchmark scale, printed as Markdown tables for
//! `docs/BENCHMARKS.md`.
//!
//! Theatres are drawn at the constant density of issue #2 ([`TheatreSpec::constant_density`]): 10 000
//! volumes 5–100 km across and 1–4 h long per 1 000 km × 1 000 km and 24 h, the area growing with the count.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use deconflict_strategic::synthetic::{theatre, TheatreSpec};
use deconflict_strategic::{ConflictIndex, Minima};

/// What to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    /// The conflict index and the batch check.
    Strategic,
    /// The log store: durable appends, proofs, fsck.
    Ledger,
    /// The server under load over loopback: declarations/s, hotline delivery to many stream clients.
    Load,
    /// Tactical detection: time per full scan at growing track counts.
    Tactical,
    /// Track ingest: reports per second over HTTP and through the SBS-1 feed client.
    Ingest,
    /// Alert storms: the delay stacks of tracks add to another pair's alert, and the entries each scan logs.
    Storm,
    /// Soak: mixed load at fixed rates for --minutes against one server; memory and latency every minute.
    Soak,
    /// The F3548 DSS over HTTP with RS256 tokens: operational intent writes and queries per second, in one
    /// busy S2 cell and spread over a region.
    Dss,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// What to measure.
    #[arg(value_enum, default_value_t = Suite::Strategic)]
    pub suite: Suite,
    /// Ledger: log sizes at which to time inclusion proofs, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000_000u64, 10_000_000])]
    pub log_sizes: Vec<u64>,
    /// Ledger: seconds each append-throughput run lasts.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// Ledger: where to create the benchmark logs (default: the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Index sizes (active volumes), comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000, 1_000_000])]
    pub sizes: Vec<usize>,
    /// Declarations checked against each index, one at a time, on one core.
    #[arg(long, default_value_t = 10_000)]
    pub queries: usize,
    /// Declarations in the batch check (0 skips it).
    #[arg(long, default_value_t = 100_000)]
    pub batch: usize,
    /// Write the batch theatre as a plan file for `deconflict check` and do nothing else.
    #[arg(long, value_name = "FILE")]
    pub write_plan: Option<std::path::PathBuf>,
    /// Load: declarations in force before the clients start.
    #[arg(long, default_value_t = 100_000)]
    pub active: usize,
    /// Load and ingest: keep the line's log in a new database on this PostgreSQL server (the URL names a
    /// database the benchmark may create others from) instead of the embedded store.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,
    /// Load: server nodes sharing the --database-url database; the declaring clients are spread over them.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
    pub nodes: u64,
    /// Load: concurrent HTTP clients declaring.
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Load: WebSocket stream clients receiving the hotline messages (0 skips the message run).
    #[arg(long, default_value_t = 1000)]
    pub streams: usize,
    /// Load: messages per second in the paced message run.
    #[arg(long, default_value_t = 50.0)]
    pub message_rate: f64,
    /// Tactical: track counts at constant density, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000usize, 10_000, 100_000, 1_000_000])]
    pub tracks: Vec<usize>,
    /// Tactical: scans timed per count (the median is reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// Ingest: concurrent HTTP feeds (one party each).
    #[arg(long, default_value_t = 2)]
    pub feeds: usize,
    /// Ingest: aircraft per feed.
    #[arg(long, default_value_t = 10_000)]
    pub ingest_tracks: usize,
    /// Soak: minutes of mixed load (the first is warm-up).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=1440))]
    pub minutes: u64,
    /// Seed of the random theatres.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Resident memory of this process (bytes), from /proc; 0 where it cannot be read.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub(crate) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

pub fn run(args: &BenchArgs) -> Result<()> {
    if args.suite == Suite::Ingest {
        return crate::bench_ingest::run(args);
    }
    if args.suite == Suite::Soak {
        return crate::bench_soak::run(args);
    }
    if args.suite == Suite::Dss {
        return crate::bench_dss::run(args);
    }
    if args.suite == Suite::Storm {
        return crate::bench_storm::run(args);
    }
    if args.suite == Suite::Tactical {
        return crate::bench_tactical::run(args);
    }
    if args.suite == Suite::Load {
        return crate::bench_load::run(args);
    }
    if args.suite == Suite::Ledger {
        return crate::bench_ledger::run(args);
    }
    let minima = Minima::default();
    if let Some(path) = &args.write_plan {
        let decls = theatre(
            args.seed + 7,
            args.batch,
            &TheatreSpec::constant_density(args.batch),
        );
        let text = deconflict_plan::plan_json(&minima, &decls).to_string();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("wrote {} declarations to {}", decls.len(), path.display());
        return Ok(());
    }
    println!("| active volumes | theatre side (km) | insert, one by one (µs/volume) | bulk load (s) | memory (bytes/volume) | check one declaration p50 (µs) | p99 (µs) | max (µs) | conflicts per check |");
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &args.sizes {
        let spec = TheatreSpec::constant_density(n);
        // Memory: everything the index holds (declarations, regions, tree), built as a server would build it.
        let before = resident_bytes();
        let decls = theatre(args.seed, n, &spec);
        let mut index = ConflictIndex::new(minima);
        let t = Instant::now();
        for d in decls {
            index.insert(d).context("insert")?;
        }
        let insert_us = micros(t.elapsed()) / n as f64;
        let memory = resident_bytes().saturating_sub(before) as f64 / n as f64;

        let probes = theatre(args.seed + 1_000_003, args.queries, &spec);
        let mut times = Vec::with_capacity(probes.len());
        let mut found = 0usize;
        for p in &probes {
            let t = Instant::now();
            let c = index.conflicts_of(p);
            times.push(t.elapsed());
            found += c.len();
        }
        times.sort_unstable();
        drop(index);
        let decls = theatre(args.seed, n, &spec);
        let t = Instant::now();
        let bulk = ConflictIndex::bulk(minima, decls).context("bulk load")?;
        let bulk_s = t.elapsed().as_secs_f64();
        drop(bulk);
        println!(
            "| {n} | {:.0} | {insert_us:.1} | {bulk_s:.2} | {memory:.0} | {:.1} | {:.1} | {:.1} | {:.2} |",
            spec.area_km2.sqrt(),
            micros(percentile(&times, 0.5)),
            micros(percentile(&times, 0.99)),
            micros(percentile(&times, 1.0)),
            found as f64 / probes.len().max(1) as f64
        );
    }
    if args.batch > 0 {
        let spec = TheatreSpec::constant_density(args.batch);
        let decls = theatre(args.seed + 7, args.batch, &spec);
        let t = Instant::now();
        let index = ConflictIndex::bulk(minima, decls).context("bulk load")?;
        let load = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let conflicts = index.all_conflicts();
        let check = t.elapsed().as_secs_f64();
        println!();
        println!("| batch declarations | threads | bulk load (s) | all conflicts (s) | total (s) | conflicts found |");
        println!("|---:|---:|---:|---:|---:|---:|");
        println!(
            "| {} | {} | {load:.2} | {check:.2} | {:.2} | {} |",
            args.batch,
            rayon::current_num_threads(),
            load + check,
            conflicts.len()
        );
    }
    Ok(())
}
