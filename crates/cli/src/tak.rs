//! `deconflict tak`: the bridge between one party's view of the line and that party's TAK server (Cursor on
//! Target over TLS with a client certificate, as TAK servers take their clients).
//!
//! **Out**, every `--poll-s`: the bridge reads the line through the API with the party's own token — so it can
//! never send what the party could not read — and draws on the TAK server:
//! - the party's declarations whose volumes are in force now or within `--ahead-min` (polygons `u-d-f`,
//!   circles `u-d-c-c`; corridors and sides of lines as the polygons the line checks against), altitudes and
//!   times in the remarks;
//! - of other parties, only what the line shows the party: protected sites, zones and sides of deconfliction
//!   lines it was given, and the conflicting volumes of each open conflict (never the rest of a declaration);
//! - each open live alert as a marker (`b-m-p-s-m`: red for a separation, orange for an incursion) at the
//!   party's own track, or at the other party's track when only that one is in the alert, withdrawn
//!   (`t-x-d-d`) when the alert closes;
//! - each unacknowledged hotline message in the party's inbox as a GeoChat message (`b-t-f`) to all users,
//!   at once and again at each refresh under the same uid until acknowledged: the 50 most urgent (FLASH
//!   first, then the newest), each cut at 1 000 characters, and one message counting the rest (reading the
//!   inbox marks all its messages delivered, so it is read only while the TAK server is connected;
//!   `--dry-run` does not read it).
//!
//! Shapes are re-sent every `--refresh-s` (TAK servers give newcomers no snapshot) and go stale after three
//! refreshes, so a bridge that stops leaves no picture behind for long; what leaves the picture is withdrawn
//! at once. A line silent for `--lost-after-s` is said in chat and its picture no longer refreshed (it expires
//! rather than looking current); a refused token stops the bridge (exit 1), and so does a dead worker thread.
//! A silent line is said again to users who connect during the outage; a refused token is said before the
//! bridge stops. An event from the TAK server that runs past 4 MiB (a comment never closed) ends the
//! connection, which is made again. Event times are wall-clock (TAK clients drop what is stale by their own clock); the line's times
//! (a demo's clock may run faster, or in 2017) are in the remarks.
//!
//! **In**: position reports (PLI) of the party's own units that the TAK server relays — friendly atoms reported
//! by a machine (see [`deconflict_feed::cot`]) — become the party's live tracks (`POST /v1/tracks`, heights
//! `wgs84`), batched every second, the latest per unit, from at most `--max-units` units at once; a report
//! that is stale, older than a minute or has an id the line refuses is refused alone, a callsign the line
//! refuses is left out. Anything else the server relays is ignored; what
//! cannot be read is counted and the first few named on standard error. Memory is bounded: one event of at
//! most 64 KiB in the framer, a bounded hand-off to the poster (reports beyond it are dropped and counted).
//!
//! The connection is kept: a lost one is made again with back-off (1 s doubling to 30 s, back to 1 s after a
//! connection that worked for 30 s), under a fresh uid (a TAK server may still hold the old one); a failure
//! says which of --ca, --server-name, --cert and --key to check. A TAK server that stops reading for 30 s is disconnected.
//! The bridge shows itself as a unit (`a-f-G-U-C-I`, `--callsign`) at the picture's first shape, the event a
//! TAK server takes as the connection's identity. `--dry-run` prints the CoT events of one picture and exits. Exit status: 1 when the line refuses the
//! token, 2 on a bad argument or unreadable certificate; otherwise the bridge runs until stopped.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use deconflict_feed::cot::{self, argb, Framer, Pli, Style, Taken, Times};
use deconflict_plan::parse_declaration;
use deconflict_space::geodesy::corridor_ring;
use deconflict_space::region::Footprint;
use deconflict_space::units::format_time;
use deconflict_strategic::Declaration;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};

use crate::client::{request_with, Connection, Failure};
use crate::feed::now_ms;
use crate::report::encode;

/// Most vertices drawn for one shape: TAK servers read events in 16 KiB buffers, and a vertex is about 30
/// bytes. A longer ring is thinned (every k-th vertex, the closing one kept) and says so in its remarks.
pub const MAX_VERTICES: usize = 400;
/// Pages of one list read per picture (each up to 1 000 items).
const MAX_PAGES: usize = 20;
/// Position reports waiting for the poster; more are dropped (counted).
const PLI_QUEUE: usize = 10_000;
/// Unreadable events named on standard error before the rest are only counted.
const MAX_NAMED: u64 = 5;
/// A write the TAK server has not taken within this long ends the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// A unit not heard from for this long (ms) no longer counts against --max-units.
const UNIT_FORGOTTEN_MS: i64 = 120_000;
/// Longest callsign the line takes (bytes).
const MAX_CALLSIGN_BYTES: usize = 32;
/// Unacknowledged messages sent as chat per picture (the most urgent, then the newest); the rest are counted in
/// one more message.
const MAX_CHATS: usize = 50;
/// Longest message text sent as chat (characters); a longer one is cut, and says so.
const MAX_CHAT_CHARS: usize = 1_000;
/// Marks an error that ends the bridge rather than the connection.
const FATAL: &str = "fatal: ";
/// A connection that lasted this long was working: the next one is tried at once.
const WORKED: Duration = Duration::from_secs(30);

