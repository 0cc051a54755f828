//! `deconflict serve` and `deconflict party add`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};
use deconflict_server::clock::SystemClock;
use deconflict_server::{Limits, Line};

/// The log's name when none is given.
pub const DEFAULT_ORIGIN: &str = "deconflict.example/line";

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The data directory (the embedded store).
    #[arg(long, value_name = "DIR", default_value = "deconflict-data")]
    pub data: PathBuf,
    /// Keep the log in this PostgreSQL database (`postgres://user[:password]@host:port/db`) instead of the
    /// embedded store in --data, which then holds only the log key. Several servers may share one database;
    /// each needs the same log key (copy log.key) and its own --node name.
    #[arg(long, value_name = "URL", env = "DECONFLICT_DATABASE_URL")]
    pub database_url: Option<String>,
    /// This server's name among the servers sharing a database (the alerts it raises carry it, so that
    /// after a restart it closes only its own). By default the host's name.
    #[arg(long, value_name = "NAME")]
    pub node: Option<String>,
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The log's name, the origin of its checkpoints (fixed at first start).
    #[arg(long, default_value = DEFAULT_ORIGIN)]
    pub origin: String,
    /// Serve `/metrics` (and `/healthz`) for the operator on this address too; port 0 picks a free port
    /// (printed). The API's listener never shows metrics.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Request and event logs on standard error: `text`, or `json` (one object per line).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub log_format: String,
    /// How often (ms, real time) live tracks are scanned for alerts (and overdue messages escalated).
    #[arg(long, default_value_t = 250, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub scan_period_ms: u64,
    /// The web picture's built files (a directory with index.html), served at `/`.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// For exercises and replays: the line's clock runs this many times faster than real time.
    #[arg(long, default_value_t = 1.0)]
    pub clock_speed: f64,
    /// For exercises and replays: the line's clock starts at this time (RFC 3339 or a date-time group)
    /// instead of now.
    #[arg(long, value_name = "TIME")]
    pub clock_start: Option<String>,
    /// After SIGTERM or Ctrl-C, how long (s) open requests have to finish; the process ends soon after
    /// whatever is still running.
    #[arg(long, default_value_t = deconflict_server::SHUTDOWN_GRACE.as_secs_f64(), value_parser = seconds)]
    pub shutdown_grace_s: f64,
    #[command(flatten)]
    pub dss: DssArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// The ASTM F3548-21 DSS API (`/dss/v1`), for drone traffic service suppliers (USSs).
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "The F3548 DSS API (drone traffic)")]
pub struct DssArgs {
    /// Serve the DSS API of ASTM F3548-21 under /dss/v1: USSs authenticate with RS256 access tokens (JWT)
    /// whose `sub` names them; every write is an entry of the log.
    #[arg(long)]
    pub dss: bool,
    /// A public key (RSA, PEM) that verifies the DSS's access tokens; repeat for several.
    #[arg(long, value_name = "PEM")]
    pub dss_public_key: Vec<PathBuf>,
    /// A JWKS document (JSON `{"keys": [...]}`) whose RSA keys verify the DSS's access tokens; repeat for
    /// several.
    #[arg(long, value_name = "FILE")]
    pub dss_jwks: Vec<PathBuf>,
    /// An audience (`aud`) the DSS accepts in tokens: the host name USSs reach it by; repeat or separate
    /// with commas for several.
    #[arg(long, value_name = "AUD", value_delimiter = ',')]
    pub dss_audience: Vec<String>,
    /// Accept `http://` base URLs from USSs (for tests on one machine; the standard asks for https://).
    #[arg(long)]
    pub dss_allow_http_base_urls: bool,
    /// Most operational intents, constraints and subscriptions one USS may hold at once (a USS deletes
    /// those that ended; what ended more than --limit-retention-s ago leaves memory anyway).
    #[arg(long, default_value_t = deconflict_server::line::DSS_ENTITIES_PER_USS, value_parser = count)]
    pub dss_entities_per_uss: usize,
}

