//! The server as an operator runs it: parties registered with `deconflict party add`, `deconflict serve` on
//! a real socket, a declaration that got 201 survives `kill -9` and restart, and a conflict reaches the other
//! party over HTTP.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

use serde_json::{json, Value};

mod common;
use common::{add_party, bin, http, start, Server};

fn declaration(id: &str, lower_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 3000.0},
         "time": {"start": "2030-06-18T15:30:00Z", "end": "2030-06-18T16:30:00Z"}}]})
}

#[test]
fn a_201_survives_kill_9_and_conflicts_reach_the_other_party() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let us = add_party(&data, "us-cjtf");
    let ru = add_party(&data, "ru-gs");
    assert!(us.starts_with("dcf_") && us != ru);

    let mut server = start(&data);
    let (status, body) = http(
        &server.addr,
        "POST",
        "/v1/agreements",
        &us,
        Some(&json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]})),
    );
    assert_eq!(
        (status, &body["status"]),
        (201, &json!("proposed")),
        "{body}"
    );
    let (status, body) = http(
        &server.addr,
        "POST",
        "/v1/agreements/us-ru/accept",
        &ru,
        None,
    );
    assert_eq!((status, &body["status"]), (200, &json!("active")), "{body}");
    let (status, body) = http(
        &server.addr,
        "POST",
        "/v1/declarations",
        &us,
        Some(&declaration("us-17", 6000.0)),
    );
    assert_eq!(status, 201, "{body}");
    server.child.kill().expect("SIGKILL");
    server.child.wait().expect("reap");

    let mut server = start(&data);
    let (status, body) = http(&server.addr, "GET", "/v1/declarations/us-17", &us, None);
    assert_eq!(status, 200, "the acknowledged declaration survived: {body}");
    assert_eq!(body["version"], 1);
    let (status, body) = http(
        &server.addr,
        "POST",
        "/v1/declarations",
        &ru,
        Some(&declaration("ru-42", 7000.0)),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["conflicts"][0]["other"]["id"], "us-17");
    let (_, body) = http(&server.addr, "GET", "/v1/conflicts", &us, None);
    assert_eq!(body["conflicts"][0]["other"]["id"], "ru-42");
    let (status, _) = http(&server.addr, "GET", "/v1/declarations/us-17", &ru, None);
    assert_eq!(status, 404, "ru-gs is not in us-17's audience");
    let (status, _) = http(&server.addr, "GET", "/healthz", "", None);
    assert_eq!(status, 200);
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");
}

