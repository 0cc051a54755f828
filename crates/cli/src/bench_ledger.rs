//! `deconflict bench ledger`: durable appends per second with 1, 8 and 64 concurrent writers, inclusion-proof
//! latency at large log sizes, and fsck time, printed as Markdown tables for `docs/BENCHMARKS.md`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use deconflict_ledger::merkle::verify_inclusion;
use deconflict_ledger::Audience;
use deconflict_store::sqlite::{derive, ReadOnlyLog};
use deconflict_store::{LogStore, NewEntry, SqliteLog, Tree};
use rand::{Rng, SeedableRng};

use crate::bench::{micros, percentile, BenchArgs};

fn entry(i: u64) -> NewEntry {
    NewEntry {
        time_ms: 1_497_794_400_000 + i as i64,
        kind: "declaration.version".into(),
        actor: "us-cjtf".into(),
        audience: Audience::Parties(
            ["ru-gs".to_string(), "us-cjtf".to_string()]
                .into_iter()
                .collect(),
        ),
        content: serde_json::json!({"id": format!("us-{i}"), "party": "us-cjtf", "version": 1}),
    }
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let base = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    let root = tempfile::Builder::new()
        .prefix("deconflict-bench-")
        .tempdir_in(&base)
        .context("temp dir")?;

    println!("| concurrent writers | durable appends | seconds | appends/s | mean latency (ms) |");
    println!("|---:|---:|---:|---:|---:|");
    for writers in [1usize, 8, 64] {
        let dir = root.path().join(format!("appends-{writers}"));
        let store = Arc::new(SqliteLog::open(&dir).context("open")?);
        let done = Arc::new(AtomicU64::new(0));
        let stop = Instant::now() + Duration::from_secs_f64(args.seconds);
        let started = Instant::now();
        let threads: Vec<_> = (0..writers)
            .map(|w| {
                let (store, done) = (Arc::clone(&store), Arc::clone(&done));
                std::thread::spawn(move || -> Result<(), String> {
                    let mut i = w as u64 * 1_000_000_000;
                    while Instant::now() < stop {
                        store
                            .append(None, vec![entry(i)])
                            .map_err(|e| e.to_string())?;
                        done.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                    Ok(())
                })
            })
            .collect();
        for t in threads {
            t.join()
                .map_err(|_| anyhow::anyhow!("writer panicked"))?
                .map_err(anyhow::Error::msg)?;
        }
        let secs = started.elapsed().as_secs_f64();
        let n = done.load(Ordering::Relaxed);
        println!(
            "| {writers} | {n} | {secs:.1} | {:.0} | {:.2} |",
            n as f64 / secs,
            secs * 1000.0 * writers as f64 / n.max(1) as f64
        );
    }

    println!();
    println!("| log entries | build (s) | open: re-derive and check (s) | inclusion proof p50 (µs) | p99 (µs) | proof + verify p50 (µs) | fsck (s) |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for &size in &args.log_sizes {
        let dir = root.path().join(format!("log-{size}"));
        let started = Instant::now();
        {
            let store = SqliteLog::open(&dir).context("open")?;
            let mut i = 0;
            while i < size {
                let n = (size - i).min(20_000);
                store
                    .append(None, (i..i + n).map(entry).collect())
                    .context("append")?;
                i += n;
            }
        }
        let build = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let store = SqliteLog::open(&dir).context("reopen")?;
        let open = started.elapsed().as_secs_f64();
        let tree = Tree(&store);
        let root_hash = tree.root(size).context("root")?;
        let mut proofs = Vec::new();
        let mut verified = Vec::new();
        for _ in 0..10_000 {
            let seq = rng.gen_range(0..size);
            let t = Instant::now();
            let proof = tree.inclusion_proof(seq, size).context("proof")?;
            proofs.push(t.elapsed());
            let leaf = store.node(0, seq).context("leaf")?;
            verify_inclusion(seq, size, &leaf, &proof, &root_hash)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            verified.push(t.elapsed());
        }
        proofs.sort_unstable();
        verified.sort_unstable();
        drop(store);
        let fsck = if size <= 1_000_000 {
            let started = Instant::now();
            let log = ReadOnlyLog::open(&dir).context("read-only")?;
            let d = derive(log.connection(), true).context("fsck")?;
            anyhow::ensure!(
                d.problems.is_empty(),
                "fsck found problems: {:?}",
                d.problems
            );
            format!("{:.1}", started.elapsed().as_secs_f64())
        } else {
            "–".into()
        };
        println!(
            "| {size} | {build:.1} | {open:.1} | {:.1} | {:.1} | {:.1} | {fsck} |",
            micros(percentile(&proofs, 0.5)),
            micros(percentile(&proofs, 0.99)),
            micros(percentile(&verified, 0.5))
        );
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(())
}
