//! The server's background loops (the tactical scan, escalation of overdue messages, checkpoints), each run
//! as its own supervised task, and the registry of their heartbeats behind `/healthz` and `/metrics`.
//!
//! Each loop runs its body on a blocking thread once per period. A run that fails is logged and counted; a
//! run that panics is logged and counted, and the loop goes on with its next run (it is restarted). Only a
//! run that succeeds is a heartbeat. A loop is *late* when it has not completed a run successfully for more
//! than three periods plus a grace — because a run has been in progress that long (as bad as a loop that
//! stopped), or because every run since has failed: `/healthz` then answers 503 naming it, and saying why.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Runs of a loop that may be missed before it is late.
pub const LATE_AFTER_PERIODS: u32 = 3;

/// What is known of one loop.
#[derive(Debug, Clone)]
pub struct LoopState {
    /// The loop's name (`scan`, `escalation`, `checkpoint`).
    pub name: &'static str,
    /// How often it runs.
    pub period: Duration,
    /// When it was registered (a loop that never completed a run is late from here).
    pub registered: Instant,
    /// When its last run started, and whether that run is still going.
    pub last_start: Option<Instant>,
    pub running: bool,
    /// When its last run ended (successfully or not), and how long it took.
    pub last_end: Option<Instant>,
    pub last_duration: Duration,
    /// When its last successful run ended (its last heartbeat).
    pub last_ok: Option<Instant>,
    /// Runs that failed (returned an error or panicked) since the last successful one, and the last one's
    /// error.
    pub failed_in_a_row: u64,
    pub last_error: Option<String>,
    /// Runs completed, runs that returned an error, runs that panicked.
    pub runs: u64,
    pub failures: u64,
    pub panics: u64,
}

impl LoopState {
    /// Whether the loop has gone without completing a run successfully for longer than allowed at `now`
    /// (a run that fails is no heartbeat).
    pub fn late(&self, now: Instant, grace: Duration) -> bool {
        now.saturating_duration_since(self.last_beat()) > self.period * LATE_AFTER_PERIODS + grace
    }

    /// The loop's last heartbeat: the end of its last successful run, or its registration.
    pub fn last_beat(&self) -> Instant {
        self.last_ok.unwrap_or(self.registered)
    }
}

/// A late loop: its name, how long since it last completed a run successfully, and its period; if its runs
/// have been failing, how many in a row and the last one's error.
#[derive(Debug, Clone)]
pub struct Late {
    pub name: &'static str,
    pub since: Duration,
    pub period: Duration,
    pub failed_in_a_row: u64,
    pub last_error: Option<String>,
}

impl std::fmt::Display for Late {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (since, every) = (self.since.as_secs_f64(), self.period.as_secs_f64());
        match &self.last_error {
            Some(error) if self.failed_in_a_row > 0 => write!(
                f,
                "{} (its runs have failed for {since:.1} s, {} in a row; it runs every {every:.1} s; last \
                 error: {error})",
                self.name, self.failed_in_a_row
            ),
            _ => write!(
                f,
                "{} (no run completed for {since:.1} s; it runs every {every:.1} s)",
                self.name
            ),
        }
    }
}

/// Most bytes of a run's error kept for `/healthz`.
const ERROR_BYTES: usize = 300;

/// One loop's heartbeat, as the loop reports it.
#[derive(Debug)]
pub struct Beat(Mutex<LoopState>);

impl Beat {
    fn start(&self) {
        let mut s = self.0.lock();
        s.last_start = Some(Instant::now());
        s.running = true;
    }

    fn end(&self, outcome: Outcome) {
        let now = Instant::now();
        let mut s = self.0.lock();
        s.running = false;
        s.last_end = Some(now);
        s.last_duration = s
            .last_start
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        s.runs += 1;
        let error = match outcome {
            Outcome::Done => {
                s.last_ok = Some(now);
                s.failed_in_a_row = 0;
                s.last_error = None;
                return;
            }
            Outcome::Failed(e) => {
                s.failures += 1;
                e
            }
            Outcome::Panicked => {
                s.panics += 1;
                "the run panicked".to_string()
            }
        };
        s.failed_in_a_row += 1;
        let mut error = error;
        if error.len() > ERROR_BYTES {
            let mut end = ERROR_BYTES;
            while !error.is_char_boundary(end) {
                end -= 1;
            }
            error.truncate(end);
            error.push('…');
        }
        s.last_error = Some(error);
    }
}