impl DssArgs {
    /// The DSS's token settings, read from the key files; `None` without `--dss`.
    pub fn auth(&self) -> Result<Option<Arc<deconflict_server::DssAuth>>, String> {
        if !self.dss {
            if !self.dss_public_key.is_empty()
                || !self.dss_jwks.is_empty()
                || !self.dss_audience.is_empty()
            {
                return Err("--dss-public-key, --dss-jwks and --dss-audience need --dss".into());
            }
            return Ok(None);
        }
        let read = |paths: &[PathBuf], flag: &str| -> Result<Vec<(String, Vec<u8>)>, String> {
            paths
                .iter()
                .map(|p| {
                    std::fs::read(p)
                        .map(|b| (format!("{flag} {}", p.display()), b))
                        .map_err(|e| format!("{flag} {}: {e}", p.display()))
                })
                .collect()
        };
        let pems = read(&self.dss_public_key, "--dss-public-key")?;
        let jwks = read(&self.dss_jwks, "--dss-jwks")?;
        let settings = deconflict_server::line::DssSettings {
            allow_http: self.dss_allow_http_base_urls,
            max_entities: self.dss_entities_per_uss,
        };
        deconflict_server::DssAuth::new(&pems, &jwks, &self.dss_audience, settings)
            .map(|a| Some(Arc::new(a)))
    }
}

