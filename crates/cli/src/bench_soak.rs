//! `deconflict bench soak --minutes N`: mixed load at fixed rates against one server for N minutes, sampled
//! every minute, to see whether memory and latency stay flat.
//!
//! The server is this binary's own `deconflict serve`, started as a child process on a fresh embedded store
//! in a temporary directory, listening on 127.0.0.1 (its API and its metrics), with its default limits, so
//! that its resident memory is its own. Before it starts, 10 parties are registered and put under one
//! agreement (default minima). Then, all at once and for N minutes:
//!
//! - **Declarations**: 5 per second, round-robin over the parties, each shared with every other party: a
//!   1–3 km circle in a 150 km × 150 km theatre, a 1 000 m band between 0 and 12 km, one hour starting within
//!   the coming 6 hours, so that about half conflict with another party's. Each is cancelled (its owner,
//!   `If-Match: "1"`) 60 s after it was accepted, so the declarations in force stay about 300 and the load
//!   stays the same from the second minute on.
//! - **Hotline**: 5 messages per second, each from one party to another, acknowledged by the recipient 2 s
//!   after it was accepted.
//! - **Live tracks**: 10 000 aircraft reported once a second by 5 parties (2 000 each, in batches of 500 to
//!   `POST /v1/tracks`): the tactical benchmark's traffic over 1 000 km × 1 000 km around 35°N 38°E, moving
//!   on their tracks (turning back at the theatre's edge), each report timed now by the system clock the
//!   server reads too.
//! - **Streams**: 100 WebSocket clients (10 per party) follow `/v1/stream` from the end of the setup and read
//!   everything; a client cut off resumes from its cursor (counted).
//!
//! Every minute: the server's resident memory (`VmRSS` of its process), the p50 and p99 of each kind of
//! request answered in that minute (time from sending to the whole answer, on kept-alive connections; a
//! request behind its schedule is sent at once, so a slow minute shows in its latency and request count),
//! stream lag (from the writer having the answer to a declaration, cancellation, message or acknowledgement
//! to each client receiving its event; an event that arrives before its writer has the answer counts 0),
//! log entries and the store's bytes on disk, alerts open (raised and not yet closed, as the streams saw),
//! conflicts open, and requests refused (each kind's status counts are printed at the end). At the end: one
//! Markdown row per minute and a verdict on whether RSS and the p99s stayed within 10 % of their median
//! from minute 2 on (minute 1 is warm-up).
//!
//! Client and server share this machine's cores: the load generator is 9 threads asleep between their
//! requests (blocking HTTP, one kept-alive connection each) and one two-thread runtime for the streams.
//!
//! Longer than the project's ~800 lines on purpose: one benchmark, whose load generator, stream readers,
//! sampler and report share their settings and are read together; it is not part of the server.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use deconflict_feed::Report;
use deconflict_server::Line;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::bench::{percentile, BenchArgs};

/// Parties on the line; every one declares, sends and receives messages, and follows the stream.
const PARTIES: usize = 10;
/// Stream clients, spread evenly over the parties (10 each, under `streams_per_party`).
const STREAMS: usize = 100;
/// Declarations per second, all parties together.
const DECLARATION_RATE: f64 = 5.0;
/// How long a declaration stays in force before its owner cancels it.
const DECLARATION_LIFE: Duration = Duration::from_secs(60);
/// Side of the square the declarations are drawn in (km).
const DECLARATION_SIDE_KM: f64 = 150.0;
/// Hotline messages per second.
const MESSAGE_RATE: f64 = 5.0;
/// How long after a message is accepted its recipient acknowledges it.
const ACK_DELAY: Duration = Duration::from_secs(2);
/// Live tracks, all reporting parties together, each reported once a second.
const TRACKS: usize = 10_000;
/// Parties reporting tracks (the first ones).
const TRACK_PARTIES: usize = 5;
/// Reports per `POST /v1/tracks`.
const TRACK_BATCH: usize = 500;
/// Side of the tracks' theatre (km): 10 000 tracks at the tactical benchmark's density.
const TRACK_SIDE_KM: f64 = 1_000.0;
/// The tracks' theatre's centre (as `bench_tactical::traffic` draws it).
const TRACK_CENTRE: (f64, f64) = (35.0, 38.0);
/// The log's name.
const ORIGIN: &str = "bench.deconflict.example/soak";
/// A minute of the soak.
const MINUTE: Duration = Duration::from_secs(60);
/// How far from its median (from minute 2 on) a figure may stray and still be called flat.
const FLAT: f64 = 0.10;
/// A p99 latency within this of its median (ms) is flat whatever the percentage: the scheduler's jitter on a
/// shared two-core machine moves a p99 of a few milliseconds by more than 10 %, and that is not drift.
const FLAT_MS: f64 = 2.0;

