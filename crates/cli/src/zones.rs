//! `deconflict zones import|export|convert`: EUROCAE ED-318 geographical zones in and out of the line.
//!
//! `import` reads a whole ED-318 file first (nothing is sent if any feature is refused), has the server check
//! every zone as a preview, and only then declares them, one by one, as the token's party through the API.
//! `export` writes what the token's party may read through the API (its own zones and sites and those shared
//! with it: need-to-know is the API's) as ED-318. `convert` does either offline: ED-318 to the native plan
//! format, or any plan to ED-318 (`--to ed318`). Files are `-` for standard input or output. Exit status: 0
//! done, 1 refused by the server, 2 bad input (the message names the feature and the field) or an
//! unreachable server.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use deconflict_plan::ed318::{export, read_zones, Ed318Options, ExportOptions, Zone};
use deconflict_plan::{declaration_json, parse_declaration, parse_plan, PlanLimits};
use deconflict_space::units::parse_time;
use deconflict_space::TimeWindow;
use deconflict_strategic::Kind;
use serde_json::{json, Value};

use crate::client::{request, Connection, Failure};

#[derive(Subcommand, Debug)]
pub enum ZonesCommand {
    /// Declares every zone of an ED-318 file as your party's (all checked before any is declared).
    Import(ImportArgs),
    /// Writes the zones and sites your party may read on the line as ED-318.
    Export(ExportArgs),
    /// Offline: ED-318 to the native plan format, or (--to ed318) any plan to ED-318.
    Convert(ConvertArgs),
}

/// How ED-318 is read: the horizon and the ground.
#[derive(Args, Debug, Clone)]
pub struct ReadArgs {
    /// Import only from this time on (RFC 3339): windows are cut to it.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Import only until this time (RFC 3339): windows are cut to it, and open-ended zones end there.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// The highest ground under the zones (m above mean sea level): limits above ground (AGL) are then read
    /// conservatively (upper = this + the height, lower = the surface). Without it, AGL limits other than
    /// 0 are refused.
    #[arg(long, value_name = "M")]
    pub terrain_max_m: Option<f64>,
}

#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The ED-318 file (`-` reads standard input).
    pub file: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
    /// Share every zone with these parties (comma-separated); by default only you see them.
    #[arg(long, value_delimiter = ',')]
    pub audience: Vec<String>,
    /// Check everything (the file, then each zone with the server's preview) and declare nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// What every ED-318 export says beside the zones.
#[derive(Args, Debug, Clone)]
pub struct WriteArgs {
    /// `country` of every zone (ISO 3166-1 alpha-3; XXX: unspecified).
    #[arg(long, default_value = "XXX", value_parser = country)]
    pub country: String,
    /// The language of the zones' names (at most 5 characters, e.g. en, fr-FR).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Write here (`-`: standard output).
    #[arg(long, short, default_value = "-")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The native plan format (from ED-318).
    Native,
    /// ED-318 (from any plan: native, GeoJSON or ED-318).
    Ed318,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// The file (`-` reads standard input).
    pub file: PathBuf,
    #[arg(long, value_enum, default_value_t = Target::Native)]
    pub to: Target,
    /// The party the zones are given to, converting to the native format.
    #[arg(long, default_value = deconflict_plan::ed318::DEFAULT_PARTY)]
    pub party: String,
    #[command(flatten)]
    pub read: ReadArgs,
    #[command(flatten)]
    pub write: WriteArgs,
}

fn country(s: &str) -> Result<String, String> {
    if s.chars().count() == 3 {
        Ok(s.to_string())
    } else {
        Err("expected three characters (ISO 3166-1 alpha-3, e.g. SYR; XXX: unspecified)".into())
    }
}

fn bad(message: impl Into<String>) -> Failure {
    Failure(2, message.into())
}

fn name_of(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

fn read_text(path: &Path) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| bad(format!("standard input: cannot read: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| bad(format!("{}: cannot read: {e}", path.display())))
    }
}

fn write_json(path: &Path, v: &Value) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(v).map_err(|e| bad(e.to_string()))?;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}").map_err(|e| bad(format!("standard output: {e}")))
    } else {
        std::fs::write(path, format!("{text}\n"))
            .map_err(|e| bad(format!("{}: cannot write: {e}", path.display())))
    }
}

fn options(party: &str, read: &ReadArgs, limits: PlanLimits) -> Result<Ed318Options, Failure> {
    let time = |flag: &str, t: &Option<String>| -> Result<Option<i64>, Failure> {
        t.as_deref()
            .map(|s| parse_time(s).map_err(|e| bad(format!("--{flag}: {e}"))))
            .transpose()
    };
    let from = time("from", &read.from)?;
    let until = time("until", &read.until)?;
    let horizon = match (from, until) {
        (None, None) => None,
        (s, e) => Some(
            TimeWindow::new(
                s.unwrap_or(deconflict_space::MIN_TIME_MS),
                e.unwrap_or(deconflict_space::MAX_TIME_MS),
            )
            .map_err(|e| bad(format!("--until: {}", e.problem)))?,
        ),
    };
    if let Some(m) = read.terrain_max_m {
        if !(-500.0..=9_000.0).contains(&m) {
            return Err(bad(format!(
                "--terrain-max-m: {m} m is not a height of ground on Earth (-500..=9000)"
            )));
        }
    }
    Ok(Ed318Options {
        party: party.to_string(),
        limits,
        horizon,
        terrain_max_m: read.terrain_max_m,
    })
}