/// Every bound of the line (see `Limits`), with its default.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Limits (each refusal names its limit)")]
pub struct LimitArgs {
    /// Requests handled at once across the whole server; more are refused with 503 until some finish.
    #[arg(long, visible_alias = "limit-max-in-flight", default_value_t = Limits::default().max_in_flight, value_parser = count)]
    pub max_in_flight: usize,
    /// Connections open at once; more wait in the kernel's backlog.
    #[arg(long, default_value_t = Limits::default().max_connections, value_parser = count)]
    pub limit_max_connections: usize,
    /// Connections open at once from one address (an IPv6 address counts by its /64); more are closed at
    /// once, before anything is read.
    #[arg(long, default_value_t = Limits::default().connections_per_address, value_parser = count)]
    pub limit_connections_per_address: usize,
    /// Seconds a client has to send a request's headers, and an idle kept-alive connection to start its next
    /// request.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs_f64(), value_parser = seconds)]
    pub limit_header_timeout_s: f64,
    /// Seconds for a whole request: body read, handled and answered (streams excepted once open).
    #[arg(long, default_value_t = Limits::default().request_timeout.as_secs_f64(), value_parser = seconds)]
    pub limit_request_timeout_s: f64,
    /// Largest request body (bytes), except track batches.
    #[arg(long, default_value_t = Limits::default().body_bytes, value_parser = count)]
    pub limit_body_bytes: usize,
    /// Largest POST /v1/tracks body (bytes).
    #[arg(long, default_value_t = Limits::default().track_body_bytes, value_parser = count)]
    pub limit_track_body_bytes: usize,
    /// Seconds a stream client has to take one frame (event or heartbeat) before it is cut off with the
    /// cursor to resume from.
    #[arg(long, default_value_t = Limits::default().stream_send_timeout.as_secs_f64(), value_parser = seconds)]
    pub limit_stream_send_timeout_s: f64,
    /// Streams one party may hold open at once.
    #[arg(long, default_value_t = Limits::default().streams_per_party, value_parser = count)]
    pub limit_streams_per_party: usize,
    /// Seconds a track report stays live (older reports are refused).
    #[arg(long, default_value_t = Limits::default().track_ttl.as_secs_f64(), value_parser = seconds)]
    pub limit_track_ttl_s: f64,
    /// Seconds a report's time may be ahead of the line's clock.
    #[arg(long, default_value_t = Limits::default().track_future_skew.as_secs_f64(), value_parser = seconds)]
    pub limit_track_future_skew_s: f64,
    /// Most reports in one POST /v1/tracks.
    #[arg(long, default_value_t = Limits::default().track_batch, value_parser = count)]
    pub limit_track_batch: usize,
    /// Most live tracks one party may hold at once.
    #[arg(long, default_value_t = Limits::default().tracks_per_party, value_parser = count)]
    pub limit_tracks_per_party: usize,
    /// Most track reports one party may send per second, all batches together.
    #[arg(long, default_value_t = Limits::default().track_reports_per_second, value_parser = count)]
    pub limit_track_reports_per_second: usize,
    /// Alerts between one pair of parties a scan raises one by one; beyond, one storm alert with counts.
    #[arg(long, default_value_t = Limits::default().alerts_per_party_pair, value_parser = count)]
    pub limit_alerts_per_party_pair: usize,
    /// Most volumes in one declaration.
    #[arg(long, default_value_t = Limits::default().volumes_per_declaration, value_parser = count)]
    pub limit_volumes_per_declaration: usize,
    /// Most positions in one footprint.
    #[arg(long, default_value_t = Limits::default().vertices_per_footprint, value_parser = count)]
    pub limit_vertices_per_footprint: usize,
    /// Writes one party may make per second, sustained (more are refused with 429); previews count as
    /// writes.
    #[arg(long, default_value_t = Limits::default().writes_per_party_per_second, value_parser = positive)]
    pub limit_writes_per_party_per_second: f64,
    /// Writes one party may make at once before the rate applies.
    #[arg(long, default_value_t = Limits::default().write_burst, value_parser = positive)]
    pub limit_write_burst: f64,
    /// Most positions in one declaration, all its footprints together.
    #[arg(long, default_value_t = Limits::default().vertices_per_declaration, value_parser = count)]
    pub limit_vertices_per_declaration: usize,
    /// Most conflicts one write (a declaration or a new version) may open; a write that would open more is
    /// refused whole.
    #[arg(long, default_value_t = Limits::default().conflicts_per_write, value_parser = count)]
    pub limit_conflicts_per_write: usize,
    /// Most live declarations (neither ended nor cancelled) one party may hold.
    #[arg(long, default_value_t = Limits::default().declarations_per_party, value_parser = count)]
    pub limit_declarations_per_party: usize,
    /// Most positions one party's live declarations may hold together (a circle counts one).
    #[arg(long, default_value_t = Limits::default().vertices_per_party, value_parser = count)]
    pub limit_vertices_per_party: usize,
    /// Longest time window of one volume (s).
    #[arg(long, default_value_t = Limits::default().volume_window.as_secs_f64(), value_parser = seconds)]
    pub limit_volume_window_s: f64,
    /// Seconds closed alerts, resolved conflicts and answered messages stay in memory (the log keeps them).
    #[arg(long, default_value_t = Limits::default().retention.as_secs_f64(), value_parser = seconds)]
    pub limit_retention_s: f64,
    /// Pieces of core work for requests and streams that run at once on threads of their own (the rest wait
    /// their turn; background loops are not counted).
    #[arg(long, default_value_t = Limits::default().work_threads, value_parser = count)]
    pub limit_work_threads: usize,
    /// Requests one party may have handled at once (429 beyond; streams once open are not counted).
    #[arg(long, default_value_t = Limits::default().in_flight_per_party, value_parser = count)]
    pub limit_in_flight_per_party: usize,
    /// Most closed alerts, resolved conflicts and answered messages in memory at once (the oldest leave
    /// first; the log keeps them).
    #[arg(long, default_value_t = Limits::default().retained, value_parser = count)]
    pub limit_retained: usize,
    /// Items a list returns when the request names no limit.
    #[arg(long, default_value_t = Limits::default().page_default, value_parser = count)]
    pub limit_page_default: usize,
    /// Most items a list returns at once.
    #[arg(long, default_value_t = Limits::default().page_max, value_parser = count)]
    pub limit_page_max: usize,
    /// Most bytes of JSON in one page of a list (it always holds one item).
    #[arg(long, default_value_t = Limits::default().page_bytes, value_parser = count)]
    pub limit_page_bytes: usize,
}

/// A count of at least 1.
fn count(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "expected a whole number of at least 1, found {text:?}"
        )),
    }
}

/// A duration in seconds, above 0 (fractions allowed).
fn positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err(format!("expected a number above 0, found {text:?}")),
    }
}

fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s < 1e10 => Ok(s),
        _ => Err(format!(
            "expected a number of seconds above 0 (e.g. 0.5 or 30), found {text:?}"
        )),
    }
}

