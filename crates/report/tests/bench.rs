//! How long a 10 000-entry report takes: verifying the bundle, reading it into the model, rendering HTML and
//! PDF. Ignored in the test run; docs/BENCHMARKS.md records its figures:
//! `cargo test -p deconflict-report --test bench -- --ignored --nocapture`.

use std::time::Instant;

use deconflict_report::sample::{parties, sealed, SampleLog};
use deconflict_report::{render_html, render_pdf, Files, Report};
use serde_json::json;

const T0: i64 = 1_497_794_400_000;

/// 10 000 entries ru-gs may read: declarations, conflicts, messages with receipts, alerts and their churn,
/// notifications; free text of `text_chars` characters, Latin and Cyrillic.
fn log(text_chars: usize) -> SampleLog {
    let mut log = SampleLog::new("bench.example/log");
    let text: String = "Патруль over Tabqa at FL250 "
        .chars()
        .cycle()
        .take(text_chars)
        .collect();
    let ru = parties(&["ru-gs", "us-cjtf"]);
    let mut t = T0;
    let mut n = 0u64;
    while n < 10_000 {
        t += 1000;
        let i = n;
        let (kind, audience, content) = match i % 10 {
            0 => (
                "declaration.version",
                sealed(&["ru-gs", "us-cjtf"]),
                json!({"id": format!("d-{i}"), "party": "ru-gs", "version": 1, "kind": "air_operation", "name": text, "volumes": [{}]}),
            ),
            1 => (
                "conflict.found",
                ru.clone(),
                json!({"id": format!("c-{}", i - 1), "distance_m": 10.0, "vertical_gap_m": 0.0, "start": "2017-06-18T15:00:00Z", "end": "2017-06-18T16:00:00Z", "agreements": [],
                "a": {"id": format!("d-{}", i - 1), "party": "ru-gs", "version": 1, "volumes": []}, "b": {"id": "x", "party": "us-cjtf", "version": 1, "volumes": []}}),
            ),
            2 => (
                "conflict.disputed",
                ru.clone(),
                json!({"id": format!("c-{}", i - 2), "reason": text}),
            ),
            3 => (
                "message.sent",
                ru.clone(),
                json!({"id": format!("m-{i}"), "from": "us-cjtf", "to": ["ru-gs"], "precedence": "FLASH", "kind": "text", "text": text, "refs": {}, "deadline_ms": t + 600_000}),
            ),
            4 => (
                "message.acknowledged",
                ru.clone(),
                json!({"id": format!("m-{}", i - 1)}),
            ),
            5 => (
                "alert.raised",
                ru.clone(),
                json!({"id": format!("a-{i}"), "kind": "separation", "parties": ["ru-gs", "us-cjtf"], "t_cpa_s": 100.0, "d_cpa_m": 900.0, "t_los_s": 60.0, "los": false, "agreements": [],
                "tracks": [{"party": "ru-gs", "id": "t1", "callsign": "RFF1"}, {"party": "us-cjtf", "id": "t2", "callsign": "SHELL1"}]}),
            ),
            6 | 7 => (
                "alert.updated",
                ru.clone(),
                json!({"id": format!("a-{}", i - i % 10 + 5), "tracks": [], "t_cpa_s": 50.0, "d_cpa_m": 500.0, "t_los_s": 0.0, "los": true}),
            ),
            8 => (
                "notification.sent",
                ru.clone(),
                json!({"id": format!("n-{i}"), "text": text}),
            ),
            _ => (
                "alert.closed",
                ru.clone(),
                json!({"id": format!("a-{}", i - 4), "reason": "clear"}),
            ),
        };
        log.push(t, kind, "us-cjtf", audience, content);
        n += 1;
    }
    log
}

#[test]
#[ignore]
fn a_10000_entry_report() {
    for chars in [200, deconflict_report::TEXT_CHARS] {
        let log = log(chars);
        let bundle = log.bundle("ru-gs", T0, T0 + 86_400_000);
        assert_eq!(bundle.entries.len(), 10_000);
        let files = Files {
            policy: "policy.txt".into(),
            bundle: "bundle.json".into(),
        };
        let start = Instant::now();
        let verified = bundle.verify(&log.policy()).expect("verifies");
        let verify = start.elapsed();
        let start = Instant::now();
        let report =
            Report::from_bundle(&bundle, &verified, T0, T0 + 86_400_000, &files).expect("report");
        let model = start.elapsed();
        let start = Instant::now();
        let html = render_html(&report).expect("html");
        let html_t = start.elapsed();
        let start = Instant::now();
        let pdf = render_pdf(&report).expect("pdf");
        let pdf_t = start.elapsed();
        println!(
            "| {chars} | {:.0} ms | {:.0} ms | {:.0} ms ({:.1} MB) | {:.0} ms ({:.1} MB) |",
            verify.as_secs_f64() * 1e3,
            model.as_secs_f64() * 1e3,
            html_t.as_secs_f64() * 1e3,
            html.len() as f64 / 1e6,
            pdf_t.as_secs_f64() * 1e3,
            pdf.len() as f64 / 1e6,
        );
    }
}
