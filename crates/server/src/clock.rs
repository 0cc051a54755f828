//! Time as a dependency: the server reads the system clock, tests turn a manual one.

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since 1970-01-01T00:00Z.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now_ms(&self) -> i64;
    /// How many milliseconds pass on this clock in one real millisecond (0 for a clock that moves only when
    /// told to); clients use it to run their own display of the line's time between readings.
    fn rate(&self) -> f64 {
        1.0
    }
    /// Whether this clock is an exercise's (it does not read real time): a line on it must be an exercise
    /// line (see [`is_exercise_origin`]).
    fn exercise(&self) -> bool {
        false
    }
}

/// Whether a log's origin names it an exercise: one of the words of its name (split at `/`, `.`, `-`, `_`) is
/// `exercise`, e.g. `demo.deconflict.example/syria-2017-exercise`. An exercise line's checkpoints say so
/// too, and only an exercise line may run on an exercise clock: a real line refuses one, so that nobody can
/// mistake an exercise's record for a real one, or replay a real line at another time.
pub fn is_exercise_origin(origin: &str) -> bool {
    origin
        .split(['/', '.', '-', '_'])
        .any(|w| w.eq_ignore_ascii_case("exercise"))
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64)
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
    fn rate(&self) -> f64 {
        0.0
    }
}

/// A clock that starts at a scenario's time and runs `speed` times faster than the system clock, for demos
/// where a ten-minute deadline should pass in ten seconds.
#[derive(Debug)]
pub struct ScenarioClock {
    real_start_ms: i64,
    scenario_start_ms: i64,
    speed: f64,
}

impl ScenarioClock {
    pub fn new(scenario_start_ms: i64, speed: f64) -> Self {
        ScenarioClock {
            real_start_ms: SystemClock.now_ms(),
            scenario_start_ms,
            speed,
        }
    }
}

impl Clock for ScenarioClock {
    fn now_ms(&self) -> i64 {
        let elapsed = (SystemClock.now_ms() - self.real_start_ms) as f64;
        self.scenario_start_ms + (elapsed * self.speed) as i64
    }
    fn rate(&self) -> f64 {
        self.speed
    }
    fn exercise(&self) -> bool {
        true
    }
}