impl LimitArgs {
    /// The limits these arguments ask for.
    pub fn limits(&self) -> Result<Limits, String> {
        let s = Duration::from_secs_f64;
        if self.limit_page_default > self.limit_page_max {
            return Err(format!(
                "--limit-page-default {} is above --limit-page-max {}",
                self.limit_page_default, self.limit_page_max
            ));
        }
        Ok(Limits {
            track_ttl: s(self.limit_track_ttl_s),
            track_future_skew: s(self.limit_track_future_skew_s),
            track_batch: self.limit_track_batch,
            tracks_per_party: self.limit_tracks_per_party,
            track_reports_per_second: self.limit_track_reports_per_second,
            alerts_per_party_pair: self.limit_alerts_per_party_pair,
            volumes_per_declaration: self.limit_volumes_per_declaration,
            vertices_per_footprint: self.limit_vertices_per_footprint,
            vertices_per_declaration: self.limit_vertices_per_declaration,
            conflicts_per_write: self.limit_conflicts_per_write,
            declarations_per_party: self.limit_declarations_per_party,
            vertices_per_party: self.limit_vertices_per_party,
            writes_per_party_per_second: self.limit_writes_per_party_per_second,
            write_burst: self.limit_write_burst,
            volume_window: s(self.limit_volume_window_s),
            retention: s(self.limit_retention_s),
            work_threads: self.limit_work_threads,
            in_flight_per_party: self.limit_in_flight_per_party,
            retained: self.limit_retained,
            page_default: self.limit_page_default,
            page_max: self.limit_page_max,
            page_bytes: self.limit_page_bytes,
            max_in_flight: self.max_in_flight,
            max_connections: self.limit_max_connections,
            connections_per_address: self.limit_connections_per_address,
            header_timeout: s(self.limit_header_timeout_s),
            request_timeout: s(self.limit_request_timeout_s),
            body_bytes: self.limit_body_bytes,
            track_body_bytes: self.limit_track_body_bytes,
            stream_send_timeout: s(self.limit_stream_send_timeout_s),
            streams_per_party: self.limit_streams_per_party,
        })
    }
}

impl ServeArgs {
    /// The server options these arguments ask for.
    pub fn options(&self) -> Result<deconflict_server::Options, String> {
        Ok(deconflict_server::Options {
            scan_period: Duration::from_millis(self.scan_period_ms),
            web: self.web.clone(),
            shutdown_grace: Duration::from_secs_f64(self.shutdown_grace_s),
            exercise: self.clock_start.is_some() || self.clock_speed != 1.0,
            dss: self.dss.auth()?,
            ..deconflict_server::Options::default()
        })
    }

    /// The clock these arguments ask for: the system's, or an exercise clock.
    fn clock(&self) -> Result<Arc<dyn deconflict_server::clock::Clock>, String> {
        if !(self.clock_speed.is_finite() && self.clock_speed > 0.0) {
            return Err(format!(
                "--clock-speed: expected a number above 0, found {}",
                self.clock_speed
            ));
        }
        if self.clock_start.is_none() && self.clock_speed == 1.0 {
            return Ok(Arc::new(deconflict_server::clock::SystemClock));
        }
        let start = match &self.clock_start {
            Some(t) => {
                deconflict_space::units::parse_time(t).map_err(|e| format!("--clock-start: {e}"))?
            }
            None => {
                use deconflict_server::clock::Clock as _;
                deconflict_server::clock::SystemClock.now_ms()
            }
        };
        Ok(Arc::new(deconflict_server::clock::ScenarioClock::new(
            start,
            self.clock_speed,
        )))
    }
}

/// A `--web` directory must hold a built web picture (its index.html).
pub fn check_web(dir: Option<&std::path::Path>) -> Result<(), String> {
    match dir {
        Some(dir) if !dir.join("index.html").is_file() => Err(format!(
            "--web {}: no index.html there (build the web picture first)",
            dir.display()
        )),
        _ => Ok(()),
    }
}