/// Runs a client command as `token`'s party.
fn client(
    server: &Server,
    token: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> (i32, Value, String) {
    let mut child = bin()
        .args(args)
        .env("DECONFLICT_SERVER", format!("http://{}", server.addr))
        .env("DECONFLICT_TOKEN", token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("client");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("wait");
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        value,
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn the_cli_client_declares_lists_sends_acknowledges_and_tails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let us = add_party(&data, "us-cjtf");
    let ru = add_party(&data, "ru-gs");
    let mut server = start(&data);
    let agreement = dir.path().join("us-ru.json");
    std::fs::write(
        &agreement,
        json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]}).to_string(),
    )
    .expect("write");
    let (code, v, err) = client(
        &server,
        &us,
        &["agreement", "propose", agreement.to_str().expect("path")],
        None,
    );
    assert_eq!((code, &v["status"]), (0, &json!("proposed")), "{err}");
    let (code, v, err) = client(&server, &ru, &["agreement", "accept", "us-ru"], None);
    assert_eq!((code, &v["status"]), (0, &json!("active")), "{err}");

    // Follow ru-gs's stream from the start.
    let mut tail = bin()
        .args(["tail"])
        .env("DECONFLICT_SERVER", format!("http://{}", server.addr))
        .env("DECONFLICT_TOKEN", &ru)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tail");

    let mut us_17 = declaration("us-17", 6000.0);
    us_17["audience"] = json!(["ru-gs"]);
    let (code, v, err) = client(&server, &us, &["declare", "-"], Some(&us_17.to_string()));
    assert_eq!(code, 0, "{err}");
    assert_eq!(v["version"], 1);
    let file = dir.path().join("ru-42.json");
    std::fs::write(&file, declaration("ru-42", 7000.0).to_string()).expect("write");
    let (code, v, _) = client(
        &server,
        &ru,
        &["declare", file.to_str().expect("path")],
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(v["conflicts"][0]["other"]["id"], "us-17");
    let (_, v, _) = client(&server, &us, &["conflicts"], None);
    assert_eq!(v["conflicts"][0]["other"]["id"], "ru-42");

    // A stale version is the server's problem, exit 1, with its detail.
    let (code, _, err) = client(
        &server,
        &ru,
        &["declare", "--replaces", "7", file.to_str().expect("path")],
        None,
    );
    assert_eq!(code, 1);
    assert!(err.contains("412"), "{err}");

    let (code, m, _) = client(
        &server,
        &us,
        &[
            "send",
            "--to",
            "ru-gs",
            "--precedence",
            "FLASH",
            "check",
            "fire",
        ],
        None,
    );
    assert_eq!(code, 0);
    let id = m["id"].as_str().expect("id").to_string();
    let (_, inbox, _) = client(&server, &ru, &["inbox"], None);
    assert_eq!(inbox["messages"][0]["text"], "check fire");
    let (code, v, _) = client(&server, &ru, &["ack", &id, "--answer", "wilco"], None);
    assert_eq!(code, 0);
    assert_eq!(v["receipts"]["ru-gs"]["answered"]["text"], "wilco");
    let (_, out, _) = client(&server, &us, &["inbox", "--outbox"], None);
    assert_eq!(
        out["messages"][0]["receipts"]["ru-gs"]["answered"]["text"],
        "wilco"
    );

    // No token: exit 2 before any request.
    let (code, _, err) = client(&server, "", &["conflicts", "--token", ""], None);
    assert_ne!(code, 0, "{err}");

    // The stream showed ru-gs its registration, the agreement, us-17, its own ru-42, the conflict and the message.
    let stdout = tail.stdout.take().expect("tail stdout");
    let reader = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .take(8)
            .collect::<Vec<String>>()
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    tail.kill().expect("stop tail");
    tail.wait().expect("reap");
    let kinds: Vec<String> = reader
        .join()
        .expect("reader")
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .map(|v| v["kind"].as_str().unwrap_or("").to_string())
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "party.registered",
            "agreement.proposed",
            "agreement.accepted",
            "declaration.version",
            "declaration.version",
            "conflict.found",
            "message.sent",
            "message.delivered"
        ],
        "{kinds:?}"
    );
    server.child.kill().expect("stop");
    server.child.wait().expect("reap");
}

/// SIGTERM ends the server within its shutdown grace and a bounded delay, even while a client holds a
/// request open (a body that never comes) that the server would otherwise wait for.
#[test]
fn sigterm_ends_the_process_even_with_a_request_held_open() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let us = add_party(&data, "us-cjtf");
    let mut server = common::start_with(&data, &["--shutdown-grace-s", "0.5"]);
    let mut held = std::net::TcpStream::connect(&server.addr).expect("connect");
    write!(
        held,
        "POST /v1/declarations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {us}\r\n\
         Content-Length: 1000\r\n\r\n{{"
    )
    .expect("write");
    std::thread::sleep(Duration::from_millis(300));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > Duration::from_secs(8) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.is_some(),
        "the server was still running {:?} after SIGTERM",
        start.elapsed()
    );
    drop(held);
}

/// Finding 12: `--clock-start`/`--clock-speed` ran on a real line. A real line refuses an exercise clock
/// and says why; an exercise line (its origin says so) takes one.
#[test]
fn a_real_line_refuses_an_exercise_clock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    add_party(&data, "us-cjtf");
    let out = bin()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--clock-speed",
            "60",
            "--data",
        ])
        .arg(&data)
        .output()
        .expect("serve");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("exercise"), "{err}");
}

