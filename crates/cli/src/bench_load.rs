//! `deconflict bench load`: a load generator against a real server on loopback, printed as Markdown tables.
//!
//! - **Declarations**: a line with `--active` declarations in force (loaded in-process, 8 parties under one
//!   agreement), then `--clients` HTTP clients declaring as fast as they can for `--seconds`: durable
//!   declarations per second and the latency of each `POST /v1/declarations` (p50, p99). Twice: every
//!   declaration in one 10 km hot spot, and spread over a 1 000 km × 1 000 km theatre. Each is a 1–3 km circle,
//!   a 1 000 m band between 0 and 12 km, one hour somewhere in the coming year. With `--database-url` and
//!   `--nodes N`, N servers share one new database (each with a copy of the log key), the clients are spread
//!   over them, and the table also gives how many declarations each append to the shared log carried.
//! - **Messages**: `--streams` WebSocket clients follow the stream (spread over 10 parties); one sender sends
//!   hotline messages to all 10, first paced at `--message-rate`, then as fast as 4 senders can: messages per
//!   second, and the delay from just before the `POST /v1/messages` to each stream client's receipt (p50, p99).
//!
//! Client and server share this machine's cores, so the figures are a floor for the server alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use deconflict_server::Line;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::bench::{percentile, BenchArgs};

const PARTIES: usize = 8;

/// A running server on loopback.
pub(crate) struct Server {
    pub(crate) line: Arc<Line>,
    pub(crate) addr: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// One server on a fresh line: the embedded store in a temporary directory, or a new database on the
    /// PostgreSQL server `database_url` names.
    pub(crate) fn start(
        parent: Option<&std::path::Path>,
        database_url: Option<&str>,
    ) -> Result<Server> {
        Self::cluster(parent, database_url, 1)?
            .pop()
            .ok_or_else(|| anyhow!("no server started"))
    }

    /// `nodes` servers on one fresh line: several need a PostgreSQL database, which they share, each with
    /// a copy of the first one's log key.
    pub(crate) fn cluster(
        parent: Option<&std::path::Path>,
        database_url: Option<&str>,
        nodes: usize,
    ) -> Result<Vec<Server>> {
        let url = database_url.map(fresh_database).transpose()?;
        if nodes > 1 && url.is_none() {
            return Err(anyhow!(
                "--nodes {nodes}: several nodes share a PostgreSQL database; give --database-url"
            ));
        }
        let origin = "bench.deconflict.example/line";
        let mut servers: Vec<Server> = Vec::with_capacity(nodes);
        for i in 0..nodes {
            let dir = match parent {
                Some(p) => tempfile::tempdir_in(p),
                None => tempfile::tempdir(),
            }
            .context("temporary directory")?;
            if let Some(first) = servers.first() {
                for f in ["log.key", "log.pub"] {
                    std::fs::copy(first._dir.path().join(f), dir.path().join(f))
                        .context("copying the log key")?;
                }
            }
            let line = match &url {
                None => Line::open(dir.path(), origin)?,
                Some(url) => Line::open_postgres(
                    url,
                    dir.path(),
                    origin,
                    Arc::new(deconflict_server::clock::SystemClock),
                )?
                .with_node(&format!("bench-{i}")),
            };
            // Throughput is what is measured: no write allowance per party, no bound on track reports per
            // second or live tracks per party (the ingest benchmark's feeds are parties), on what a party
            // holds live (`--active` is spread over 8 parties) or on the conflicts one write opens, and no
            // bound per address on connections (every client and stream comes from 127.0.0.1).
            let line = line.with_limits(deconflict_server::Limits {
                writes_per_party_per_second: f64::MAX,
                write_burst: f64::MAX,
                track_reports_per_second: 100_000_000,
                tracks_per_party: 10_000_000,
                declarations_per_party: usize::MAX,
                vertices_per_party: usize::MAX,
                conflicts_per_write: usize::MAX,
                connections_per_address: usize::MAX,
                ..deconflict_server::Limits::default()
            });
            servers.push(Self::serve(
                Arc::new(line),
                dir,
                deconflict_server::Options::default(),
            )?);
        }
        Ok(servers)
    }

