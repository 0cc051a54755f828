//! `deconflict serve` and `deconflict party add`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Subcommand};
use deconflict_server::clock::SystemClock;
use deconflict_server::Line;

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
    /// Requests handled at once; more are refused with 503 until some finish.
    #[arg(long, default_value_t = deconflict_server::MAX_IN_FLIGHT)]
    pub max_in_flight: usize,
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
}

impl ServeArgs {
    /// The server options these arguments ask for.
    pub fn options(&self) -> deconflict_server::Options {
        deconflict_server::Options {
            max_in_flight: self.max_in_flight,
            scan_period: std::time::Duration::from_millis(self.scan_period_ms),
            web: self.web.clone(),
        }
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

/// Logs to standard error, as text or one JSON object per line.
pub fn init_logs(format: &str) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr);
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
    let line = match open_line(
        &args.data,
        args.database_url.as_deref(),
        &args.origin,
        clock,
    ) {
        Ok(l) => Arc::new(l.with_node(&args.node.clone().unwrap_or_else(host_name))),
        Err(e) => {
            eprintln!("deconflict serve: {}: {e}", args.data.display());
            return ExitCode::from(2);
        }
    };
    match serve_line(line, args.listen, args.options(), |url| {
        println!("listening on {url}")
    }) {
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

/// Starts the runtime, binds `listen`, calls `banner` with the URL, and serves `line` until Ctrl-C or SIGTERM.
pub fn serve_line(
    line: Arc<Line>,
    listen: SocketAddr,
    options: deconflict_server::Options,
    banner: impl FnOnce(&str),
) -> Result<(), Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Setup(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            Failure::Setup(format!(
                "cannot listen on {listen}: {e} (try --listen 127.0.0.1:0)"
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_or_else(|_| listen.to_string(), |a| a.to_string());
        banner(&format!("http://{addr}"));
        deconflict_server::run_with(listener, line, options, shutdown_signal())
            .await
            .map_err(|e| Failure::Serving(e.to_string()))
    })
}