/// An incident report against a real `deconflict serve`: the answer's proof bundle of the site's notification
/// history verifies offline with `deconflict log verify-proof --policy P --bundle F`, and a bundle whose
/// content was altered does not.
#[test]
fn an_incident_reports_bundle_verifies_offline_with_the_cli() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let un = add_party(&data, "un-ocha");
    let ru = add_party(&data, "ru-gs");
    let server = start(&data);
    let addr = server.addr.clone();
    let (s, v) = http(
        &addr,
        "POST",
        "/v1/agreements",
        &un,
        Some(&json!({"id": "hnots", "parties": ["un-ocha", "ru-gs"]})),
    );
    assert_eq!(s, 201, "{v}");
    let (s, v) = http(&addr, "POST", "/v1/agreements/hnots/accept", &ru, None);
    assert_eq!(s, 200, "{v}");
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let now = deconflict_space::units::format_time(now_ms);
    let end = deconflict_space::units::format_time(now_ms + 30 * 86_400_000);
    let site = json!({"id": "hosp-kz", "kind": "site", "name": "Kafr Zeita hospital", "volumes": [
        {"footprint": {"circle": {"center": [36.6, 35.37], "radius_m": 300}},
         "altitude": {"lower": "SFC", "upper": "FL600"},
         "time": {"start": now, "end": end}}]});
    let (s, v) = http(&addr, "POST", "/v1/declarations", &un, Some(&site));
    assert_eq!(s, 201, "{v}");
    let (s, v) = http(
        &addr,
        "POST",
        "/v1/notifications",
        &un,
        Some(&json!({"declarations": ["hosp-kz"], "to": ["ru-gs"]})),
    );
    assert_eq!(s, 201, "{v}");
    let id = v["notifications"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let (s, v) = http(
        &addr,
        "POST",
        &format!("/v1/notifications/{id}/acknowledge"),
        &ru,
        None,
    );
    assert_eq!((s, &v["status"]), (200, &json!("acknowledged")), "{v}");
    // Now, after the acknowledgement: it was then in force, acknowledged.
    let strike = deconflict_space::units::format_time(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    );
    let (s, report) = http(
        &addr,
        "POST",
        "/v1/notifications/incidents",
        &un,
        Some(
            &json!({"site": "hosp-kz", "time": strike, "description": "Shelling near the hospital"}),
        ),
    );
    assert_eq!(s, 201, "{report}");
    assert_eq!(
        report["history"]["at_incident"]["notifications"][0]["status"],
        "acknowledged"
    );

    let policy = dir.path().join("policy");
    let key = std::fs::read_to_string(data.join("log.pub")).expect("log.pub");
    std::fs::write(&policy, format!("log {}\nquorum none\n", key.trim())).expect("policy");
    let bundle = dir.path().join("incident.bundle.json");
    std::fs::write(&bundle, report["bundle"].to_string()).expect("bundle");
    let verify = |file: &std::path::Path| {
        bin()
            .args(["log", "verify-proof", "--policy"])
            .arg(&policy)
            .arg("--bundle")
            .arg(file)
            .output()
            .expect("verify-proof")
    };
    let out = verify(&bundle);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The acknowledgement's content altered: refused.
    let mut forged = report["bundle"].clone();
    for e in forged["entries"].as_array_mut().into_iter().flatten() {
        if let Some(c) = e["content"].as_str() {
            if c.contains("\"id\"") && !c.contains("declarations") {
                e["content"] = json!(c.replace(&id, "n-0"));
            }
        }
    }
    let forged_file = dir.path().join("forged.bundle.json");
    std::fs::write(&forged_file, forged.to_string()).expect("forged");
    assert!(
        !verify(&forged_file).status.success(),
        "a forged bundle verifies"
    );
    drop(server);
}
