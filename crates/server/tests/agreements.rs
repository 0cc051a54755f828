//! Agreements, roles and the declaration life cycle on a manual clock: conflicts only under an active
//! agreement and with its minima; suspension stops new traffic and keeps the old; late notice is flagged;
//! deadlines come from the agreement; credentials are issued by level and revoked; declarations are planned,
//! activated and ended; lists filter by box and time. Everything survives a replay of the log.

use std::sync::Arc;

use deconflict_server::clock::ManualClock;
use deconflict_server::line::{Lifecycle, ListFilter};
use deconflict_server::{Line, LineError};
use serde_json::{json, Value};

const T0: i64 = 1_497_794_400_000; // 2017-06-18T14:00Z

fn world() -> (tempfile::TempDir, Arc<ManualClock>, Line) {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("open");
    for id in ["us-cjtf", "ru-gs", "tr-gs", "sdf"] {
        line.register_party(id, "military").expect("register");
    }
    (dir, clock, line)
}

/// An air operation over Tabqa, 15:00–16:00Z, from `lower_m` to `lower_m + 1000`, `dx_m` east of the centre.
fn sortie(id: &str, lower_m: f64, dx_m: f64) -> Value {
    let lon = 38.57 + dx_m / 90_300.0;
    json!({"id": id, "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [lon, 35.87], "radius_m": 1000}},
         "altitude": {"lower_m": lower_m, "upper_m": lower_m + 1000.0},
         "time": {"start": "2017-06-18T15:00:00Z", "end": "2017-06-18T16:00:00Z"}}]})
}

fn conflicts(v: &Value) -> usize {
    v["conflicts"].as_array().map_or(0, Vec::len)
}

#[test]
fn conflicts_need_an_active_agreement_and_use_its_minima() {
    let (_dir, _clock, line) = world();
    line.declare("us-cjtf", sortie("us-1", 6000.0, 0.0))
        .expect("us-1");
    // No agreement yet: ru-gs's sortie 5 km away conflicts with nothing.
    let d = line
        .declare("ru-gs", sortie("ru-1", 6000.0, 5000.0))
        .expect("ru-1");
    assert_eq!(conflicts(&d.body), 0, "{}", d.body);

    // Proposed is not active.
    let a = line
        .propose_agreement(
            "us-cjtf",
            json!({"id": "mou", "parties": ["us-cjtf", "ru-gs"], "minima": {"lateral_m": 3000}}),
        )
        .expect("propose");
    assert_eq!(a["status"], "proposed");
    let d = line
        .declare("ru-gs", sortie("ru-2", 6000.0, 5000.0))
        .expect("ru-2");
    assert_eq!(conflicts(&d.body), 0);

    // Active, with 3 km laterally: 5 km apart (3 km between the edges) is clear, 4 km apart is not.
    let a = line
        .agreement_action("ru-gs", "mou", None, None)
        .expect("accept");
    assert_eq!(a["status"], "active");
    let d = line
        .declare("ru-gs", sortie("ru-3", 6000.0, 5000.0))
        .expect("ru-3");
    assert_eq!(conflicts(&d.body), 0, "{}", d.body);
    let d = line
        .declare("ru-gs", sortie("ru-4", 6000.0, 4000.0))
        .expect("ru-4");
    assert_eq!(conflicts(&d.body), 1, "{}", d.body);
    assert_eq!(d.body["conflicts"][0]["other"]["id"], "us-1");
    assert_eq!(
        line.conflicts("us-cjtf").expect("list").len(),
        1,
        "and us-cjtf sees it"
    );
    // tr-gs is in no agreement with either: nothing.
    let d = line
        .declare("tr-gs", sortie("tr-1", 6000.0, 0.0))
        .expect("tr-1");
    assert_eq!(conflicts(&d.body), 0);

    // A second agreement between the same two, wider: the widest minima apply.
    line.establish_agreement(
        json!({"id": "wide", "parties": ["ru-gs", "us-cjtf"], "minima": {"lateral_m": 9260}}),
    )
    .expect("wide");
    let d = line
        .declare("ru-gs", sortie("ru-5", 6000.0, 5000.0))
        .expect("ru-5");
    assert_eq!(conflicts(&d.body), 1);
    let c = line.conflicts("ru-gs").expect("list");
    let found = c
        .iter()
        .find(|c| c["declaration"]["id"] == "ru-5")
        .expect("ru-5's conflict");
    assert_eq!(found["agreements"], Value::Null, "views do not repeat it");

    // Suspension by either side: no new conflicts or messages; the old ones stay readable.
    for id in ["mou", "wide"] {
        let a = line
            .agreement_action("ru-gs", id, None, Some("aircraft shot down".into()))
            .expect("suspend");
        assert_eq!(a["status"], "suspended");
        assert_eq!(a["suspensions"][0]["party"], "ru-gs");
    }
    let d = line
        .declare("ru-gs", sortie("ru-6", 6000.0, 0.0))
        .expect("ru-6");
    assert_eq!(conflicts(&d.body), 0);
    assert_eq!(line.conflicts("us-cjtf").expect("list").len(), 2);
    let refused = line.send("us-cjtf", json!({"to": ["ru-gs"], "text": "call us"}));
    assert!(
        matches!(&refused, Err(LineError::Invalid { field, .. }) if field == "to[0]"),
        "{refused:?}"
    );
    // Resumed only when both accept anew.
    line.agreement_action("us-cjtf", "mou", None, None)
        .expect("accept");
    assert_eq!(
        line.agreement("us-cjtf", "mou", None).expect("get")["status"],
        "suspended"
    );
    let a = line
        .agreement_action("ru-gs", "mou", None, None)
        .expect("accept");
    assert_eq!(a["status"], "active");

    // Non-participants see nothing of it.
    assert!(matches!(
        line.agreement("tr-gs", "mou", None),
        Err(LineError::NotFound(_))
    ));
    assert!(line.agreements("tr-gs").expect("list").is_empty());
    assert!(matches!(
        line.agreement_action("tr-gs", "mou", None, Some("no".into())),
        Err(LineError::NotFound(_))
    ));
}