/// The kinds of request the load sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Declare,
    Cancel,
    Message,
    Ack,
    Tracks,
}

const KINDS: [Kind; 5] = [
    Kind::Declare,
    Kind::Cancel,
    Kind::Message,
    Kind::Ack,
    Kind::Tracks,
];

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Declare => "declare",
            Kind::Cancel => "cancel",
            Kind::Message => "message",
            Kind::Ack => "ack",
            Kind::Tracks => "tracks",
        }
    }
}

/// What the load's threads and the stream clients share with the sampler.
struct Shared {
    /// Latencies of the answered requests of the current minute, by kind.
    latencies: [Mutex<Vec<Duration>>; 5],
    /// Refused or failed requests by kind and status (0: no answer), over the whole run.
    refused: Mutex<BTreeMap<(Kind, u16), u64>>,
    /// Refused or failed requests of the current minute.
    refused_now: AtomicU64,
    /// The first refusal of each kind, as answered.
    first_refusal: [OnceLock<String>; 5],
    /// Stream lag of the events received in the current minute.
    lag: Mutex<Vec<Duration>>,
    /// When the writer had the answer, by `"<entry kind> <id>"`.
    answered: Mutex<HashMap<String, Instant>>,
    /// Alerts raised and not closed, as the streams saw them.
    alerts: Mutex<HashSet<String>>,
    /// Stream events received, all clients together.
    events: AtomicU64,
    /// Streams cut off (closed by the server or failed) and resumed.
    cuts: AtomicU64,
    /// Stream clients connected at least once.
    connected: AtomicUsize,
    /// Set when the load should stop.
    stop: AtomicBool,
}

impl Shared {
    fn new() -> Shared {
        Shared {
            latencies: Default::default(),
            refused: Mutex::new(BTreeMap::new()),
            refused_now: AtomicU64::new(0),
            first_refusal: Default::default(),
            lag: Mutex::new(Vec::new()),
            answered: Mutex::new(HashMap::new()),
            alerts: Mutex::new(HashSet::new()),
            events: AtomicU64::new(0),
            cuts: AtomicU64::new(0),
            connected: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        }
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Records one request's outcome; returns the answer's body when it succeeded.
    fn record(&self, kind: Kind, sent: Instant, outcome: Answer) -> Option<String> {
        match outcome {
            Ok(body) => {
                let took = sent.elapsed();
                if let Ok(mut l) = self.latencies[kind as usize].lock() {
                    l.push(took);
                }
                Some(body)
            }
            Err((status, why)) => {
                self.refused_now.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut r) = self.refused.lock() {
                    *r.entry((kind, status)).or_insert(0) += 1;
                }
                let _ = self.first_refusal[kind as usize].set(format!("{status} {why}"));
                None
            }
        }
    }

    /// Notes that the writer has the answer for `key` now.
    fn answered(&self, key: String) {
        if let Ok(mut a) = self.answered.lock() {
            a.insert(key, Instant::now());
        }
    }
}

/// A request's answer body, or its status (0: no answer) and why.
type Answer = std::result::Result<String, (u16, String)>;