#[derive(Args, Debug, Clone)]
pub struct TakArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The party's TAK server: `tls://HOST:PORT` (TLS; give --ca, --cert, --key) or `tcp://HOST:PORT`; not
    /// needed with --dry-run.
    #[arg(long, value_name = "URL", required_unless_present = "dry_run")]
    pub tak: Option<String>,
    /// The certificate authority (PEM) that signed the TAK server's certificate.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// The bridge's client certificate (PEM, the chain from it up), as the TAK server issued it.
    #[arg(long, value_name = "FILE")]
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM, unencrypted).
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// The name the TAK server's certificate must carry (default: the host of --tak).
    #[arg(long)]
    pub server_name: Option<String>,
    /// Read the line this often (seconds).
    #[arg(long, default_value_t = 5.0, value_parser = positive_seconds)]
    pub poll_s: f64,
    /// Send the whole picture again this often (seconds); shapes go stale after three.
    #[arg(long, default_value_t = 60.0, value_parser = positive_seconds)]
    pub refresh_s: f64,
    /// Draw volumes in force now or starting within this many minutes of the line's time.
    #[arg(long, default_value_t = 60.0)]
    pub ahead_min: f64,
    /// The bridge's callsign on the TAK server.
    #[arg(long, default_value = "DECONFLICT")]
    pub callsign: String,
    /// Most units whose position reports are taken at once (heard from within two minutes); reports of more are
    /// dropped and counted, so one client inventing ids cannot spend the party's track allowance.
    #[arg(long, default_value_t = 1_000)]
    pub max_units: usize,
    /// After this many seconds without an answer from the line, stop refreshing the picture (its shapes expire
    /// on the TAK clients) and tell the TAK users in chat (default: three polls and 30 s).
    #[arg(long, value_parser = positive_seconds)]
    pub lost_after_s: Option<f64>,
    /// Do not take position reports from TAK as the party's live tracks.
    #[arg(long)]
    pub no_tracks: bool,
    /// Send the units' own times with their reports (default: the line stamps them on arrival).
    #[arg(long)]
    pub feed_times: bool,
    /// Print the CoT events of one picture and exit; nothing is sent.
    #[arg(long)]
    pub dry_run: bool,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.1..=86_400.0).contains(&v) => Ok(v),
        _ => Err(format!("{s:?}: expected seconds between 0.1 and 86400")),
    }
}

/// One thing drawn on the TAK server, without its times.
#[derive(Debug, Clone, PartialEq)]
enum Drawing {
    Polygon {
        name: String,
        ring: Vec<(f64, f64)>,
        style: Style,
        text: String,
    },
    Circle {
        name: String,
        center: (f64, f64),
        radius_m: f64,
        style: Style,
        text: String,
    },
    Marker {
        name: String,
        at: (f64, f64),
        colour: i32,
        text: String,
    },
}

impl Drawing {
    fn render(&self, uid: &str, t: Times) -> String {
        match self {
            Drawing::Polygon {
                name,
                ring,
                style,
                text,
            } => cot::polygon(uid, name, ring, *style, text, t),
            Drawing::Circle {
                name,
                center,
                radius_m,
                style,
                text,
            } => cot::circle(uid, name, *center, *radius_m, *style, text, t),
            Drawing::Marker {
                name,
                at,
                colour,
                text,
            } => cot::marker(uid, name, *at, *colour, text, t),
        }
    }
}

/// What the party's TAK server should show: drawings by uid, and the chat messages to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picture {
    party: String,
    drawings: BTreeMap<String, Drawing>,
    /// (message id, text), the most urgent first.
    chats: Vec<(String, String)>,
}

const BLUE: Style = Style {
    stroke: argb(0xff, 0, 0, 0xff),
    fill: argb(0x40, 0, 0, 0xff),
};
const RED: Style = Style {
    stroke: argb(0xff, 0xff, 0, 0),
    fill: argb(0x40, 0xff, 0, 0),
};
const GREEN: Style = Style {
    stroke: argb(0xff, 0, 0xff, 0),
    fill: argb(0x40, 0, 0xff, 0),
};
const ORANGE: Style = Style {
    stroke: argb(0xff, 0xff, 0xa5, 0),
    fill: argb(0x40, 0xff, 0xa5, 0),
};
const GREY: Style = Style {
    stroke: argb(0xff, 0x80, 0x80, 0x80),
    fill: argb(0x20, 0x80, 0x80, 0x80),
};

fn style_of(kind: &str, own: bool) -> Style {
    match (kind, own) {
        ("site", _) => GREEN,
        ("zone", _) => ORANGE,
        ("line", true) => BLUE,
        ("line", false) => GREY,
        _ => BLUE,
    }
}

fn altitudes(lower_m: f64, upper_m: f64, datum: &str) -> String {
    let ft = |m: f64| (m / 0.3048).round();
    format!(
        "{lower_m:.0}–{upper_m:.0} m {datum} ({}–{} ft)",
        ft(lower_m),
        ft(upper_m)
    )
}

/// The drawings of one declaration's volumes (those in force in `window`), `name` and `text` prefixed.
fn draw_volumes(
    d: &Declaration,
    uid_base: &str,
    name: &str,
    text: &str,
    style: Style,
    window: (i64, i64),
    out: &mut BTreeMap<String, Drawing>,
) {
    for (i, v) in d.volumes.iter().enumerate() {
        if v.time.end_ms <= window.0 || v.time.start_ms > window.1 {
            continue;
        }
        let datum = match v.altitude.datum {
            deconflict_space::volume::Datum::Msl => "MSL",
            deconflict_space::volume::Datum::Wgs84 => "WGS84",
        };
        let mut text = format!(
            "{text}\nvolume {}: {}\n{} – {}",
            i + 1,
            altitudes(v.altitude.lower_m, v.altitude.upper_m, datum),
            format_time(v.time.start_ms),
            format_time(v.time.end_ms)
        );
        let uid = format!("{uid_base}.{}", i + 1);
        let drawing = match v.footprint.footprint() {
            Footprint::Circle { center, radius_m } => Drawing::Circle {
                name: name.to_string(),
                center: (center.lat, center.lon),
                radius_m: *radius_m,
                style,
                text,
            },
            Footprint::Polygon(points) => polygon(name, points, style, &mut text),
            Footprint::Corridor { path, half_width_m } => {
                polygon(name, &corridor_ring(path, *half_width_m), style, &mut text)
            }
        };
        out.insert(uid, drawing);
    }
}

