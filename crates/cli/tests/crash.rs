//! Nothing acknowledged is lost: a writer appending as fast as it can is killed with SIGKILL 100 times at
//! random moments (while creating the store and the log key, during start-up re-derivation, mid-group-commit,
//! mid-checkpoint) and restarted. Every
//! append it reported durable must be there with the same leaf hash, sequence numbers must stay contiguous,
//! `deconflict log fsck` must pass, and every checkpoint must be consistent with the latest.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use deconflict_store::sqlite::ReadOnlyLog;
use rand::{Rng, SeedableRng};

const KILLS: usize = 100;

#[test]
fn acknowledged_appends_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let bin = env!("CARGO_BIN_EXE_deconflict");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let started = Instant::now();
    for round in 0..KILLS {
        let mut child = Command::new(bin)
            .args(["log", "stress", "--writers", "4", "--data"])
            .arg(&data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        // The first kills land during start-up (creating the store and the log key), the rest mid-stream.
        let delay = if round < 10 {
            rng.gen_range(0..4)
        } else {
            rng.gen_range(2..40)
        };
        std::thread::sleep(Duration::from_millis(delay));
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
        for line in reader.join().expect("reader") {
            let mut parts = line.split(' ');
            let (Some("ok"), Some(seq), Some(hash)) = (parts.next(), parts.next(), parts.next())
            else {
                continue; // a line cut by the kill was never acknowledged
            };
            let Ok(seq) = seq.parse::<u64>() else {
                continue;
            };
            if hash.len() != 64 {
                continue;
            }
            if let Some(before) = acked.insert(seq, hash.to_string()) {
                assert_eq!(
                    before, hash,
                    "round {round}: entry {seq} was acknowledged twice with different hashes"
                );
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(
        acked.len() > 500,
        "the writer made progress between kills: {} acknowledged",
        acked.len()
    );

    let log = ReadOnlyLog::open(&data).expect("open read-only");
    let size = log.size().expect("size");
    for (seq, hash) in &acked {
        let entry = log
            .entry(*seq)
            .expect("read")
            .unwrap_or_else(|| panic!("acknowledged entry {seq} is lost"));
        assert_eq!(
            &hex::encode(entry.header.leaf_hash()),
            hash,
            "entry {seq} changed"
        );
    }
    let fsck = Command::new(bin)
        .args(["log", "fsck", "--data"])
        .arg(&data)
        .output()
        .expect("fsck");
    let report = String::from_utf8_lossy(&fsck.stdout);
    assert!(
        fsck.status.success(),
        "fsck: {report}{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    assert!(log.checkpoints().expect("checkpoints").len() > 1);
    eprintln!(
        "{KILLS} kills in {:.1} s; {} acknowledged of {size} entries; {report}",
        elapsed.as_secs_f64(),
        acked.len()
    );
    assert!(
        elapsed < Duration::from_secs(120),
        "{KILLS} kills took {elapsed:?}"
    );
}