/// One `POST` with the caller's token (and `If-Match`, if given).
fn post(agent: &ureq::Agent, url: &str, token: &str, body: &str, if_match: Option<u64>) -> Answer {
    let mut req = agent
        .post(url)
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "application/json");
    if let Some(v) = if_match {
        req = req.set("If-Match", &format!("\"{v}\""));
    }
    match req.send_string(body) {
        Ok(res) => res.into_string().map_err(|e| (0, e.to_string())),
        Err(ureq::Error::Status(code, res)) => {
            let text = res.into_string().unwrap_or_default();
            Err((code, text.chars().take(300).collect()))
        }
        Err(e) => Err((0, e.to_string())),
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

/// Sleeps until `due`, waking to check for the stop; false if stopped.
fn sleep_until(due: Instant, shared: &Shared) -> bool {
    loop {
        if shared.stopped() {
            return false;
        }
        let Some(left) = due.checked_duration_since(Instant::now()) else {
            return true;
        };
        std::thread::sleep(left.min(Duration::from_millis(200)));
    }
}

/// The server: `deconflict serve` in a child process.
struct Server {
    child: Child,
    /// `127.0.0.1:port` of the API.
    addr: String,
    /// The operator's metrics URL.
    metrics: String,
}

impl Server {
    /// Starts this binary's `serve` on the line in `data`; waits for its addresses.
    fn start(data: &Path) -> Result<Server> {
        let exe = std::env::current_exe().context("this program's path")?;
        let errors = std::fs::File::create(data.join("serve.log")).context("the server's log")?;
        let mut child = Command::new(exe)
            .arg("serve")
            .arg("--data")
            .arg(data)
            .args(["--origin", ORIGIN])
            .args(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(errors))
            .spawn()
            .context("starting deconflict serve")?;
        let out = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("the server's output"))?;
        // The first two lines name the addresses; whatever follows is drained so the server never blocks.
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut server = Server {
            child,
            addr: String::new(),
            metrics: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.addr.is_empty() || server.metrics.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).map_err(|_| {
                let log = std::fs::read_to_string(data.join("serve.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                anyhow!(
                    "the server did not print its addresses: {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
                )
            })?;
            if let Some(url) = line.strip_prefix("listening on http://") {
                server.addr = url.trim().to_string();
            } else if let Some(url) = line.strip_prefix("metrics on ") {
                server.metrics = url.trim().to_string();
            }
        }
        Ok(server)
    }

    /// The server's resident memory (bytes), from `VmRSS`; 0 where it cannot be read.
    fn rss_bytes(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next())
                    .and_then(|kb| kb.parse::<u64>().ok())
            })
            .map_or(0, |kb| kb * 1024)
    }

    /// The server's metrics by name.
    fn metrics(&self, agent: &ureq::Agent) -> HashMap<String, u64> {
        let Some(text) = agent
            .get(&self.metrics)
            .call()
            .ok()
            .and_then(|r| r.into_string().ok())
        else {
            return HashMap::new();
        };
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.split_once(' ')?;
                Some((name.to_string(), value.trim().parse::<f64>().ok()? as u64))
            })
            .collect()
    }
}

