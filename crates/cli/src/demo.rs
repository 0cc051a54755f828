//! `deconflict demo`: a fresh line with the Syria scenario, served on the embedded store.
//!
//! The scenario file (`examples/syria-scenario.json`, editable) names the parties, their agreements, the plan
//! of declarations
//! (`examples/syria-2017.json`), who may see which declaration, and the hotline traffic. The line's clock starts
//! at the scenario's time and runs `--speed` times faster than real time, so that an unacknowledged FLASH
//! message goes overdue and escalates while you watch.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use deconflict_server::clock::ScenarioClock;
use deconflict_server::Line;
use deconflict_space::units::parse_time;
use serde_json::Value;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The scenario to load.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "examples/syria-scenario.json"
    )]
    pub scenario: PathBuf,
    /// A new or empty data directory (default: a new directory under the system's temporary directory).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// How many times faster than real time the scenario's clock runs.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
}

fn fail(message: String) -> ExitCode {
    eprintln!("deconflict demo: {message}");
    ExitCode::from(2)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

/// Registers the parties, declares the plan and sends the messages; returns each party's token.
fn load(
    line: &Line,
    scenario: &Value,
    scenario_path: &Path,
) -> Result<(BTreeMap<String, String>, usize), String> {
    let mut tokens = BTreeMap::new();
    for p in scenario["parties"].as_array().into_iter().flatten() {
        let id = p["id"].as_str().ok_or("a party has no id")?;
        let kind = p["kind"].as_str().unwrap_or("military");
        tokens.insert(
            id.to_string(),
            line.register_party(id, kind)
                .map_err(|e| format!("party {id}: {e}"))?,
        );
    }
    for a in scenario["agreements"].as_array().into_iter().flatten() {
        let id = a["id"].as_str().unwrap_or("?");
        line.establish_agreement(a.clone())
            .map_err(|e| format!("agreement {id}: {e}"))?;
    }
    for p in scenario["parties"].as_array().into_iter().flatten() {
        let id = p["id"].as_str().unwrap_or_default();
        let (_, token) = line
            .issue_operator_credential(id, "commander")
            .map_err(|e| format!("party {id}: {e}"))?;
        tokens.insert(format!("{id}-commander"), token);
    }
    // `plan`: one plan file or a list of them, relative to the scenario.
    let plans: Vec<&str> = match &scenario["plan"] {
        Value::String(p) => vec![p.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => return Err("the scenario names no plan".into()),
    };
    let audiences = &scenario["audience"];
    let mut conflicts = 0;
    for plan in plans {
        let plan_path = scenario_path
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join(plan);
        let plan = read_json(&plan_path)?;
        for d in plan["declarations"].as_array().into_iter().flatten() {
            let mut d = d.clone();
            let id = d["id"].as_str().unwrap_or_default().to_string();
            let party = d["party"].as_str().unwrap_or_default().to_string();
            let audience: Vec<Value> = audiences
                .get(&id)
                .or_else(|| audiences.get("default"))
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|p| p.as_str() != Some(party.as_str()))
                .cloned()
                .collect();
            if let Some(o) = d.as_object_mut() {
                o.remove("description");
                o.insert("audience".into(), Value::Array(audience));
            }
            let declared = line
                .declare(&party, d)
                .map_err(|e| format!("{}: declaration {id}: {e}", plan_path.display()))?;
            conflicts += declared.body["conflicts"].as_array().map_or(0, Vec::len);
        }
    }
    for m in scenario["messages"].as_array().into_iter().flatten() {
        let mut m = m.clone();
        let from = m["from"].as_str().unwrap_or_default().to_string();
        if let Some(o) = m.as_object_mut() {
            o.remove("from");
        }
        line.send(&from, m)
            .map_err(|e| format!("message from {from}: {e}"))?;
    }
    Ok((tokens, conflicts))
}

pub fn demo(args: &DemoArgs) -> ExitCode {
    crate::serve::init_logs("text");
    let scenario = match read_json(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            return fail(format!(
                "{e} (run it from the repository, or give --scenario FILE)"
            ))
        }
    };
    let start = match scenario["start"].as_str().map(parse_time) {
        Some(Ok(t)) => t,
        _ => return fail(format!("{}: start is not a time", args.scenario.display())),
    };
    let data = args.data.clone().unwrap_or_else(|| {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        std::env::temp_dir().join(format!("deconflict-demo-{stamp}-{}", std::process::id()))
    });
    if std::fs::read_dir(&data).is_ok_and(|mut d| d.next().is_some()) {
        return fail(format!(
            "{} is not empty; the demo starts on a fresh data directory",
            data.display()
        ));
    }
    let origin = scenario["origin"]
        .as_str()
        .unwrap_or("demo.deconflict.example/line");
    let clock = Arc::new(ScenarioClock::new(start, args.speed));
    let line = match Line::open_with_clock(&data, origin, clock) {
        Ok(l) => Arc::new(l),
        Err(e) => return fail(format!("{}: {e}", data.display())),
    };
    let (tokens, conflicts) = match load(&line, &scenario, &args.scenario) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    let banner = |url: &str| {
        println!(
            "deconflict demo: {}",
            scenario["description"].as_str().unwrap_or("")
        );
        println!(
            "scenario clock from {} at {}x real time; {} conflicts found; data in {}",
            scenario["start"].as_str().unwrap_or(""),
            args.speed,
            conflicts,
            data.display()
        );
        println!("listening on {url}");
        println!("tokens (a duty officer's and a commander's per party; keep them secret outside a demo):");
        for (party, token) in &tokens {
            println!(
                "export {}={token}",
                party.to_uppercase().replace(['-', '.'], "_")
            );
        }
        println!("try:");
        println!("  curl -s -H \"Authorization: Bearer $RU_GS\" {url}/v1/conflicts");
        println!("  curl -s -H \"Authorization: Bearer $US_CJTF\" '{url}/v1/messages?box=outbox'");
        println!("  curl -s -H \"Authorization: Bearer $RU_GS_COMMANDER\" '{url}/v1/messages?box=escalated'");
        println!("  curl -s -H \"Authorization: Bearer $US_CJTF\" {url}/v1/agreements");
        println!("press Ctrl-C to stop");
    };
    match crate::serve::serve_line(line, args.listen, deconflict_server::MAX_IN_FLIGHT, banner) {
        Ok(()) => ExitCode::SUCCESS,
        Err(crate::serve::Failure::Setup(m) | crate::serve::Failure::Serving(m)) => fail(m),
    }
}
