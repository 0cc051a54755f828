//! The clock of the tests that declare the 2017 scenario: real time, from 2017-06-18T05:00Z, the morning of
//! the scenario (a line refuses declarations that have already ended).

use std::sync::Arc;

use deconflict_server::clock::{Clock, SystemClock};

/// Real time, shifted by a fixed offset (ms).
#[derive(Debug)]
pub struct ScenarioMorning(i64);

impl Clock for ScenarioMorning {
    fn now_ms(&self) -> i64 {
        SystemClock.now_ms() + self.0
    }
}

/// A clock that reads 2017-06-18T05:00Z now and runs at real speed from there.
pub fn scenario_clock() -> Arc<ScenarioMorning> {
    Arc::new(ScenarioMorning(1_497_762_000_000 - SystemClock.now_ms()))
}