enum Outcome {
    Done,
    Failed(String),
    Panicked,
}

/// When a loop that beats on its own (a thread of the line's, such as the shared log's follower) last went
/// round; `None` while there is no such loop.
pub type Probe = Box<dyn Fn() -> Option<Instant> + Send + Sync>;

/// The registry of loops.
pub struct Health {
    loops: Mutex<Vec<Arc<Beat>>>,
    probes: Mutex<Vec<(&'static str, Duration, Instant, Probe)>>,
    grace: Duration,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field("loops", &self.loops())
            .field("grace", &self.grace)
            .finish()
    }
}

impl Health {
    /// An empty registry (healthy: no loop to be late); a loop is late after three periods and `grace`.
    pub fn new(grace: Duration) -> Self {
        Health {
            loops: Mutex::new(Vec::new()),
            probes: Mutex::new(Vec::new()),
            grace,
        }
    }

    /// Registers a loop that beats on its own at least every `period`, read through `probe`; it is listed
    /// (and may be late) only while `probe` gives a time.
    pub fn watch(&self, name: &'static str, period: Duration, probe: Probe) {
        self.probes
            .lock()
            .push((name, period, Instant::now(), probe));
    }

    /// Registers a loop running every `period`; it reports through the returned heartbeat.
    pub fn register(&self, name: &'static str, period: Duration) -> Arc<Beat> {
        let beat = Arc::new(Beat(Mutex::new(LoopState {
            name,
            period,
            registered: Instant::now(),
            last_start: None,
            running: false,
            last_end: None,
            last_duration: Duration::ZERO,
            last_ok: None,
            failed_in_a_row: 0,
            last_error: None,
            runs: 0,
            failures: 0,
            panics: 0,
        })));
        self.loops.lock().push(Arc::clone(&beat));
        beat
    }

    /// Every loop's state now.
    pub fn loops(&self) -> Vec<LoopState> {
        let mut loops: Vec<LoopState> = self
            .loops
            .lock()
            .iter()
            .map(|b| b.0.lock().clone())
            .collect();
        for (name, period, registered, probe) in self.probes.lock().iter() {
            if let Some(beat) = probe() {
                loops.push(LoopState {
                    name,
                    period: *period,
                    registered: *registered,
                    last_start: Some(beat),
                    running: false,
                    last_end: Some(beat),
                    last_duration: Duration::ZERO,
                    last_ok: Some(beat),
                    failed_in_a_row: 0,
                    last_error: None,
                    runs: 0,
                    failures: 0,
                    panics: 0,
                });
            }
        }
        loops
    }

    /// The loops that are late now.
    pub fn late(&self) -> Vec<Late> {
        let now = Instant::now();
        self.loops()
            .into_iter()
            .filter(|l| l.late(now, self.grace))
            .map(|l| Late {
                name: l.name,
                since: now.saturating_duration_since(l.last_beat()),
                period: l.period,
                failed_in_a_row: l.failed_in_a_row,
                last_error: l.last_error,
            })
            .collect()
    }