/// The body that declares a zone: the native format, as the token's party (the server fills in the party and
/// the version).
fn body(zone: &Zone, audience: &[String]) -> Value {
    let mut body = declaration_json(&zone.declaration);
    if let Some(map) = body.as_object_mut() {
        map.remove("party");
        map.remove("version");
        if let Some(name) = &zone.name {
            map.insert("name".into(), json!(name));
        }
        if !audience.is_empty() {
            map.insert("audience".into(), json!(audience));
        }
    }
    body
}

fn import(a: &ImportArgs) -> Result<(), Failure> {
    let file = name_of(&a.file);
    let text = read_text(&a.file)?;
    // The party is the token's, filled in by the server; the file is read for it under the fixed bounds, and
    // the server's own limits are applied by its preview.
    let zones = read_zones(&text, &options("importer", &a.read, PlanLimits::FIXED)?)
        .map_err(|e| bad(format!("{file}: {e}")))?;
    let bodies: Vec<(String, Value)> = zones
        .iter()
        .map(|z| (z.declaration.id.clone(), body(z, &a.audience)))
        .collect();
    for (id, b) in &bodies {
        request(
            &a.connection,
            "POST",
            "/v1/declarations/preview",
            Some(b),
            None,
        )
        .map_err(|Failure(code, why)| {
            Failure(
                code,
                format!("{file}: zone {id:?}: {why}; nothing was declared"),
            )
        })?;
    }
    let mut declared = Vec::new();
    if !a.dry_run {
        for (id, b) in &bodies {
            let answer = request(&a.connection, "POST", "/v1/declarations", Some(b), None)
                .map_err(|Failure(code, why)| {
                    let done: Vec<&str> = declared
                        .iter()
                        .filter_map(|d: &Value| d["id"].as_str())
                        .collect();
                    Failure(
                        code,
                        format!(
                            "{file}: zone {id:?}: {why}; declared before it: {}",
                            if done.is_empty() {
                                "none".to_string()
                            } else {
                                done.join(", ")
                            }
                        ),
                    )
                })?;
            declared.push(json!({
                "id": id,
                "version": answer["version"],
                "conflicts": answer["conflicts"].as_array().map_or(0, Vec::len),
            }));
        }
    }
    write_json(
        Path::new("-"),
        &json!({
            "checked": bodies.len(),
            "declared": declared,
            "dry_run": a.dry_run,
        }),
    )
}

/// Every page of `/v1/declarations` the token's party may read.
fn readable(c: &Connection) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let path = match &after {
            None => "/v1/declarations?limit=1000".to_string(),
            Some(a) => {
                let a: String = a
                    .bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                format!("/v1/declarations?limit=1000&after={a}")
            }
        };
        let page = request(c, "GET", &path, None, None)?;
        if let Some(list) = page["declarations"].as_array() {
            items.extend(list.iter().cloned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => return Ok(items),
        }
    }
}

fn export_options(w: &WriteArgs) -> ExportOptions {
    ExportOptions {
        country: w.country.clone(),
        lang: w.lang.clone(),
        issued_ms: None,
    }
}

/// Writes the export and says on standard error what was left out of it.
fn write_export(zones: &[Zone], w: &WriteArgs) -> Result<(), Failure> {
    let out = export(zones, &export_options(w));
    for s in &out.skipped {
        eprintln!(
            "deconflict zones: left out {:?} of {}: {}",
            s.id, s.party, s.reason
        );
    }
    write_json(&w.out, &out.collection)
}

fn export_line(a: &ExportArgs) -> Result<(), Failure> {
    let mut zones = Vec::new();
    for (i, item) in readable(&a.connection)?.iter().enumerate() {
        let normalised = &item["normalised"];
        let kind = normalised["kind"].as_str().unwrap_or_default();
        if normalised.is_null() || !(kind == Kind::Zone.name() || kind == Kind::Site.name()) {
            continue;
        }
        let declaration = parse_declaration(normalised, &format!("declarations[{i}]"))
            .map_err(|e| bad(format!("the server's answer: {e}")))?;
        zones.push(Zone {
            declaration,
            name: item["declaration"]["name"].as_str().map(str::to_string),
        });
    }
    write_export(&zones, &a.write)
}

fn convert(a: &ConvertArgs) -> Result<(), Failure> {
    let file = name_of(&a.file);
    let text = read_text(&a.file)?;
    match a.to {
        Target::Native => {
            let zones = read_zones(&text, &options(&a.party, &a.read, PlanLimits::FIXED)?)
                .map_err(|e| bad(format!("{file}: {e}")))?;
            let declarations: Vec<Value> = zones
                .iter()
                .map(|z| {
                    let mut d = declaration_json(&z.declaration);
                    if let Some(name) = &z.name {
                        d["name"] = json!(name);
                    }
                    d
                })
                .collect();
            write_json(&a.write.out, &json!({ "declarations": declarations }))
        }
        Target::Ed318 => {
            let plan = parse_plan(&text).map_err(|e| bad(format!("{file}: {e}")))?;
            let total = plan.declarations.len();
            let zones: Vec<Zone> = plan
                .declarations
                .into_iter()
                .filter(|d| matches!(d.kind, Kind::Zone | Kind::Site))
                .map(|declaration| Zone {
                    declaration,
                    name: None,
                })
                .collect();
            if zones.len() < total {
                eprintln!(
                    "deconflict zones: left out {} declarations that are neither zones nor sites",
                    total - zones.len()
                );
            }
            write_export(&zones, &a.write)
        }
    }
}

pub fn run(command: &ZonesCommand) -> ExitCode {
    let result = match command {
        ZonesCommand::Import(a) => import(a),
        ZonesCommand::Export(a) => export_line(a),
        ZonesCommand::Convert(a) => convert(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("deconflict zones: {message}");
            ExitCode::from(code)
        }
    }
}