fn polygon(
    name: &str,
    points: &[deconflict_space::geodesy::LonLat],
    style: Style,
    text: &mut String,
) -> Drawing {
    let mut ring: Vec<(f64, f64)> = points.iter().map(|p| (p.lat, p.lon)).collect();
    if ring.first() != ring.last() {
        if let Some(&first) = ring.first() {
            ring.push(first);
        }
    }
    if ring.len() > MAX_VERTICES {
        let step = ring.len().div_ceil(MAX_VERTICES - 1);
        let last = ring[ring.len() - 1];
        let mut thin: Vec<(f64, f64)> = ring.iter().step_by(step).copied().collect();
        thin.push(last);
        text.push_str(&format!(
            "\n(drawn with {} of its {} vertices; the line holds the exact shape)",
            thin.len(),
            ring.len()
        ));
        ring = thin;
    }
    Drawing::Polygon {
        name: name.to_string(),
        ring,
        style,
        text: std::mem::take(text),
    }
}

/// Reads every page of a list (at most [`MAX_PAGES`]).
fn pages(
    agent: &ureq::Agent,
    c: &Connection,
    path: &str,
    key: &str,
) -> Result<Vec<Value>, Failure> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &after {
            Some(a) => format!("{path}{sep}limit=1000&after={}", encode(a)),
            None => format!("{path}{sep}limit=1000"),
        };
        let page = request_with(agent, c, "GET", &url, None, None)?;
        if let Some(list) = page[key].as_array() {
            items.extend(list.iter().cloned());
        }
        match page["next"].as_str() {
            Some(n) if !n.is_empty() => after = Some(n.to_string()),
            _ => break,
        }
    }
    Ok(items)
}

/// How long the line may stay silent before the TAK users are told the picture is not current (ms):
/// `--lost-after-s`, by default three polls and 30 s.
fn lost_after_ms(args: &TakArgs) -> i64 {
    match args.lost_after_s {
        Some(s) => (s * 1000.0) as i64,
        None => (3.0 * args.poll_s * 1000.0) as i64 + 30_000,
    }
}

/// Reads the party's picture from the line.
pub fn read_picture(
    agent: &ureq::Agent,
    c: &Connection,
    ahead_min: f64,
    inbox: bool,
) -> Result<Picture, Failure> {
    let who = request_with(agent, c, "GET", "/v1/credentials?limit=1", None, None)?;
    let party = who["party"]
        .as_str()
        .ok_or_else(|| Failure(2, "the line did not say whose token this is".into()))?
        .to_string();
    let now = who["now"]
        .as_str()
        .and_then(|t| deconflict_space::units::parse_time(t).ok())
        .ok_or_else(|| Failure(2, "the line did not give its time".into()))?;
    let ahead = (ahead_min.clamp(0.0, 7.0 * 1440.0) * 60_000.0) as i64;
    let window = (now, now + ahead);
    let mut p = Picture {
        party: party.clone(),
        ..Picture::default()
    };
    let base = format!("deconflict.{party}");

    let path = format!(
        "/v1/declarations?from={}&to={}",
        encode(&format_time(window.0)),
        encode(&format_time(window.1))
    );
    for view in pages(agent, c, &path, "declarations")? {
        let owner = view["party"].as_str().unwrap_or_default();
        let kind = view["declaration"]["kind"].as_str().unwrap_or_default();
        let own = owner == party;
        // Of other parties' declarations, only the map's furniture: their operations reach this party only
        // through its conflicts, as their conflicting volumes.
        if !own && !matches!(kind, "site" | "zone" | "line") {
            continue;
        }
        let Some(decl) = parse_view(&view) else {
            continue;
        };
        let id = &decl.id;
        let label = view["declaration"]["name"]
            .as_str()
            .map_or_else(|| id.clone(), str::to_string);
        let text = format!(
            "{owner} {kind} {id} v{} ({})",
            decl.version,
            view["status"].as_str().unwrap_or("")
        );
        draw_volumes(
            &decl,
            &format!("{base}.decl.{owner}.{id}"),
            &label,
            &text,
            style_of(kind, own),
            window,
            &mut p.drawings,
        );
    }

    for c_view in pages(agent, c, "/v1/conflicts", "conflicts")? {
        if c_view["status"] == "resolved" {
            continue;
        }
        let cid = c_view["id"].as_str().unwrap_or_default();
        let other = &c_view["other"];
        let other_party = other["party"].as_str().unwrap_or_default();
        let other_id = other["id"].as_str().unwrap_or_default();
        let as_decl = json!({
            "id": other_id,
            "party": other_party,
            "kind": "air_operation",
            "version": other["version"],
            "volumes": other["volumes"],
        });
        let Ok(decl) = parse_declaration(&as_decl, "conflict") else {
            continue;
        };
        let text = format!(
            "CONFLICT {cid} ({}): {other_party} {other_id} v{} against your {} — {:.0} m apart, {:.0} m vertically, {} – {}",
            c_view["status"].as_str().unwrap_or(""),
            decl.version,
            c_view["declaration"]["id"].as_str().unwrap_or(""),
            c_view["distance_m"].as_f64().unwrap_or(f64::NAN),
            c_view["vertical_gap_m"].as_f64().unwrap_or(f64::NAN),
            c_view["start"].as_str().unwrap_or(""),
            c_view["end"].as_str().unwrap_or(""),
        );
        draw_volumes(
            &decl,
            &format!("{base}.conflict.{cid}"),
            &format!("CONFLICT {other_party} {other_id}"),
            &text,
            RED,
            window,
            &mut p.drawings,
        );
    }

    for a in pages(agent, c, "/v1/alerts", "alerts")? {
        if a["status"] != "open" {
            continue;
        }
        let aid = a["id"].as_str().unwrap_or_default();
        let tracks = a["tracks"].as_array().cloned().unwrap_or_default();
        let mine = tracks
            .iter()
            .find(|t| t["party"] == json!(party))
            .or(tracks.first());
        let Some(at) = mine.and_then(|t| Some((t["lat"].as_f64()?, t["lon"].as_f64()?))) else {
            continue;
        };
        let others: Vec<String> = tracks
            .iter()
            .filter(|t| t["party"] != json!(party))
            .map(|t| {
                format!(
                    "{} {}",
                    t["party"].as_str().unwrap_or(""),
                    t["callsign"].as_str().or(t["id"].as_str()).unwrap_or("")
                )
            })
            .collect();
        let kind = a["kind"].as_str().unwrap_or("alert");
        let own_call = mine
            .and_then(|t| t["callsign"].as_str().or(t["id"].as_str()))
            .unwrap_or("");
        let what = if kind == "incursion" {
            let area = &a["declaration"];
            format!(
                "{own_call} toward {} {}",
                area["party"].as_str().unwrap_or(""),
                area["name"]
                    .as_str()
                    .or(area["id"].as_str())
                    .unwrap_or("a protected area")
            )
        } else {
            format!("{own_call} and {}", others.join(", "))
        };
        let text = format!(
            "ALERT {aid} {kind}: {what}{} (raised {})",
            alert_figures(&a),
            a["raised"].as_str().unwrap_or("")
        );
        let colour = if kind == "incursion" {
            ORANGE.stroke
        } else {
            RED.stroke
        };
        p.drawings.insert(
            format!("{base}.alert.{aid}"),
            Drawing::Marker {
                name: format!("ALERT {kind} {own_call}"),
                at,
                colour,
                text,
            },
        );
    }

    let mut chats = Vec::new();
    // Reading the inbox marks its messages delivered: only when they are sent on.
    let messages = if inbox {
        pages(agent, c, "/v1/messages?box=inbox", "messages")?
            .into_iter()
            .filter(|m| m["receipts"][party.as_str()]["acknowledged"].is_null())
            .collect()
    } else {
        Vec::new()
    };
    for m in messages {
        let id = m["id"].as_str().unwrap_or_default().to_string();
        let body = m["text"].as_str().unwrap_or("");
        let body = match body.char_indices().nth(MAX_CHAT_CHARS) {
            Some((cut, _)) => format!("{}… (the whole text on the line)", &body[..cut]),
            None => body.to_string(),
        };
        let text = format!(
            "{} from {} ({id}): {body} — acknowledge by {}",
            m["precedence"].as_str().unwrap_or(""),
            m["from"].as_str().unwrap_or(""),
            m["deadline"].as_str().unwrap_or("")
        );
        let rank = match m["precedence"].as_str() {
            Some("FLASH") => 0,
            Some("IMMEDIATE") => 1,
            Some("PRIORITY") => 2,
            _ => 3,
        };
        let sent = m["sent"].as_str().unwrap_or("").to_string();
        chats.push((rank, sent, id, text));
    }
    // FLASH first; within a precedence, the newest first (the inbox lists by id). Reading the inbox marked
    // them all delivered: those beyond MAX_CHATS are counted in one message rather than left unsaid.
    chats.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
    let more = chats.len().saturating_sub(MAX_CHATS);
    p.chats = chats
        .into_iter()
        .take(MAX_CHATS)
        .map(|(_, _, id, text)| (id, text))
        .collect();
    if more > 0 {
        p.chats.push((
            format!("more-{more}"),
            format!("deconflict: {more} more unacknowledged messages in the inbox, less urgent or older than these; read them on the line"),
        ));
    }
    Ok(p)
}