    /// The loops' figures in the Prometheus text format.
    pub fn metrics(&self) -> String {
        let now = Instant::now();
        let loops = self.loops();
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, value: &dyn Fn(&LoopState) -> f64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for l in &loops {
                let _ = writeln!(out, "{name}{{loop=\"{}\"}} {}", l.name, value(l));
            }
        };
        family(
            "deconflict_loop_last_run_seconds",
            "gauge",
            "Seconds since the loop last completed a run (since it started, if it never did).",
            &|l| {
                now.saturating_duration_since(l.last_end.unwrap_or(l.registered))
                    .as_secs_f64()
            },
        );
        family(
            "deconflict_loop_last_success_seconds",
            "gauge",
            "Seconds since the loop last completed a run successfully (its heartbeat; since it started, if it \
             never did).",
            &|l| now.saturating_duration_since(l.last_beat()).as_secs_f64(),
        );
        family(
            "deconflict_loop_failed_in_a_row",
            "gauge",
            "Runs that failed (an error or a panic) since the loop's last successful one.",
            &|l| l.failed_in_a_row as f64,
        );
        family(
            "deconflict_loop_last_duration_seconds",
            "gauge",
            "How long the loop's last completed run took.",
            &|l| l.last_duration.as_secs_f64(),
        );
        family(
            "deconflict_loop_running_seconds",
            "gauge",
            "How long the run in progress has been going (0 between runs).",
            &|l| match (l.running, l.last_start) {
                (true, Some(t)) => now.saturating_duration_since(t).as_secs_f64(),
                _ => 0.0,
            },
        );
        family(
            "deconflict_loop_period_seconds",
            "gauge",
            "How often the loop runs.",
            &|l| l.period.as_secs_f64(),
        );
        family(
            "deconflict_loop_late",
            "gauge",
            "1 when the loop has not completed a run successfully within three periods and the grace.",
            &|l| f64::from(u8::from(l.late(now, self.grace))),
        );
        family(
            "deconflict_loop_runs_total",
            "counter",
            "Runs completed.",
            &|l| l.runs as f64,
        );
        family(
            "deconflict_loop_failures_total",
            "counter",
            "Runs that ended in an error.",
            &|l| l.failures as f64,
        );
        family(
            "deconflict_loop_panics_total",
            "counter",
            "Runs that panicked (the loop goes on).",
            &|l| l.panics as f64,
        );
        out
    }
}

/// Called with a loop's name at the start of each of its runs, on the run's thread (a test hook: it may
/// block, to stall the loop, or panic).
pub type BeforeRun = Arc<dyn Fn(&'static str) + Send + Sync>;

/// The body of a loop: one run, on a blocking thread.
pub type Body = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Runs `body` every `period` on a blocking thread until the task is aborted, reporting to `beat`. A run
/// that overruns its period delays the next (runs never overlap); a failed or panicking run is logged and
/// counted, and the loop goes on.
pub async fn supervise(
    name: &'static str,
    beat: Arc<Beat>,
    period: Duration,
    body: Body,
    before: Option<BeforeRun>,
) {
    let mut every = tokio::time::interval(period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        beat.start();
        let (body, before) = (Arc::clone(&body), before.clone());
        let run = tokio::task::spawn_blocking(move || {
            if let Some(before) = before {
                before(name);
            }
            body()
        })
        .await;
        let outcome = match run {
            Ok(Ok(())) => Outcome::Done,
            Ok(Err(e)) => {
                tracing::warn!(r#loop = name, "background loop: {e}");
                Outcome::Failed(e)
            }
            Err(e) if e.is_panic() => {
                tracing::error!(
                    r#loop = name,
                    "background loop panicked; it goes on with its next run"
                );
                Outcome::Panicked
            }
            // Cancelled: the runtime is shutting down.
            Err(_) => return,
        };
        beat.end(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_is_late_after_three_periods_and_the_grace() {
        let health = Health::new(Duration::from_millis(10));
        let beat = health.register("scan", Duration::from_millis(20));
        assert!(health.late().is_empty());
        beat.start();
        std::thread::sleep(Duration::from_millis(80));
        let late: Vec<_> = health.late().into_iter().map(|l| l.name).collect();
        assert_eq!(late, ["scan"]);
        // A run that panics ends, but it is no heartbeat: the loop is still late until one succeeds.
        beat.end(Outcome::Panicked);
        assert_eq!(health.late().len(), 1);
        beat.start();
        beat.end(Outcome::Done);
        assert!(health.late().is_empty());
        let text = health.metrics();
        assert!(
            text.contains("deconflict_loop_panics_total{loop=\"scan\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("deconflict_loop_runs_total{loop=\"scan\"} 2"),
            "{text}"
        );
    }

    #[test]
    fn a_loop_whose_runs_all_fail_is_late_and_says_why() {
        let health = Health::new(Duration::from_millis(10));
        let beat = health.register("checkpoint", Duration::from_millis(20));
        beat.start();
        beat.end(Outcome::Done);
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(20));
            beat.start();
            beat.end(Outcome::Failed("the disk is full".into()));
        }
        let late = health.late();
        assert_eq!(late.len(), 1, "{late:?}");
        assert_eq!(late[0].failed_in_a_row, 5);
        let text = late[0].to_string();
        assert!(
            text.contains("5 in a row") && text.contains("the disk is full"),
            "{text}"
        );
        beat.start();
        beat.end(Outcome::Done);
        assert!(health.late().is_empty());
    }
}
