//! The line's own lifecycle of declarations, and humanitarian notifications on a manual clock: one
//! notification per recipient (none learns of another), acknowledgement, escalation, re-confirmation,
//! lapse, expiry, supersession by a new version, incident reports with a proof bundle that verifies offline,
//! deconfliction requests, bounds and bad input (named, nothing stored), and replay to the same state.

use std::sync::Arc;

use deconflict_server::clock::ManualClock;
use deconflict_server::line::Lifecycle;
use deconflict_server::{Line, LineError};
use serde_json::{json, Value};

const T0: i64 = 1_497_794_400_000; // 2017-06-18T14:00Z
const HOUR: i64 = 3_600_000;

fn at(ms: i64) -> String {
    deconflict_space::units::format_time(ms)
}

fn open(dir: &std::path::Path, clock: &Arc<ManualClock>) -> Line {
    Line::open_with_clock(dir, "test.example/line", clock.clone()).expect("open")
}

fn site(id: &str, lon: f64, from: i64, to: i64) -> Value {
    json!({"id": id, "kind": "site", "name": format!("Hospital {id}"), "volumes": [
        {"footprint": {"circle": {"center": [lon, 35.37], "radius_m": 300}},
         "altitude": {"lower": "SFC", "upper": "FL600"},
         "time": {"start": at(from), "end": at(to)}}]})
}

fn convoy(id: &str, from: i64, to: i64) -> Value {
    json!({"id": id, "kind": "ground_movement", "name": "Convoy", "volumes": [
        {"footprint": {"corridor": {"path": [[38.0, 35.9], [39.0, 35.95]], "half_width_m": 500}},
         "altitude": {"lower": "SFC", "upper": "100 m"},
         "time": {"start": at(from), "end": at(to)}}]})
}

/// un-ocha (humanitarian) under one agreement with us-cjtf, ru-gs and tr-gs (acknowledgement within an
/// hour, re-confirmation every 2 days); `outsider` shares none.
fn world() -> (tempfile::TempDir, Arc<ManualClock>, Line) {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0));
    let line = open(dir.path(), &clock);
    for (id, kind) in [
        ("un-ocha", "humanitarian"),
        ("us-cjtf", "military"),
        ("ru-gs", "military"),
        ("tr-gs", "military"),
        ("outsider", "military"),
    ] {
        line.register_party(id, kind).expect("register");
    }
    line.establish_agreement(
        json!({"id": "hnots", "parties": ["un-ocha", "us-cjtf", "ru-gs", "tr-gs"],
        "notification_ack_s": 3600, "reconfirm_days": 2}),
    )
    .expect("agreement");
    (dir, clock, line)
}

/// The id of the notification a notify answer (`sent`) made for the recipient `to`.
fn id_for(sent: &Value, to: &str) -> String {
    sent["notifications"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|n| n["to"] == to)
        .and_then(|n| n["id"].as_str())
        .unwrap_or_else(|| panic!("no notification to {to}"))
        .to_string()
}

fn status(line: &Line, party: &str, id: &str) -> Value {
    line.notification(party, id).expect("notification")["status"].clone()
}