/// Logs to standard error, as text or one JSON object per line; colours only when standard error is a
/// terminal (a log written to a file holds no escape codes).
pub fn init_logs(format: &str) {
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[derive(Subcommand, Debug)]
pub enum PartyCommand {
    /// Registers a party and prints its bearer token once (only its hash is kept). On the embedded store the
    /// server must be stopped; servers sharing a PostgreSQL database take the party up as they run.
    Add {
        #[arg(long, value_name = "DIR", default_value = "deconflict-data")]
        data: PathBuf,
        /// The log's PostgreSQL database, if it is not the embedded store in --data.
        #[arg(long, value_name = "URL", env = "DECONFLICT_DATABASE_URL")]
        database_url: Option<String>,
        /// The party's id, e.g. `us-cjtf`.
        #[arg(long)]
        id: String,
        /// military, humanitarian, civil or observer.
        #[arg(long, default_value = "military")]
        kind: String,
        /// The first credential's escalation level: duty_officer, commander or chief.
        #[arg(long, default_value = "duty_officer")]
        role: String,
        #[arg(long, default_value = DEFAULT_ORIGIN)]
        origin: String,
    },
    /// Issues another credential of a registered party (e.g. its commander's) and prints its token once. On
    /// the embedded store the server must be stopped; a running server issues them at POST /v1/credentials.
    Token {
        #[arg(long, value_name = "DIR", default_value = "deconflict-data")]
        data: PathBuf,
        /// The log's PostgreSQL database, if it is not the embedded store in --data.
        #[arg(long, value_name = "URL", env = "DECONFLICT_DATABASE_URL")]
        database_url: Option<String>,
        /// The party's id.
        #[arg(long)]
        id: String,
        /// duty_officer, commander or chief.
        #[arg(long)]
        role: String,
        #[arg(long, default_value = DEFAULT_ORIGIN)]
        origin: String,
    },
    /// Lists the registered parties.
    List {
        #[arg(long, value_name = "DIR", default_value = "deconflict-data")]
        data: PathBuf,
        /// The log's PostgreSQL database, if it is not the embedded store in --data.
        #[arg(long, value_name = "URL", env = "DECONFLICT_DATABASE_URL")]
        database_url: Option<String>,
        #[arg(long, default_value = DEFAULT_ORIGIN)]
        origin: String,
    },
}

/// The line on the embedded store in `data`, or on the PostgreSQL database at `database_url` with its log
/// key in `data`.
pub fn open_line(
    data: &std::path::Path,
    database_url: Option<&str>,
    origin: &str,
    clock: Arc<dyn deconflict_server::clock::Clock>,
) -> Result<Line, deconflict_server::line::LineError> {
    match database_url {
        Some(url) => {
            std::fs::create_dir_all(data).map_err(|e| {
                deconflict_server::line::LineError::Storage(format!("{}: {e}", data.display()))
            })?;
            Line::open_postgres(url, data, origin, clock)
        }
        None => Line::open_with_clock(data, origin, clock),
    }
}

pub fn party(command: &PartyCommand) -> ExitCode {
    let result = match command {
        PartyCommand::Add {
            data,
            database_url,
            id,
            kind,
            role,
            origin,
        } => open_line(data, database_url.as_deref(), origin, Arc::new(SystemClock)).and_then(|line| {
            let token = line.register_party_as(id, kind, role)?;
            println!("{token}");
            eprintln!("registered {id} ({kind}) with a {role}'s credential; keep this token: only its hash is stored");
            Ok(())
        }),
        PartyCommand::Token {
            data,
            database_url,
            id,
            role,
            origin,
        } => open_line(data, database_url.as_deref(), origin, Arc::new(SystemClock)).and_then(|line| {
            let (cred, token) = line.issue_operator_credential(id, role)?;
            println!("{token}");
            eprintln!("issued {cred}, a {role}'s credential of {id}; keep this token: only its hash is stored");
            Ok(())
        }),
        PartyCommand::List {
            data,
            database_url,
            origin,
        } => open_line(data, database_url.as_deref(), origin, Arc::new(SystemClock)).map(|line| {
            for p in line.parties() {
                println!("{}\t{}", p.id, p.kind);
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("deconflict party: {e}");
            ExitCode::from(2)
        }
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

pub fn serve(args: &ServeArgs) -> ExitCode {
    init_logs(&args.log_format);
    if let Err(e) = check_web(args.web.as_deref()) {
        eprintln!("deconflict serve: {e}");
        return ExitCode::from(2);
    }
    let clock = match args.clock() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("deconflict serve: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = match args.limits.limits() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("deconflict serve: {e}");
            return ExitCode::from(2);
        }
    };
    let options = match args.options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("deconflict serve: {e}");
            return ExitCode::from(2);
        }
    };
    let line = match open_line(
        &args.data,
        args.database_url.as_deref(),
        &args.origin,
        clock,
    ) {
        Ok(l) => Arc::new(
            l.with_node(&args.node.clone().unwrap_or_else(host_name))
                .with_limits(limits),
        ),
        Err(e) => {
            eprintln!("deconflict serve: {}: {e}", args.data.display());
            return ExitCode::from(2);
        }
    };
    let listen = Listen {
        api: args.listen,
        metrics: args.metrics_listen,
    };
    match serve_line(line, listen, options, |url| println!("listening on {url}")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Setup(m)) => {
            eprintln!("deconflict serve: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Serving(m)) => {
            eprintln!("deconflict serve: {m}");
            ExitCode::from(1)
        }
    }
}

/// The host's name, or `node` when it cannot be read.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}

/// Why serving stopped: before listening (runtime, address), or while serving.
pub enum Failure {
    Setup(String),
    Serving(String),
}

/// Where to listen: the API, and optionally the operator's metrics.
pub struct Listen {
    pub api: SocketAddr,
    pub metrics: Option<SocketAddr>,
}

/// Beyond the shutdown grace, how long the process may take to end before it is ended regardless (a
/// blocking thread that never returns must not keep it alive).
const EXIT_DEADLINE: Duration = Duration::from_secs(5);

async fn bind(addr: SocketAddr, flag: &str) -> Result<tokio::net::TcpListener, Failure> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Failure::Setup(format!(
            "cannot listen on {addr}: {e} (try {flag} 127.0.0.1:0)"
        ))
    })
}

