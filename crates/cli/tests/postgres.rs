//! `deconflict serve --database-url`: the same line on PostgreSQL. Parties are registered into the database,
//! a conflict and a FLASH message are acknowledged as written, the server is killed with SIGKILL and started
//! again, and everything acknowledged is there; the data directory holds only the log key.
//!
//! Needs `DECONFLICT_TEST_DATABASE_URL` (a server where the test may create a database; `scripts/test` starts
//! one); without it the test is skipped with a message, except under CI, where it fails.

#![cfg(feature = "postgres")]

mod common;

use std::net::TcpStream;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{add_party_with, bin, http, request, start_with, Server};
use serde_json::{json, Value};

use common::database;

fn party(data: &std::path::Path, url: &str, id: &str) -> String {
    add_party_with(data, id, &["--database-url", url])
}

fn sortie(id: &str, lower_m: f64) -> serde_json::Value {
    json!({"id": id, "kind": "air_operation", "audience": ["ru-gs", "us-cjtf"], "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.6], "radius_m": 20000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 2000.0},
         "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}}]})
}

#[test]
fn a_line_on_postgresql_keeps_what_it_acknowledged_through_a_kill() {
    let Some(url) = database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("node");
    let us = party(&data, &url, "us-cjtf");
    let ru = party(&data, &url, "ru-gs");
    let server = start_with(&data, &["--database-url", &url]);
    let (s, _) = http(
        &server.addr,
        "POST",
        "/v1/agreements",
        &us,
        Some(&json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]})),
    );
    assert_eq!(s, 201);
    let (s, _) = http(
        &server.addr,
        "POST",
        "/v1/agreements/us-ru/accept",
        &ru,
        None,
    );
    assert_eq!(s, 200);
    let (s, _) = http(
        &server.addr,
        "POST",
        "/v1/declarations",
        &us,
        Some(&sortie("us-1", 6000.0)),
    );
    assert_eq!(s, 201);
    let (s, ru1) = http(
        &server.addr,
        "POST",
        "/v1/declarations",
        &ru,
        Some(&sortie("ru-1", 6500.0)),
    );
    assert_eq!(s, 201, "{ru1}");
    let conflict = ru1["conflicts"][0]["id"]
        .as_str()
        .expect("a conflict")
        .to_string();
    let (s, _) = http(
        &server.addr,
        "POST",
        &format!("/v1/conflicts/{conflict}/acknowledge"),
        &us,
        None,
    );
    assert_eq!(s, 200);
    let (s, m) = http(
        &server.addr,
        "POST",
        "/v1/messages",
        &us,
        Some(&json!({"to": ["ru-gs"], "precedence": "FLASH", "text": "Tabqa 1500Z"})),
    );
    assert_eq!(s, 201, "{m}");
    // A bad declaration names its field and stores nothing, on PostgreSQL too.
    let mut bad = sortie("ru-2", 7000.0);
    bad["volumes"][0]["altitude"]["upper_m"] = json!(1.0);
    let (s, problem) = http(&server.addr, "POST", "/v1/declarations", &ru, Some(&bad));
    assert_eq!(s, 422, "{problem}");
    let before = http(&server.addr, "GET", "/v1/conflicts", &us, None).1;
    drop(server); // SIGKILL

    let server = start_with(&data, &["--database-url", &url]);
    let after = http(&server.addr, "GET", "/v1/conflicts", &us, None).1;
    assert_eq!(
        before, after,
        "the conflicts and their acknowledgement survived"
    );
    assert!(
        after["conflicts"][0]["parties"]["us-cjtf"]["acknowledged"].is_string(),
        "{after}"
    );
    let (_, inbox) = http(&server.addr, "GET", "/v1/messages?box=inbox", &ru, None);
    assert_eq!(inbox["messages"][0]["text"], "Tabqa 1500Z");
    let (s, _) = http(&server.addr, "GET", "/v1/declarations/ru-2", &ru, None);
    assert_eq!(s, 404, "the bad declaration was not stored");
    // The log lives in the database; the data directory holds the log key only.
    let files: Vec<String> = std::fs::read_dir(&data)
        .expect("data dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("log.")), "{files:?}");
    assert!(
        !files
            .iter()
            .any(|f| f.ends_with(".db") || f.ends_with(".sqlite")),
        "{files:?}"
    );

    // The whole log re-derives, and its checkpoints are signed by the key in the data directory.
    let out = bin()
        .args(["log", "fsck", "--database-url", &url, "--data"])
        .arg(&data)
        .output()
        .expect("fsck");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.starts_with("ok: "),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // An end row that disagrees with the entries (the next append would leave a gap) is found.
    let out = Command::new("psql")
        .arg(&url)
        .args(["-q", "-c", "UPDATE log_head SET size = size + 1"])
        .output()
        .expect("psql");
    assert!(out.status.success());
    let out = bin()
        .args(["log", "fsck", "--database-url", &url, "--data"])
        .arg(&data)
        .output()
        .expect("fsck");
    let said =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && said.contains("log_head"), "{said}");

    // An unreachable database is a clear error, and the server does not start.
    let out = bin()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://x:secret@127.0.0.1:1/none",
            "--data",
        ])
        .arg(&data)
        .output()
        .expect("serve");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach the database at postgres://x:…@127.0.0.1:1/none"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}