#[test]
fn the_line_moves_declarations_through_their_life_on_its_clock() {
    let (dir, clock, line) = world();
    line.declare("us-cjtf", site("a", 36.6, T0 + HOUR, T0 + 3 * HOUR))
        .expect("a");
    line.declare("us-cjtf", site("b", 36.7, T0 + HOUR, T0 + 5 * HOUR))
        .expect("b");
    line.declare("ru-gs", site("c", 36.8, T0 + 2 * HOUR, T0 + 4 * HOUR))
        .expect("c");
    assert_eq!(
        line.advance_lifecycle().expect("run"),
        0,
        "nothing began yet"
    );
    let state = |p: &str, id: &str| line.get(p, id, Some(p)).expect("get")["status"].clone();
    assert_eq!(state("us-cjtf", "a"), "planned");

    clock.advance_ms(HOUR);
    assert_eq!(line.advance_lifecycle().expect("run"), 2);
    assert_eq!(line.advance_lifecycle().expect("run"), 0, "once");
    assert_eq!(state("us-cjtf", "a"), "active");
    assert_eq!(state("ru-gs", "c"), "planned");
    // The entries are the line's own, told to the declaration's audience (its party).
    let size = line.store().size().expect("size");
    let last = line.store().entry(size - 1).expect("read").expect("entry");
    assert_eq!(last.header.actor, "line");
    assert_eq!(last.header.kind, "declaration.state");
    assert!(last.header.audience.includes("us-cjtf") && !last.header.audience.includes("ru-gs"));

    // The party may still end its own early; the line then leaves it alone.
    line.set_state("us-cjtf", "b", Some(1), Lifecycle::Ended)
        .expect("end early");
    clock.advance_ms(2 * HOUR);
    // 17:00: a ended (its last window), c began; b was ended by its party.
    assert_eq!(line.advance_lifecycle().expect("run"), 2);
    assert_eq!(state("us-cjtf", "a"), "ended");
    assert_eq!(state("us-cjtf", "b"), "ended");
    assert_eq!(state("ru-gs", "c"), "active");
    // A party cannot pass a state change off as the line's.
    assert!(line
        .set_state("us-cjtf", "a", Some(1), Lifecycle::Active)
        .is_err());

    // Replay rebuilds the same state.
    let digest = line.digest().expect("digest");
    drop(line);
    let line = open(dir.path(), &clock);
    assert_eq!(line.digest().expect("digest"), digest);
}

