//! Streams and bursts of requests must not multiply threads. Every stream checked its credential on the
//! blocking pool each time the log grew, and every request waiting for the line's lock held a blocking thread
//! of its own: a hundred streams, or a burst of writes, grew the pool to a hundred threads, which then stayed,
//! each with its own allocator cache, and the soak's memory grew from 0.5 to 1.1 GiB in ten minutes. The
//! credential check is now a hash and a read in place, and core work runs under `work_threads` permits.
//! Alone in its test binary, so that the threads counted are this test's own.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use deconflict_server::clock::ManualClock;
use deconflict_server::{app, Limits, Line};
use serde_json::json;
use tower::ServiceExt;

/// The threads of this process.
fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_woken_by_every_entry_do_not_each_take_a_thread() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 2030-06-18T12:00:00Z.
    let clock = Arc::new(ManualClock::new(1_908_014_400_000));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock)
        .expect("open")
        .with_limits(Limits {
            streams_per_party: 100,
            ..Default::default()
        });
    let line = Arc::new(line);
    let token = line.register_party("aa", "military").expect("aa");
    line.register_party("bb", "military").expect("bb");
    line.establish_agreement(json!({"id": "ab", "parties": ["aa", "bb"]}))
        .expect("agreement");
    let server = common::serve(&line).await;
    let mut streams = Vec::new();
    for _ in 0..80 {
        streams.push(common::connect(&server.addr, &token, 0).await);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = threads();
    // Each message wakes all 80 streams.
    for k in 0..40 {
        let line = Arc::clone(&line);
        tokio::task::block_in_place(|| {
            line.send("bb", json!({"to": ["aa"], "text": format!("wake {k}")}))
                .expect("send")
        });
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = threads();
    eprintln!("80 streams woken 40 times: threads {before} → {after}");
    assert!(
        after <= before + 16,
        "80 streams woken 40 times took {} more threads ({before} → {after})",
        after.saturating_sub(before)
    );
    // A burst of 200 writes at once: they wait for the line's lock in turn, never each on a thread.
    let before = threads();
    let router = app(Arc::clone(&line));
    let burst: Vec<_> = (0..200)
        .map(|k| {
            let router = router.clone();
            let token = token.clone();
            tokio::spawn(async move {
                let req = Request::builder()
                    .method("POST")
                    .uri("/v1/messages")
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(
                        json!({"to": ["bb"], "text": format!("burst {k}")}).to_string(),
                    ))
                    .expect("request");
                router.oneshot(req).await.expect("response").status()
            })
        })
        .collect();
    for b in burst {
        let status = b.await.expect("task");
        assert!(status.is_success() || status.as_u16() == 429, "{status}");
    }
    let after = threads();
    eprintln!("a burst of 200 writes: threads {before} → {after}");
    assert!(
        after <= before + Limits::default().work_threads + 4,
        "a burst of 200 writes took {} more threads ({before} → {after})",
        after.saturating_sub(before)
    );
    drop(streams);
    server.stop().await;
}
