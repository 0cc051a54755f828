//! The deconfliction line over HTTP (axum): routes, authentication, RFC 9457 problems, and the server loop.
//!
//! Architecture invariant: only this crate knows HTTP and the wire format of the API; the core is
//! [`line::Line`], which knows neither. `app(line)` builds the router without a socket, so tests drive it with
//! `oneshot`; `run(listener, line, shutdown)` serves an already-bound listener until `shutdown` resolves.
//!
//! The shell holds every bound of [`Limits`] that concerns HTTP: one in-flight limit for the whole server,
//! a timeout for a whole request, body sizes, and (in `http`) connections, header timeouts and streams.
//! Every answer of the API is `Cache-Control: no-store`; every error is a problem, and a refusal at a bound
//! names it (`limit`). Core work, authentication included, runs on blocking threads, never on the async
//! workers. The background loops run apart and supervised (see [`health`]).
//!
//! Where things are: this file holds the server's options and `serve`; `http::auth` who is asking,
//! `http::routes` one module of handlers per resource, `http::router` the routes and their layers,
//! `http::stream` the WebSocket follower, `http::conn` connections, `http::work` the work threads, and
//! `background` the supervised loops. The line itself is [`mod@line`].

pub use deconflict_domain::agreement;
mod background;
pub mod clock;
/// The log's entries as typed events (in the domain crate).
pub use deconflict_domain::event;
pub mod health;
pub use deconflict_domain::hotline;
mod http;
pub mod limits;
pub mod line;
pub mod openapi;
mod problem;
pub mod tracks;

use background::spawn_loops;
pub use health::Health;
pub(crate) use http::auth::request_token;
pub use http::auth::{Caller, Who};
pub use http::dss::auth::DssAuth;
pub use http::router::{app, app_options, app_with, MAX_IN_FLIGHT, WEB_CSP};
use http::router::{metrics_router, router};
pub use http::routes::log::AUDIENCE_OPENINGS;
pub use http::stream::{STREAM_HEARTBEAT, STREAM_PROTOCOL};
pub(crate) use http::work::on_worker;
use http::work::{WorkPool, WORK};
pub use limits::Limits;
pub use line::{ConflictResponse, Credential, Line, LineError};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Largest request body (bytes) by default (see [`Limits::body_bytes`]).
pub const MAX_BODY: usize = 1 << 20;

/// Largest `POST /v1/tracks` body by default (see [`Limits::track_body_bytes`]): a full batch of 10 000
/// reports.
pub const MAX_TRACKS_BODY: usize = 4 << 20;

/// What the HTTP shell keeps beside the line: the loops' heartbeats, open streams, whether the server is
/// closing, and whether the line runs an exercise clock.
#[derive(Debug)]
pub(crate) struct Shell {
    health: Arc<Health>,
    streams: http::stream::Streams,
    closing: tokio::sync::watch::Receiver<bool>,
    closer: tokio::sync::watch::Sender<bool>,
    exercise: bool,
}

impl Shell {
    fn new(health: Arc<Health>, exercise: bool) -> Arc<Self> {
        let (closer, closing) = tokio::sync::watch::channel(false);
        Arc::new(Shell {
            health,
            streams: http::stream::Streams::default(),
            closing,
            closer,
            exercise,
        })
    }
}