#[test]
fn bad_agreements_name_the_field_and_store_nothing() {
    let (dir, _clock, line) = world();
    let size = |dir: &tempfile::TempDir| {
        let _ = dir;
        line.store().size().expect("size")
    };
    let before = size(&dir);
    for (body, field) in [
        (json!({"id": "x", "parties": ["us-cjtf"]}), "parties"),
        (json!({"id": "x", "parties": ["ru-gs", "tr-gs"]}), "parties"),
        (
            // Not a party id by its grammar (an unregistered one is answered as any other: no enumeration).
            json!({"id": "x", "parties": ["us-cjtf", "No Body"]}),
            "parties[1]",
        ),
        (
            json!({"id": "x", "parties": ["us-cjtf", "ru-gs"], "minima": {"lateral_m": -1}}),
            "minima.lateral_m",
        ),
        (
            json!({"id": "x", "parties": ["us-cjtf", "ru-gs"], "minima": {"lateral": 5}}),
            "minima.lateral",
        ),
        (
            json!({"id": "x", "parties": ["us-cjtf", "ru-gs"], "notice_s": {"air_op": 60}}),
            "notice_s.air_op",
        ),
        (
            json!({"id": "x", "parties": ["us-cjtf", "ru-gs"], "deadlines_s": {"FLASH": 0}}),
            "deadlines_s.FLASH",
        ),
        (
            json!({"id": "x", "parties": ["us-cjtf", "ru-gs"], "extra": 1}),
            "extra",
        ),
        (json!({"parties": ["us-cjtf", "ru-gs"]}), "id"),
    ] {
        match line.propose_agreement("us-cjtf", body.clone()) {
            Err(LineError::Invalid { field: f, .. }) => assert_eq!(f, field, "{body}"),
            other => panic!("{body}: {other:?}"),
        }
    }
    assert_eq!(size(&dir), before, "nothing stored");
}

