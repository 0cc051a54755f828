//! `deconflict serve --database-url`: the same line on PostgreSQL. Parties are registered into the database,
//! a conflict and a FLASH message are acknowledged as written, the server is killed with SIGKILL and started
//! again, and everything acknowledged is there; the data directory holds only the log key.
//!
//! Needs `DECONFLICT_TEST_DATABASE_URL` (a server where the test may create a database; `scripts/test` starts
//! one); without it the test is skipped with a message, except under CI, where it fails.

mod common;

use std::process::Command;

use common::{add_party_with, bin, http, start_with};
use serde_json::json;

/// A new database on the test server, or `None` when there is none to test against.
fn database() -> Option<String> {
    let Ok(base) = std::env::var("DECONFLICT_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test the PostgreSQL store: set DECONFLICT_TEST_DATABASE_URL (scripts/test does)"
        );
        eprintln!("postgres: DECONFLICT_TEST_DATABASE_URL is not set; PostgreSQL is not tested");
        return None;
    };
    let name = format!(
        "cli_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let out = Command::new("psql")
        .arg(&base)
        .args(["-q", "-c", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (head, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{head}/{name}"))
}

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

/// Two servers on one database are not yet a cluster (issue #7): the one whose view fell behind refuses the
/// write instead of forking the log, and takes no more writes; restarted, it has everything.
#[test]
fn a_second_server_on_the_same_database_stops_rather_than_fork_the_log() {
    let Some(url) = database() else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("node");
    let us = party(&data, &url, "us-cjtf");
    party(&data, &url, "ru-gs");
    let a = start_with(&data, &["--database-url", &url]);
    let b = start_with(&data, &["--database-url", &url]);
    let (s, _) = http(
        &a.addr,
        "POST",
        "/v1/declarations",
        &us,
        Some(&sortie("us-1", 6000.0)),
    );
    assert_eq!(s, 201);
    let (s, problem) = http(
        &b.addr,
        "POST",
        "/v1/declarations",
        &us,
        Some(&sortie("us-2", 9000.0)),
    );
    // The client is told nothing was changed (the reason, another writer, goes to the server's log).
    assert_eq!(s, 500, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("nothing was changed")),
        "{problem}"
    );
    let (s, third) = http(
        &b.addr,
        "POST",
        "/v1/declarations",
        &us,
        Some(&sortie("us-3", 9000.0)),
    );
    assert!(s >= 500, "no more writes until restarted: {s} {third}");
    drop(b);
    let b = start_with(&data, &["--database-url", &url]);
    let (s, list) = http(&b.addr, "GET", "/v1/declarations", &us, None);
    assert_eq!(s, 200);
    let ids: Vec<&str> = list["declarations"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["us-1"], "the refused writes were not stored");
    drop(a);
}
