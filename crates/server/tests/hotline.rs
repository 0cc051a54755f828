//! The hotline on a manual clock: deadlines by precedence, delivery on first read, acknowledgement and
//! answers, escalation one level per overdue period (and the sender told), need-to-know, and replay.

use std::sync::Arc;

use deconflict_server::clock::ManualClock;
use deconflict_server::{Line, LineError};
use serde_json::json;

const T0: i64 = 1_497_794_400_000; // 2017-06-18T14:00Z

fn world() -> (tempfile::TempDir, Arc<ManualClock>, Line) {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("open");
    for (id, kind) in [
        ("us-cjtf", "military"),
        ("ru-gs", "military"),
        ("tr-gs", "military"),
    ] {
        line.register_party(id, kind).expect("register");
    }
    line.establish_agreement(json!({"id": "all", "parties": ["us-cjtf", "ru-gs", "tr-gs"]}))
        .expect("agreement");
    (dir, clock, line)
}

#[test]
fn an_unacknowledged_flash_escalates_and_the_sender_is_told() {
    let (dir, clock, line) = world();
    let m = line
        .send("us-cjtf", json!({"to": ["ru-gs"], "precedence": "FLASH", "kind": "notice", "text": "Strike package inbound Tabqa 1430Z"}))
        .expect("send");
    let id = m["id"].as_str().expect("id").to_string();
    assert_eq!(m["deadline"], "2017-06-18T14:10:00Z");
    assert_eq!(m["seconds_to_deadline"], 600);
    let routine = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs", "tr-gs"], "text": "daily summary"}),
        )
        .expect("send");
    assert_eq!(routine["deadline"], "2017-06-18T20:00:00Z");

    // tr-gs is not a recipient of the FLASH: it neither sees nor can acknowledge it.
    let tr_inbox = line.inbox("tr-gs").expect("inbox");
    assert_eq!(tr_inbox.len(), 1);
    assert_eq!(tr_inbox[0]["text"], "daily summary");
    assert_eq!(
        tr_inbox[0]["receipts"].as_object().map(|r| r.len()),
        Some(1),
        "a recipient sees only its own receipt"
    );
    assert!(matches!(
        line.acknowledge_message("tr-gs", &id, None),
        Err(LineError::NotFound(_))
    ));

    // Delivered when ru-gs first reads its inbox.
    clock.advance_ms(60_000);
    let inbox = line.inbox("ru-gs").expect("inbox");
    assert_eq!(
        inbox[0]["receipts"]["ru-gs"]["delivered"],
        "2017-06-18T14:01:00Z"
    );
    assert_eq!(line.escalate_overdue().expect("tick"), 0, "not overdue yet");

    // 14:11: overdue, escalated to the commander; the sender sees it.
    clock.advance_ms(10 * 60_000);
    assert_eq!(line.escalate_overdue().expect("tick"), 1);
    assert_eq!(line.escalate_overdue().expect("tick"), 0, "once per level");
    let out = line.outbox("us-cjtf").expect("outbox");
    let flash = out
        .iter()
        .find(|m| m["id"] == json!(id))
        .expect("in outbox");
    assert_eq!(flash["receipts"]["ru-gs"]["overdue"], true);
    assert_eq!(
        flash["receipts"]["ru-gs"]["escalations"][0]["level"],
        "commander"
    );
    // 14:21: another period, the chief.
    clock.advance_ms(10 * 60_000);
    assert_eq!(line.escalate_overdue().expect("tick"), 1);
    // Then it is acknowledged: no more escalation, ever.
    let acked = line.acknowledge_message("ru-gs", &id, None).expect("ack");
    assert_eq!(
        acked["receipts"]["ru-gs"]["acknowledged"],
        "2017-06-18T14:21:00Z"
    );
    clock.advance_ms(3_600_000);
    let n = line.escalate_overdue().expect("tick");
    assert_eq!(
        n, 0,
        "the ROUTINE message is not overdue until 20:00Z and the FLASH is acknowledged"
    );
    let answered = line
        .acknowledge_message(
            "ru-gs",
            &id,
            Some("Copied. Our aircraft remain west of the river.".into()),
        )
        .expect("answer");
    assert_eq!(
        answered["receipts"]["ru-gs"]["answered"]["text"],
        "Copied. Our aircraft remain west of the river."
    );

    // The whole history replays from the log.
    let before = line.outbox("us-cjtf").expect("outbox");
    drop(line);
    let line =
        Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("reopen");
    assert_eq!(line.outbox("us-cjtf").expect("outbox"), before);
}

#[test]
fn messages_are_checked_and_reference_only_what_the_sender_may_see() {
    let (_dir, _clock, line) = world();
    let bad = [
        (json!({"to": []}), "to"),
        (json!({"to": ["us-cjtf"]}), "to[0]"),
        (json!({"to": ["nobody"]}), "to[0]"),
        (
            json!({"to": ["ru-gs"], "precedence": "URGENT"}),
            "precedence",
        ),
        (json!({"to": ["ru-gs"], "kind": "threat"}), "kind"),
        (
            json!({"to": ["ru-gs"], "refs": {"declarations": ["ru-secret"]}}),
            "refs.declarations[0]",
        ),
        (json!({"to": ["ru-gs"], "cc": ["tr-gs"]}), "cc"),
    ];
    for (body, field) in bad {
        match line.send("us-cjtf", body.clone()) {
            Err(LineError::Invalid { field: f, .. }) => assert_eq!(f, field, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    // A declaration that exists but is not visible to the sender is refused exactly like a missing one.
    line.declare(
        "ru-gs",
        json!({"id": "ru-secret", "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": 4000, "upper_m": 8000},
         "time": {"start": "2017-06-18T15:30:00Z", "end": "2017-06-18T16:30:00Z"}}]}),
    )
    .expect("declare");
    let err = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs"], "refs": {"declarations": ["ru-secret"]}}),
        )
        .expect_err("hidden");
    let missing = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs"], "refs": {"declarations": ["ru-none"]}}),
        )
        .expect_err("missing");
    assert_eq!(
        err.to_string().replace("ru-secret", "X"),
        missing.to_string().replace("ru-none", "X")
    );
    assert!(line.send("ru-gs", json!({"to": ["us-cjtf"], "kind": "not_my_forces", "refs": {"declarations": ["ru-secret"]}})).is_ok());
}