/// What an alert says in figures, by kind; a figure the line did not give is left out (never `NaN`).
fn alert_figures(a: &Value) -> String {
    let num = |k: &str| a[k].as_f64().filter(|v| v.is_finite());
    match a["kind"].as_str() {
        Some("incursion") => {
            let mut s = String::new();
            if let Some(d) = num("distance_m") {
                s.push_str(&format!("; {d:.0} m away"));
            }
            if let (Some(from), Some(to)) = (a["start"].as_str(), a["end"].as_str()) {
                s.push_str(&format!("; predicted within {from} – {to}"));
            }
            s
        }
        Some("storm") => format!(
            "; {} pairs in conflict, {} undecided",
            num("pairs").unwrap_or(0.0),
            num("undecided").unwrap_or(0.0)
        ),
        _ => {
            let mut s = String::new();
            if a["los"] == true {
                s.push_str("; separation lost");
            }
            if let (Some(d), Some(t)) = (num("d_cpa_m"), num("t_cpa_s")) {
                s.push_str(&format!("; closest {d:.0} m in {t:.0} s"));
            }
            s
        }
    }
}

/// A declaration view as the line's own types; `None` if it cannot be read (a view without content).
fn parse_view(view: &Value) -> Option<Declaration> {
    let mut d = view["declaration"].clone();
    if let Some(o) = d.as_object_mut() {
        o.insert("party".into(), view["party"].clone());
        o.insert("version".into(), view["version"].clone());
    }
    parse_declaration(&d, "declaration").ok()
}

/// Where the bridge sends.
enum Target {
    Tls {
        addr: String,
        name: rustls_pki_types::ServerName<'static>,
        config: Arc<tokio_rustls::rustls::ClientConfig>,
    },
    Tcp {
        addr: String,
    },
}

