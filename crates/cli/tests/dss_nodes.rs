//! The F3548 DSS on two nodes of one line (one PostgreSQL database): a write on either node is checked
//! against every earlier write on both. Two USSs putting intersecting intents at once, each on its own node
//! and neither naming the other's OVN, end with exactly one accepted and the other answered 409 naming it.
//!
//! Needs `DECONFLICT_TEST_DATABASE_URL` (see `tests/postgres.rs`); skipped without it, except under CI.

#![cfg(feature = "postgres")]

mod common;

use common::{add_party_with, database, http, node_with, run, Server};
use serde_json::{json, Value};

const KEY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../server/tests/data/dss-test-key.pem"
);
const PUBLIC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../server/tests/data/dss-test-key.pub.pem"
);

fn token(sub: &str) -> String {
    let out = run(
        &[
            "dss-token",
            "--key",
            KEY,
            "--sub",
            sub,
            "--audience",
            "127.0.0.1",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_string()
}

fn node(data: &std::path::Path, url: &str, name: &str) -> Server {
    node_with(
        data,
        url,
        name,
        &[
            "--dss",
            "--dss-public-key",
            PUBLIC,
            "--dss-audience",
            "127.0.0.1",
            "--limit-writes-per-party-per-second",
            "1000",
        ],
    )
}

fn at(offset_s: i64) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    json!({"value": deconflict_space::units::format_time(now + offset_s * 1000), "format": "RFC3339"})
}

fn intent(lng: f64, key: Vec<Value>) -> Value {
    json!({"extents": [{"volume": {"outline_circle": {"center": {"lat": 46.95, "lng": lng},
            "radius": {"value": 100, "units": "M"}},
        "altitude_lower": {"value": 500, "reference": "W84", "units": "M"},
        "altitude_upper": {"value": 620, "reference": "W84", "units": "M"}},
        "time_start": at(60), "time_end": at(3_600)}],
        "state": "Accepted", "uss_base_url": "https://uss.example/utm", "key": key})
}

#[test]
fn two_nodes_accept_exactly_one_of_two_intersecting_intents() {
    let Some(url) = database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    // The first node's data directory makes the log key; the second gets a copy.
    add_party_with(&one, "us-cjtf", &["--database-url", &url]);
    std::fs::create_dir_all(&two).expect("dir");
    for f in ["log.key", "log.pub"] {
        std::fs::copy(one.join(f), two.join(f)).expect("copy the log key");
    }
    let (n1, n2) = (node(&one, &url, "one"), node(&two, &url, "two"));
    let (t1, t2) = (token("uss1"), token("uss2"));
    let path = |round: usize, who: usize| {
        format!("/dss/v1/operational_intent_references/00000001-0000-4000-8000-{round:06}{who:06}")
    };
    for round in 0..12 {
        let lng = 7.0 + round as f64 * 0.01;
        let (a, b) = std::thread::scope(|s| {
            let a = s.spawn(|| {
                http(
                    &n1.addr,
                    "PUT",
                    &path(round, 1),
                    &t1,
                    Some(&intent(lng, vec![])),
                )
            });
            let b = s.spawn(|| {
                http(
                    &n2.addr,
                    "PUT",
                    &path(round, 2),
                    &t2,
                    Some(&intent(lng, vec![])),
                )
            });
            (a.join().expect("uss1"), b.join().expect("uss2"))
        });
        let mut statuses = [a.0, b.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {a:?} {b:?}");
        let (winner, loser) = if a.0 == 201 {
            (&a.1, &b.1)
        } else {
            (&b.1, &a.1)
        };
        assert_eq!(
            loser["missing_operational_intents"][0]["id"],
            winner["operational_intent_reference"]["id"],
            "round {round}"
        );
    }
    // Both nodes read the same intents.
    let query = json!({"area_of_interest": {"volume": {"outline_polygon": {"vertices": [
        {"lat": 46.9, "lng": 6.9}, {"lat": 46.9, "lng": 7.2}, {"lat": 47.0, "lng": 7.2}, {"lat": 47.0, "lng": 6.9}]}}}});
    let ids = |addr: &str| -> Vec<String> {
        let (status, found) = http(
            addr,
            "POST",
            "/dss/v1/operational_intent_references/query",
            &t1,
            Some(&query),
        );
        assert_eq!(status, 200, "{found}");
        let mut ids: Vec<String> = found["operational_intent_references"]
            .as_array()
            .expect("refs")
            .iter()
            .filter_map(|r| r["id"].as_str().map(String::from))
            .collect();
        ids.sort();
        ids
    };
    let on_one = ids(&n1.addr);
    assert_eq!(on_one.len(), 12);
    for _ in 0..50 {
        if ids(&n2.addr) == on_one {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("node two never read what node one reads");
}