#[test]
fn notifications_are_told_to_each_recipient_alone_acknowledged_escalated_and_superseded() {
    let (dir, clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    line.declare(
        "un-ocha",
        site("hosp-idlib", 36.63, T0, T0 + 90 * 24 * HOUR),
    )
    .expect("hosp-idlib");
    let sent = line
        .notify(
            "un-ocha",
            json!({"declarations": ["hosp-kz", "hosp-idlib"], "to": ["ru-gs", "us-cjtf", "tr-gs"],
                   "note": "Site list v1"}),
        )
        .expect("notify");
    let ns = sent["notifications"].as_array().expect("list").clone();
    assert_eq!(ns.len(), 3, "one notification per recipient");
    let (ru, us, tr) = (
        id_for(&sent, "ru-gs"),
        id_for(&sent, "us-cjtf"),
        id_for(&sent, "tr-gs"),
    );
    assert_eq!(ns[0]["deadline"], at(T0 + HOUR));
    assert_eq!(ns[0]["declarations"][0]["version"], 1);
    assert_eq!(ns[0]["reconfirm_by"], at(T0 + 48 * HOUR));

    // Each recipient reads its own only: not another's notification, nor that there is one.
    assert_eq!(status(&line, "ru-gs", &ru), "pending");
    assert!(matches!(
        line.notification("ru-gs", &us),
        Err(LineError::NotFound(_))
    ));
    assert!(matches!(
        line.notification("outsider", &ru),
        Err(LineError::NotFound(_))
    ));
    let page = |p: &str, which: &str| {
        line.notifications_page(p, which, &Default::default())
            .expect("page")
            .items
    };
    assert_eq!(page("ru-gs", "all").len(), 1);
    assert_eq!(page("ru-gs", "outbox").len(), 0);
    assert_eq!(page("un-ocha", "outbox").len(), 3);
    assert!(page("outsider", "all").is_empty());
    let ru_view = line.notification("ru-gs", &ru).expect("view").to_string();
    assert!(
        !ru_view.contains("us-cjtf") && !ru_view.contains("tr-gs"),
        "{ru_view}"
    );
    // Every entry of it is told to the notifier and that recipient only.
    let size = line.store().size().expect("size");
    for e in line.store().entries(0, size as usize).expect("entries") {
        if e.header.kind == "notification.sent" {
            let n = e.header.audience.parties().expect("named").len();
            assert_eq!(n, 2, "notifier and one recipient");
        }
    }

    // A recipient acknowledges (twice is no change); neither the notifier nor another may for it.
    assert_eq!(
        line.notification_step("us-cjtf", &us, false).expect("ack")["status"],
        "acknowledged"
    );
    let size = line.store().size().expect("size");
    line.notification_step("us-cjtf", &us, false)
        .expect("again");
    assert_eq!(line.store().size().expect("size"), size);
    assert!(matches!(
        line.notification_step("un-ocha", &us, false),
        Err(LineError::Forbidden(_))
    ));
    assert!(matches!(
        line.notification_step("tr-gs", &us, false),
        Err(LineError::NotFound(_))
    ));
    line.notification_step("tr-gs", &tr, false).expect("ack");

    // ru-gs lets it go: at the deadline it escalates to the commander, an hour later to the chief.
    clock.advance_ms(HOUR + 60_000);
    assert_eq!(line.escalate_overdue().expect("tick"), 1);
    assert_eq!(line.escalate_overdue().expect("tick"), 0);
    let v = line.notification("un-ocha", &ru).expect("view");
    assert_eq!(v["overdue"], true);
    assert_eq!(v["escalations"][0]["level"], "commander");
    clock.advance_ms(HOUR);
    assert_eq!(line.escalate_overdue().expect("tick"), 1);
    assert_eq!(
        line.notification("ru-gs", &ru).expect("view")["escalations"][1]["level"],
        "chief"
    );

    // The notifier re-confirms: the period starts again; recipients cannot.
    let r = line
        .notification_step("un-ocha", &us, true)
        .expect("reconfirm");
    assert_eq!(r["reconfirm_by"], at(T0 + 2 * HOUR + 60_000 + 48 * HOUR));
    assert!(matches!(
        line.notification_step("us-cjtf", &us, true),
        Err(LineError::Forbidden(_))
    ));

    // Two days on: those not re-confirmed lapse, visibly; the re-confirmed one stands.
    clock.advance_ms(47 * HOUR);
    assert_eq!(line.escalate_overdue().expect("tick"), 2);
    assert_eq!(status(&line, "ru-gs", &ru), "lapsed");
    assert_eq!(status(&line, "tr-gs", &tr), "lapsed");
    assert_eq!(status(&line, "us-cjtf", &us), "acknowledged");
    assert!(matches!(
        line.notification_step("ru-gs", &ru, false),
        Err(LineError::Exists(_))
    ));

    // A new version of a notified site: the notification stays pinned to version 1, superseded.
    let mut v2 = site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR);
    v2["name"] = json!("Kafr Zeita hospital, new wing");
    line.new_version("un-ocha", "hosp-kz", Some(1), v2)
        .expect("v2");
    let v = line.notification("us-cjtf", &us).expect("view");
    assert_eq!(v["status"], "superseded");
    assert_eq!(v["declarations"][0]["version"], 1);
    assert_eq!(
        v["declarations"][0]["declaration"]["name"],
        "Hospital hosp-kz"
    );
    assert!(
        v["superseded"]["seq"].is_null(),
        "the recipient is not given the notifier's entry"
    );
    assert!(line.notification("un-ocha", &us).expect("view")["superseded"]["seq"].is_u64());

    // Replay rebuilds the same state.
    let digest = line.digest().expect("digest");
    drop(line);
    let line = open(dir.path(), &clock);
    assert_eq!(line.digest().expect("digest"), digest);
}