fn target(args: &TakArgs) -> Result<Target, Failure> {
    let url = args.tak.as_deref().unwrap_or_default();
    let bad = || {
        Failure(
            2,
            format!("--tak {url:?}: expected tls://HOST:PORT or tcp://HOST:PORT"),
        )
    };
    let (scheme, addr) = url.split_once("://").ok_or_else(bad)?;
    let host = addr
        .rsplit_once(':')
        .map(|(h, _)| h.trim_start_matches('[').trim_end_matches(']'))
        .ok_or_else(bad)?;
    match scheme {
        "tcp" => Ok(Target::Tcp {
            addr: addr.to_string(),
        }),
        "tls" => {
            use rustls_pki_types::pem::PemObject;
            use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
            use tokio_rustls::rustls;
            let (Some(ca), Some(cert), Some(key)) = (&args.ca, &args.cert, &args.key) else {
                let missing: Vec<&str> = [
                    (&args.ca, "--ca"),
                    (&args.cert, "--cert"),
                    (&args.key, "--key"),
                ]
                .iter()
                .filter(|(p, _)| p.is_none())
                .map(|(_, f)| *f)
                .collect();
                return Err(Failure(
                    2,
                    format!("--tak tls://…: give {} (the TAK server's authority, the bridge's client certificate and its key)", missing.join(", ")),
                ));
            };
            let (ca, cert, key) = (ca.clone(), cert.clone(), key.clone());
            let certs = |p: &PathBuf| -> Result<Vec<CertificateDer<'static>>, Failure> {
                let list: Result<Vec<_>, _> = CertificateDer::pem_file_iter(p)
                    .map_err(|e| Failure(2, format!("{}: {e}", p.display())))?
                    .collect();
                let list = list.map_err(|e| Failure(2, format!("{}: {e}", p.display())))?;
                if list.is_empty() {
                    return Err(Failure(
                        2,
                        format!("{}: no PEM certificate in it", p.display()),
                    ));
                }
                Ok(list)
            };
            let mut roots = rustls::RootCertStore::empty();
            for c in certs(&ca)? {
                roots
                    .add(c)
                    .map_err(|e| Failure(2, format!("{}: {e}", ca.display())))?;
            }
            let chain = certs(&cert)?;
            let key = PrivateKeyDer::from_pem_file(&key)
                .map_err(|e| Failure(2, format!("{}: {e}", key.display())))?;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| Failure(2, format!("TLS: {e}")))?
                .with_root_certificates(roots)
                .with_client_auth_cert(chain, key)
                .map_err(|e| Failure(2, format!("{}: {e}", cert.display())))?;
            let name_text = args.server_name.clone().unwrap_or_else(|| host.to_string());
            let name = ServerName::try_from(name_text.clone())
                .map_err(|e| Failure(2, format!("server name {name_text:?}: {e}")))?;
            Ok(Target::Tls {
                addr: addr.to_string(),
                name,
                config: Arc::new(config),
            })
        }
        _ => Err(bad()),
    }
}

/// What to check when TLS fails, by what the failure says.
fn tls_hint(why: &str) -> &'static str {
    if why.contains("UnknownIssuer")
        || why.contains("NotValidForName")
        || why.contains("BadSignature")
    {
        " — the TAK server's certificate does not verify: check --ca (the authority that signed it) and \
         --server-name (a name or address the certificate carries)"
    } else if why.contains("UnknownCA")
        || why.contains("BadCertificate")
        || why.contains("CertificateRequired")
    {
        " — the TAK server refused the bridge's certificate: check --cert and --key (a client certificate its \
         authority signed)"
    } else {
        ""
    }
}

/// Anything the bridge reads and writes the TAK server through.
trait Stream: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Stream for T {}

