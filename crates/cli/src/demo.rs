//! `deconflict demo`: a fresh line with the Syria scenario, served on the embedded store.
//!
//! The scenario file (`examples/syria-scenario.json`, editable) names the parties, their agreements, the plans
//! of declarations (`examples/syria-2017.json`, `examples/syria-2017-lines.json`), who may see which
//! declaration, the hotline traffic, and flights that report their tracks to the line four times a second
//! (back and forth along a leg, so that their alerts come and go). The line's clock starts
//! at the scenario's time and runs `--speed` times faster than real time, so that an unacknowledged FLASH
//! message goes overdue and escalates while you watch; so does the UN's notification of the Kafr Zeita
//! hospital to ru-gs (us-cjtf and tr-gs acknowledge theirs), and its Idlib hospital's notification lapses
//! for want of re-confirmation. The line moves declarations through their life on the same clock.
//!
//! The Syria scenario and its plans are built into the binary, so `deconflict demo` runs from any directory;
//! `--scenario FILE` loads another (its plans are read relative to it).

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
    /// The scenario to load (default: the Syria scenario built into the binary, `examples/syria-scenario.json`
    /// in the repository).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// A new or empty data directory, kept when the demo stops (default: a new directory under the system's
    /// temporary directory, removed when the demo stops).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// How many times faster than real time the scenario's clock runs.
    #[arg(long, default_value_t = 60.0)]
    pub speed: f64,
    /// The web picture's built files, served at `/`.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// How long (in seconds of the line's clock, which runs `--speed` times faster than real time) closed
    /// alerts, resolved conflicts, acknowledged messages and closed notifications stay in memory and the
    /// lists; the log keeps them.
    #[arg(long, value_name = "S", default_value_t = 86_400)]
    pub limit_retention_s: u64,
    /// Also bridge a party's picture to its TAK server (`deconflict tak`, with that party's duty officer's
    /// token): `PARTY=tls://HOST:PORT` (give --tak-ca, --tak-cert, --tak-key) or `PARTY=tcp://HOST:PORT`.
    /// `scripts/demo --tak` starts a local TAK server and passes this.
    #[arg(long, value_name = "PARTY=URL")]
    pub tak: Vec<String>,
    /// The TAK server's certificate authority (PEM).
    #[arg(long, value_name = "FILE")]
    pub tak_ca: Option<PathBuf>,
    /// The bridge's client certificate (PEM).
    #[arg(long, value_name = "FILE")]
    pub tak_cert: Option<PathBuf>,
    /// The client certificate's key (PEM).
    #[arg(long, value_name = "FILE")]
    pub tak_key: Option<PathBuf>,
}

/// The bridges `--tak` asks for, checked before the line starts: (party, the bridge's arguments without the
/// line's URL and token).
fn tak_bridges(args: &DemoArgs) -> Result<Vec<(String, crate::tak::TakArgs)>, String> {
    args.tak
        .iter()
        .map(|spec| {
            let (party, url) = spec
                .split_once('=')
                .ok_or_else(|| format!("--tak {spec:?}: expected PARTY=tls://HOST:PORT"))?;
            let bridge = crate::tak::TakArgs {
                connection: crate::client::Connection {
                    server: String::new(),
                    token: None,
                },
                tak: Some(url.to_string()),
                ca: args.tak_ca.clone(),
                cert: args.tak_cert.clone(),
                key: args.tak_key.clone(),
                server_name: None,
                poll_s: 2.0,
                refresh_s: 60.0,
                ahead_min: 60.0,
                callsign: "DECONFLICT".into(),
                max_units: 1_000,
                lost_after_s: None,
                no_tracks: false,
                feed_times: false,
                dry_run: false,
            };
            crate::tak::check(&bridge).map_err(|why| format!("--tak {spec:?}: {why}"))?;
            Ok((party.to_string(), bridge))
        })
        .collect()
}

fn fail(message: String) -> ExitCode {
    eprintln!("deconflict demo: {message}");
    ExitCode::from(2)
}

/// The Syria scenario and the plans it names, as built into the binary: (file name, text).
const BUILT_IN: [(&str, &str); 3] = [
    (
        "syria-scenario.json",
        include_str!("../../../examples/syria-scenario.json"),
    ),
    (
        "syria-2017.json",
        include_str!("../../../examples/syria-2017.json"),
    ),
    (
        "syria-2017-lines.json",
        include_str!("../../../examples/syria-2017-lines.json"),
    ),
];

/// Where a scenario and its plans come from: the built-in files, or a scenario file and its directory.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    BuiltIn,
    File(&'a Path),
}