impl Drop for Server {
    /// SIGTERM, then up to 15 s to end, then SIGKILL.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Bytes of every file in `dir` (the store, its write-ahead log, the keys).
fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn party(i: usize) -> String {
    format!("p{i}")
}

/// A declaration of `owner`, shared with every other party, at a random place, height and hour.
fn declaration(rng: &mut ChaCha8Rng, id: &str, owner: usize, now_ms: i64) -> Value {
    let (lon0, lat0) = (38.57f64, 35.87f64);
    let half = DECLARATION_SIDE_KM / 2.0;
    let lat = lat0 + rng.gen_range(-half..half) / 111.0;
    let lon = lon0 + rng.gen_range(-half..half) / (111.0 * lat0.to_radians().cos());
    let lower = rng.gen_range(0.0..11_000.0f64).round();
    let start_ms = now_ms + 600_000 + rng.gen_range(0..6 * 3_600_000i64);
    let time = |ms: i64| deconflict_space::units::format_time(ms);
    let audience: Vec<String> = (0..PARTIES).filter(|&p| p != owner).map(party).collect();
    json!({"id": id, "kind": "air_operation", "audience": audience, "volumes": [{
        "footprint": {"circle": {"center": [lon, lat], "radius_m": rng.gen_range(1000.0..3000.0f64).round()}},
        "altitude": {"lower_m": lower, "upper_m": lower + 1000.0},
        "time": {"start": time(start_ms), "end": time(start_ms + 3_600_000)}
    }]})
}

/// Declares at [`DECLARATION_RATE`]; hands each accepted declaration to the canceller.
fn declarer(
    shared: &Shared,
    addr: &str,
    tokens: &[String],
    seed: u64,
    cancels: &mpsc::Sender<(Instant, usize, String)>,
) {
    let agent = agent();
    let url = format!("http://{addr}/v1/declarations");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t0 = Instant::now();
    for k in 0u64.. {
        if !sleep_until(
            t0 + Duration::from_secs_f64(k as f64 / DECLARATION_RATE),
            shared,
        ) {
            return;
        }
        let owner = k as usize % PARTIES;
        let id = format!("s{k}");
        let body = declaration(&mut rng, &id, owner, crate::feed::now_ms()).to_string();
        let sent = Instant::now();
        let outcome = post(&agent, &url, &tokens[owner], &body, None);
        if shared.record(Kind::Declare, sent, outcome).is_some() {
            shared.answered(format!("declaration.version {id}"));
            let _ = cancels.send((Instant::now() + DECLARATION_LIFE, owner, id));
        }
    }
}

/// Cancels each declaration when its life is over.
fn canceller(
    shared: &Shared,
    addr: &str,
    tokens: &[String],
    due: &mpsc::Receiver<(Instant, usize, String)>,
) {
    let agent = agent();
    while !shared.stopped() {
        let (at, owner, id) = match due.recv_timeout(Duration::from_millis(200)) {
            Ok(next) => next,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if !sleep_until(at, shared) {
            return;
        }
        let url = format!("http://{addr}/v1/declarations/{id}/cancel");
        let sent = Instant::now();
        let outcome = post(&agent, &url, &tokens[owner], "", Some(1));
        if shared.record(Kind::Cancel, sent, outcome).is_some() {
            shared.answered(format!("declaration.cancel {id}"));
        }
    }
}

/// Sends hotline messages at [`MESSAGE_RATE`]; hands each to its recipient's acknowledger.
fn messenger(
    shared: &Shared,
    addr: &str,
    tokens: &[String],
    acks: &mpsc::Sender<(Instant, usize, String)>,
) {
    let agent = agent();
    let url = format!("http://{addr}/v1/messages");
    let t0 = Instant::now();
    for k in 0u64.. {
        if !sleep_until(
            t0 + Duration::from_secs_f64(k as f64 / MESSAGE_RATE),
            shared,
        ) {
            return;
        }
        let from = k as usize % PARTIES;
        let to = (from + 1 + (k as usize / PARTIES) % (PARTIES - 1)) % PARTIES;
        let body = json!({"to": [party(to)], "precedence": "PRIORITY",
                          "text": format!("soak message {k}: report your position")})
        .to_string();
        let sent = Instant::now();
        let outcome = post(&agent, &url, &tokens[from], &body, None);
        let Some(answer) = shared.record(Kind::Message, sent, outcome) else {
            continue;
        };
        let Some(id) = serde_json::from_str::<Value>(&answer)
            .ok()
            .and_then(|v| v["id"].as_str().map(str::to_string))
        else {
            continue;
        };
        shared.answered(format!("message.sent {id}"));
        let _ = acks.send((Instant::now() + ACK_DELAY, to, id));
    }
}

/// Acknowledges each message as its recipient, [`ACK_DELAY`] after it was accepted.
fn acknowledger(
    shared: &Shared,
    addr: &str,
    tokens: &[String],
    due: &mpsc::Receiver<(Instant, usize, String)>,
) {
    let agent = agent();
    while !shared.stopped() {
        let (at, recipient, id) = match due.recv_timeout(Duration::from_millis(200)) {
            Ok(next) => next,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        if !sleep_until(at, shared) {
            return;
        }
        let url = format!("http://{addr}/v1/messages/{id}/acknowledge");
        let sent = Instant::now();
        let outcome = post(&agent, &url, &tokens[recipient], "", None);
        if shared.record(Kind::Ack, sent, outcome).is_some() {
            shared.answered(format!("message.acknowledged {id}"));
        }
    }
}

/// Moves `r` on for `dt` seconds (flat earth over a second), turning back at the theatre's edge and
/// levelling off between 1 000 m and 12 000 m.
fn fly(r: &mut deconflict_tactical::Track, dt: f64) {
    const M_PER_DEG: f64 = 111_195.0;
    let d = r.gs_mps * dt;
    let (s, c) = r.trk_deg.to_radians().sin_cos();
    r.lat_deg += d * c / M_PER_DEG;
    r.lon_deg += d * s / (M_PER_DEG * r.lat_deg.to_radians().cos());
    r.alt_m += r.vs_mps * dt;
    if !(1_000.0..=12_000.0).contains(&r.alt_m) {
        r.alt_m = r.alt_m.clamp(1_000.0, 12_000.0);
        r.vs_mps = -r.vs_mps;
    }
    let half_lat = 0.5 * TRACK_SIDE_KM * 1_000.0 / M_PER_DEG;
    let half_lon = half_lat / TRACK_CENTRE.0.to_radians().cos();
    let (dlat, dlon) = (r.lat_deg - TRACK_CENTRE.0, r.lon_deg - TRACK_CENTRE.1);
    if (dlat.abs() > half_lat && dlat * c > 0.0) || (dlon.abs() > half_lon && dlon * s > 0.0) {
        r.trk_deg = (r.trk_deg + 180.0) % 360.0;
    }
}

/// Reports party `p`'s fleet once a second, in batches of [`TRACK_BATCH`].
fn tracker(shared: &Shared, addr: &str, token: &str, p: usize, seed: u64) {
    let n = TRACKS / TRACK_PARTIES;
    let mut fleet: Vec<Report> = crate::bench_tactical::traffic(n, TRACK_SIDE_KM, seed)
        .into_iter()
        .enumerate()
        .map(|(i, state)| Report {
            id: format!("{p}{i:05X}"),
            callsign: format!("S{p}{i:04}"),
            state,
            vs_known: true,
            pressure: true,
            time_ms: 0,
        })
        .collect();
    let agent = agent();
    let url = format!("http://{addr}/v1/tracks");
    // The parties' seconds are staggered so their batches do not all arrive at once.
    let t0 = Instant::now() + Duration::from_secs_f64(p as f64 / TRACK_PARTIES as f64);
    let mut last = t0;
    for k in 0u64.. {
        if !sleep_until(t0 + Duration::from_secs(k), shared) {
            return;
        }
        let dt = last.elapsed().as_secs_f64();
        last = Instant::now();
        let now = crate::feed::now_ms();
        for r in &mut fleet {
            if k > 0 {
                fly(&mut r.state, dt);
            }
            r.time_ms = now;
        }
        for chunk in fleet.chunks(TRACK_BATCH) {
            let body = crate::feed::batch_json(chunk, true);
            let sent = Instant::now();
            let outcome = post(&agent, &url, token, &body, None);
            shared.record(Kind::Tracks, sent, outcome);
        }
    }
}

/// Reads one stream event: its cursor, its lag if it is the event of a write the load timed, and the alerts
/// it opens or closes (`keeper`: the one client per party that keeps the alerts' count).
fn on_event(text: &str, shared: &Shared, keeper: bool, cursor: &mut u64) {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return;
    };
    if let Some(c) = v["cursor"].as_u64() {
        *cursor = c;
    }
    let Some(kind) = v["kind"].as_str() else {
        return; // a heartbeat
    };
    shared.events.fetch_add(1, Ordering::Relaxed);
    let id = v["content"]["id"].as_str().unwrap_or_default();
    match kind {
        "declaration.version" | "declaration.cancel" | "message.sent" | "message.acknowledged" => {
            let answered = shared
                .answered
                .lock()
                .ok()
                .and_then(|a| a.get(&format!("{kind} {id}")).copied());
            let lag = answered.map_or(Duration::ZERO, |t| t.elapsed());
            if let Ok(mut l) = shared.lag.lock() {
                l.push(lag);
            }
        }
        "alert.raised" if keeper => {
            if let Ok(mut a) = shared.alerts.lock() {
                a.insert(id.to_string());
            }
        }
        "alert.closed" if keeper => {
            if let Ok(mut a) = shared.alerts.lock() {
                a.remove(id);
            }
        }
        _ => {}
    }
}

/// One stream client: follows the party's stream from `cursor`, resuming from its cursor when cut off.
async fn follow(shared: Arc<Shared>, addr: String, token: String, keeper: bool, mut cursor: u64) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let mut first = true;
    while !shared.stopped() {
        let url = format!("ws://{addr}/v1/stream?cursor={cursor}");
        let Ok(mut req) = url.as_str().into_client_request() else {
            return;
        };
        let Ok(auth) = format!("Bearer {token}").parse() else {
            return;
        };
        req.headers_mut().insert("authorization", auth);
        let mut ws = match tokio_tungstenite::connect_async(req).await {
            Ok((ws, _)) => ws,
            Err(_) => {
                shared.cuts.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        if first {
            first = false;
            shared.connected.fetch_add(1, Ordering::SeqCst);
        }
        while let Some(msg) = ws.next().await {
            if shared.stopped() {
                return;
            }
            match msg {
                Ok(Message::Text(text)) => on_event(text.as_str(), &shared, keeper, &mut cursor),
                Ok(Message::Close(_)) | Err(_) => break,
                Ok(_) => {}
            }
        }
        if !shared.stopped() {
            shared.cuts.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// What one minute measured.
struct Row {
    rss: u64,
    /// p50 and p99 of each kind, and how many were answered.
    kinds: Vec<(Duration, Duration, usize)>,
    lag_p99: Duration,
    events: u64,
    entries: u64,
    store_bytes: u64,
    alerts: usize,
    conflicts: u64,
    tracks_live: u64,
    refused: u64,
    cuts: u64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

/// The largest relative distance of `values` from their median, and the median.
fn spread(values: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let median = if sorted.is_empty() {
        0.0
    } else if sorted.len() % 2 == 1 {
        sorted[sorted.len() / 2]
    } else {
        (sorted[sorted.len() / 2 - 1] + sorted[sorted.len() / 2]) / 2.0
    };
    if median <= 0.0 {
        return (0.0, median);
    }
    let worst = values
        .iter()
        .map(|v| (v / median - 1.0).abs())
        .fold(0.0, f64::max);
    (worst, median)
}

/// The least-squares slope of `values` per minute, as a fraction of their mean.
fn trend(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = values.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, y) in values.iter().enumerate() {
        let dx = i as f64 - mean_x;
        sxy += dx * (y - mean_y);
        sxx += dx * dx;
    }
    if sxx == 0.0 || mean_y == 0.0 {
        0.0
    } else {
        sxy / sxx / mean_y
    }
}

/// The verdict over minutes 2…N.
fn verdict(rows: &[Row]) -> String {
    if rows.len() < 2 {
        return "soak: too short to judge (minute 1 is warm-up; run 3 minutes or more)".into();
    }
    let steady = &rows[1..];
    let rss: Vec<f64> = steady.iter().map(|r| mib(r.rss)).collect();
    let (dev, _) = spread(&rss);
    let rss_part = if dev <= FLAT {
        format!("RSS flat (±{:.0} %)", dev * 100.0)
    } else {
        format!(
            "RSS drifted (±{:.0} %: {:.0} → {:.0} MiB, trend {:+.1} %/min)",
            dev * 100.0,
            rss[0],
            rss[rss.len() - 1],
            trend(&rss) * 100.0
        )
    };
    let mut series: Vec<(&str, Vec<f64>)> = KINDS
        .iter()
        .enumerate()
        .map(|(k, kind)| {
            (
                kind.name(),
                steady.iter().map(|r| ms(r.kinds[k].1)).collect(),
            )
        })
        .collect();
    series.push(("stream lag", steady.iter().map(|r| ms(r.lag_p99)).collect()));
    let mut worst = ("", 0.0f64);
    let mut drifted = Vec::new();
    for (name, values) in &series {
        let (dev, median) = spread(values);
        if dev > worst.1 {
            worst = (*name, dev);
        }
        let within_ms = values.iter().all(|v| (v - median).abs() <= FLAT_MS);
        if dev > FLAT && !within_ms {
            let (lo, hi) = values
                .iter()
                .fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            drifted.push(format!(
                "{name} ±{:.0} % ({lo:.1}–{hi:.1} ms, median {median:.1}, trend {:+.1} %/min)",
                dev * 100.0,
                trend(values) * 100.0
            ));
        }
    }
    let p99_part = if drifted.is_empty() {
        format!(
            "p99 flat (each within ±{:.0} % or ±{FLAT_MS} ms of its median; widest: {} ±{:.0} %)",
            FLAT * 100.0,
            worst.0,
            worst.1 * 100.0
        )
    } else {
        format!("p99 drifted: {}", drifted.join("; "))
    };
    format!("soak: {rss_part}, {p99_part}")
}

fn print_table(rows: &[Row]) {
    let mut head = String::from("| minute | server RSS (MiB) |");
    let mut rule = String::from("|---:|---:|");
    for kind in KINDS {
        head.push_str(&format!(" {} p50 / p99 (ms) |", kind.name()));
        rule.push_str("---:|");
    }
    head.push_str(" requests answered (decl/cancel/msg/ack/track batches) | stream lag p99 (ms) | stream events | log entries (+ this minute) | store (MiB) | alerts open | conflicts open | live tracks | refused | stream cuts |");
    rule.push_str("---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!("{head}");
    println!("{rule}");
    let mut before = 0;
    for (m, r) in rows.iter().enumerate() {
        let mut line = format!("| {} | {:.1} |", m + 1, mib(r.rss));
        for (p50, p99, _) in &r.kinds {
            line.push_str(&format!(" {:.1} / {:.1} |", ms(*p50), ms(*p99)));
        }
        let counts: Vec<String> = r.kinds.iter().map(|k| k.2.to_string()).collect();
        line.push_str(&format!(
            " {} | {:.1} | {} | {} (+{}) | {:.1} | {} | {} | {} | {} | {} |",
            counts.join("/"),
            ms(r.lag_p99),
            r.events,
            r.entries,
            r.entries.saturating_sub(before),
            mib(r.store_bytes),
            r.alerts,
            r.conflicts,
            r.tracks_live,
            r.refused,
            r.cuts
        ));
        before = r.entries;
        println!("{line}");
    }
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let minutes = args.minutes.max(1);
    let dir = match args.dir.as_deref() {
        Some(p) => tempfile::tempdir_in(p),
        None => tempfile::tempdir(),
    }
    .context("temporary directory")?;
    let data = dir.path().join("data");

    // The parties and their agreement, written before the server opens the line.
    let (tokens, cursor) = {
        let line = Line::open(&data, ORIGIN)?;
        let mut tokens = Vec::new();
        for p in 0..PARTIES {
            tokens.push(line.register_party(&party(p), "military")?);
        }
        let all: Vec<String> = (0..PARTIES).map(party).collect();
        line.establish_agreement(json!({"id": "soak", "parties": all}))?;
        let size = line.store().size()?;
        (tokens, size)
    };
    let server = Server::start(&data)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "soak: {minutes} min against deconflict serve (pid {}, {cores} cores, embedded store, 127.0.0.1): \
         {DECLARATION_RATE}/s declarations (cancelled after {} s), {MESSAGE_RATE}/s messages (acknowledged after \
         {} s), {TRACKS} tracks at 1 Hz from {TRACK_PARTIES} parties in batches of {TRACK_BATCH}, {STREAMS} stream \
         clients over {PARTIES} parties",
        server.child.id(),
        DECLARATION_LIFE.as_secs(),
        ACK_DELAY.as_secs()
    );

    let shared = Arc::new(Shared::new());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("the stream clients' runtime")?;
    for i in 0..STREAMS {
        let p = i % PARTIES;
        runtime.spawn(follow(
            Arc::clone(&shared),
            server.addr.clone(),
            tokens[p].clone(),
            i < PARTIES,
            cursor,
        ));
    }
    let wait_until = Instant::now() + Duration::from_secs(60);
    while shared.connected.load(Ordering::SeqCst) < STREAMS {
        if Instant::now() > wait_until {
            shared.stop.store(true, Ordering::SeqCst);
            return Err(anyhow!(
                "only {} of {STREAMS} stream clients connected in 60 s",
                shared.connected.load(Ordering::SeqCst)
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }

    let metrics_agent = agent();
    let mut rows: Vec<Row> = Vec::new();
    let (addr, tokens) = (server.addr.as_str(), tokens.as_slice());
    let started = Instant::now();
    std::thread::scope(|s| {
        let (cancel_tx, cancel_rx) = mpsc::channel();
        let (ack_tx, ack_rx) = mpsc::channel();
        let sh = &*shared;
        s.spawn(move || declarer(sh, addr, tokens, args.seed, &cancel_tx));
        s.spawn(move || canceller(sh, addr, tokens, &cancel_rx));
        s.spawn(move || messenger(sh, addr, tokens, &ack_tx));
        s.spawn(move || acknowledger(sh, addr, tokens, &ack_rx));
        for (p, token) in tokens.iter().enumerate().take(TRACK_PARTIES) {
            let token = token.as_str();
            s.spawn(move || tracker(sh, addr, token, p, args.seed * 100 + p as u64));
        }
        let mut events_before = 0;
        let mut cuts_before = 0;
        for m in 1..=minutes {
            let due = started + MINUTE * m as u32;
            if let Some(left) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(left);
            }
            let kinds: Vec<(Duration, Duration, usize)> = KINDS
                .iter()
                .map(|k| {
                    let mut l = shared.latencies[*k as usize]
                        .lock()
                        .map(|mut l| std::mem::take(&mut *l))
                        .unwrap_or_default();
                    l.sort_unstable();
                    (percentile(&l, 0.5), percentile(&l, 0.99), l.len())
                })
                .collect();
            let mut lag = shared
                .lag
                .lock()
                .map(|mut l| std::mem::take(&mut *l))
                .unwrap_or_default();
            lag.sort_unstable();
            let metrics = server.metrics(&metrics_agent);
            let figure = |name: &str| metrics.get(name).copied().unwrap_or(0);
            let events = shared.events.load(Ordering::Relaxed);
            let cuts = shared.cuts.load(Ordering::Relaxed);
            let row = Row {
                rss: server.rss_bytes(),
                kinds,
                lag_p99: percentile(&lag, 0.99),
                events: events - events_before,
                entries: figure("deconflict_ledger_entries"),
                store_bytes: dir_bytes(&data),
                alerts: shared.alerts.lock().map_or(0, |a| a.len()),
                conflicts: figure("deconflict_conflicts_open"),
                tracks_live: figure("deconflict_tracks_live"),
                refused: shared.refused_now.swap(0, Ordering::Relaxed),
                cuts: cuts - cuts_before,
            };
            (events_before, cuts_before) = (events, cuts);
            // Writes answered long ago have reached every client that will see them.
            if let Ok(mut a) = shared.answered.lock() {
                a.retain(|_, t| t.elapsed() < 2 * MINUTE);
            }
            let p99s: Vec<String> = KINDS
                .iter()
                .zip(&row.kinds)
                .map(|(k, (_, p99, n))| format!("{} {:.1} ms ({n})", k.name(), ms(*p99)))
                .collect();
            println!(
                "minute {m}/{minutes}: RSS {:.1} MiB; p99 {}; stream lag p99 {:.1} ms; {} log entries, store {:.1} MiB; \
                 {} alerts open; {} refused; {} stream cuts",
                mib(row.rss),
                p99s.join(", "),
                ms(row.lag_p99),
                row.entries,
                mib(row.store_bytes),
                row.alerts,
                row.refused,
                row.cuts
            );
            rows.push(row);
        }
        shared.stop.store(true, Ordering::SeqCst);
    });
    let ran = started.elapsed();
    let teardown = Instant::now();
    runtime.shutdown_timeout(Duration::from_secs(2));
    drop(server);
    println!(
        "\nload ran {:.1} s; teardown {:.1} s\n",
        ran.as_secs_f64(),
        teardown.elapsed().as_secs_f64()
    );
    print_table(&rows);
    println!();
    let refused = shared.refused.lock().map(|r| r.clone()).unwrap_or_default();
    if refused.is_empty() {
        println!("refused: none");
    } else {
        let list: Vec<String> = refused
            .iter()
            .map(|((kind, status), n)| format!("{} {status}: {n}", kind.name()))
            .collect();
        println!(
            "refused (kind status: count; status 0 = no answer): {}",
            list.join(", ")
        );
        for kind in KINDS {
            if let Some(first) = shared.first_refusal[kind as usize].get() {
                println!("  first {} refusal: {first}", kind.name());
            }
        }
    }
    println!("{}", verdict(&rows));
    Ok(())
}
