//! The report of a bundle made in a test: each kind's wording, an alert's churn collapsed, deadlines met,
//! late and missed, what another party was not told left out, and both renderings.

use deconflict_ledger::Audience;
use deconflict_report::sample::{parties, sealed, SampleLog};
use deconflict_report::{render_html, render_pdf, timings, Files, Report, Timing};
use serde_json::json;

const T0: i64 = 1_497_794_400_000; // 2017-06-18T14:00:00Z
const MIN: i64 = 60_000;

fn files() -> Files {
    Files {
        policy: "policy.txt".into(),
        bundle: "ru-gs.bundle.json".into(),
    }
}

/// A morning on the line: declarations, a conflict, the hotline, an alert with 150 updates, and entries of
/// kinds this crate does not know.
fn morning() -> SampleLog {
    let mut log = SampleLog::new("deconflict.example/log");
    log.push(
        T0,
        "party.registered",
        "line",
        parties(&["ru-gs"]),
        json!({"id": "ru-gs", "kind": "state", "role": "duty_officer", "token_sha256": "00"}),
    );
    log.push(T0 + MIN, "declaration.version", "ru-gs", sealed(&["ru-gs", "us-cjtf"]),
        json!({"id": "kuweires-cap", "party": "ru-gs", "version": 1, "kind": "mission", "name": "Патруль Кувейрис", "volumes": [{}, {}]}));
    log.push(T0 + 2 * MIN, "declaration.version", "us-cjtf", sealed(&["us-cjtf", "tr-gs"]),
        json!({"id": "secret-strike", "party": "us-cjtf", "version": 1, "kind": "mission", "name": "Not for Russia", "volumes": [{}]}));
    log.push(T0 + 3 * MIN, "conflict.found", "line", parties(&["ru-gs", "us-cjtf"]), json!({
        "id": "c-1", "distance_m": 1200.4, "vertical_gap_m": 0.0, "start": "2017-06-18T15:00:00Z", "end": "2017-06-18T16:00:00Z", "agreements": [],
        "a": {"id": "kuweires-cap", "party": "ru-gs", "version": 1, "volumes": []},
        "b": {"id": "tanker-track", "party": "us-cjtf", "version": 3, "volumes": []}}));
    log.push(
        T0 + 4 * MIN,
        "conflict.acknowledged",
        "us-cjtf",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "c-1"}),
    );
    log.push(
        T0 + 5 * MIN,
        "conflict.disputed",
        "ru-gs",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "c-1", "reason": "наш патруль раньше"}),
    );
    // m-10: FLASH to ru-gs and tr-gs; ru-gs acknowledges in time; tr-gs's receipts are not ru-gs's to see.
    log.push(T0 + 6 * MIN, "message.sent", "us-cjtf", parties(&["ru-gs", "tr-gs", "us-cjtf"]), json!({
        "id": "m-10", "from": "us-cjtf", "to": ["ru-gs", "tr-gs"], "precedence": "FLASH", "kind": "request",
        "text": "Tanker at FL250 over Tabqa until 1600Z", "refs": {}, "deadline_ms": T0 + 16 * MIN}));
    log.push(
        T0 + 7 * MIN,
        "message.delivered",
        "ru-gs",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "m-10"}),
    );
    log.push(
        T0 + 8 * MIN,
        "message.acknowledged",
        "ru-gs",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "m-10"}),
    );
    log.push(
        T0 + 9 * MIN,
        "message.acknowledged",
        "tr-gs",
        parties(&["tr-gs", "us-cjtf"]),
        json!({"id": "m-10"}),
    );
    // m-11: ru-gs to us-cjtf, acknowledged late; m-12: ru-gs to sdf, never.
    log.push(
        T0 + 10 * MIN,
        "message.sent",
        "ru-gs",
        parties(&["ru-gs", "us-cjtf"]),
        json!({
        "id": "m-11", "from": "ru-gs", "to": ["us-cjtf"], "precedence": "FLASH", "kind": "text",
        "text": "Подтвердите", "refs": {}, "deadline_ms": T0 + 20 * MIN}),
    );
    log.push(
        T0 + 10 * MIN,
        "message.sent",
        "ru-gs",
        parties(&["ru-gs", "sdf"]),
        json!({
        "id": "m-12", "from": "ru-gs", "to": ["sdf"], "precedence": "FLASH", "kind": "notice",
        "text": "Leaving Manbij", "refs": {}, "deadline_ms": T0 + 20 * MIN}),
    );
    log.push(
        T0 + 21 * MIN,
        "message.escalated",
        "line",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "m-11", "party": "us-cjtf", "level": "commander"}),
    );
    log.push(
        T0 + 21 * MIN,
        "message.escalated",
        "line",
        parties(&["ru-gs", "sdf"]),
        json!({"id": "m-12", "party": "sdf", "level": "commander"}),
    );
    log.push(
        T0 + 25 * MIN,
        "message.answered",
        "us-cjtf",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "m-11", "text": "Confirmed"}),
    );
    // Another party's hotline traffic.
    log.push(
        T0 + 26 * MIN,
        "message.sent",
        "tr-gs",
        parties(&["tr-gs", "us-cjtf"]),
        json!({
        "id": "m-13", "from": "tr-gs", "to": ["us-cjtf"], "precedence": "ROUTINE", "kind": "text",
        "text": "Afrin tonight", "refs": {}, "deadline_ms": T0 + 400 * MIN}),
    );
    // An alert raised, updated 150 times, closed.
    log.push(T0 + 30 * MIN, "alert.raised", "line", parties(&["ru-gs", "us-cjtf"]), json!({
        "id": "a-7", "kind": "separation", "parties": ["ru-gs", "us-cjtf"], "t_cpa_s": 120.0, "d_cpa_m": 900.0, "t_los_s": 60.0, "los": false, "agreements": [],
        "tracks": [{"party": "ru-gs", "id": "t1", "callsign": "RFF1234"}, {"party": "us-cjtf", "id": "t2", "callsign": "SHELL77"}]}));
    for i in 0..150 {
        log.push(T0 + 30 * MIN + (i + 1) * 2000, "alert.updated", "line", parties(&["ru-gs", "us-cjtf"]), json!({
            "id": "a-7", "tracks": [], "t_cpa_s": 100.0 - i as f64 / 2.0, "d_cpa_m": 800.0 - i as f64, "t_los_s": 0.0, "los": i >= 40}));
    }
    log.push(
        T0 + 40 * MIN,
        "alert.closed",
        "line",
        parties(&["ru-gs", "us-cjtf"]),
        json!({"id": "a-7", "reason": "clear"}),
    );
    // Kinds not merged yet: a generic but readable line.
    log.push(T0 + 41 * MIN, "notification.sent", "un-ocha", Audience::Everyone, json!({
        "id": "n-3", "site": "Al-Hol camp", "kind": "humanitarian_site", "until": "2017-06-30T00:00:00Z"}));
    log.push(
        T0 + 42 * MIN,
        "notification.acknowledged",
        "ru-gs",
        parties(&["ru-gs", "un-ocha"]),
        json!({"id": "n-3"}),
    );
    log.push(
        T0 + 43 * MIN,
        "incident.reported",
        "sdf",
        Audience::Everyone,
        json!({"id": "i-1", "text": "Shelling near Tabqa dam"}),
    );
    log.push(
        T0 + 90 * MIN,
        "declaration.state",
        "ru-gs",
        sealed(&["ru-gs", "us-cjtf"]),
        json!({"id": "kuweires-cap", "version": 1, "state": "active"}),
    );
    log
}

