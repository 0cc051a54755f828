//! Helpers shared by the CLI's end-to-end tests: the binary, parties, a server on a free port, plain HTTP.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
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

/// One request (ureq, a real HTTP client): the status and the body as text, or why it failed (the server may
/// be gone). Error statuses are answers like any other.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let agent = ureq::AgentBuilder::new()
        .timeout(std::time::Duration::from_secs(60))
        .build();
    let req = agent
        .request(method, &format!("http://{addr}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "application/json");
    let response = match body {
        Some(b) => req.send_string(&b.to_string()),
        None => req.call(),
    };
    let response = match response {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => return Err(std::io::Error::other(e.to_string())),
    };
    let status = response.status();
    Ok((status, response.into_string()?))
}

/// One request ([`request`]); returns the status and the JSON body.
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

/// A new database on the test server, or `None` when there is none to test against.
pub fn database() -> Option<String> {
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

/// `deconflict serve` on the shared database `url`, as the node called `name`, with `extra` arguments.
pub fn node_with(data: &Path, url: &str, name: &str, extra: &[&str]) -> Server {
    let mut args = vec!["--database-url", url, "--node", name];
    args.extend_from_slice(extra);
    start_with(data, &args)
}
