//! The server as an operator runs it: parties registered with `deconflict party add`, `deconflict serve` on
//! a real socket, a declaration that got 201 survives `kill -9` and restart, and a conflict reaches the other
//! party over HTTP.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deconflict"))
}

fn add_party(data: &Path, id: &str) -> String {
    let out = bin()
        .args(["party", "add", "--id", id, "--data"])
        .arg(data)
        .output()
        .expect("party add");
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

struct Server {
    child: Child,
    addr: String,
}

fn start(data: &Path) -> Server {
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("stdout"))
        .read_line(&mut line)
        .expect("address line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_string();
    Server { child, addr }
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the JSON body.
fn http(addr: &str, method: &str, path: &str, token: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )
    .expect("send");
    let mut response = String::new();
    s.read_to_string(&mut response).expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

fn declaration(id: &str, lower_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 3000.0},
         "time": {"start": "2017-06-18T15:30:00Z", "end": "2017-06-18T16:30:00Z"}}]})
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