/// Structured messages: a template's fields are checked, normalised and kept; the recipient reads them as
/// sent, answers with a template of its own, and both survive a replay. A template names only what its
/// sender may read, and a hidden declaration is refused exactly like a missing one.
#[test]
fn structured_messages_are_checked_kept_and_answered() {
    let (dir, clock, line) = world();
    line.declare(
        "ru-gs",
        json!({"id": "ru-43", "kind": "air_operation", "audience": ["us-cjtf"], "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": 4000, "upper_m": 8000},
         "time": {"start": "2017-06-18T15:30:00Z", "end": "2017-06-18T16:30:00Z"}}]}),
    )
    .expect("declare");
    line.declare(
        "ru-gs",
        json!({"id": "ru-secret", "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.75, 35.62], "radius_m": 20000}},
         "altitude": {"lower_m": 4000, "upper_m": 8000},
         "time": {"start": "2017-06-18T15:30:00Z", "end": "2017-06-18T16:30:00Z"}}]}),
    )
    .expect("declare");

    let refused = |body: serde_json::Value| match line.send("us-cjtf", body.clone()) {
        Err(LineError::Invalid { field, detail }) => (field, detail),
        other => panic!("{body}: {other:?}"),
    };
    let hidden = refused(json!({"to": ["ru-gs"], "template":
        {"type": "delay_request", "declaration": "ru-secret", "delay_s": 1800}}));
    let missing = refused(json!({"to": ["ru-gs"], "template":
        {"type": "delay_request", "declaration": "ru-none", "delay_s": 1800}}));
    assert_eq!(hidden.0, "template.declaration");
    assert_eq!(
        hidden.1.replace("ru-secret", "X"),
        missing.1.replace("ru-none", "X")
    );
    let (field, _) = refused(json!({"to": ["ru-gs"], "template":
        {"type": "site_exclusion_request", "site": "ru-43",
         "start": "2017-06-18T15:00:00Z", "end": "2017-06-18T17:00:00Z"}}));
    assert_eq!(field, "template.site", "ru-43 is not a protected site");
    let (field, _) = refused(
        json!({"to": ["ru-gs"], "template": {"type": "delay_request",
        "declaration": "ru-43", "delay_s": 1800, "target": "x"}}),
    );
    assert_eq!(field, "template.target");

    let sent = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs"], "precedence": "IMMEDIATE", "kind": "request",
                   "text": "please confirm by 1530Z",
                   "template": {"type": "delay_request", "declaration": "ru-43", "delay_s": 1800}}),
        )
        .expect("send");
    let id = sent["id"].as_str().expect("id").to_string();
    assert_eq!(
        sent["template"],
        json!({"type": "delay_request", "declaration": "ru-43", "declaration_party": "ru-gs",
               "delay_s": 1800}),
        "the line writes the owner of the declaration it found beside its id"
    );
    let inbox = line.inbox("ru-gs").expect("inbox");
    assert_eq!(inbox[0]["template"]["declaration"], "ru-43");
    assert_eq!(inbox[0]["text"], "please confirm by 1530Z");

    // An answer's template is checked against what the answering party may read.
    let bad = line.acknowledge_message(
        "ru-gs",
        &id,
        Some(deconflict_domain::state::decide::Answer {
            text: String::new(),
            template: Some(
                json!({"type": "acknowledgement", "message": "m-999", "status": "received"}),
            ),
        }),
    );
    assert!(
        matches!(&bad, Err(LineError::Invalid { field, .. }) if field == "template.message"),
        "{bad:?}"
    );
    clock.advance_ms(60_000);
    let answered = line
        .acknowledge_message(
            "ru-gs",
            &id,
            Some(deconflict_domain::state::decide::Answer {
                text: "задержим на 30 минут".into(),
                template: Some(
                    json!({"type": "acknowledgement", "message": id, "status": "will_comply"}),
                ),
            }),
        )
        .expect("answer");
    let answer = &answered["receipts"]["ru-gs"]["answered"];
    assert_eq!(answer["template"]["status"], "will_comply");
    assert_eq!(answer["text"], "задержим на 30 минут");

    // The sender reads the same, and so does a line replayed from its log.
    let seen = |line: &Line| serde_json::Value::Array(line.outbox("us-cjtf").expect("outbox"));
    let before = seen(&line);
    assert!(before.to_string().contains("will_comply"), "{before}");
    drop(line);
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock).expect("reopen");
    let after = seen(&line);
    assert_eq!(
        before.to_string().replace("seconds_to_deadline", ""),
        after.to_string().replace("seconds_to_deadline", "")
    );
}
