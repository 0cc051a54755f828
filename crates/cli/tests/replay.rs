//! The whole tactical pipeline over real recorded traffic: a day over Switzerland (1 August 2018, 842
//! aircraft, from the PyPI package `traffic`, fetched and converted to SBS-1 by `scripts/traffic-replay`), one
//! feed per party (aircraft given to parties by the country block of their address), replayed 1 200 times
//! faster than recorded into a line whose clock runs at the same speed, all parties under one agreement at
//! 5 NM / 1 000 ft. The test checks that every feed is taken, that alerts are raised, that each alert is
//! seen by its two parties only (list and stream), that each is in the ledger, and that all are closed once
//! the day's traffic is gone. It prints what the line found (`cargo test --test replay -- --nocapture`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::{add_party_with, bin, http, start_with};

const SPEED: &str = "1200";
/// The replay runs on an exercise clock, so its line is an exercise line.
const EXERCISE: &str = "replay.deconflict.example/switzerland-exercise";

/// The replay files, fetched and converted once (kept under the target directory).
fn sample() -> Value {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("traffic-replay");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/traffic-replay");
    let run = Command::new("python3")
        .arg(&script)
        .arg(&out)
        .output()
        .expect("python3 runs scripts/traffic-replay");
    assert!(
        run.status.success(),
        "scripts/traffic-replay failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&run.stdout).expect("the script's summary")
}

/// Every stream event `token` may see, read with `deconflict tail` until the stream is quiet.
fn stream_kinds(addr: &str, token: &str) -> Vec<Value> {
    let mut child = bin()
        .args([
            "tail",
            "--server",
            &format!("http://{addr}"),
            "--token",
            token,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tail");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let mut events = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            events.push(v);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    events
}

#[test]
fn a_real_day_over_switzerland_runs_through_feeds_scan_alerts_and_ledger() {
    let sample = sample();
    let files: BTreeMap<String, String> =
        serde_json::from_value(sample["files"].clone()).expect("files");
    assert!(files.len() >= 5, "{sample}");
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let tokens: BTreeMap<String, String> = files
        .keys()
        .map(|p| (p.clone(), add_party_with(&data, p, &["--origin", EXERCISE])))
        .collect();
    let start = sample["start"].as_str().expect("start");
    let server = start_with(
        &data,
        &[
            "--origin",
            EXERCISE,
            "--clock-start",
            start,
            "--clock-speed",
            SPEED,
            "--scan-period-ms",
            "25",
        ],
    );
    let parties: Vec<&String> = files.keys().collect();
    let first = &tokens[parties[0]];
    let (status, body) = http(
        &server.addr,
        "POST",
        "/v1/agreements",
        first,
        Some(
            &json!({"id": "switzerland-2018", "title": "replay of 1 August 2018", "parties": parties}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    for p in &parties[1..] {
        let (status, body) = http(
            &server.addr,
            "POST",
            "/v1/agreements/switzerland-2018/accept",
            &tokens[*p],
            None,
        );
        assert_eq!(status, 200, "{body}");
    }

    // One feed per party, all starting their replay at the same moment (a party's states are stamped when the
    // line takes them, so the feeds must keep in step for the geometry between parties to be the recorded one).
    let started = Instant::now();
    let epoch_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let start_at = deconflict_space::units::format_time(epoch_ms + 2_000);
    let feeds: Vec<(String, std::process::Child)> = files
        .iter()
        .map(|(party, file)| {
            let child = bin()
                .args([
                    "feed",
                    "--replay",
                    file,
                    "--speed",
                    SPEED,
                    "--batch-ms",
                    "2",
                ])
                .args(["--start-at", &start_at])
                .args([
                    "--server",
                    &format!("http://{}", server.addr),
                    "--token",
                    &tokens[party],
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("feed");
            (party.clone(), child)
        })
        .collect();
    let mut sent_total = 0u64;
    for (party, child) in feeds {
        let out = child.wait_with_output().expect("feed ends");
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{party}'s feed: {err}");
        assert!(err.contains("(0 unreadable)"), "{party}'s feed: {err}");
        let sent: u64 = err
            .split(", ")
            .find_map(|part| {
                part.strip_suffix(" requests")
                    .and_then(|s| s.split(" sent").next())
            })
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("{party}'s summary: {err}"));
        sent_total += sent;
    }
    let replay_s = started.elapsed().as_secs_f64();
    // The day's traffic is gone: tracks expire, alerts close after three clear scans.
    std::thread::sleep(Duration::from_secs(2));

    let mut alerts: BTreeMap<String, Value> = BTreeMap::new();
    let mut seen_by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &parties {
        // Every page of the party's alerts.
        let mut path = "/v1/alerts?limit=1000".to_string();
        loop {
            let (status, body) = http(&server.addr, "GET", &path, &tokens[*p], None);
            assert_eq!(status, 200, "{body}");
            for a in body["alerts"].as_array().expect("alerts") {
                let id = a["id"].as_str().expect("id").to_string();
                seen_by.entry(id.clone()).or_default().insert((*p).clone());
                alerts.insert(id, a.clone());
            }
            match body["next"].as_str() {
                Some(next) => path = format!("/v1/alerts?limit=1000&after={next}"),
                None => break,
            }
        }
    }
    assert!(!alerts.is_empty(), "a day of real traffic raised no alert");
    let mut by_pair: BTreeMap<String, usize> = BTreeMap::new();
    let mut los = 0;
    let mut los_pairs: BTreeSet<Vec<String>> = BTreeSet::new();
    // Where: below 3 000 m (terminal areas) and within 40 km of Zurich or Geneva airports, or above.
    let (mut low, mut near_airport) = (0, 0);
    let airports = [(47.4647f64, 8.5492f64), (46.2381, 6.1090)];
    for (id, a) in &alerts {
        let owners: BTreeSet<String> = a["tracks"]
            .as_array()
            .expect("tracks")
            .iter()
            .map(|t| t["party"].as_str().expect("party").to_string())
            .collect();
        assert_eq!(owners.len(), 2, "{a}");
        assert_eq!(
            seen_by[id], owners,
            "alert {id} is seen by exactly its two parties"
        );
        assert_eq!(a["status"], "closed", "{a}");
        if a["los"] == true {
            los += 1;
            let mut ids: Vec<String> = a["tracks"]
                .as_array()
                .expect("tracks")
                .iter()
                .map(|t| t["id"].as_str().unwrap_or("").to_string())
                .collect();
            ids.sort();
            if los_pairs.is_empty() {
                println!("first alert with separation lost: {a}");
            }
            los_pairs.insert(ids);
        }
        let states = a["tracks"].as_array().expect("tracks");
        if states
            .iter()
            .all(|t| t["alt_m"].as_f64().unwrap_or(0.0) < 3_000.0)
        {
            low += 1;
        }
        if states.iter().all(|t| {
            let (lat, lon) = (
                t["lat"].as_f64().unwrap_or(0.0),
                t["lon"].as_f64().unwrap_or(0.0),
            );
            airports.iter().any(|(alat, alon)| {
                let dn = (lat - alat) * 111.2;
                let de = (lon - alon) * 111.2 * alat.to_radians().cos();
                dn.hypot(de) < 40.0
            })
        }) {
            near_airport += 1;
        }
        *by_pair
            .entry(owners.into_iter().collect::<Vec<_>>().join("–"))
            .or_default() += 1;
    }
    // The ledger: each party's stream carries exactly its alerts, raised and closed.
    let probe = parties
        .iter()
        .max_by_key(|p| seen_by.values().filter(|s| s.contains(**p)).count())
        .expect("a party");
    let events = stream_kinds(&server.addr, &tokens[*probe]);
    let raised: BTreeSet<String> = events
        .iter()
        .filter(|e| e["kind"] == "alert.raised")
        .map(|e| e["content"]["id"].as_str().unwrap_or("").to_string())
        .collect();
    let closed = events
        .iter()
        .filter(|e| e["kind"] == "alert.closed")
        .count();
    let mine: BTreeSet<String> = seen_by
        .iter()
        .filter(|(_, s)| s.contains(*probe))
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(raised, mine, "{probe}'s stream carries exactly its alerts");
    assert_eq!(
        closed,
        mine.len(),
        "{probe}'s stream closes each alert once"
    );

    println!(
        "replayed {} states ({} sent after batching) of {} aircraft in {replay_s:.0} s at {SPEED}x",
        sample["states"], sent_total, sample["aircraft"]
    );
    println!(
        "alerts: {} (separation lost in {los}, between {} distinct pairs of aircraft; both aircraft below 3 000 m in {low}; both within 40 km of Zurich or Geneva airport in {near_airport}); {}'s stream: {} raised, {closed} closed; by pair: {by_pair:?}",
        alerts.len(),
        los_pairs.len(),
        probe,
        raised.len()
    );
}