impl Source<'_> {
    /// The scenario's name in messages.
    fn name(&self) -> String {
        match self {
            Source::BuiltIn => "the built-in scenario (examples/syria-scenario.json)".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    /// The scenario itself.
    fn scenario(&self) -> Result<Value, String> {
        match self {
            Source::BuiltIn => parse_json(BUILT_IN[0].0, BUILT_IN[0].1),
            Source::File(p) => read_json(p),
        }
    }

    /// A plan the scenario names (relative to the scenario), and its name in messages.
    fn plan(&self, name: &str) -> Result<(Value, String), String> {
        match self {
            Source::BuiltIn => {
                let (file, text) = BUILT_IN
                    .iter()
                    .find(|(file, _)| *file == name)
                    .ok_or_else(|| format!("the built-in scenario has no plan {name:?}"))?;
                Ok((parse_json(file, text)?, format!("examples/{file}")))
            }
            Source::File(scenario) => {
                let path = scenario
                    .parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join(name);
                Ok((read_json(&path)?, path.display().to_string()))
            }
        }
    }
}

fn parse_json(name: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_json(&path.display().to_string(), &text)
}

/// Registers the parties, declares the plan and sends the messages; returns each party's token.
fn load(
    line: &Line,
    scenario: &Value,
    source: Source<'_>,
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
        let (plan, plan_path) = source.plan(plan)?;
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
                .map_err(|e| format!("{plan_path}: declaration {id}: {e}"))?;
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
    // `notifications`: {from, declarations, to, note, reconfirm_s?, acknowledged_by: [recipients]}; those
    // not in `acknowledged_by` let it go unacknowledged (it escalates at the demo's speed), and a short
    // `reconfirm_s` that nobody re-confirms makes it lapse.
    for (i, n) in scenario["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut n = n.clone();
        let from = n["from"].as_str().unwrap_or_default().to_string();
        let acknowledged: Vec<String> = n["acknowledged_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        if let Some(o) = n.as_object_mut() {
            o.remove("from");
            o.remove("acknowledged_by");
        }
        let sent = line
            .notify(&from, n)
            .map_err(|e| format!("notifications[{i}] from {from}: {e}"))?;
        for s in sent["notifications"].as_array().into_iter().flatten() {
            let (to, id) = (
                s["to"].as_str().unwrap_or_default(),
                s["id"].as_str().unwrap_or_default(),
            );
            if acknowledged.iter().any(|p| p == to) {
                line.notification_step(to, id, false)
                    .map_err(|e| format!("notifications[{i}]: {to} acknowledging: {e}"))?;
            }
        }
    }
    Ok((tokens, conflicts))
}

/// A scenario flight: back and forth along a straight leg, for ever, so that its alerts come and go.
#[derive(Debug, Clone)]
struct Flight {
    party: String,
    id: String,
    callsign: String,
    from: (f64, f64),
    to: (f64, f64),
    alt_m: f64,
    gs_mps: f64,
}

/// The scenario's `flights`: `{party, id, callsign, from: [lon, lat], to: [lon, lat], alt_m, gs_mps}`.
fn flights(scenario: &Value) -> Result<Vec<Flight>, String> {
    let mut out = Vec::new();
    for (i, f) in scenario["flights"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let text = |k: &str| {
            f[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("flights[{i}].{k}: expected a string"))
        };
        let point = |k: &str| {
            f[k].as_array()
                .and_then(|p| Some((p.first()?.as_f64()?, p.get(1)?.as_f64()?)))
                .ok_or_else(|| format!("flights[{i}].{k}: expected [lon, lat]"))
        };
        let number = |k: &str| {
            f[k].as_f64()
                .filter(|x| x.is_finite() && *x > 0.0)
                .ok_or_else(|| format!("flights[{i}].{k}: expected a positive number"))
        };
        out.push(Flight {
            party: text("party")?,
            id: text("id")?,
            callsign: text("callsign").unwrap_or_default(),
            from: point("from")?,
            to: point("to")?,
            alt_m: number("alt_m")?,
            gs_mps: number("gs_mps")?,
        });
    }
    Ok(out)
}

/// Reports every flight's state to the line four times a (real) second.
fn fly(line: &Line, clock: &dyn deconflict_server::clock::Clock, flights: &[Flight]) {
    const R: f64 = deconflict_tactical::EARTH_RADIUS_M;
    loop {
        let now = clock.now_ms();
        let mut batches: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for f in flights {
            let mean_lat = (0.5 * (f.from.1 + f.to.1)).to_radians();
            let east = (f.to.0 - f.from.0).to_radians() * R * mean_lat.cos();
            let north = (f.to.1 - f.from.1).to_radians() * R;
            let leg_s = (east.hypot(north) / f.gs_mps).max(1.0);
            // Out and back: phase 0..1 out, 1..2 back.
            let phase = (now as f64 / 1000.0 / leg_s).rem_euclid(2.0);
            let (x, outbound) = if phase < 1.0 {
                (phase, true)
            } else {
                (2.0 - phase, false)
            };
            let lon = f.from.0 + (f.to.0 - f.from.0) * x;
            let lat = f.from.1 + (f.to.1 - f.from.1) * x;
            let mut trk = east.atan2(north).to_degrees();
            if !outbound {
                trk += 180.0;
            }
            batches
                .entry(f.party.as_str())
                .or_default()
                .push(serde_json::json!({
                    "id": f.id, "callsign": f.callsign, "lat": lat, "lon": lon, "alt_m": f.alt_m,
                    "gs_mps": f.gs_mps, "trk_deg": trk.rem_euclid(360.0), "vs_mps": 0.0,
                }));
        }
        for (party, tracks) in batches {
            if let Err(e) = line.report_tracks(party, serde_json::json!({"tracks": tracks})) {
                eprintln!("deconflict demo: flights of {party}: {e}");
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
}

pub fn demo(args: &DemoArgs) -> ExitCode {
    crate::serve::init_logs("text");
    if let Err(e) = crate::serve::check_web(args.web.as_deref()) {
        return fail(e);
    }
    let source = match &args.scenario {
        Some(path) => Source::File(path),
        None => Source::BuiltIn,
    };
    let scenario = match source.scenario() {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let start = match scenario["start"].as_str().map(parse_time) {
        Some(Ok(t)) => t,
        _ => return fail(format!("{}: start is not a time", source.name())),
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
    let flights = match flights(&scenario) {
        Ok(f) => f,
        Err(e) => return fail(format!("{}: {e}", source.name())),
    };
    let line = match Line::open_with_clock(&data, origin, clock.clone()) {
        Ok(l) => Arc::new(l.with_limits(deconflict_server::Limits {
            retention: std::time::Duration::from_secs(args.limit_retention_s),
            ..Default::default()
        })),
        Err(e) => return fail(format!("{}: {e}", data.display())),
    };
    let bridges = match tak_bridges(args) {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    let (tokens, conflicts) = match load(&line, &scenario, source) {
        Ok(t) => t,
        Err(e) => return fail(e),
    };
    for (party, _) in &bridges {
        if !tokens.contains_key(party) {
            return fail(format!("--tak: no party {party:?} in the scenario"));
        }
    }
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
        if args.web.is_some() {
            println!("web picture: open a party's link (the token stays in the page; it is never sent in a URL):");
            for (party, token) in tokens.iter().filter(|(p, _)| !p.ends_with("-commander")) {
                println!("  {party:<10} {url}/#token={token}");
            }
        }
        println!("try:");
        println!("  curl -s -H \"Authorization: Bearer $RU_GS\" {url}/v1/conflicts");
        println!("  curl -s -H \"Authorization: Bearer $US_CJTF\" '{url}/v1/messages?box=outbox'");
        println!("  curl -s -H \"Authorization: Bearer $RU_GS_COMMANDER\" '{url}/v1/messages?box=escalated'");
        println!("  curl -s -H \"Authorization: Bearer $US_CJTF\" {url}/v1/agreements");
        println!(
            "  curl -s -H \"Authorization: Bearer $UN_OCHA\" '{url}/v1/notifications?box=outbox'"
        );
        for (party, bridge) in &bridges {
            let mut bridge = bridge.clone();
            bridge.connection.server = url.to_string();
            bridge.connection.token = tokens.get(party).cloned();
            println!(
                "TAK bridge: {party}'s picture to {} (its units' position reports become its tracks)",
                bridge.tak.as_deref().unwrap_or("")
            );
            std::thread::spawn(move || crate::tak::run(&bridge));
        }
        println!("press Ctrl-C to stop");
    };
    if !flights.is_empty() {
        let (line, clock) = (Arc::clone(&line), Arc::clone(&clock));
        std::thread::spawn(move || fly(&line, clock.as_ref(), &flights));
    }
    let served = crate::serve::serve_line(
        line,
        crate::serve::Listen {
            api: args.listen,
            metrics: None,
        },
        deconflict_server::Options {
            web: args.web.clone(),
            exercise: true,
            ..deconflict_server::Options::default()
        },
        banner,
    );
    // The demo's own temporary line goes with it (a directory given with --data stays).
    if args.data.is_none() {
        let _ = std::fs::remove_dir_all(&data);
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(crate::serve::Failure::Setup(m) | crate::serve::Failure::Serving(m)) => fail(m),
    }
}
