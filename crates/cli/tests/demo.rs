//! `deconflict demo` as a newcomer runs it: the Syria scenario loads, the URL and every party's token are
//! printed, the conflicts are there, and the unacknowledged FLASH escalates while the server runs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn get(addr: &str, path: &str, token: &str) -> Value {
    match ureq::get(&format!("http://{addr}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
    {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r
            .into_string()
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null),
        Err(_) => Value::Null,
    }
}

/// Starts the demo of the built-in scenario at `speed` on a fresh data directory under `dir`, run from `dir` (not
/// the repository: the scenario is in the binary); returns the process, its address and the tokens it printed
/// (by variable name), once it is serving.
fn start_demo(dir: &tempfile::TempDir, speed: &str) -> (Child, String, HashMap<String, String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args(["demo", "--listen", "127.0.0.1:0", "--speed", speed])
        .current_dir(dir.path())
        .arg("--data")
        .arg(dir.path().join("data"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo");
    let mut addr = String::new();
    let mut tokens = HashMap::new();
    for line in BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map_while(Result::ok)
    {
        if let Some(url) = line.strip_prefix("listening on http://") {
            addr = url.to_string();
        }
        if let Some((name, token)) = line.strip_prefix("export ").and_then(|l| l.split_once('=')) {
            tokens.insert(name.to_string(), token.to_string());
        }
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    (child, addr, tokens)
}

#[test]
fn the_demo_serves_the_scenario_and_the_flash_escalates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, addr, tokens) = start_demo(&dir, "3600");
    assert_eq!(
        tokens.len(),
        10,
        "a duty officer's and a commander's token for each of the five parties"
    );
    let agreements = get(&addr, "/v1/agreements", &tokens["US_CJTF"]);
    let active: Vec<&str> = agreements["agreements"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["status"] == "active")
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        active,
        ["hnots", "manbij-2017", "trilateral-2017", "us-ru-mou-2015"]
    );
    // The SDF takes no part in the US–Russia memorandum: it never sees it.
    let sdf = get(&addr, "/v1/agreements/us-ru-mou-2015", &tokens["SDF"]);
    assert_eq!(sdf["status"], 404, "{sdf}");
    let conflicts = get(&addr, "/v1/conflicts", &tokens["RU_GS"]);
    assert!(
        conflicts["conflicts"]
            .as_array()
            .is_some_and(|c| c.len() >= 3),
        "{conflicts}"
    );
    // At 3600x the FLASH's ten minutes pass in a sixth of a second; the background tick escalates it.
    let deadline = Instant::now() + Duration::from_secs(10);
    let escalated = loop {
        let out = get(&addr, "/v1/messages?box=outbox", &tokens["US_CJTF"]);
        let flash = out["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["precedence"] == "FLASH").cloned());
        let levels = flash
            .as_ref()
            .and_then(|f| f["receipts"]["ru-gs"]["escalations"].as_array().cloned())
            .unwrap_or_default();
        if !levels.is_empty() || Instant::now() > deadline {
            break levels;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        escalated.first().map(|l| l["level"].clone()),
        Some(Value::from("commander")),
        "{escalated:?}"
    );
    // The commander's pager shows it.
    let paged = get(
        &addr,
        "/v1/messages?box=escalated",
        &tokens["RU_GS_COMMANDER"],
    );
    assert!(
        paged["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["precedence"] == "FLASH")),
        "{paged}"
    );
    child.kill().expect("stop");
    child.wait().expect("reap");
}

#[test]
fn the_demo_flights_raise_alerts_for_exactly_their_parties() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut child, addr, tokens) = start_demo(&dir, "60");
    // The coalition's and Russia's jets meet head-on over Tabqa; a Russian jet flies at the notified hospital.
    let deadline = Instant::now() + Duration::from_secs(20);
    let kinds = loop {
        let alerts = get(&addr, "/v1/alerts", &tokens["RU_GS"]);
        let kinds: std::collections::BTreeSet<String> = alerts["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| a["kind"].as_str().map(str::to_string))
            .collect();
        if kinds.len() >= 2 || Instant::now() > deadline {
            break kinds;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        kinds.contains("separation") && kinds.contains("incursion"),
        "{kinds:?}"
    );
    // The SDF is party to none of them.
    let sdf = get(&addr, "/v1/alerts", &tokens["SDF"]);
    assert_eq!(sdf["alerts"], serde_json::json!([]), "{sdf}");
    child.kill().expect("stop");
    child.wait().expect("reap");
}

/// `--scenario` still loads a file, and its plans relative to it: a scenario whose plan is missing is refused,
/// naming the plan's path, and nothing is served.
#[test]
fn a_scenario_file_is_read_with_its_plans() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/syria-scenario.json");
    let scenario = dir.path().join("scenario.json");
    std::fs::copy(&shipped, &scenario).expect("copy the scenario without its plans");
    let out = Command::new(env!("CARGO_BIN_EXE_deconflict"))
        .args(["demo", "--listen", "127.0.0.1:0", "--scenario"])
        .arg(&scenario)
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .expect("demo");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let plan = dir.path().join("syria-2017.json");
    assert!(err.contains(&plan.display().to_string()), "{err}");
}
