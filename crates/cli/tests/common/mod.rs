//! Helpers shared by the CLI's end-to-end tests: the binary, parties, a server on a free port, plain HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deconflict"))
}

pub fn add_party(data: &Path, id: &str) -> String {
    add_party_with(data, id, &[])
}

/// `party add` with `extra` arguments (e.g. `--database-url URL`); returns the token it printed.
pub fn add_party_with(data: &Path, id: &str, extra: &[&str]) -> String {
    let out = bin()
        .args(["party", "add", "--id", id])
        .args(extra)
        .arg("--data")
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

pub struct Server {
    pub child: Child,
    pub addr: String,
    /// Where `/metrics` is served, when the server was started with `--metrics-listen`.
    pub metrics: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(data: &Path) -> Server {
    start_with(data, &[])
}

/// `deconflict serve` on a free loopback port with `extra` arguments, once it listens.
pub fn start_with(data: &Path, extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    // Read through a borrow: the pipe stays open for whatever the server prints later.
    let mut out = BufReader::new(child.stdout.as_mut().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("address line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .expect("listening line")
        .to_string();
    let metrics = extra.contains(&"--metrics-listen").then(|| {
        let mut line = String::new();
        out.read_line(&mut line).expect("metrics line");
        line.trim()
            .strip_prefix("metrics on http://")
            .and_then(|a| a.strip_suffix("/metrics"))
            .expect("metrics line")
            .to_string()
    });
    Server {
        child,
        addr,
        metrics,
    }
}

/// One HTTP/1.1 request on a fresh connection: the status and the body as text, or why it failed (the
/// server may be gone).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {response:?}")))?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or("");
    Ok((status, body.to_string()))
}

/// One HTTP/1.1 request on a fresh connection; returns the status and the JSON body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (status, body) = request(addr, method, path, token, body).expect("request");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Runs `deconflict` with `args`, writing `stdin` (if any) to its standard input; waits for it to end.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run deconflict");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("wait")
}