async fn connect(t: &Target) -> Result<Box<dyn Stream>, String> {
    let within = Duration::from_secs(10);
    let addr = match t {
        Target::Tls { addr, .. } | Target::Tcp { addr } => addr,
    };
    let tcp = tokio::time::timeout(within, tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| format!("{addr}: no connection within 10 s"))?
        .map_err(|e| format!("{addr}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    match t {
        Target::Tcp { .. } => Ok(Box::new(tcp)),
        Target::Tls { name, config, .. } => {
            let tls = tokio::time::timeout(
                within,
                tokio_rustls::TlsConnector::from(config.clone()).connect(name.clone(), tcp),
            )
            .await
            .map_err(|_| format!("{addr}: no TLS handshake within 10 s"))?
            .map_err(|e| format!("{addr}: TLS: {e}"))?;
            Ok(Box::new(tls))
        }
    }
}

/// What the threads of a bridge tell each other.
#[derive(Default)]
struct Health {
    /// When the line last answered a whole picture (ms, wall clock).
    line_ok_ms: std::sync::atomic::AtomicI64,
    /// Whether a TAK connection is up and registered (the inbox is read only then: reading it marks messages
    /// delivered).
    connected: std::sync::atomic::AtomicBool,
    /// The line refused the token: the session tells the TAK users, and the bridge stops.
    refused: std::sync::atomic::AtomicBool,
}

/// What the bridge has shown, across connections.
struct Shown {
    drawings: BTreeMap<String, Drawing>,
    /// The messages in the last picture sent.
    chats: HashSet<String>,
    /// Since when the line has not answered, once the TAK users were told (ms).
    told_lost: Option<i64>,
    /// What came from the TAK server, counted across connections.
    counts: Counts,
}

/// Counters printed now and then.
#[derive(Default)]
struct Counts {
    unreadable: u64,
    refused: u64,
    dropped: u64,
    plis: u64,
}

fn times(refresh_s: f64) -> Times {
    let now = now_ms();
    Times {
        now_ms: now,
        stale_ms: now + ((3.0 * refresh_s).max(120.0) * 1000.0) as i64,
    }
}

/// Writes whole events, each in one write (a TAK server drops a connection that splits an event across reads
/// far apart); a server that does not take them all within [`WRITE_TIMEOUT`] ends the connection.
async fn write_events(
    wr: &mut tokio::io::WriteHalf<Box<dyn Stream>>,
    events: Vec<String>,
) -> Result<(), String> {
    let bytes: usize = events.iter().map(String::len).sum();
    // At least WRITE_TIMEOUT, and time for a slow link at 2 KB/s.
    let within = WRITE_TIMEOUT.max(Duration::from_millis((bytes / 2) as u64));
    let pass = async {
        for e in events {
            wr.write_all(e.as_bytes())
                .await
                .map_err(|e| format!("write: {e}"))?;
        }
        wr.flush().await.map_err(|e| format!("write: {e}"))
    };
    // The whole pass, not each event: a server that reads slowly cannot hold the bridge (and the position
    // reports it reads between passes) for longer.
    tokio::time::timeout(within, pass).await.map_err(|_| {
        format!(
            "the TAK server did not take {bytes} bytes within {} s",
            within.as_secs()
        )
    })?
}

/// One connection: presence first (a TAK server takes a connection's first event as its identity), then the
/// picture, then changes as they come; position reports read all along.
async fn session(
    stream: Box<dyn Stream>,
    args: &TakArgs,
    uid: &str,
    pictures: &mut watch::Receiver<Option<Arc<Picture>>>,
    plis: &mpsc::Sender<Pli>,
    shown: &mut Shown,
    health: &Health,
) -> Result<(), String> {
    use std::sync::atomic::Ordering;
    let (mut rd, mut wr) = tokio::io::split(stream);
    // The bridge shows itself at the picture's first shape (a TAK client centres on a unit it selects).
    let centre = |drawings: &BTreeMap<String, Drawing>| {
        drawings.values().next().map_or((0.0, 0.0), |d| match d {
            Drawing::Polygon { ring, .. } => ring.first().copied().unwrap_or((0.0, 0.0)),
            Drawing::Circle { center, .. } => *center,
            Drawing::Marker { at, .. } => *at,
        })
    };
    let first = pictures
        .borrow()
        .as_ref()
        .map_or((0.0, 0.0), |p| centre(&p.drawings));
    write_events(
        &mut wr,
        vec![cot::presence(
            uid,
            &args.callsign,
            first,
            times(args.refresh_s),
        )],
    )
    .await?;
    let mut framer = Framer::default();
    let mut buf = vec![0u8; 16 * 1024];
    // The server registers a connection from its first event; what is sent at once may be lost.
    let settle = tokio::time::sleep(Duration::from_secs(3));
    tokio::pin!(settle);
    let mut settled = false;
    let mut refresh = tokio::time::interval(Duration::from_secs_f64(args.refresh_s));
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    refresh.tick().await;
    let mut full = true;
    // Whether this connection's users were told the line is silent (a reconnect during an outage tells them).
    let mut told_here = false;
    loop {
        tokio::select! {
            () = &mut settle, if !settled => {
                settled = true;
                health.connected.store(true, Ordering::Relaxed);
            }
            _ = refresh.tick(), if settled => {
                full = true;
                if plis.is_closed() {
                    return Err(format!("{FATAL}the position-report poster stopped"));
                }
            }
            changed = pictures.changed(), if settled => {
                changed.map_err(|_| format!("{FATAL}the line reader stopped"))?;
            }
            n = rd.read(&mut buf) => {
                let n = n.map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err("the TAK server closed the connection".into());
                }
                for event in framer.push(&buf[..n]) {
                    take(&event, uid, args.no_tracks, plis, &mut shown.counts, now_ms());
                }
                shown.counts.unreadable += std::mem::take(&mut framer.oversized);
                if framer.wedged() {
                    return Err("one event from the TAK server ran past 4 MiB; connecting again".into());
                }
                continue;
            }
        }
        if !settled {
            continue;
        }
        let picture = pictures.borrow_and_update().clone();
        let Some(picture) = picture else { continue };
        let t = times(args.refresh_s);
        let mut out = Vec::new();
        let sender = format!("deconflict.{}.bridge", picture.party);
        let chat_t = Times {
            now_ms: t.now_ms,
            stale_ms: t.now_ms + 86_400_000,
        };
        // A picture the line has not confirmed for a while is not refreshed: its shapes go stale on the TAK
        // clients, and their users are told why, once per outage.
        let line_ok = health.line_ok_ms.load(Ordering::Relaxed);
        if health.refused.load(Ordering::Relaxed) {
            let text = "deconflict: the line refuses this bridge's token; the bridge stops and this picture \
                        expires";
            out.push(cot::chat(
                &sender,
                &args.callsign,
                &format!("refused-{}", t.now_ms),
                text,
                chat_t,
            ));
            write_events(&mut wr, out).await?;
            return Err(format!("{FATAL}the line refuses the token"));
        }
        if t.now_ms - line_ok > lost_after_ms(args) {
            if full && !told_here {
                told_here = true;
                let text = format!(
                    "deconflict: no answer from the line since {}; this picture is no longer current and its \
                     shapes expire",
                    format_time(line_ok)
                );
                out.push(cot::chat(
                    &sender,
                    &args.callsign,
                    &format!("line-lost-{line_ok}"),
                    &text,
                    chat_t,
                ));
                shown.told_lost.get_or_insert(line_ok);
            }
            write_events(&mut wr, out).await?;
            full = false;
            continue;
        }
        if let Some(since) = shown.told_lost.take() {
            let text = format!(
                "deconflict: the line answers again (silent since {}); the picture is current",
                format_time(since)
            );
            out.push(cot::chat(
                &sender,
                &args.callsign,
                &format!("line-back-{since}"),
                &text,
                chat_t,
            ));
            full = true;
        }
        if full {
            out.push(cot::presence(
                uid,
                &args.callsign,
                centre(&picture.drawings),
                t,
            ));
        }
        for (id, d) in &picture.drawings {
            if full || shown.drawings.get(id) != Some(d) {
                out.push(d.render(id, t));
            }
        }
        for id in shown.drawings.keys() {
            if !picture.drawings.contains_key(id) {
                out.push(cot::delete(&format!("{id}.withdrawn.{}", t.now_ms), id, t));
            }
        }
        // Unacknowledged messages again at each refresh, under the same uid (a TAK client keeps one copy of
        // each; one that connected since sees them), new ones at once.
        for (id, text) in &picture.chats {
            if full || !shown.chats.contains(id) {
                out.push(cot::chat(&sender, &args.callsign, id, text, chat_t));
            }
        }
        let changes = out.len();
        write_events(&mut wr, out).await?;
        if changes > 0 && !full {
            eprintln!("deconflict tak: {changes} events sent");
        }
        full = false;
        // Recorded only once written: what a broken connection did not take is sent on the next.
        shown.drawings = picture.drawings.clone();
        shown.chats = picture.chats.iter().map(|(id, _)| id.clone()).collect();
    }
}