/// Starts the runtime, binds `listen`, calls `banner` with the URL (then prints the metrics URL, if any),
/// and serves `line` until Ctrl-C or SIGTERM. After the signal, open requests have the options' shutdown
/// grace; the process ends within [`EXIT_DEADLINE`] after that, even if some work never returns.
pub fn serve_line(
    line: Arc<Line>,
    listen: Listen,
    options: deconflict_server::Options,
    banner: impl FnOnce(&str),
) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Setup(format!("cannot start the runtime: {e}")))?;
    let grace = options.shutdown_grace;
    let served = runtime.block_on(async {
        let api = bind(listen.api, "--listen").await?;
        let metrics = match listen.metrics {
            Some(addr) => Some(bind(addr, "--metrics-listen").await?),
            None => None,
        };
        let url = |l: &tokio::net::TcpListener, asked: SocketAddr| {
            l.local_addr()
                .map_or_else(|_| asked.to_string(), |a| a.to_string())
        };
        banner(&format!("http://{}", url(&api, listen.api)));
        if let (Some(m), Some(asked)) = (&metrics, listen.metrics) {
            println!("metrics on http://{}/metrics", url(m, asked));
        }
        let shutdown = async move {
            shutdown_signal().await;
            eprintln!(
                "deconflict: shutting down; open requests have {} ms to finish",
                grace.as_millis()
            );
            exit_after(grace + EXIT_DEADLINE);
        };
        deconflict_server::serve(
            deconflict_server::Listeners { api, metrics },
            line,
            options,
            shutdown,
        )
        .await
        .map_err(|e| Failure::Serving(e.to_string()))
    });
    // Work still running on blocking threads is not waited for.
    runtime.shutdown_timeout(Duration::from_millis(500));
    served
}

/// Ends the process after `deadline` unless it has ended by then.
fn exit_after(deadline: Duration) {
    let _ = std::thread::Builder::new()
        .name("deconflict-exit".into())
        .spawn(move || {
            std::thread::sleep(deadline);
            eprintln!(
                "deconflict: still running {} s after the shutdown signal; exiting",
                deadline.as_secs()
            );
            std::process::exit(1);
        });
}