    /// `line` served on a free loopback port with `options`, until the server is dropped.
    pub(crate) fn serve(
        line: Arc<Line>,
        dir: tempfile::TempDir,
        options: deconflict_server::Options,
    ) -> Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("runtime")?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .context("bind")?;
        let addr = listener.local_addr()?.to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = Arc::clone(&line);
        let thread = std::thread::spawn(move || {
            let _ = runtime.block_on(deconflict_server::run_with(
                listener,
                served,
                options,
                async {
                    let _ = stopped.await;
                },
            ));
        });
        Ok(Server {
            line,
            addr,
            stop: Some(stop),
            thread: Some(thread),
            _dir: dir,
        })
    }
}

/// A figure from a line's metrics.
fn total(line: &Line, name: &str) -> u64 {
    line.totals()
        .ok()
        .and_then(|t| t.into_iter().find(|(n, _)| *n == name))
        .map_or(0, |(_, v)| v)
}

/// Waits until every node has applied the whole log (they follow it on their own).
fn caught_up(servers: &[Server]) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let size = total(&servers[0].line, "deconflict_ledger_entries");
        if servers
            .iter()
            .all(|s| total(&s.line, "deconflict_ledger_applied") >= size)
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(anyhow!(
                "the nodes did not catch up with the log in 2 minutes"
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A new, empty database on the PostgreSQL server `base` names; its URL.
#[cfg(not(feature = "postgres"))]
fn fresh_database(base: &str) -> Result<String> {
    Err(anyhow!(
        "{base}: this build has no PostgreSQL store (build deconflict with the `postgres` feature)"
    ))
}

/// A new, empty database on the PostgreSQL server `base` names; its URL.
#[cfg(feature = "postgres")]
fn fresh_database(base: &str) -> Result<String> {
    let name = format!("bench_{}", hex::encode(rand::random::<[u8; 6]>()));
    let mut admin = postgres::Client::connect(base, postgres::NoTls)
        .with_context(|| format!("the PostgreSQL server of {base}"))?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .context("create the benchmark's database")?;
    let (head, _) = base
        .rsplit_once('/')
        .ok_or_else(|| anyhow!("{base}: expected postgres://…/database"))?;
    Ok(format!("{head}/{name}"))
}

#[derive(Clone, Copy, Debug)]
enum Layout {
    HotSpot,
    Spread,
}

/// A declaration at a random place (by `layout`), height and hour of the coming year.
fn declaration(rng: &mut ChaCha8Rng, id: &str, layout: Layout, now_ms: i64) -> Value {
    let (lon0, lat0) = (38.57f64, 35.87f64);
    let (half_x_km, half_y_km) = match layout {
        Layout::HotSpot => (4.0, 4.0),
        Layout::Spread => (500.0, 500.0),
    };
    let lat = lat0 + rng.gen_range(-half_y_km..half_y_km) / 111.0;
    let lon = lon0 + rng.gen_range(-half_x_km..half_x_km) / (111.0 * lat0.to_radians().cos());
    let lower = rng.gen_range(0.0..11_000.0f64).round();
    let start_ms = now_ms + 86_400_000 + rng.gen_range(0..365 * 24) * 3_600_000;
    let time = |ms: i64| deconflict_space::units::format_time(ms);
    json!({"id": id, "kind": "air_operation", "volumes": [{
        "footprint": {"circle": {"center": [lon, lat], "radius_m": rng.gen_range(1000.0..3000.0f64).round()}},
        "altitude": {"lower_m": lower, "upper_m": lower + 1000.0},
        "time": {"start": time(start_ms), "end": time(start_ms + 3_600_000)}
    }]})
}

fn open_conflicts(line: &Line) -> u64 {
    total(line, "deconflict_conflicts_open")
}

struct WriteFigures {
    preload_per_s: f64,
    per_s: f64,
    p50: Duration,
    p99: Duration,
    writes: usize,
    conflicts_per_write: f64,
    /// Declarations per append to a shared log (how many writes each held end gathered); 0 on a log of its
    /// own, which groups its appends in the store.
    per_batch: f64,
}

fn declarations(args: &BenchArgs, layout: Layout) -> Result<WriteFigures> {
    let servers = Server::cluster(
        args.dir.as_deref(),
        args.database_url.as_deref(),
        args.nodes as usize,
    )?;
    let line = &servers[0].line;
    let parties: Vec<String> = (0..PARTIES).map(|p| format!("p{p}")).collect();
    let mut tokens = Vec::new();
    for p in &parties {
        tokens.push(line.register_party(p, "military")?);
    }
    line.establish_agreement(json!({"id": "all", "parties": parties}))?;
    let now = crate::feed::now_ms();

    // Load the active declarations in-process, one thread per party.
    let started = Instant::now();
    let per_party = args.active.div_ceil(PARTIES);
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = parties
            .iter()
            .enumerate()
            .map(|(i, party)| {
                s.spawn(move || -> Result<()> {
                    let mut rng = ChaCha8Rng::seed_from_u64(args.seed * 1000 + i as u64);
                    for k in 0..per_party {
                        let d = declaration(&mut rng, &format!("{party}-{k}"), layout, now);
                        line.declare(party, d).map_err(|e| anyhow!("{e}"))?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| anyhow!("a loader panicked"))??;
        }
        Ok(())
    })?;
    let preload_per_s = (per_party * PARTIES) as f64 / started.elapsed().as_secs_f64();

    // Then the HTTP clients, spread over the nodes once all have caught up.
    caught_up(&servers)?;
    let conflicts_before = open_conflicts(line);
    let batches_before: u64 = servers
        .iter()
        .map(|s| total(&s.line, "deconflict_write_batches"))
        .sum();
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let latencies = Mutex::new(Vec::new());
    let failures = AtomicUsize::new(0);
    let first_failure = OnceLock::new();
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..args.clients {
            let (latencies, failures, first_failure, tokens, addr) = (
                &latencies,
                &failures,
                &first_failure,
                &tokens,
                &servers[c % servers.len()].addr,
            );
            s.spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let party = c % PARTIES;
                let auth = format!("Bearer {}", tokens[party]);
                let url = format!("http://{addr}/v1/declarations");
                let mut rng = ChaCha8Rng::seed_from_u64(args.seed * 7919 + c as u64);
                let mut mine = Vec::new();
                let mut k = 0;
                while Instant::now() < deadline {
                    let body = declaration(&mut rng, &format!("c{c}-{k}"), layout, now).to_string();
                    k += 1;
                    let t = Instant::now();
                    let r = agent
                        .post(&url)
                        .set("Authorization", &auth)
                        .set("Content-Type", "application/json")
                        .send_string(&body);
                    match r {
                        Ok(res) if res.status() == 201 => {
                            let _ = res.into_string();
                            mine.push(t.elapsed());
                        }
                        other => {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                let why = match other {
                                    Err(ureq::Error::Status(code, res)) => {
                                        format!("{code} {}", res.into_string().unwrap_or_default())
                                    }
                                    Err(e) => e.to_string(),
                                    Ok(res) => res.status().to_string(),
                                };
                                let _ = first_failure.set(why);
                            }
                        }
                    }
                }
                if let Ok(mut l) = latencies.lock() {
                    l.extend(mine);
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies = latencies.into_inner().map_err(|_| anyhow!("poisoned"))?;
    latencies.sort();
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(anyhow!(
            "{failed} declarations failed; the first: {}",
            first_failure.get().map_or("?", String::as_str)
        ));
    }
    let writes = latencies.len();
    caught_up(&servers)?;
    let batches: u64 = servers
        .iter()
        .map(|s| total(&s.line, "deconflict_write_batches"))
        .sum::<u64>()
        - batches_before;
    Ok(WriteFigures {
        preload_per_s,
        per_s: writes as f64 / elapsed,
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        writes,
        conflicts_per_write: (open_conflicts(line) - conflicts_before) as f64
            / writes.max(1) as f64,
        per_batch: if batches == 0 {
            0.0
        } else {
            writes as f64 / batches as f64
        },
    })
}

struct MessageFigures {
    messages: usize,
    per_s: f64,
    delivered: usize,
    expected: usize,
    p50: Duration,
    p99: Duration,
}

/// What every phase of hotline load shares: the server, the sender, the recipients, the stream clients'
/// receipts, when each message was sent, and how long a phase lasts.
struct HotlineLoad<'a> {
    server: &'a Server,
    sender_token: &'a str,
    recipients: &'a [String],
    receipts: &'a Arc<Mutex<Vec<Duration>>>,
    sent_at: &'a Arc<Vec<OnceLock<Instant>>>,
    next: &'a Arc<AtomicUsize>,
    streams: usize,
    seconds: f64,
}

/// One phase of hotline load: `senders` senders, each sending at most `rate` messages per second (0: as fast
/// as it can) for `load.seconds`, every message to all recipient parties; returns the figures over all
/// receipts.
fn message_phase(load: &HotlineLoad<'_>, senders: usize, rate: f64) -> Result<MessageFigures> {
    let HotlineLoad {
        server,
        sender_token,
        recipients,
        receipts,
        sent_at,
        next,
        streams,
        seconds,
    } = *load;
    if let Ok(mut r) = receipts.lock() {
        r.clear();
    }
    let first = next.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..senders {
            let (next, sent_at) = (Arc::clone(next), Arc::clone(sent_at));
            let url = format!("http://{}/v1/messages", server.addr);
            let auth = format!("Bearer {sender_token}");
            s.spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let mut sent = 0u64;
                let t0 = Instant::now();
                while Instant::now() < deadline {
                    if rate > 0.0 {
                        let due = t0 + Duration::from_secs_f64(sent as f64 / rate);
                        if let Some(wait) = due.checked_duration_since(Instant::now()) {
                            std::thread::sleep(wait);
                        }
                    }
                    let k = next.fetch_add(1, Ordering::SeqCst);
                    if k >= sent_at.len() {
                        break;
                    }
                    let body = json!({"to": recipients, "precedence": "ROUTINE", "text": format!("bench {k}")});
                    let _ = sent_at[k].set(Instant::now());
                    let _ = agent
                        .post(&url)
                        .set("Authorization", &auth)
                        .set("Content-Type", "application/json")
                        .send_string(&body.to_string());
                    sent += 1;
                }
            });
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let last = next.load(Ordering::SeqCst).min(sent_at.len());
    let messages = last - first;
    // Let the last deliveries arrive.
    let expected = messages * streams;
    let wait_until = Instant::now() + Duration::from_secs(10);
    loop {
        let got = receipts.lock().map_or(0, |r| r.len());
        if got >= expected || Instant::now() > wait_until {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut r = receipts.lock().map_err(|_| anyhow!("poisoned"))?.clone();
    r.sort();
    Ok(MessageFigures {
        messages,
        per_s: messages as f64 / elapsed,
        delivered: r.len(),
        expected,
        p50: percentile(&r, 0.5),
        p99: percentile(&r, 0.99),
    })
}

fn messages(args: &BenchArgs) -> Result<(MessageFigures, MessageFigures)> {
    use futures_util::StreamExt;
    let server = Server::start(args.dir.as_deref(), args.database_url.as_deref())?;
    let line = &server.line;
    let sender = line.register_party("hq", "military")?;
    let recipients: Vec<String> = (0..10).map(|p| format!("r{p}")).collect();
    let mut tokens = HashMap::new();
    for r in &recipients {
        tokens.insert(r.clone(), line.register_party(r, "military")?);
    }
    let mut all = recipients.clone();
    all.push("hq".into());
    line.establish_agreement(json!({"id": "all", "parties": all}))?;
    let cursor = { line.store().size()? };

    let receipts = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let sent_at: Arc<Vec<OnceLock<Instant>>> =
        Arc::new((0..2_000_000).map(|_| OnceLock::new()).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let connected = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));

    // The stream clients, on their own runtime.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    for i in 0..args.streams {
        let party = &recipients[i % recipients.len()];
        let token = tokens[party].clone();
        let url = format!("ws://{}/v1/stream?cursor={cursor}", server.addr);
        let (receipts, sent_at, connected, done) = (
            Arc::clone(&receipts),
            Arc::clone(&sent_at),
            Arc::clone(&connected),
            Arc::clone(&done),
        );
        runtime.spawn(async move {
            use tokio_tungstenite::tungstenite::client::IntoClientRequest;
            let Ok(mut req) = url.as_str().into_client_request() else {
                return;
            };
            let Ok(auth) = format!("Bearer {token}").parse() else {
                return;
            };
            req.headers_mut().insert("authorization", auth);
            let Ok((mut ws, _)) = tokio_tungstenite::connect_async(req).await else {
                return;
            };
            connected.fetch_add(1, Ordering::SeqCst);
            while let Some(Ok(msg)) = ws.next().await {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(text) = msg.to_text() else { continue };
                // Only the bench's messages: "text":"bench <k>".
                let Some(k) = text
                    .split("\"text\":\"bench ")
                    .nth(1)
                    .and_then(|t| t.split('"').next())
                    .and_then(|k| k.parse::<usize>().ok())
                else {
                    continue;
                };
                if !text.contains("\"kind\":\"message.sent\"") {
                    continue;
                }
                if let Some(t) = sent_at.get(k).and_then(|t| t.get()) {
                    let delay = t.elapsed();
                    if let Ok(mut r) = receipts.lock() {
                        r.push(delay);
                    }
                }
            }
        });
    }
    let wait_until = Instant::now() + Duration::from_secs(60);
    while connected.load(Ordering::SeqCst) < args.streams {
        if Instant::now() > wait_until {
            return Err(anyhow!(
                "only {} of {} stream clients connected",
                connected.load(Ordering::SeqCst),
                args.streams
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let load = HotlineLoad {
        server: &server,
        sender_token: &sender,
        recipients: &recipients,
        receipts: &receipts,
        sent_at: &sent_at,
        next: &next,
        streams: args.streams,
        seconds: args.seconds,
    };
    let paced = message_phase(&load, 1, args.message_rate)?;
    let flat_out = message_phase(&load, 4, 0.0)?;
    done.store(true, Ordering::SeqCst);
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok((paced, flat_out))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let nodes = if args.nodes > 1 {
        format!(", {} nodes on one PostgreSQL", args.nodes)
    } else {
        String::new()
    };
    println!(
        "### Declarations over HTTP ({} active, {} clients, {} s, {} cores{nodes})\n",
        args.active,
        args.clients,
        args.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| layout | loaded in-process /s | declarations/s over HTTP | p50 (ms) | p99 (ms) | writes | new conflicts per write | declarations per append |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, layout) in [
        ("one 10 km hot spot", Layout::HotSpot),
        ("1 000 km × 1 000 km", Layout::Spread),
    ] {
        let f = declarations(args, layout)?;
        println!(
            "| {name} | {:.0} | {:.0} | {:.2} | {:.2} | {} | {:.2} | {:.1} |",
            f.preload_per_s,
            f.per_s,
            ms(f.p50),
            ms(f.p99),
            f.writes,
            f.conflicts_per_write,
            f.per_batch
        );
    }
    if args.streams > 0 {
        let (paced, flat_out) = messages(args)?;
        println!(
            "\n### Hotline messages to {} stream clients (10 parties; each message to all of them)\n",
            args.streams
        );
        println!("| senders | messages | messages/s | receipts (of expected) | delivery p50 (ms) | delivery p99 (ms) |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (name, f) in [
            (format!("1, paced at {}/s", args.message_rate), paced),
            ("4, as fast as they can".to_string(), flat_out),
        ] {
            println!(
                "| {name} | {} | {:.0} | {} of {} | {:.2} | {:.2} |",
                f.messages,
                f.per_s,
                f.delivered,
                f.expected,
                ms(f.p50),
                ms(f.p99)
            );
        }
    }
    Ok(())
}