/// One event read from the TAK server: a position report is handed to the poster; the rest ignored.
fn take(
    event: &[u8],
    own_uid: &str,
    no_tracks: bool,
    plis: &mpsc::Sender<Pli>,
    counts: &mut Counts,
    now_ms: i64,
) {
    let ev = match cot::parse_event(event) {
        Ok(ev) => ev,
        Err(e) => {
            counts.unreadable += 1;
            if counts.unreadable <= MAX_NAMED {
                eprintln!("deconflict tak: an event from the TAK server cannot be read: {e}");
            }
            return;
        }
    };
    if no_tracks || ev.uid == own_uid || ev.uid.starts_with("deconflict.") {
        return;
    }
    // The line reads a track's id in sentences: refused here, one unit, rather than there, a whole batch.
    let named = match deconflict_plan::name_problem(&ev.uid) {
        Some(why) => Err(cot::CotError {
            field: "event@uid",
            detail: why,
        }),
        None => Pli::from_event(&ev, now_ms),
    };
    match named {
        Ok(Taken::Pli(p)) => {
            counts.plis += 1;
            if plis.try_send(p).is_err() {
                counts.dropped += 1;
            }
        }
        Ok(Taken::Other(_)) => {}
        Err(e) => {
            counts.refused += 1;
            if counts.refused <= MAX_NAMED {
                eprintln!(
                    "deconflict tak: position report {:?} not taken as a track: {e}",
                    ev.uid
                );
            }
        }
    }
}

/// The line's track report for a PLI (its id already checked by [`Pli::from_event`] and [`take`]).
fn track_json(p: &Pli, feed_times: bool) -> Value {
    let mut t = json!({
        "id": p.uid,
        "lat": p.lat,
        "lon": p.lon,
        "alt_m": p.hae_m,
        "alt_ref": "wgs84",
        "gs_mps": p.speed_mps,
        "trk_deg": p.course_deg,
    });
    // A callsign the line would refuse (and with it the whole batch) is left out; the track stays.
    if let Some(c) = p
        .callsign
        .as_ref()
        .filter(|c| c.len() <= MAX_CALLSIGN_BYTES && deconflict_plan::name_problem(c).is_none())
    {
        t["callsign"] = json!(c);
    }
    if feed_times {
        t["time"] = json!(format_time(p.time_ms));
    }
    t
}

/// Posts position reports to the line, batched every second (the latest per unit).
fn poster(
    agent: ureq::Agent,
    c: Connection,
    mut rx: mpsc::Receiver<Pli>,
    feed_times: bool,
    max_units: usize,
) {
    let mut refused = 0u64;
    // The units heard from lately (uid → when, ms): at most `max_units`, so that one client inventing uids
    // cannot spend the party's whole track allowance (shared with its other feeds).
    let mut units: BTreeMap<String, i64> = BTreeMap::new();
    let mut turned_away = 0u64;
    while let Some(first) = rx.blocking_recv() {
        std::thread::sleep(Duration::from_secs(1));
        let now = now_ms();
        units.retain(|_, heard| now - *heard < UNIT_FORGOTTEN_MS);
        let mut latest: BTreeMap<String, Pli> = BTreeMap::new();
        for p in std::iter::once(first).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
            if !units.contains_key(&p.uid) && units.len() >= max_units {
                turned_away += 1;
                if turned_away <= MAX_NAMED || turned_away.is_power_of_two() {
                    eprintln!(
                        "deconflict tak: position report of {:?} dropped: already {max_units} units heard from in \
                         the last {} s (--max-units; {turned_away} dropped so far)",
                        p.uid,
                        UNIT_FORGOTTEN_MS / 1000
                    );
                }
                continue;
            }
            units.insert(p.uid.clone(), now);
            latest.insert(p.uid.clone(), p);
        }
        let tracks: Vec<Value> = latest.values().map(|p| track_json(p, feed_times)).collect();
        if tracks.is_empty() {
            continue;
        }
        let body = json!({ "tracks": tracks });
        if let Err(Failure(_, why)) =
            request_with(&agent, &c, "POST", "/v1/tracks", Some(&body), None)
        {
            refused += 1;
            if refused <= MAX_NAMED {
                eprintln!(
                    "deconflict tak: the line did not take {} position reports: {why}",
                    tracks.len()
                );
            }
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
}

/// Checks the TAK server's URL and reads the certificates, as the bridge would before it starts.
pub fn check(args: &TakArgs) -> Result<(), String> {
    target(args).map(|_| ()).map_err(|Failure(_, why)| why)
}

/// Runs the bridge until stopped (or, with `--dry-run`, prints one picture).
pub fn run(args: &TakArgs) -> ExitCode {
    match bridge(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, why)) => {
            eprintln!("deconflict tak: {why}");
            ExitCode::from(code)
        }
    }
}