#[test]
fn late_notice_and_deadlines_come_from_the_agreement() {
    let (dir, clock, line) = world();
    line.establish_agreement(json!({
        "id": "mou", "parties": ["us-cjtf", "ru-gs"],
        "notice_s": {"air_operation": 7200},
        "deadlines_s": {"FLASH": 120}
    }))
    .expect("agreement");
    // 14:00Z now; 15:00Z start is one hour's notice of the two asked.
    let d = line
        .declare("us-cjtf", sortie("us-1", 6000.0, 0.0))
        .expect("us-1");
    assert_eq!(
        d.body["late_notice"],
        json!({"required_s": 7200, "given_s": 3600, "agreements": ["mou"]})
    );
    // tr-gs has no agreement asking notice.
    let d = line
        .declare("tr-gs", sortie("tr-1", 6000.0, 0.0))
        .expect("tr-1");
    assert_eq!(d.body["late_notice"], Value::Null);
    let mut later = sortie("us-1", 6000.0, 0.0);
    later["volumes"][0]["time"] =
        json!({"start": "2017-06-18T18:00:00Z", "end": "2017-06-18T19:00:00Z"});
    let d = line
        .new_version("us-cjtf", "us-1", Some(1), later)
        .expect("v2");
    assert_eq!(
        d.body["late_notice"],
        Value::Null,
        "four hours ahead is in time"
    );
    clock.advance_ms(60_000);
    let m = line
        .send(
            "us-cjtf",
            json!({"to": ["ru-gs"], "precedence": "FLASH", "text": "check fire"}),
        )
        .expect("send");
    assert_eq!(m["seconds_to_deadline"], 120);

    // The flag is derived from the log: a replay gives the same.
    drop(line);
    let line = Line::open(dir.path(), "test.example/line").expect("reopen");
    assert_eq!(
        line.get("us-cjtf", "us-1", None).expect("get")["late_notice"],
        Value::Null
    );
    assert_eq!(
        line.get("tr-gs", "tr-1", None).expect("get")["late_notice"],
        Value::Null
    );
    assert_eq!(
        line.agreement("ru-gs", "mou", None).expect("get")["status"],
        "active"
    );
}