/// A POST that may fail to connect (the node may have been killed): the status, or `None`.
fn try_post(addr: &str, path: &str, token: &str, body: &Value) -> Option<u16> {
    request(addr, "POST", path, token, Some(body))
        .ok()
        .map(|(status, _)| status)
}

/// A party's stream on one node, followed from the start on a thread of its own.
struct Follower {
    events: Arc<Mutex<Vec<Value>>>,
}

impl Follower {
    fn start(addr: &str, token: &str) -> Follower {
        let tcp = TcpStream::connect(addr).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        let mut req = tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{addr}/v1/stream?cursor=0"
        ))
        .expect("request");
        req.headers_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        let (mut socket, _) = tungstenite::client(req, tcp).expect("stream");
        let events = Arc::new(Mutex::new(Vec::new()));
        let theirs = Arc::clone(&events);
        std::thread::spawn(move || loop {
            match socket.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v.get("heartbeat").is_none() {
                        theirs.lock().expect("events").push(v);
                    }
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return,
            }
            if Arc::strong_count(&theirs) == 1 {
                return;
            }
        });
        Follower { events }
    }

    /// The events received once `done` holds of them, or after a minute.
    fn until(&self, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let events = self.events.lock().expect("events").clone();
            if done(&events) || Instant::now() > deadline {
                return events;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn found(events: &[Value]) -> usize {
    events
        .iter()
        .filter(|e| e["kind"] == "conflict.found")
        .count()
}

/// Writes `count` declarations of `party`, all over one spot, to the node at `addr`; returns the ids that
/// were acknowledged (201). Stops at the first refused connection (the node was killed).
fn declare_many(addr: &str, token: &str, party: &str, tag: &str, count: usize) -> Vec<String> {
    let mut done = Vec::new();
    for i in 0..count {
        let id = format!("{party}-{tag}-{i}");
        let mut d = sortie(&id, 6000.0 + (i % 5) as f64 * 100.0);
        d["audience"] = json!(["ru-gs", "us-cjtf"]);
        match try_post(addr, "/v1/declarations", token, &d) {
            Some(201) => done.push(id),
            Some(status) => panic!("{id} on {addr}: {status}"),
            None => break,
        }
    }
    done
}

/// Every conflict `token` sees on a node, as (declaration, declaration) pairs, sorted.
fn conflict_pairs(addr: &str, token: &str) -> Vec<(String, String)> {
    // Every page of the list.
    let mut all = Vec::new();
    let mut path = "/v1/conflicts?limit=1000".to_string();
    loop {
        let (s, list) = http(addr, "GET", &path, token, None);
        assert_eq!(s, 200, "{list}");
        all.extend(
            list["conflicts"]
                .as_array()
                .expect("conflicts")
                .iter()
                .cloned(),
        );
        match list["next"].as_str() {
            Some(next) => path = format!("/v1/conflicts?limit=1000&after={next}"),
            None => break,
        }
    }
    let mut pairs: Vec<(String, String)> = all
        .iter()
        .map(|c| {
            let mut ids = [
                c["declaration"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                c["other"]["id"].as_str().unwrap_or_default().to_string(),
            ];
            ids.sort();
            (ids[0].clone(), ids[1].clone())
        })
        .collect();
    pairs.sort();
    pairs
}

/// One value from a node's metrics (served on its own listener).
fn metric(addr: &Option<String>, name: &str) -> u64 {
    let addr = addr
        .as_deref()
        .expect("a node started with --metrics-listen");
    let (_, text) = request(addr, "GET", "/metrics", "", None).expect("metrics");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in the metrics: {text}"))
}

/// Asserts two lists of conflict pairs are the same, without printing hundreds of pairs.
fn same_pairs(got: &[(String, String)], want: &[(String, String)], what: &str) {
    let extra: Vec<_> = got.iter().filter(|p| !want.contains(p)).take(3).collect();
    let missing: Vec<_> = want.iter().filter(|p| !got.contains(p)).take(3).collect();
    assert!(
        got == want,
        "{what}: {} conflicts where {} were expected; extra {extra:?}, missing {missing:?}",
        got.len(),
        want.len()
    );
}

/// Each pair of one us-cjtf and one ru-gs declaration among `ids`, sorted as [`conflict_pairs`] gives them.
fn every_pair(ids: &[String]) -> Vec<(String, String)> {
    let (us, ru): (Vec<&String>, Vec<&String>) = ids.iter().partition(|i| i.starts_with("us"));
    let mut pairs: Vec<(String, String)> = us
        .iter()
        .flat_map(|u| {
            ru.iter().map(move |r| {
                let (a, b) = if u < r { (u, r) } else { (r, u) };
                ((*a).clone(), (*b).clone())
            })
        })
        .collect();
    pairs.sort();
    pairs
}

/// Both parties write `count` declarations each to both nodes at once (four clients); the ids acknowledged.
fn load(tag: &str, n1: &str, n2: &str, us: &str, ru: &str, count: usize) -> Vec<String> {
    let clients = [
        (n1, us, "us"),
        (n2, us, "us"),
        (n1, ru, "ru"),
        (n2, ru, "ru"),
    ];
    let threads: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(k, (addr, token, who))| {
            let (addr, token, tag) = (addr.to_string(), token.to_string(), format!("{tag}{k}"));
            std::thread::spawn(move || declare_many(&addr, &token, who, &tag, count))
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect()
}

/// `deconflict serve` on the shared database, as the node called `name`.
fn node(data: &std::path::Path, url: &str, name: &str) -> Server {
    common::node_with(data, url, name, &["--metrics-listen", "127.0.0.1:0"])
}

/// A line of two nodes on one new database: us-cjtf and ru-gs registered through the first node's data
/// directory, whose log key the second gets a copy of (every node signs with the line's one key), and both
/// servers running, as `one` and `two`.
struct TwoNodes {
    dir: tempfile::TempDir,
    one: std::path::PathBuf,
    two: std::path::PathBuf,
    us: String,
    ru: String,
    n1: Server,
    n2: Server,
}

fn two_nodes(url: &str) -> TwoNodes {
    let dir = tempfile::tempdir().expect("temp dir");
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let us = party(&one, url, "us-cjtf");
    let ru = party(&one, url, "ru-gs");
    std::fs::create_dir_all(&two).expect("dir");
    for f in ["log.key", "log.pub"] {
        std::fs::copy(one.join(f), two.join(f)).expect("copy the log key");
    }
    let n1 = node(&one, url, "one");
    let n2 = node(&two, url, "two");
    TwoNodes {
        dir,
        one,
        two,
        us,
        ru,
        n1,
        n2,
    }
}

/// Two nodes on one database, clients of both parties writing declarations over one spot to both at once:
/// every conflict is found exactly once, no acknowledged write is lost, both nodes answer the same, and a
/// party's stream on either node delivers every entry once, in order. Then one node is killed mid-load: the
/// other keeps serving; restarted, the killed one has everything, and the log passes fsck.
#[test]
fn two_nodes_on_one_database_find_every_conflict_exactly_once() {
    let Some(url) = database() else {
        return;
    };
    let TwoNodes {
        dir: _dir,
        two,
        us,
        ru,
        n1,
        mut n2,
        ..
    } = two_nodes(&url);
    let (s, _) = http(
        &n1.addr,
        "POST",
        "/v1/agreements",
        &us,
        Some(&json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]})),
    );
    assert_eq!(s, 201);
    // Accepted on the other node, which must have caught up to know the agreement.
    let deadline = Instant::now() + Duration::from_secs(10);
    while http(&n2.addr, "POST", "/v1/agreements/us-ru/accept", &ru, None).0 != 200 {
        assert!(
            Instant::now() < deadline,
            "node two never saw the agreement"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let streams = [
        Follower::start(&n1.addr, &us),
        Follower::start(&n2.addr, &us),
        Follower::start(&n2.addr, &ru),
    ];

    let written = load("a", &n1.addr, &n2.addr, &us, &ru, 12);
    assert_eq!(written.len(), 48, "every write was acknowledged");
    let expected = every_pair(&written);
    assert_eq!(expected.len(), 24 * 24);
    // The last write's node answers at once; the other within the follower's wake-up.
    let settle = |addr: &str, token: &str, want: &[(String, String)]| {
        eventually(|| conflict_pairs(addr, token), |got| got == want)
    };
    same_pairs(&settle(&n1.addr, &us, &expected), &expected, "node one, us");
    same_pairs(&settle(&n2.addr, &ru, &expected), &expected, "node two, ru");

    // Both nodes have applied the whole log, and each appended its writes in batches of its own.
    for node in [&n1, &n2] {
        assert_eq!(
            metric(&node.metrics, "deconflict_ledger_applied"),
            metric(&node.metrics, "deconflict_ledger_entries")
        );
        assert!(metric(&node.metrics, "deconflict_write_batches") > 0);
    }

    // Each stream delivers every entry its party may read: each once, in order, the same on both nodes.
    let on_one = streams[0].until(|e| found(e) >= expected.len());
    let end = on_one
        .last()
        .and_then(|e| e["cursor"].as_u64())
        .unwrap_or(0);
    let reached = |e: &[Value]| e.last().and_then(|e| e["cursor"].as_u64()) >= Some(end);
    let on_two = streams[1].until(reached);
    let seqs = |events: &[Value]| -> Vec<u64> {
        events.iter().filter_map(|e| e["seq"].as_u64()).collect()
    };
    assert_eq!(
        seqs(&on_one),
        seqs(&on_two),
        "the same entries on both nodes"
    );
    assert!(
        seqs(&on_one).windows(2).all(|w| w[0] < w[1]),
        "each entry once, in order"
    );
    assert_eq!(
        found(&on_one),
        expected.len(),
        "every conflict once on the stream"
    );
    let declared = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["kind"] == "declaration.version")
            .count()
    };
    assert_eq!(declared(&on_one), written.len());
    // The two nodes' writes interleave in the log (clients 0 and 2 wrote to node one, 1 and 3 to node two):
    // they did write at once, each checked against the other's.
    let node_of = |e: &Value| {
        let id = e["content"]["id"].as_str().unwrap_or_default();
        id.contains("-a0-") || id.contains("-a2-")
    };
    let order: Vec<bool> = on_one
        .iter()
        .filter(|e| e["kind"] == "declaration.version")
        .map(node_of)
        .collect();
    let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
    assert!(
        switches >= 4,
        "the nodes took turns only {switches} times: {order:?}"
    );
    let on_two_ru = streams[2].until(reached);
    assert_eq!(found(&on_two_ru), expected.len());
    assert_eq!(declared(&on_two_ru), written.len());

    // Load again, and kill node two in the middle (once some of this load has landed): node one keeps
    // serving.
    let (a1, a2, t1, t2) = (n1.addr.clone(), n2.addr.clone(), us.clone(), ru.clone());
    let again = std::thread::spawn(move || load("b", &a1, &a2, &t1, &t2, 40));
    let count = |addr: &str| {
        let (_, list) = http(addr, "GET", "/v1/declarations", &us, None);
        list["declarations"].as_array().map_or(0, Vec::len)
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&n1.addr) < written.len() + 20 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = n2.child.kill();
    let _ = n2.child.wait();
    let more = again.join().expect("load");
    let on_one_count = more
        .iter()
        .filter(|id| id.contains("-b0-") || id.contains("-b2-"))
        .count();
    assert_eq!(
        on_one_count, 80,
        "node one took every write while node two was killed"
    );
    assert!(
        more.len() < 160,
        "node two was killed mid-load: {}",
        more.len()
    );

    // Restarted, node two has every acknowledged write (and perhaps the ones in flight when it was killed)
    // and, like node one, every conflict between them exactly once.
    n2 = node(&two, &url, "two");
    let (s, list) = http(&n2.addr, "GET", "/v1/declarations", &us, None);
    assert_eq!(s, 200);
    let listed: Vec<String> = list["declarations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["id"].as_str().map(String::from))
        .collect();
    for id in written.iter().chain(&more) {
        assert!(listed.contains(id), "acknowledged write {id} was lost");
    }
    assert!(
        listed.len() <= written.len() + more.len() + 2,
        "only the writes in flight at the kill may be there unacknowledged: {}",
        listed.len()
    );
    let expected = every_pair(&listed);
    same_pairs(&conflict_pairs(&n2.addr, &ru), &expected, "node two");
    same_pairs(&settle(&n1.addr, &us, &expected), &expected, "node one");
    drop(n1);
    drop(n2);
    drop(streams);

    let out = bin()
        .args(["log", "fsck", "--database-url", &url, "--data"])
        .arg(&two)
        .output()
        .expect("fsck");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.starts_with("ok: "),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The alerts `token` sees on a node, by id: (status, node that raised it).
fn alerts(addr: &str, token: &str) -> Vec<(String, String)> {
    let (s, body) = http(addr, "GET", "/v1/alerts", token, None);
    assert_eq!(s, 200, "{body}");
    body["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap_or_default().to_string(),
                a["node"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Waits up to ten seconds for `done` to hold of what `read` gives.
fn eventually<T: std::fmt::Debug>(read: impl Fn() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = read();
        if done(&value) || Instant::now() > deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Live tracks stay on the node that received them; an alert it raises reaches the other node through the
/// log, carries its node's name, and is closed only by that node: not by the other node's scans, but by the
/// node itself when it restarts without the tracks.
#[test]
fn an_alert_is_closed_only_by_the_node_that_raised_it() {
    let Some(url) = database() else {
        return;
    };
    let TwoNodes {
        dir: _dir,
        one,
        us,
        ru,
        mut n1,
        n2,
        ..
    } = two_nodes(&url);
    let (s, _) = http(
        &n1.addr,
        "POST",
        "/v1/agreements",
        &us,
        Some(&json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]})),
    );
    assert_eq!(s, 201);
    let (s, _) = http(&n1.addr, "POST", "/v1/agreements/us-ru/accept", &ru, None);
    assert_eq!(s, 200);
    // Head-on at the same level, 40 km apart, both reported to node one.
    let track = |id: &str, lon: f64, trk: f64| {
        json!({"tracks": [{"id": id, "lat": 35.0, "lon": lon, "alt_m": 9000.0, "gs_mps": 220.0,
                           "trk_deg": trk, "vs_mps": 0.0}]})
    };
    let (s, _) = http(
        &n1.addr,
        "POST",
        "/v1/tracks",
        &us,
        Some(&track("viper11", 38.0, 90.0)),
    );
    assert_eq!(s, 200);
    let (s, _) = http(
        &n1.addr,
        "POST",
        "/v1/tracks",
        &ru,
        Some(&track("su24", 38.44, 270.0)),
    );
    assert_eq!(s, 200);
    let open_by_one = vec![("open".to_string(), "one".to_string())];
    assert_eq!(
        eventually(|| alerts(&n2.addr, &ru), |a| *a == open_by_one),
        open_by_one,
        "node two shows node one's alert"
    );
    // Node two scans every 250 ms and has no tracks: it leaves node one's alert alone.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(alerts(&n2.addr, &us), open_by_one);
    assert_eq!(alerts(&n1.addr, &us), open_by_one);

    // Node one restarts without its tracks: its first scan closes the alert it left open.
    let _ = n1.child.kill();
    let _ = n1.child.wait();
    n1 = node(&one, &url, "one");
    let closed = vec![("closed".to_string(), "one".to_string())];
    assert_eq!(
        eventually(|| alerts(&n2.addr, &us), |a| *a == closed),
        closed,
        "closed by node one, seen on node two"
    );
    drop(n1);
}

/// While another node holds the end of the log, a node's writes wait for it, and its reads do not.
#[test]
fn reads_go_on_while_another_node_holds_the_end_of_the_log() {
    use deconflict_store::LogStore as _;
    let Some(url) = database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("one");
    let us = party(&data, &url, "us-cjtf");
    party(&data, &url, "ru-gs");
    let node = node(&data, &url, "one");
    let other = deconflict_store::PgLog::open(&url).expect("another node's store");
    let size = other.size().expect("size");
    let (_, held) = other.hold_end(size).expect("hold the end");

    let (addr, token) = (node.addr.clone(), us.clone());
    let write = std::thread::spawn(move || {
        try_post(&addr, "/v1/declarations", &token, &sortie("us-1", 6000.0))
    });
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let (s, _) = http(&node.addr, "GET", "/v1/declarations", &us, None);
    assert_eq!(s, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a read waited for the held end"
    );
    assert!(
        !write.is_finished(),
        "the write waits while the end is held"
    );
    drop(held);
    assert_eq!(write.join().expect("writer"), Some(201));
    let (_, one) = http(&node.addr, "GET", "/v1/declarations/us-1", &us, None);
    assert_eq!(one["id"], "us-1", "{one}");
}