#[test]
fn a_movement_expires_at_its_end_and_bad_input_is_named_and_stores_nothing() {
    let (_dir, clock, line) = world();
    line.declare("un-ocha", convoy("convoy-1", T0 + HOUR, T0 + 3 * HOUR))
        .expect("convoy");
    line.declare("un-ocha", site("s1", 36.6, T0, T0 + 24 * HOUR))
        .expect("site");
    line.declare("us-cjtf", site("mine", 36.9, T0, T0 + 24 * HOUR))
        .expect("another's");
    let size = line.store().size().expect("size");
    let bad = [
        (json!([]), ""),
        (json!({"declarations": ["s1"]}), "to"),
        (json!({"declarations": [], "to": ["ru-gs"]}), "declarations"),
        (
            json!({"declarations": ["s1"], "to": ["ru-gs"], "extra": 1}),
            "extra",
        ),
        (
            json!({"declarations": ["s1"], "to": ["Not An Id"]}),
            "to[0]",
        ),
        (json!({"declarations": ["s1"], "to": ["outsider"]}), "to[0]"),
        (
            json!({"declarations": ["s1"], "to": ["nobody-registered"]}),
            "to[0]",
        ),
        (json!({"declarations": ["s1"], "to": ["un-ocha"]}), "to[0]"),
        (
            json!({"declarations": ["mine"], "to": ["ru-gs"]}),
            "declarations[0]",
        ),
        (
            json!({"declarations": ["s1", "s1"], "to": ["ru-gs"]}),
            "declarations[1]",
        ),
        (
            json!({"declarations": ["s1", "convoy-1"], "to": ["ru-gs"]}),
            "declarations",
        ),
        (
            json!({"declarations": ["s1"], "to": ["ru-gs"], "note": "x".repeat(5000)}),
            "note",
        ),
        (
            json!({"declarations": ["s1"], "to": ["ru-gs"], "reconfirm_s": 0}),
            "reconfirm_s",
        ),
        (
            json!({"declarations": ["convoy-1"], "to": ["ru-gs"], "reconfirm_s": 60}),
            "reconfirm_s",
        ),
    ];
    for (body, field) in bad {
        match line.notify("un-ocha", body.clone()) {
            Err(LineError::Invalid { field: f, .. }) => assert_eq!(f, field, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    // An outsider and an unregistered party are refused with the same words.
    let words = |to: &str| match line.notify("un-ocha", json!({"declarations": ["s1"], "to": [to]}))
    {
        Err(e) => e.to_string().replace(to, "P"),
        Ok(v) => panic!("{v}"),
    };
    assert_eq!(words("outsider"), words("nobody-registered"));
    let many: Vec<String> = (0..33).map(|i| format!("p{i}")).collect();
    assert!(matches!(
        line.notify("un-ocha", json!({"declarations": ["s1"], "to": many})),
        Err(LineError::Limit {
            limit: "recipients_per_notification",
            ..
        })
    ));
    assert_eq!(line.store().size().expect("size"), size, "nothing stored");

    let sent = line
        .notify(
            "un-ocha",
            json!({"declarations": ["convoy-1"], "to": ["ru-gs"]}),
        )
        .expect("notify");
    let id = sent["notifications"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(sent["notifications"][0]["subject"], "movement");
    assert!(sent["notifications"][0]["reconfirm_by"].is_null());
    assert!(matches!(
        line.notification_step("un-ocha", &id, true),
        Err(LineError::Exists(_))
    ));
    line.notification_step("ru-gs", &id, false).expect("ack");
    clock.advance_ms(3 * HOUR);
    line.escalate_overdue().expect("tick");
    let v = line.notification("ru-gs", &id).expect("view");
    assert_eq!(v["status"], "expired");
    assert!(v["expired"]["seq"].is_u64());
}

#[test]
fn an_incident_report_gives_the_site_history_with_a_bundle_that_verifies_offline() {
    let (dir, clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    let sent = line
        .notify(
            "un-ocha",
            json!({"declarations": ["hosp-kz"], "to": ["ru-gs", "us-cjtf"]}),
        )
        .expect("notify");
    let (ru, us) = (id_for(&sent, "ru-gs"), id_for(&sent, "us-cjtf"));
    clock.advance_ms(10 * 60_000);
    line.notification_step("us-cjtf", &us, false).expect("ack");
    clock.advance_ms(HOUR);
    line.escalate_overdue().expect("escalate ru-gs");
    let strike = T0 + 2 * HOUR;
    clock.advance_ms(2 * HOUR);

    // Outsiders and those never notified of it are told nothing: the same as a site that does not exist.
    for (party, body) in [
        (
            "outsider",
            json!({"site": "hosp-kz", "party": "un-ocha", "time": at(strike), "description": "x"}),
        ),
        (
            "tr-gs",
            json!({"site": "hosp-kz", "time": at(strike), "description": "x"}),
        ),
        (
            "tr-gs",
            json!({"site": "no-such-site", "time": at(strike), "description": "x"}),
        ),
    ] {
        assert!(matches!(
            line.report_incident(party, body),
            Err(LineError::NotFound(_))
        ));
    }
    for (body, field) in [
        (json!({"time": at(strike), "description": "x"}), "site"),
        (
            json!({"site": "hosp-kz", "time": "yesterday", "description": "x"}),
            "time",
        ),
        (
            json!({"site": "hosp-kz", "time": at(strike), "description": ""}),
            "description",
        ),
        (
            json!({"site": "hosp-kz", "time": at(strike), "description": "x", "place": [500, 1]}),
            "place",
        ),
    ] {
        match line.report_incident("un-ocha", body.clone()) {
            Err(LineError::Invalid { field: f, .. }) => assert_eq!(f, field, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }

    // The notifier reports: the whole history, what was in force then, and a bundle of those entries.
    let report = line
        .report_incident(
            "un-ocha",
            json!({"site": "hosp-kz", "time": at(strike), "place": [36.6, 35.37],
                   "description": "Air strike on the hospital's east wing"}),
        )
        .expect("report");
    let then = &report["history"]["at_incident"];
    assert_eq!(then["version"], 1);
    let in_force: Vec<(String, String)> = then["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .map(|n| {
            (
                n["to"].as_str().unwrap_or("").into(),
                n["status"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(in_force.contains(&("us-cjtf".into(), "acknowledged".into())));
    assert!(in_force.contains(&("ru-gs".into(), "pending".into())));
    let ru_history = report["history"]["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .find(|n| n["id"] == json!(ru))
        .expect("ru-gs's")["history"]
        .clone();
    assert_eq!(ru_history[1]["event"], "escalated to commander");
    let policy = deconflict_ledger::Policy::parse(&format!(
        "log {}\nquorum none\n",
        std::fs::read_to_string(dir.path().join("log.pub"))
            .expect("log.pub")
            .trim()
    ))
    .expect("policy");
    let bundle = deconflict_ledger::ProofBundle::from_json(&report["bundle"]).expect("bundle");
    let verified = bundle.verify(&policy).expect("verifies");
    assert_eq!(verified.party, "un-ocha");
    let kinds: Vec<String> = bundle
        .read_entries()
        .expect("entries")
        .into_iter()
        .map(|(h, _)| h.kind)
        .collect();
    for k in [
        "notification.sent",
        "notification.acknowledged",
        "notification.escalated",
        "incident.reported",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }

    // A recipient reports: it sees its own notification only, never the other recipient's.
    let report = line
        .report_incident(
            "ru-gs",
            json!({"site": "hosp-kz", "time": at(strike), "description": "Not our aircraft"}),
        )
        .expect("report");
    let text = report["history"].to_string();
    assert!(!text.contains("us-cjtf") && !text.contains(&us), "{text}");
    let bundle = deconflict_ledger::ProofBundle::from_json(&report["bundle"]).expect("bundle");
    bundle.verify(&policy).expect("verifies for ru-gs");
}

/// Each incident report signs a checkpoint for its bundle; a burst of reports used to sign one each, as fast
/// as they came. They are now at least `CHECKPOINT_GAP` apart, whoever asks, and every report's bundle still
/// verifies against the checkpoint it carries.
#[test]
fn a_burst_of_incident_reports_signs_checkpoints_at_most_so_often() {
    let (_dir, clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 24 * HOUR))
        .expect("hosp-kz");
    line.notify(
        "un-ocha",
        json!({"declarations": ["hosp-kz"], "to": ["ru-gs"]}),
    )
    .expect("notify");
    clock.advance_ms(HOUR);
    let started = std::time::Instant::now();
    let mut sizes = Vec::new();
    for i in 0..4 {
        let report = line
            .report_incident(
                "un-ocha",
                json!({"site": "hosp-kz", "time": at(T0 + HOUR), "description": format!("report {i}")}),
            )
            .expect("report");
        let bundle =
            deconflict_ledger::bundle::ProofBundle::from_json(&report["bundle"]).expect("a bundle");
        // The note's second line is the tree's size (C2SP checkpoint).
        let size: u64 = bundle
            .checkpoint
            .lines()
            .nth(1)
            .and_then(|l| l.parse().ok())
            .expect("its checkpoint's size");
        sizes.push(size);
    }
    let gap = deconflict_server::line::CHECKPOINT_GAP;
    assert!(
        started.elapsed() >= gap * 3,
        "4 reports signed 4 checkpoints in {:?}: less than 3 gaps of {gap:?}",
        started.elapsed()
    );
    assert!(
        sizes.windows(2).all(|w| w[0] < w[1]),
        "each covers its own report: {sizes:?}"
    );
}

#[test]
fn deconfliction_requests_are_asked_answered_once_and_kept_between_the_two() {
    let (_dir, _clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 24 * HOUR))
        .expect("hosp-kz");
    let body = json!({"to": "un-ocha", "location": {"circle": {"center": [36.6, 35.37], "radius_m": 500}},
                      "start": at(T0 + HOUR), "end": at(T0 + 2 * HOUR), "text": "Is this protected?"});
    for (mutate, field) in [
        (json!({"to": "outsider"}), "to"),
        (json!({"location": {"point": [1]}}), "location.point"),
        (
            json!({"location": {"circle": {"center": [36.6, 35.37], "radius_m": 0}}}),
            "location.circle.radius_m",
        ),
        (json!({"end": at(T0)}), "end"),
    ] {
        let mut b = body.clone();
        for (k, v) in mutate.as_object().expect("object") {
            b[k] = v.clone();
        }
        match line.request_deconfliction("ru-gs", b) {
            Err(LineError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{mutate}: {other:?}"),
        }
    }
    let r = line.request_deconfliction("ru-gs", body).expect("ask");
    let id = r["id"].as_str().expect("id").to_string();
    assert_eq!(r["deadline"], at(T0 + HOUR));
    assert!(matches!(
        line.deconfliction_request("tr-gs", &id),
        Err(LineError::NotFound(_))
    ));
    assert!(matches!(
        line.answer_deconfliction("ru-gs", &id, json!({"protected": true})),
        Err(LineError::Forbidden(_))
    ));
    let a = line
        .answer_deconfliction(
            "un-ocha",
            &id,
            json!({"protected": true, "site": "hosp-kz", "text": "Kafr Zeita hospital"}),
        )
        .expect("answer");
    assert_eq!(a["answer"]["protected"], true);
    assert_eq!(a["answer"]["site"], "hosp-kz");
    assert!(matches!(
        line.answer_deconfliction("un-ocha", &id, json!({"protected": false})),
        Err(LineError::Exists(_))
    ));
    assert_eq!(
        line.deconfliction_page("ru-gs", &Default::default())
            .expect("page")
            .items
            .len(),
        1
    );
    assert!(line
        .deconfliction_page("tr-gs", &Default::default())
        .expect("page")
        .items
        .is_empty());
}

/// A closed notification leaves memory and the lists after the retention period (a day by default), and its
/// parties can still read it whole by id: what it pinned and its note come back from its entry. An incident
/// at the site still finds it, with the same history.
#[test]
fn a_retired_notification_is_read_back_whole_from_its_entry() {
    let (dir, clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    let sent = line
        .notify(
            "un-ocha",
            json!({"declarations": ["hosp-kz"], "to": ["ru-gs", "us-cjtf"], "note": "night shift"}),
        )
        .expect("notify");
    let id = id_for(&sent, "ru-gs");
    let listed = |p: &str| {
        line.notifications_page(p, "all", &Default::default())
            .expect("list")
            .items
            .len()
    };
    let before = line.notification("ru-gs", &id).expect("before");
    assert_eq!(before["retired"], false);
    // Not re-confirmed within the agreement's two days: it lapses, then a day later leaves memory.
    clock.advance_ms(49 * HOUR);
    line.escalate_overdue().expect("lapse");
    assert_eq!(status(&line, "ru-gs", &id), "lapsed");
    let incident = |line: &Line| {
        line.report_incident(
            "ru-gs",
            json!({"site": "hosp-kz", "time": at(T0 + HOUR), "description": "shelling reported"}),
        )
        .expect("incident")["history"]["notifications"]
            .clone()
    };
    let history = incident(&line);
    assert_eq!(listed("ru-gs"), 1);
    clock.advance_ms(25 * HOUR);
    line.escalate_overdue().expect("retire");
    assert_eq!(listed("ru-gs"), 0, "retired: out of the lists");
    assert_eq!(listed("un-ocha"), 0);
    let after = line.notification("ru-gs", &id).expect("read by id");
    assert_eq!(after["retired"], true);
    assert_eq!(after["status"], "lapsed");
    assert_eq!(after["declarations"], before["declarations"], "{after}");
    assert_eq!(after["note"], "night shift");
    assert_eq!(
        after["lapsed"],
        line.notification("un-ocha", &id).expect("notifier's")["lapsed"]
    );
    // Still no one else's to read.
    assert!(matches!(
        line.notification("us-cjtf", &id),
        Err(LineError::NotFound(_))
    ));
    assert_eq!(
        incident(&line),
        history,
        "the same history after retirement"
    );
    // Replay rebuilds it, retired or not, and reads it the same.
    drop(line);
    let line = open(dir.path(), &clock);
    assert_eq!(
        line.notification("ru-gs", &id).expect("replayed")["declarations"],
        before["declarations"]
    );
}

/// Free text another party reads (a note, an incident's description or place, a request, an answer, a hotline
/// message) refuses the invisible characters that reorder what is shown around them, naming the field, and
/// stores nothing; Arabic's own marks are kept.
#[test]
fn free_text_refuses_bidirectional_overrides_and_controls() {
    let (_dir, _clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    let size = line.store().size().expect("size");
    let named = |r: Result<Value, LineError>, field: &str| match r {
        Err(LineError::Invalid { field: f, detail }) => {
            assert_eq!(f, field, "{detail}");
            assert!(detail.contains("U+"), "{detail}");
        }
        other => panic!("{field}: expected a refusal, got {other:?}"),
    };
    for bad in [
        "6\u{202E}096 m",
        "a\u{2066}b",
        "bell\u{7}",
        "zero\u{200B}width",
        "hidden\u{E0041}tag",
        "line\u{2028}separator",
        "lone\rreturn",
        "soft\u{AD}hyphen",
        "private\u{E000}use",
        "\u{85}next line",
    ] {
        named(
            line.notify(
                "un-ocha",
                json!({"declarations": ["hosp-kz"], "to": ["ru-gs"], "note": bad}),
            ),
            "note",
        );
        named(
            line.send("un-ocha", json!({"to": ["ru-gs"], "text": bad})),
            "text",
        );
        named(
            line.request_deconfliction(
                "ru-gs",
                json!({"to": "un-ocha", "location": {"point": [36.6, 35.37]},
                       "start": at(T0), "end": at(T0 + HOUR), "text": bad}),
            ),
            "text",
        );
    }
    // Elsewhere too: an agreement's title, a track's callsign and id (read in other parties' alerts).
    match line.propose_agreement(
        "ru-gs",
        json!({"id": "x", "title": "a\u{202E}b", "parties": ["ru-gs", "tr-gs"]}),
    ) {
        Err(LineError::Invalid { field, detail }) => {
            assert_eq!(field, "title", "{detail}");
            assert!(detail.contains("U+202E"), "{detail}");
        }
        other => panic!("title: expected a refusal, got {other:?}"),
    }
    for (field, report) in [
        ("callsign", json!({"id": "t1", "callsign": "RF\u{202E}1"})),
        ("id", json!({"id": "t\u{202E}1"})),
        ("callsign", json!({"id": "t2", "callsign": "RF\n1"})),
    ] {
        let mut t = report;
        for (k, v) in [
            ("lat", 35.0),
            ("lon", 38.0),
            ("alt_m", 9000.0),
            ("gs_mps", 200.0),
            ("trk_deg", 90.0),
        ] {
            t[k] = json!(v);
        }
        match line.report_tracks("ru-gs", json!({"tracks": [t]})) {
            Err(LineError::Invalid { field: f, detail }) => {
                assert!(f.ends_with(field), "{f}: {detail}");
                assert!(detail.contains("U+"), "{detail}");
            }
            other => panic!("{field}: expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(line.store().size().expect("size"), size, "nothing stored");
    // A line break, a tab and Arabic with its right-to-left mark are text as written.
    line.notify(
        "un-ocha",
        json!({"declarations": ["hosp-kz"], "to": ["ru-gs"],
               "note": "مستشفى\u{200F} 24/7\r\n\tcall first"}),
    )
    .expect("plain text");
}

/// An incident report is charged before the line looks for the site: asking, again and again, about sites one
/// was never notified of runs out of allowance as writing does, and is answered alike whether or not the
/// site exists.
#[test]
fn incident_reports_are_charged_whether_or_not_the_site_is_found() {
    let (_dir, _clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 0.001,
        write_burst: 4.0,
        ..Default::default()
    });
    let ask = |site: &str| {
        line.report_incident(
            "tr-gs",
            json!({"site": site, "party": "un-ocha", "time": at(T0), "description": "x"}),
        )
    };
    for site in ["hosp-kz", "no-such-site", "hosp-kz", "no-such-site"] {
        assert!(
            matches!(ask(site), Err(LineError::NotFound(_))),
            "not notified to tr-gs: {site}"
        );
    }
    for site in ["hosp-kz", "no-such-site"] {
        assert!(
            matches!(ask(site), Err(LineError::Limit { rate: true, .. })),
            "the allowance is spent: {site}"
        );
    }
}

/// An incident is reported once it has happened: a time more than a quarter of an hour after the line's is
/// refused, naming `time`, and nothing is stored.
#[test]
fn an_incident_in_the_future_is_refused() {
    let (_dir, _clock, line) = world();
    line.declare("un-ocha", site("hosp-kz", 36.6, T0, T0 + 90 * 24 * HOUR))
        .expect("hosp-kz");
    let size = line.store().size().expect("size");
    match line.report_incident(
        "un-ocha",
        json!({"site": "hosp-kz", "time": at(T0 + HOUR), "description": "not yet"}),
    ) {
        Err(LineError::Invalid { field, detail }) => {
            assert_eq!(field, "time", "{detail}");
            assert!(detail.contains("after the line's time"), "{detail}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(line.store().size().expect("size"), size, "nothing stored");
    line.report_incident(
        "un-ocha",
        json!({"site": "hosp-kz", "time": at(T0 + 10 * 60_000), "description": "clocks differ a little"}),
    )
    .expect("within a quarter of an hour");
}