#[test]
fn declarations_are_planned_activated_ended_and_filtered() {
    let (dir, _clock, line) = world();
    line.establish_agreement(json!({"id": "mou", "parties": ["us-cjtf", "ru-gs"]}))
        .expect("agreement");
    line.declare("us-cjtf", sortie("us-1", 6000.0, 0.0))
        .expect("us-1");
    let d = line
        .declare("ru-gs", sortie("ru-1", 6000.0, 0.0))
        .expect("ru-1");
    assert_eq!(conflicts(&d.body), 1);
    assert_eq!(
        line.get("us-cjtf", "us-1", None).expect("get")["status"],
        "planned"
    );
    // Needs If-Match; then planned → active → ended; ended resolves its conflicts and frees the airspace.
    assert!(matches!(
        line.set_state("us-cjtf", "us-1", None, Lifecycle::Active),
        Err(LineError::PreconditionRequired)
    ));
    assert!(matches!(
        line.set_state("ru-gs", "us-1", Some(1), Lifecycle::Active),
        Err(LineError::NotFound(_))
    ));
    let v = line
        .set_state("us-cjtf", "us-1", Some(1), Lifecycle::Active)
        .expect("activate");
    assert_eq!(v["status"], "active");
    let v = line
        .new_version("us-cjtf", "us-1", Some(1), sortie("us-1", 6000.0, 0.0))
        .expect("v2");
    assert_eq!(v.body["declaration"]["version"], 2);
    assert_eq!(
        line.get("us-cjtf", "us-1", None).expect("get")["status"],
        "active",
        "a new version stays active"
    );
    let v = line
        .set_state("us-cjtf", "us-1", Some(2), Lifecycle::Ended)
        .expect("end");
    assert_eq!(v["status"], "ended");
    assert!(line
        .conflicts("ru-gs")
        .expect("list")
        .iter()
        .all(|c| c["status"] == "resolved"));
    assert!(matches!(
        line.set_state("us-cjtf", "us-1", Some(2), Lifecycle::Active),
        Err(LineError::Exists(_))
    ));
    let d = line
        .declare("ru-gs", sortie("ru-2", 6000.0, 0.0))
        .expect("ru-2");
    assert_eq!(
        conflicts(&d.body),
        0,
        "an ended declaration conflicts with nothing"
    );

    // Lists: ended ones only when asked; by box and by time.
    let ids = |f: &ListFilter| -> Vec<String> {
        line.list("ru-gs", f)
            .expect("list")
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(ids(&ListFilter::default()), ["ru-1", "ru-2"]);
    let all = ListFilter {
        include_closed: true,
        ..Default::default()
    };
    assert_eq!(ids(&all), ["ru-1", "ru-2"], "us-1 was never shown to ru-gs");
    let us_all: Vec<Value> = line.list("us-cjtf", &all).expect("list");
    assert_eq!(us_all.len(), 1);
    let tabqa = ListFilter {
        bbox: Some([38.5, 35.8, 38.7, 35.9]),
        ..Default::default()
    };
    assert_eq!(ids(&tabqa), ["ru-1", "ru-2"]);
    let elsewhere = ListFilter {
        bbox: Some([36.0, 33.0, 37.0, 34.0]),
        ..Default::default()
    };
    assert!(ids(&elsewhere).is_empty());
    let later = ListFilter {
        from_ms: Some(T0 + 2 * 3_600_000),
        ..Default::default()
    };
    assert!(ids(&later).is_empty());
    let during = ListFilter {
        from_ms: Some(T0 + 3_600_000 + 60_000),
        to_ms: Some(T0 + 3_600_000 + 120_000),
        ..Default::default()
    };
    assert_eq!(ids(&during), ["ru-1", "ru-2"]);

    drop(line);
    let line = Line::open(dir.path(), "test.example/line").expect("reopen");
    assert_eq!(
        line.get("us-cjtf", "us-1", None).expect("get")["status"],
        "ended"
    );
}

#[test]
fn credentials_are_issued_by_level_and_revoked() {
    let (dir, _clock, line) = world();
    let token = line
        .register_party_as("un-ocha", "humanitarian", "commander")
        .expect("register");
    let commander = line.authenticate(&token).expect("valid");
    assert_eq!(
        (commander.party.as_str(), commander.role.as_str()),
        ("un-ocha", "commander")
    );
    // A commander issues a duty officer's credential, not a chief's.
    let (duty_id, duty_token) = line
        .issue_credential(&commander, "duty_officer")
        .expect("issue");
    assert!(matches!(
        line.issue_credential(&commander, "chief"),
        Err(LineError::Forbidden(_))
    ));
    let duty = line.authenticate(&duty_token).expect("valid");
    assert_eq!(duty.role, "duty_officer");
    // The duty officer cannot revoke the commander, nor anyone's credential of another party.
    assert!(matches!(
        line.revoke_credential(&duty, &commander.id),
        Err(LineError::Forbidden(_))
    ));
    let us = line
        .authenticate(&line.register_party("us-x", "military").expect("us-x"))
        .expect("valid");
    assert!(matches!(
        line.revoke_credential(&us, &duty_id),
        Err(LineError::NotFound(_))
    ));
    // The commander revokes the duty officer: the token no longer works, now or after a restart.
    let v = line
        .revoke_credential(&commander, &duty_id)
        .expect("revoke");
    assert!(v["revoked"].is_string());
    assert!(line.authenticate(&duty_token).is_none());
    let listed = line.credentials("un-ocha").expect("list");
    assert_eq!(listed.len(), 2);
    assert!(listed
        .iter()
        .all(|c| c.get("token").is_none() && c.get("token_sha256").is_none()));
    drop(line);
    let line = Line::open(dir.path(), "test.example/line").expect("reopen");
    assert!(line.authenticate(&duty_token).is_none());
    assert!(line.authenticate(&token).is_some());
}