fn bridge(args: &TakArgs) -> Result<(), Failure> {
    if args.lost_after_s.is_some_and(|l| l < 2.0 * args.poll_s) {
        return Err(Failure(
            2,
            "--lost-after-s must be at least twice --poll-s (a line is silent only after missing a poll)".into(),
        ));
    }
    let agent = agent();
    if args.dry_run {
        eprintln!(
            "deconflict tak: dry run: the hotline inbox is not read (reading it marks messages delivered)"
        );
        let p = read_picture(&agent, &args.connection, args.ahead_min, false)?;
        let t = times(args.refresh_s);
        let uid = format!("deconflict.{}.bridge", p.party);
        for (id, d) in &p.drawings {
            println!("{}", d.render(id, t));
        }
        for (id, text) in &p.chats {
            println!("{}", cot::chat(&uid, &args.callsign, id, text, t));
        }
        return Ok(());
    }
    let target = target(args)?;
    // The token is checked (and the party learnt) before anything is sent.
    // No inbox yet: reading it marks messages delivered, and no TAK server is connected.
    let first = read_picture(&agent, &args.connection, args.ahead_min, false).map_err(
        |Failure(code, why)| {
            let hint = if code == 2 {
                format!(
                    " (is the line running at --server {}?)",
                    args.connection.server
                )
            } else {
                String::new()
            };
            Failure(code, format!("{why}{hint}"))
        },
    )?;
    let party = first.party.clone();
    eprintln!(
        "deconflict tak: {party}'s picture ({} shapes and markers, {} messages) to {}",
        first.drawings.len(),
        first.chats.len(),
        args.tak.as_deref().unwrap_or("")
    );
    let health = Arc::new(Health::default());
    health
        .line_ok_ms
        .store(now_ms(), std::sync::atomic::Ordering::Relaxed);
    let (pic_tx, mut pic_rx) = watch::channel(Some(Arc::new(first)));
    let (pli_tx, pli_rx) = mpsc::channel::<Pli>(PLI_QUEUE);
    {
        let (agent, c, ft, max) = (
            agent.clone(),
            args.connection.clone(),
            args.feed_times,
            args.max_units,
        );
        std::thread::spawn(move || poster(agent, c, pli_rx, ft, max));
    }
    {
        let (agent, c, poll, ahead, health) = (
            agent.clone(),
            args.connection.clone(),
            args.poll_s,
            args.ahead_min,
            Arc::clone(&health),
        );
        std::thread::spawn(move || {
            use std::sync::atomic::Ordering;
            let mut failures = 0u64;
            loop {
                std::thread::sleep(Duration::from_secs_f64(poll));
                let inbox = health.connected.load(Ordering::Relaxed);
                match read_picture(&agent, &c, ahead, inbox) {
                    Ok(p) => {
                        failures = 0;
                        health.line_ok_ms.store(now_ms(), Ordering::Relaxed);
                        pic_tx.send_if_modified(|old| {
                            let changed = old.as_deref() != Some(&p);
                            if changed {
                                *old = Some(Arc::new(p));
                            }
                            changed
                        });
                    }
                    Err(Failure(_, why)) if why.starts_with("401") || why.starts_with("403") => {
                        // A revoked or refused token: nothing this bridge shows can be trusted any more.
                        // The session tells the TAK users (woken by a change), then the bridge stops.
                        eprintln!("deconflict tak: the line refuses the token: {why}; stopping");
                        health.refused.store(true, Ordering::Relaxed);
                        pic_tx.send_modify(|_| {});
                        std::thread::sleep(Duration::from_secs(10));
                        std::process::exit(1);
                    }
                    Err(Failure(_, why)) => {
                        failures += 1;
                        // Every failure while few, then every minute or so: a heartbeat of the trouble.
                        if failures <= 3
                            || failures.is_multiple_of((60.0 / poll).ceil().max(1.0) as u64)
                        {
                            eprintln!("deconflict tak: reading the line failed ({failures} in a row): {why}");
                        }
                    }
                }
            }
        });
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure(2, format!("runtime: {e}")))?;
    runtime.block_on(async move {
        let mut shown = Shown {
            drawings: BTreeMap::new(),
            chats: HashSet::new(),
            told_lost: None,
            counts: Counts::default(),
        };
        let mut backoff = Duration::from_secs(1);
        let mut connection = 0u64;
        loop {
            connection += 1;
            // A fresh uid per connection: a TAK server may still hold the last one.
            let uid = format!("deconflict.{party}.bridge.{}.{connection}", now_ms());
            match connect(&target).await {
                Ok(stream) => {
                    eprintln!("deconflict tak: connected to {} as {uid}", args.tak.as_deref().unwrap_or(""));
                    let since = std::time::Instant::now();
                    // Everything is sent again on a new connection.
                    let why = session(stream, args, &uid, &mut pic_rx, &pli_tx, &mut shown, &health)
                        .await
                        .err()
                        .unwrap_or_default();
                    health.connected.store(false, std::sync::atomic::Ordering::Relaxed);
                    if let Some(fatal) = why.strip_prefix(FATAL) {
                        return Err(Failure(2, fatal.to_string()));
                    }
                    if since.elapsed() >= WORKED {
                        backoff = Duration::from_secs(1);
                    }
                    eprintln!(
                        "deconflict tak: connection lost: {}{} (position reports taken {}, refused {}, dropped {}; unreadable events {}); again in {} s",
                        why,
                        tls_hint(&why),
                        shown.counts.plis, shown.counts.refused, shown.counts.dropped, shown.counts.unreadable,
                        backoff.as_secs()
                    );
                }
                Err(why) => eprintln!(
                    "deconflict tak: {why}{}; again in {} s",
                    tls_hint(&why),
                    backoff.as_secs()
                ),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(30));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_figures_say_what_each_kind_gives_and_never_nan() {
        let incursion = json!({"kind": "incursion", "distance_m": 5400.0,
            "start": "2017-06-18T05:00:00Z", "end": "2017-06-18T05:02:00Z"});
        assert_eq!(
            alert_figures(&incursion),
            "; 5400 m away; predicted within 2017-06-18T05:00:00Z – 2017-06-18T05:02:00Z"
        );
        // An area the party was not given: no distance.
        assert_eq!(alert_figures(&json!({"kind": "incursion"})), "");
        let separation =
            json!({"kind": "separation", "los": true, "d_cpa_m": 2224.4, "t_cpa_s": 19.7});
        assert_eq!(
            alert_figures(&separation),
            "; separation lost; closest 2224 m in 20 s"
        );
        assert_eq!(
            alert_figures(&json!({"kind": "storm", "pairs": 12, "undecided": 3})),
            "; 12 pairs in conflict, 3 undecided"
        );
        for a in [json!({}), json!({"kind": "separation", "d_cpa_m": null})] {
            assert!(!alert_figures(&a).contains("NaN"));
        }
    }
}
