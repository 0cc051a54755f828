//! The threads that run core work for requests and streams, fed by one queue, so that no async worker ever
//! waits for the line's lock, a computation or an fsync.

use std::sync::Arc;

use crate::problem::Problem;
use crate::{Limits, LineError};

/// The threads that run core work for requests and streams: `work_threads` of them (set once by [`serve`]),
/// fed by one queue. Without a bound, every request waiting for the line's lock held a blocking thread of its
/// own: bursts grew the pool to a hundred threads, which then stayed, each with its own allocator cache. The
/// background loops run apart (on the runtime's blocking pool), so requests can never starve them.
pub(crate) struct WorkPool {
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Box<dyn FnOnce() + Send>>>,
}

impl WorkPool {
    pub(crate) fn new(threads: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Box<dyn FnOnce() + Send>>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for k in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("deconflict-work-{k}"))
                .spawn(move || loop {
                    // A poisoned queue only means another worker panicked while taking a job (jobs run
                    // outside the lock, under catch_unwind); the queue itself is intact.
                    let job = match queue.lock() {
                        Ok(q) => q.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start a work thread: {e}");
            }
        }
        WorkPool {
            jobs: std::sync::Mutex::new(jobs),
        }
    }
}

pub(crate) static WORK: std::sync::OnceLock<WorkPool> = std::sync::OnceLock::new();

pub(crate) fn work_pool() -> &'static WorkPool {
    WORK.get_or_init(|| WorkPool::new(Limits::default().work_threads))
}

/// Why core work gave no answer: it panicked (the panic is logged by the panic hook), or no work thread runs.
#[derive(Debug)]
pub(crate) struct WorkFailed;

/// Runs `f` on one of the work threads and waits for it without holding an async worker.
pub(crate) async fn on_worker<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, WorkFailed> {
    let (done, answer) = tokio::sync::oneshot::channel();
    let job: Box<dyn FnOnce() + Send> = Box::new(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let _ = done.send(outcome);
    });
    let sent = match work_pool().jobs.lock() {
        Ok(jobs) => jobs.send(job).is_ok(),
        Err(poisoned) => poisoned.into_inner().send(job).is_ok(),
    };
    if !sent {
        return Err(WorkFailed);
    }
    match answer.await {
        Ok(Ok(value)) => Ok(value),
        _ => Err(WorkFailed),
    }
}

/// Runs core work (it may take a lock, compute, or wait for an fsync) on a blocking thread, off the async
/// workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, LineError> + Send + 'static,
) -> Result<T, Problem> {
    on_worker(f)
        .await
        .map_err(|_| Problem::internal("the request failed"))?
        .map_err(Problem::from)
}