/// How a server runs (its bounds are the line's [`Limits`]).
#[derive(Clone)]
pub struct Options {
    /// How often (real time) each background loop runs: the tactical scan of live tracks, escalation of
    /// overdue messages, checkpoints.
    pub scan_period: Duration,
    /// The web picture's built files, served at `/`.
    pub web: Option<std::path::PathBuf>,
    /// A loop is late, and `/healthz` 503, when it has not completed a run for three periods and this.
    pub health_grace: Duration,
    /// After the shutdown signal, how long open connections have to finish before they are dropped.
    pub shutdown_grace: Duration,
    /// The line's clock is not real time (`--clock-start`, `--clock-speed`, a demo): it is an exercise.
    pub exercise: bool,
    /// Called at the start of each run of each loop, with its name, on the run's thread (for tests: it may
    /// block to stall a loop, or panic).
    pub before_run: Option<health::BeforeRun>,
    /// Serve the ASTM F3548-21 DSS API under `/dss/v1`, with these token settings.
    pub dss: Option<Arc<DssAuth>>,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("scan_period", &self.scan_period)
            .field("web", &self.web)
            .field("health_grace", &self.health_grace)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("exercise", &self.exercise)
            .field("before_run", &self.before_run.is_some())
            .field("dss", &self.dss)
            .finish()
    }
}

/// The default period of the tactical scan.
pub const SCAN_PERIOD: Duration = Duration::from_millis(250);

/// The default grace beyond three periods before a loop is late.
pub const HEALTH_GRACE: Duration = Duration::from_secs(1);

/// The default time open connections have to finish after the shutdown signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

impl Default for Options {
    fn default() -> Self {
        Options {
            scan_period: SCAN_PERIOD,
            web: None,
            health_grace: HEALTH_GRACE,
            shutdown_grace: SHUTDOWN_GRACE,
            exercise: false,
            before_run: None,
            dss: None,
        }
    }
}

/// Where a server listens: the API, and optionally the operator's metrics.
#[derive(Debug)]
pub struct Listeners {
    pub api: tokio::net::TcpListener,
    /// `/metrics` and `/healthz` for the operator; without it there are no metrics.
    pub metrics: Option<tokio::net::TcpListener>,
}

/// Serves `line` on `listener` until `shutdown` resolves; escalates overdue messages and signs checkpoints in
/// the background.
pub async fn run(
    listener: tokio::net::TcpListener,
    line: Arc<Line>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with(listener, line, Options::default(), shutdown).await
}

/// As [`run`], with `options`.
pub async fn run_with(
    listener: tokio::net::TcpListener,
    line: Arc<Line>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve(
        Listeners {
            api: listener,
            metrics: None,
        },
        line,
        options,
        shutdown,
    )
    .await
}

/// Serves `line` on `listeners` until `shutdown` resolves, with its background loops (the tactical scan,
/// escalation, checkpoints), each supervised apart. After the shutdown signal, open requests have
/// `options.shutdown_grace` to finish; then this returns even if some have not (the caller should not wait
/// for blocking threads either: see `tokio::runtime::Runtime::shutdown_timeout`).
pub async fn serve(
    listeners: Listeners,
    line: Arc<Line>,
    options: Options,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // On a log other nodes write to, keep this node current with their entries.
    line.follow()?;
    let health = Arc::new(Health::new(options.health_grace));
    let loops = spawn_loops(&line, &health, &options);
    let shell = Shell::new(Arc::clone(&health), options.exercise);
    let closing = shell.closing.clone();
    http::conn::on_shutdown(shutdown, shell.closer.clone());
    let limits = line.limits().clone();
    // The first server of the process sets the bound (a process serves one line).
    if WORK.get().is_none() {
        let _ = WORK.set(WorkPool::new(limits.work_threads));
    }
    let conn = http::conn::ConnLimits {
        max_connections: limits.max_connections,
        connections_per_address: limits.connections_per_address,
        header_timeout: limits.header_timeout,
        grace: options.shutdown_grace,
    };
    let api = http::conn::serve(
        listeners.api,
        router(Arc::clone(&line), &options, shell, limits.max_in_flight),
        conn,
        closing.clone(),
    );
    match listeners.metrics {
        Some(listener) => {
            let metrics = http::conn::serve(
                listener,
                metrics_router(Arc::clone(&line), health),
                conn,
                closing,
            );
            tokio::join!(api, metrics);
        }
        None => api.await,
    }
    for l in loops {
        l.abort();
    }
    Ok(())
}