fn report(party: &str, from: i64, to: i64) -> Report {
    let log = morning();
    let bundle = log.bundle(party, from, to);
    Report::verified(&bundle, &log.policy(), from, to, &files()).expect("report")
}

#[test]
fn each_kind_reads_in_words_with_its_sequence_number() {
    let r = report("ru-gs", T0, T0 + 60 * MIN);
    let h = &r.header;
    assert_eq!(
        (h.party.as_str(), h.origin.as_str()),
        ("ru-gs", "deconflict.example/log")
    );
    assert_eq!(h.from_dtg, "181400ZJUN17");
    assert_eq!(
        h.verify,
        "deconflict log verify-proof --policy policy.txt --bundle ru-gs.bundle.json"
    );
    let all: Vec<String> = r
        .lines()
        .map(|l| format!("#{} {} {}", l.seq, l.dtg, l.text))
        .collect();
    let text = all.join("\n");
    for want in [
        "#0 181400ZJUN17 party ru-gs registered (state), with a duty_officer credential",
        "#1 181401ZJUN17 ru-gs declared kuweires-cap version 1: mission “Патруль Кувейрис”, 2 volumes",
        "conflict c-1 found between ru-gs's kuweires-cap v1 and us-cjtf's tanker-track v3: 1200 m apart laterally, 0 m vertically, 181500ZJUN17 to 181600ZJUN17",
        "#4 181404ZJUN17 us-cjtf acknowledged conflict c-1",
        "ru-gs disputed conflict c-1: “наш патруль раньше”",
        "us-cjtf → ru-gs, tr-gs: FLASH request m-10: “Tanker at FL250 over Tabqa until 1600Z” — acknowledgement due by 181416ZJUN17",
        "#8 181408ZJUN17 ru-gs acknowledged message m-10",
        "the deadline passed: us-cjtf's receipt of message m-11 escalated to commander",
        "us-cjtf answered message m-11: “Confirmed”",
        "separation alert a-7 raised between ru-gs RFF1234 and us-cjtf SHELL77: closest approach 900 m in 120 s",
        "alert a-7 closed: “clear”",
        "un-ocha sent notification n-3 — kind: humanitarian_site; site: Al-Hol camp; until: 2017-06-30T00:00:00Z",
        "ru-gs acknowledged notification n-3",
        "sdf reported incident i-1 — text: Shelling near Tabqa dam",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // Not told: us-cjtf's declaration shared with tr-gs, tr-gs's receipt and message, the window's outside.
    for never in [
        "secret-strike",
        "Not for Russia",
        "m-13",
        "Afrin",
        "tr-gs acknowledged",
        "is now active",
    ] {
        assert!(!text.contains(never), "{never:?} leaked into\n{text}");
    }
    // Every entry ru-gs may read is one line, but the alert's 150 updates, which are one.
    assert_eq!(h.entries, r.lines().count() + 149);
}

#[test]
fn an_alerts_churn_is_one_line() {
    let r = report("ru-gs", T0, T0 + 60 * MIN);
    let alerts = r
        .sections
        .iter()
        .find(|s| s.key == "alert")
        .expect("alerts");
    let story = &alerts.stories[0];
    assert_eq!(story.title, "Alert a-7 (separation)");
    assert_eq!(story.lines.len(), 3, "{:#?}", story.lines);
    let churn = &story.lines[1];
    assert_eq!(churn.seq, "17–166 (150 entries)");
    assert!(
        churn
            .text
            .contains("updated 150 times from 181430ZJUN17 to 181435ZJUN17"),
        "{}",
        churn.text
    );
    assert!(
        churn.text.contains("closest predicted approach 651 m"),
        "{}",
        churn.text
    );
    assert!(
        churn
            .text
            .contains("separation first lost at 2017-06-18T14:31:22Z (entry 57)"),
        "{}",
        churn.text
    );
    assert_eq!(
        story.outcome,
        ["Raised at 181430ZJUN17, closed at 181440ZJUN17 after 10 min (clear); 150 updates."]
    );
}

#[test]
fn deadlines_met_late_and_missed() {
    let r = report("ru-gs", T0, T0 + 60 * MIN);
    let hotline = r
        .sections
        .iter()
        .find(|s| s.key == "message")
        .expect("hotline");
    let story = |id: &str| {
        hotline
            .stories
            .iter()
            .find(|s| s.title.starts_with(&format!("Message {id},")))
            .expect(id)
    };
    // A recipient sees its own receipt only: ru-gs is told of its own acknowledgement of m-10, not tr-gs's.
    assert_eq!(timings(story("m-10")), [Timing::InTime]);
    assert!(story("m-10").outcome[1]
        .starts_with("ru-gs: acknowledged at 181408ZJUN17, in time (8 min before"));
    assert_eq!(timings(story("m-11")), [Timing::Late]);
    assert!(
        story("m-11").outcome[1].contains(
            "late (5 min after the deadline 181420ZJUN17); escalated to commander at 181421ZJUN17"
        ),
        "{:?}",
        story("m-11").outcome
    );
    assert_eq!(timings(story("m-12")), [Timing::Never]);
    // The sender sees every recipient's; a deadline after the window is pending, not missed.
    let us = report("us-cjtf", T0, T0 + 60 * MIN);
    let hotline = us
        .sections
        .iter()
        .find(|s| s.key == "message")
        .expect("hotline");
    let m10 = hotline
        .stories
        .iter()
        .find(|s| s.title.starts_with("Message m-10,"))
        .expect("m-10");
    assert_eq!(timings(m10), [Timing::InTime, Timing::InTime]);
    let m13 = hotline
        .stories
        .iter()
        .find(|s| s.title.starts_with("Message m-13,"))
        .expect("m-13");
    assert_eq!(timings(m13), [Timing::Pending]);
    // A window that starts after the message: said plainly.
    let later = report("ru-gs", T0 + 21 * MIN, T0 + 60 * MIN);
    let hotline = later
        .sections
        .iter()
        .find(|s| s.key == "message")
        .expect("hotline");
    assert!(hotline.stories[0].outcome[0].starts_with("Sent before this window"));
}

#[test]
fn conflicts_tell_each_sides_responses() {
    let r = report("us-cjtf", T0, T0 + 60 * MIN);
    let c = &r
        .sections
        .iter()
        .find(|s| s.key == "conflict")
        .expect("conflicts")
        .stories[0];
    assert_eq!(
        c.outcome,
        [
            "Found at 181403ZJUN17.",
            "ru-gs: disputed at 181405ZJUN17.",
            "us-cjtf: acknowledged at 181404ZJUN17.",
            "Still open at the end of the window.",
        ]
    );
}

#[test]
fn an_invalid_bundle_is_refused() {
    let log = morning();
    let mut bundle = log.bundle("ru-gs", T0, T0 + 60 * MIN);
    bundle.entries[3].content = bundle.entries[3].content.replace("c-1", "c-2");
    let err =
        Report::verified(&bundle, &log.policy(), T0, T0 + 60 * MIN, &files()).expect_err("refused");
    assert!(err.to_string().contains("does not verify"), "{err}");
    let stranger = SampleLog::new("other.example/log");
    let bundle = log.bundle("ru-gs", T0, T0 + 60 * MIN);
    assert!(Report::verified(&bundle, &stranger.policy(), T0, T0 + 60 * MIN, &files()).is_err());
}

#[test]
fn html_and_pdf_render() {
    let r = report("ru-gs", T0, T0 + 60 * MIN);
    let html = render_html(&r).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Патруль Кувейрис"));
    assert!(html.contains("#17–166 (150 entries)"));
    assert!(
        html.contains("deconflict log verify-proof --policy policy.txt --bundle ru-gs.bundle.json")
    );
    // Free text is escaped.
    let log = {
        let mut log = SampleLog::new("deconflict.example/log");
        log.push(
            T0,
            "incident.reported",
            "sdf",
            Audience::Everyone,
            json!({"id": "i-9", "text": "<script>alert(1)</script>"}),
        );
        log
    };
    let b = log.bundle("ru-gs", T0, T0 + MIN);
    let hostile = Report::verified(&b, &log.policy(), T0, T0 + MIN, &files()).expect("report");
    let html = render_html(&hostile).expect("html");
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
    let pdf = render_pdf(&r).expect("pdf");
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.windows(5).any(|w| w == b"%%EOF"));
    assert!(
        pdf.windows(9).any(|w| w == b"/FontFile"),
        "the font is embedded"
    );
    // The font is subset: the PDF is far smaller than DejaVu Sans itself.
    assert!(pdf.len() < 300_000, "{} bytes", pdf.len());
    let empty = report("ru-gs", T0 + 500 * MIN, T0 + 600 * MIN);
    assert!(render_html(&empty)
        .expect("html")
        .contains("was told nothing"));
    assert!(render_pdf(&empty).expect("pdf").starts_with(b"%PDF-"));
}
