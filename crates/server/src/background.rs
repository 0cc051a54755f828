//! The background loops of a server (tactical scan, escalation, the declarations' lifecycle, checkpoints, and
//! the watch on the shared log's follower), each supervised apart by [`crate::health`].

use std::sync::Arc;
use std::time::Duration;

use crate::health;
use crate::{Health, Line, Options};

/// How often the shared log's follower goes round at least (it waits for growth a second at most).
pub(crate) const FOLLOWER_PERIOD: Duration = Duration::from_secs(2);

/// Starts the background loops, each its own task running its body on a blocking thread.
pub(crate) fn spawn_loops(
    line: &Arc<Line>,
    health: &Health,
    options: &Options,
) -> Vec<tokio::task::JoinHandle<()>> {
    // The shared log's follower is a thread of the line's; it goes round at least every second.
    let weak = Arc::downgrade(line);
    health.watch(
        "follower",
        FOLLOWER_PERIOD,
        Box::new(move || weak.upgrade().and_then(|l| l.follower_beat())),
    );
    let period = options.scan_period;
    let bodies: [(&'static str, health::Body); 4] = [
        ("scan", {
            let line = Arc::clone(line);
            Arc::new(move || line.scan_tracks().map(|_| ()).map_err(|e| e.to_string()))
        }),
        ("escalation", {
            let line = Arc::clone(line);
            Arc::new(move || {
                line.escalate_overdue()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
        // Planned declarations whose window began become active, those whose last window ended become ended,
        // on the line's clock (an exercise's runs faster than real time).
        ("lifecycle", {
            let line = Arc::clone(line);
            Arc::new(move || {
                line.advance_lifecycle()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
        ("checkpoint", {
            let line = Arc::clone(line);
            Arc::new(move || {
                line.checkpoint_tick()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
    ];
    bodies
        .into_iter()
        .map(|(name, body)| {
            let beat = health.register(name, period);
            tokio::spawn(health::supervise(
                name,
                beat,
                period,
                body,
                options.before_run.clone(),
            ))
        })
        .collect()
}
