//! Hostile parties against the line's core (no HTTP): what a party may learn from advice, previews, errors and
//! stream events about what it was never given, and what it may make the line store. Each test is named after
//! the finding it pins.
//!
//! Longer than the project's ~800 lines on purpose: one suite of findings sharing its helpers; each test
//! stands alone and names the finding it pins.

use std::sync::Arc;

use deconflict_server::clock::ManualClock;
use deconflict_server::{Line, LineError};
use serde_json::{json, Value};

/// 2030-06-18T12:00:00Z.
const NOON: i64 = 1_908_014_400_000;

fn line() -> (tempfile::TempDir, Line) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(NOON));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open");
    (dir, line)
}

fn sortie(id: &str, start: &str, end: &str, lower_m: f64, upper_m: f64) -> Value {
    json!({"id": id, "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 5000}},
         "altitude": {"lower_m": lower_m, "upper_m": upper_m},
         "time": {"start": start, "end": end}}]})
}

/// The line kept in `dir`, opened (again) on a clock at [`NOON`].
fn reopen(dir: &std::path::Path) -> Line {
    let clock = Arc::new(ManualClock::new(NOON));
    Line::open_with_clock(dir, "test.example/line", clock).expect("open")
}

/// Three parties on one agreement: `aa` and `bb` share their declarations, `cc` shares nothing.
fn three(line: &Line) {
    for p in ["aa", "bb", "cc"] {
        line.register_party(p, "military").expect("register");
    }
    line.establish_agreement(json!({"id": "abc", "parties": ["aa", "bb", "cc"]}))
        .expect("agreement");
}

/// Finding 6: advice was computed over declarations the caller was never shown, so cancelling a hidden one
/// changed it (and revealed its end and top). Advice and the POST's advice now depend only on what was given.
#[test]
fn advice_ignores_hidden_declarations() {
    let (_dir, line) = line();
    three(&line);
    let mut b = sortie(
        "b-1",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        9000.0,
    );
    b["audience"] = json!(["aa"]);
    line.declare("bb", b).expect("b-1");
    // Hidden from aa, right after b-1 and at every height: a delay that clears b-1 runs into it.
    line.declare(
        "cc",
        sortie(
            "c-1",
            "2030-06-18T16:00:00Z",
            "2030-06-18T20:00:00Z",
            0.0,
            12000.0,
        ),
    )
    .expect("c-1");
    let posted = line
        .declare(
            "aa",
            sortie(
                "a-1",
                "2030-06-18T15:00:00Z",
                "2030-06-18T16:00:00Z",
                0.0,
                9000.0,
            ),
        )
        .expect("a-1");
    let before = line.advice("aa", "a-1").expect("advice");
    line.cancel("cc", "c-1", Some(1)).expect("cancel c-1");
    let after = line.advice("aa", "a-1").expect("advice");
    assert_eq!(
        before, after,
        "advice changed when a hidden declaration went"
    );
    assert_eq!(posted.body["advice"], after["advice"]);
    // Only b-1 counts: a delay of one hour clears it.
    assert_eq!(after["advice"]["delay_s"], json!(3600), "{after}");
    assert_eq!(after["conflicts"], json!(1), "{after}");
}

/// Finding 6, preview: a preview lists and costs only what was shared with the caller.
#[test]
fn preview_ignores_hidden_declarations() {
    let (_dir, line) = line();
    three(&line);
    line.declare(
        "cc",
        sortie(
            "c-1",
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            9000.0,
        ),
    )
    .expect("c-1");
    let p = line
        .preview(
            "aa",
            sortie(
                "a-1",
                "2030-06-18T15:00:00Z",
                "2030-06-18T16:00:00Z",
                0.0,
                9000.0,
            ),
        )
        .expect("preview");
    assert_eq!(p["conflicts"], json!([]), "{p}");
}

/// Finding 7: a declaration or agreement id another party used was refused as "taken" (409) while a fresh
/// one was accepted, which told that it existed. Ids now live in each party's own namespace: the same id is
/// the caller's own, answered exactly as a fresh id is, and the two never touch each other (also after a
/// restart, which replays them from the log).
#[test]
fn ids_live_in_each_partys_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || reopen(dir.path());
    let line = open();
    three(&line);
    let (start, end) = ("2030-06-18T15:00:00Z", "2030-06-18T16:00:00Z");
    // cc's x-1, shared with nobody.
    line.declare("cc", sortie("x-1", start, end, 0.0, 9000.0))
        .expect("cc's x-1");
    // aa's x-1 (a day later, clear of cc's) is answered as its fresh y-1 is.
    let (next_start, next_end) = ("2030-06-19T15:00:00Z", "2030-06-19T16:00:00Z");
    let taken = line
        .declare("aa", sortie("x-1", next_start, next_end, 0.0, 9000.0))
        .expect("aa's x-1: its own namespace");
    let fresh = line
        .declare("aa", sortie("y-1", next_start, next_end, 0.0, 9000.0))
        .expect("aa's y-1");
    assert_eq!(taken.version, fresh.version);
    let shape = |b: &Value| {
        let mut keys: Vec<String> = b.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        (keys, b["conflicts"].clone(), b["late_notice"].clone())
    };
    assert_eq!(shape(&taken.body), shape(&fresh.body));
    assert!(!taken.body.to_string().contains("cc"), "{}", taken.body);
    // bb's x-1 meets cc's x-1: a conflict between two declarations of one id, of two parties.
    let b = line
        .declare("bb", sortie("x-1", start, end, 0.0, 9000.0))
        .expect("bb's x-1");
    let conflicts = b.body["conflicts"].as_array().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{}", b.body);
    // Agreements: cc proposes "pact" to bb; aa proposes its own "pact" to bb, as it would any fresh id.
    line.propose_agreement("cc", json!({"id": "pact", "parties": ["bb", "cc"]}))
        .expect("cc's pact");
    let a = line
        .propose_agreement("aa", json!({"id": "pact", "parties": ["aa", "bb"]}))
        .expect("aa's pact: its own namespace");
    assert_eq!(a["proposer"], "aa");
    // bb takes part in both: it names which, and each accepts separately.
    let ambiguous = line.agreement("bb", "pact", None).expect_err("which pact?");
    assert!(matches!(ambiguous, LineError::Exists(_)), "{ambiguous:?}");
    line.agreement_action("bb", "pact", Some("aa"), None)
        .expect("bb accepts aa's pact");
    let check = |line: &Line| {
        assert_eq!(line.get("aa", "x-1", None).expect("aa's")["party"], "aa");
        assert_eq!(line.get("cc", "x-1", None).expect("cc's")["party"], "cc");
        assert_eq!(line.get("bb", "x-1", None).expect("bb's")["party"], "bb");
        assert_eq!(
            line.agreement("aa", "pact", None).expect("aa's pact")["status"],
            "active"
        );
        assert_eq!(
            line.agreement("cc", "pact", None).expect("cc's pact")["status"],
            "proposed"
        );
        assert_eq!(
            line.agreement("bb", "pact", Some("cc")).expect("cc's pact")["proposer"],
            "cc"
        );
    };
    check(&line);
    // aa cancels its x-1: cc's and bb's stand, and so does their conflict.
    line.cancel("aa", "x-1", Some(1)).expect("cancel aa's");
    assert_eq!(
        line.get("cc", "x-1", None).expect("cc's")["status"],
        "planned"
    );
    assert_eq!(
        line.get("aa", "x-1", None).expect("aa's")["status"],
        "cancelled"
    );
    let open_conflicts = line
        .conflicts("bb")
        .expect("conflicts")
        .into_iter()
        .filter(|c| c["outcome"].is_null())
        .count();
    assert_eq!(open_conflicts, 1);
    check(&line);
    drop(line);
    // The log replays to the same: each party its own x-1, each proposer its own pact.
    let line = open();
    check(&line);
    assert_eq!(
        line.get("aa", "x-1", None).expect("aa's")["status"],
        "cancelled"
    );
}

/// Finding 8, audiences: a shared declaration showed its whole audience to each member (in its view, its
/// content on the stream, and its entry's leaf). Now only its own party sees the audience; the leaf carries one
/// commitment per party, and each member gets only its own opening. An audience naming a party that is not
/// registered is answered as one naming a registered party (no party enumeration), and so is an agreement.
#[test]
fn audiences_are_not_disclosed() {
    let (_dir, line) = line();
    three(&line);
    let mut d = sortie(
        "a-1",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    d["audience"] = json!(["bb", "cc"]);
    let posted = line.declare("aa", d).expect("a-1");
    assert_eq!(posted.body["audience"], json!(["aa", "bb", "cc"]));
    // Its own party sees the audience; a member does not, nor in the content.
    assert_eq!(
        line.get("aa", "a-1", None).expect("aa")["audience"],
        json!(["aa", "bb", "cc"])
    );
    let seen_by_bb = line.get("bb", "a-1", None).expect("bb");
    assert!(seen_by_bb.get("audience").is_none(), "{seen_by_bb}");
    assert!(!seen_by_bb.to_string().contains("\"cc\""), "{seen_by_bb}");
    for e in events_of(&line, "bb") {
        if e["kind"] == "declaration.version" {
            assert!(!e.to_string().contains("\"cc\""), "{e}");
        }
    }
    // The leaf bb may fetch commits to three parties without naming them; bb's opening proves that it was
    // told, and says nothing of cc.
    let seq = posted.body["seq"].as_u64().expect("seq");
    let entry = line.entry_for("bb", seq).expect("bb may read its entry");
    let leaf = String::from_utf8(entry.header.leaf()).expect("utf-8");
    let audience_line = leaf
        .lines()
        .find(|l| l.starts_with("audience "))
        .expect("audience");
    let commitments: Vec<&str> = audience_line
        .strip_prefix("audience sealed:")
        .expect("sealed")
        .split(',')
        .collect();
    assert_eq!(commitments.len(), 3, "{audience_line}");
    let salt = entry.header.audience.opening("bb").expect("bb's opening");
    let mine = hex::encode(deconflict_ledger::entry::audience_commitment("bb", &salt));
    assert!(commitments.contains(&mine.as_str()));
    assert!(line.entry_for("dd", seq).is_err());
    // No enumeration through an audience or an agreement: an unregistered party is named like any other.
    let mut e = sortie(
        "a-2",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    e["audience"] = json!(["nobody-here"]);
    let unknown = line
        .declare("aa", e)
        .expect("an unregistered party is named");
    assert_eq!(unknown.body["audience"], json!(["aa", "nobody-here"]));
    let a = line
        .propose_agreement(
            "aa",
            json!({"id": "ghost", "parties": ["aa", "nobody-here"]}),
        )
        .expect("an agreement may name one too");
    assert_eq!(a["status"], "proposed");
}

/// Red team: a declaration's `name` and `description` were bounded only by the body (1 MiB each, 100 of them
/// took 300 MB of memory in 4 s), and a follower reading the log from its start took 500 entries at once
/// whatever they weighed (32 streams that never read took 2 GB). Words are now bounded, and a follower reading
/// from the store gathers a bounded number of bytes at a time.
#[test]
fn names_are_bounded_and_followers_read_bounded_batches() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || reopen(dir.path());
    let line = open();
    three(&line);
    let (start, end) = ("2030-06-18T15:00:00Z", "2030-06-18T16:00:00Z");
    for (field, bytes) in [("name", 201), ("description", 4_001)] {
        let mut d = sortie("words", start, end, 0.0, 900.0);
        d[field] = json!("N".repeat(bytes));
        assert_eq!(refused_field(line.declare("aa", d)), field);
    }
    // Heavy entries: declarations of 1 000 positions each (about 40 kB).
    let ring: Vec<Value> = (0..1_000)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 1_000.0;
            json!([38.5 + 0.3 * a.cos(), 35.9 + 0.3 * a.sin()])
        })
        .collect();
    for k in 0..60 {
        let d = json!({"id": format!("heavy-{k}"), "kind": "air_operation", "volumes": [
            {"footprint": {"polygon": ring},
             "altitude": {"lower_m": 10_000.0 + f64::from(k) * 100.0, "upper_m": 10_050.0 + f64::from(k) * 100.0},
             "time": {"start": start, "end": end}}]});
        line.declare("aa", d).expect("heavy");
    }
    drop(line);
    // After a restart the follower of aa reads from the store: a batch stops near 1 MiB, and the next one
    // goes on from where it stopped.
    let line = open();
    let size = line.store().size().expect("size");
    let (events, next) = line.events("aa", 0, 500).expect("events");
    let bytes: usize = events.iter().map(|e| e.len()).sum();
    assert!(next < size, "one batch took the whole log ({bytes} bytes)");
    assert!(bytes <= (1 << 20) + 100_000, "{bytes} bytes in one batch");
    let (more, _) = line.events("aa", next, 500).expect("events");
    assert!(!more.is_empty());
}

fn refused_field(r: Result<impl std::fmt::Debug, LineError>) -> String {
    match r {
        Err(LineError::Invalid { field, .. }) => field,
        other => panic!("expected a refusal naming a field, got {other:?}"),
    }
}

/// Finding 11: a credential request must be an object with known fields only.
#[test]
fn credential_requests_are_checked() {
    let (_dir, line) = line();
    three(&line);
    let chief = line
        .issue_operator_credential("aa", "chief")
        .expect("chief")
        .1;
    let chief = line.authenticate(&chief).expect("chief's credential");
    let before = line.store().size().expect("size");
    assert_eq!(
        refused_field(line.issue_credential_body(&chief, &json!([]))),
        ""
    );
    assert_eq!(
        refused_field(line.issue_credential_body(&chief, &json!({"role": "commander", "rol": 1}))),
        "rol"
    );
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
    line.issue_credential_body(&chief, &json!({"role": "commander"}))
        .expect("a good request");
}

fn line_with_clock() -> (tempfile::TempDir, Line, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::new(NOON));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock.clone()).expect("open");
    (dir, line, clock)
}

/// The kinds of the stream events `party` may read, and their contents.
fn events_of(line: &Line, party: &str) -> Vec<Value> {
    let (events, _) = line.events(party, 0, 10_000).expect("events");
    events
        .iter()
        .map(|e| serde_json::from_str::<Value>(e).expect("an event is JSON"))
        .collect()
}

/// Finding 8: stream events showed a co-recipient's delivery, acknowledgement and escalation. Each recipient
/// now reads only its own receipt; the sender reads all.
#[test]
fn a_recipient_sees_only_its_own_receipt() {
    let (_dir, line, clock) = line_with_clock();
    three(&line);
    let m = line
        .send(
            "aa",
            json!({"to": ["bb", "cc"], "precedence": "FLASH", "text": "hold"}),
        )
        .expect("send");
    let id = m["id"].as_str().expect("id").to_string();
    line.inbox("bb").expect("bb reads");
    line.acknowledge_message("bb", &id, None)
        .expect("bb acknowledges");
    clock.advance_ms(3_600_000);
    assert!(line.escalate_overdue().expect("escalate") > 0);
    let receipts = |party: &str| -> Vec<(String, String)> {
        events_of(&line, party)
            .into_iter()
            .filter(|e| {
                e["kind"]
                    .as_str()
                    .is_some_and(|k| k.starts_with("message.") && k != "message.sent")
            })
            .map(|e| {
                let whose = if e["kind"] == "message.escalated" {
                    e["content"]["party"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                } else {
                    e["actor"].as_str().unwrap_or_default().to_string()
                };
                (e["kind"].as_str().unwrap_or_default().to_string(), whose)
            })
            .collect()
    };
    let of_cc = receipts("cc");
    assert!(
        of_cc.iter().all(|(_, whose)| whose == "cc"),
        "cc reads another recipient's receipt: {of_cc:?}"
    );
    assert!(of_cc.iter().any(|(k, _)| k == "message.escalated"));
    let of_bb = receipts("bb");
    assert!(of_bb.iter().all(|(_, whose)| whose == "bb"), "{of_bb:?}");
    let of_aa = receipts("aa");
    assert!(of_aa.iter().any(|(_, whose)| whose == "bb"));
    assert!(of_aa.iter().any(|(_, whose)| whose == "cc"));
}

/// Finding 7: the hotline told an unregistered party from one the caller shares no agreement with.
#[test]
fn the_hotline_does_not_tell_which_parties_exist() {
    let (_dir, line) = line();
    three(&line);
    line.register_party("dd", "military").expect("dd");
    let detail = |to: &str| match line.send("aa", json!({"to": [to], "text": "hello"})) {
        Err(LineError::Invalid { field, detail }) => {
            assert_eq!(field, "to[0]");
            detail.replace(to, "X")
        }
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(detail("dd"), detail("nobody"));
}

/// Appends `content` of `kind` by `actor` straight to the log in `dir` (as another program could), after
/// whatever the line wrote.
fn append_raw(dir: &std::path::Path, kind: &str, actor: &str, content: Value) -> u64 {
    use deconflict_store::{LogStore, NewEntry, SqliteLog};
    let store = SqliteLog::open(dir).expect("store");
    let size = store.size().expect("size");
    store
        .append(
            Some(size),
            vec![NewEntry {
                time_ms: NOON,
                kind: kind.into(),
                actor: actor.into(),
                audience: deconflict_ledger::Audience::Everyone,
                content,
            }],
        )
        .expect("append");
    size
}

fn reopen_error(dir: &std::path::Path) -> String {
    match Line::open(dir, "test.example/line") {
        Ok(_) => panic!("a log with a bad entry was replayed"),
        Err(e) => e.to_string(),
    }
}

/// Finding 5: replay skipped unknown entry kinds and filled missing fields with defaults. It now refuses
/// them, naming the entry's sequence number and the field.
#[test]
fn replay_refuses_unknown_kinds_and_missing_fields() {
    for (kind, content, says) in [
        ("mystery.kind", json!({"id": "x"}), "unknown entry kind"),
        ("credential.revoked", json!({}), "missing field `id`"),
        (
            "message.escalated",
            json!({"id": "m-1", "party": "aa", "level": "admiral"}),
            "level",
        ),
        (
            "conflict.resolved",
            json!({"id": "c-1", "reason": "r", "colour": "red"}),
            "unknown field `colour`",
        ),
    ] {
        let (dir, line) = line();
        three(&line);
        drop(line);
        let seq = append_raw(dir.path(), kind, "aa", content);
        let e = reopen_error(dir.path());
        assert!(e.contains(&format!("entry {seq}")), "{kind}: {e}");
        assert!(e.contains(says), "{kind}: {e}");
    }
}

/// Finding 12: `--clock-start`/`--clock-speed` could run on a real line. An exercise clock now runs only on a
/// line whose origin says it is an exercise, and every checkpoint of such a line carries it.
#[test]
fn an_exercise_clock_needs_an_exercise_line() {
    use deconflict_server::clock::ScenarioClock;
    let dir = tempfile::tempdir().expect("tempdir");
    let real = Line::open_with_clock(
        dir.path(),
        "test.example/line",
        Arc::new(ScenarioClock::new(NOON, 60.0)),
    );
    let e = real
        .expect_err("a real line on an exercise clock")
        .to_string();
    assert!(e.contains("exercise"), "{e}");
    assert!(
        std::fs::read_dir(dir.path()).expect("dir").next().is_none() || {
            // Nothing was logged.
            let store = deconflict_store::SqliteLog::open(dir.path()).expect("store");
            deconflict_store::LogStore::size(&store).expect("size") == 0
        }
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let drill = Line::open_with_clock(
        dir.path(),
        "test.example/line-exercise",
        Arc::new(ScenarioClock::new(NOON, 60.0)),
    )
    .expect("an exercise line");
    assert!(drill.exercise());
    drill.register_party("aa", "military").expect("aa");
    let checkpoint = drill
        .checkpoint_tick()
        .expect("tick")
        .expect("a checkpoint");
    assert!(
        checkpoint
            .note
            .lines()
            .any(|l| l == deconflict_store::checkpointer::EXERCISE),
        "{}",
        checkpoint.note
    );
    // And a real line's checkpoints do not.
    let (_dir, real) = line();
    real.register_party("aa", "military").expect("aa");
    let c = real.checkpoint_tick().expect("tick").expect("a checkpoint");
    assert!(!c.note.contains("exercise"), "{}", c.note);
}

/// Findings 3 and 11: a declaration of 5 000 volumes, a footprint of 25 000 vertices, a window from year 1
/// to 9999 and ids that cannot be a path segment were accepted. Each is refused now, naming the limit or the
/// field, and nothing is stored.
#[test]
fn declarations_are_bounded() {
    let (_dir, line) = line();
    three(&line);
    let before = line.store().size().expect("size");
    let limit_of = |r: Result<deconflict_server::line::Declared, LineError>| match r {
        Err(LineError::Limit { limit, .. }) => limit.to_string(),
        Err(LineError::Invalid { field, .. }) => format!("field {field}"),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let mut many = sortie(
        "a-1",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    let volume = many["volumes"][0].clone();
    many["volumes"] = Value::Array(vec![volume; 5_000]);
    assert_eq!(
        limit_of(line.declare("aa", many)),
        "volumes_per_declaration"
    );
    let ring: Vec<Value> = (0..25_000)
        .map(|i| {
            let a = i as f64 / 25_000.0 * std::f64::consts::TAU;
            json!([38.5 + 0.1 * a.cos(), 35.9 + 0.1 * a.sin()])
        })
        .collect();
    let mut wide = sortie(
        "a-2",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    wide["volumes"][0]["footprint"] = json!({"polygon": ring});
    let refused = limit_of(line.declare("aa", wide));
    assert!(
        refused.contains("vertices") || refused.contains("polygon"),
        "{refused}"
    );
    let long = sortie(
        "a-3",
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        0.0,
        900.0,
    );
    let refused = limit_of(line.declare("aa", long));
    assert!(refused.contains("time"), "{refused}");
    let long = sortie(
        "a-3",
        "2030-01-01T00:00:00Z",
        "2035-01-01T00:00:00Z",
        0.0,
        900.0,
    );
    assert_eq!(limit_of(line.declare("aa", long)), "volume_window");
    for id in ["preview", "../x", "a/b", "a\nb", "a\u{0}b", ".hidden"] {
        let bad = sortie(
            id,
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            900.0,
        );
        assert_eq!(limit_of(line.declare("aa", bad)), "field id", "{id:?}");
    }
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
}

/// "Every list pages": pages of at most `limit` items, in id order, each naming the next; together they are
/// the whole list; a limit out of bounds is refused naming the bound.
#[test]
fn lists_page() {
    use deconflict_server::line::{ListFilter, Page};
    let (_dir, line) = line();
    three(&line);
    for i in 0..7 {
        let mut d = sortie(
            &format!("b-{i}"),
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            900.0,
        );
        d["audience"] = json!(["aa"]);
        line.declare("bb", d).expect("declare");
    }
    // Hidden from aa: never on its pages, nor in their count.
    line.declare(
        "cc",
        sortie(
            "c-1",
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            900.0,
        ),
    )
    .expect("c-1");
    let all = line.list("aa", &ListFilter::default()).expect("list");
    assert_eq!(all.len(), 7);
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = line
            .list_page(
                "aa",
                &ListFilter::default(),
                &Page {
                    limit: Some(3),
                    after: after.clone(),
                },
            )
            .expect("page");
        assert!(page.items.len() <= 3);
        seen.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, all);
    for limit in [0, 1_001] {
        match line.list_page(
            "aa",
            &ListFilter::default(),
            &Page {
                limit: Some(limit),
                after: None,
            },
        ) {
            Err(LineError::Limit { limit, .. }) => assert_eq!(limit, "page_max"),
            other => panic!("limit {limit}: {other:?}"),
        }
    }
    // Tracks and alerts page too: a party's own live tracks, by track id.
    let track = |id: String| json!({"id": id, "lat": 35.0, "lon": 38.0, "alt_m": 9000.0, "gs_mps": 220.0, "trk_deg": 90.0});
    line.report_tracks(
        "aa",
        json!({"tracks": (0..5).map(|i| track(format!("t{i}"))).collect::<Vec<_>>()}),
    )
    .expect("aa's tracks");
    line.report_tracks("bb", json!({"tracks": [track("t9".into())]}))
        .expect("bb's track");
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = line
            .tracks_page(
                "aa",
                &Page {
                    limit: Some(2),
                    after: after.clone(),
                },
            )
            .expect("tracks page");
        assert!(page.items.len() <= 2);
        ids.extend(
            page.items
                .iter()
                .map(|t| t["id"].as_str().expect("id").to_string()),
        );
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(ids, ["t0", "t1", "t2", "t3", "t4"]);
    let alerts = line
        .alerts_page(
            "aa",
            &Page {
                limit: Some(2),
                after: None,
            },
        )
        .expect("alerts page");
    assert!(alerts.items.is_empty() && alerts.next.is_none());
    assert!(matches!(
        line.alerts_page(
            "aa",
            &Page {
                limit: Some(0),
                after: None
            }
        ),
        Err(LineError::Limit {
            limit: "page_max",
            ..
        })
    ));
}

/// "Memory bounded under any history": resolved conflicts and messages every recipient acknowledged leave
/// memory after the retention period; the log keeps them.
#[test]
fn finished_things_leave_memory_after_the_retention_period() {
    let (_dir, line, clock) = line_with_clock();
    three(&line);
    let mut b = sortie(
        "b-1",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    b["audience"] = json!(["aa"]);
    line.declare("bb", b).expect("b-1");
    let a = line
        .declare(
            "aa",
            sortie(
                "a-1",
                "2030-06-18T15:00:00Z",
                "2030-06-18T16:00:00Z",
                0.0,
                900.0,
            ),
        )
        .expect("a-1");
    assert_eq!(a.body["conflicts"].as_array().map(Vec::len), Some(1));
    line.cancel("aa", "a-1", Some(1))
        .expect("cancel resolves it");
    let m = line
        .send("aa", json!({"to": ["bb"], "text": "seen"}))
        .expect("send");
    let id = m["id"].as_str().expect("id").to_string();
    line.acknowledge_message("bb", &id, None).expect("ack");
    let size = line.store().size().expect("size");
    assert_eq!(line.conflicts("aa").expect("conflicts").len(), 1);
    assert_eq!(line.outbox("aa").expect("outbox").len(), 1);
    line.escalate_overdue().expect("tick");
    assert_eq!(
        line.conflicts("aa").expect("conflicts").len(),
        1,
        "kept for now"
    );
    clock.advance_ms(25 * 3_600_000);
    line.escalate_overdue().expect("tick");
    assert!(line.conflicts("aa").expect("conflicts").is_empty());
    assert!(line.outbox("aa").expect("outbox").is_empty());
    // A cancelled declaration leaves a tombstone: its id keeps its history, its content left memory.
    let gone = line.get("aa", "a-1", None).expect("tombstone");
    assert_eq!(gone["status"], "cancelled");
    assert!(gone["declaration"].is_null(), "{gone}");
    assert!(line
        .declare(
            "aa",
            sortie(
                "a-1",
                "2030-06-20T15:00:00Z",
                "2030-06-20T16:00:00Z",
                0.0,
                900.0
            )
        )
        .is_err());
    assert_eq!(
        line.store().size().expect("size"),
        size,
        "the log keeps them"
    );
    // However young, at most `retained` stay: the oldest leave first.
    let line = line.with_limits(deconflict_server::Limits {
        retained: 2,
        ..Default::default()
    });
    for k in 0..5 {
        let m = line
            .send("aa", json!({"to": ["bb"], "text": format!("seen {k}")}))
            .expect("send");
        line.acknowledge_message("bb", m["id"].as_str().expect("id"), None)
            .expect("ack");
    }
    assert_eq!(line.outbox("aa").expect("outbox").len(), 5);
    line.escalate_overdue().expect("tick");
    let kept: Vec<String> = line
        .outbox("aa")
        .expect("outbox")
        .iter()
        .map(|m| m["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(kept, ["seen 3", "seen 4"]);
}

/// Finding 12: entry times were not checked to increase. A write is stamped no earlier than the entry before
/// it, whatever the clock says, and a log whose times go back is refused on replay.
#[test]
fn entry_times_never_go_back() {
    let (dir, line, clock) = line_with_clock();
    three(&line);
    clock.advance_ms(-3_600_000);
    line.send("aa", json!({"to": ["bb"], "text": "late clock"}))
        .expect("send");
    let (events, _) = line.events("aa", 0, 1_000).expect("events");
    let times: Vec<String> = events
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e).expect("json")["time"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "entry times went back");
    drop(line);
    use deconflict_store::{LogStore, NewEntry, SqliteLog};
    let store = SqliteLog::open(dir.path()).expect("store");
    let size = store.size().expect("size");
    store
        .append(
            Some(size),
            vec![NewEntry {
                time_ms: NOON - 86_400_000,
                kind: "credential.revoked".into(),
                actor: "aa".into(),
                audience: deconflict_ledger::Audience::Everyone,
                content: json!({"id": "k0"}),
            }],
        )
        .expect("append");
    drop(store);
    let e = reopen_error(dir.path());
    assert!(
        e.contains(&format!("entry {size}")) && e.contains("never go back"),
        "{e}"
    );
}

/// Finding 11: a sortie that ended hours ago was stored and notified (with late notice of a negative number
/// of seconds). A declaration that has wholly ended is refused; one still running is taken.
#[test]
fn a_declaration_that_has_ended_is_refused() {
    let (_dir, line) = line();
    three(&line);
    let before = line.store().size().expect("size");
    // NOON is 12:00Z on 18 June 2030.
    let past = sortie(
        "a-1",
        "2030-06-18T09:00:00Z",
        "2030-06-18T10:17:00Z",
        0.0,
        900.0,
    );
    assert_eq!(refused_field(line.declare("aa", past)), "volumes");
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
    let running = sortie(
        "a-2",
        "2030-06-18T11:00:00Z",
        "2030-06-18T13:00:00Z",
        0.0,
        900.0,
    );
    line.declare("aa", running)
        .expect("a declaration still running");
}

/// Finding 3: advice on a large declaration was computed under the line's lock, so one client looping it
/// pushed every other party's reads to seconds. Advice is now computed on a copy of what it needs, without
/// the lock: while one advice runs, another party's read does not wait for it (checked by reading while
/// advice on a large declaration runs on another thread, many times, and comparing with the advice's time).
#[test]
fn reads_do_not_wait_for_advice() {
    let (_dir, line) = line();
    three(&line);
    let line = Arc::new(line);
    // bb's many volumes over one spot, shared with aa; aa's large declaration conflicting with them all.
    let ring = |n: usize, r: f64| -> Value {
        Value::Array(
            (0..n)
                .map(|k| {
                    let a = k as f64 / n as f64 * std::f64::consts::TAU;
                    json!([38.5 + r * a.cos(), 35.9 + r * a.sin()])
                })
                .collect(),
        )
    };
    for i in 0..24 {
        let mut b = sortie(
            &format!("b-{i}"),
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            9000.0,
        );
        b["audience"] = json!(["aa"]);
        b["volumes"] = Value::Array(
            (0..8)
                .map(|_| {
                    json!({"footprint": {"polygon": ring(240, 0.2)},
                           "altitude": {"lower_m": 0, "upper_m": 9000},
                           "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}})
                })
                .collect(),
        );
        line.declare("bb", b).expect("b");
    }
    let mut a = sortie(
        "a-1",
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        9000.0,
    );
    a["volumes"] = Value::Array(
        (0..8)
            .map(|_| {
                json!({"footprint": {"polygon": ring(240, 0.25)},
                       "altitude": {"lower_m": 0, "upper_m": 9000},
                       "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}})
            })
            .collect(),
    );
    line.declare("aa", a).expect("a-1");
    let started = std::time::Instant::now();
    line.advice("aa", "a-1").expect("advice");
    let one_advice = started.elapsed();
    // Advice looping on one thread; cc's reads on this one.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let looping = {
        let (line, stop) = (Arc::clone(&line), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = line.advice("aa", "a-1");
            }
        })
    };
    let mut reads = Vec::new();
    for _ in 0..41 {
        let t = std::time::Instant::now();
        line.list("cc", &deconflict_server::line::ListFilter::default())
            .expect("list");
        reads.push(t.elapsed());
        std::thread::sleep(one_advice / 7);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    looping.join().expect("join");
    // A read behind the advice's lock would wait half an advice on average; the median read must not.
    reads.sort();
    let median = reads[reads.len() / 2];
    assert!(
        median < one_advice / 5,
        "reads waited (median {median:?}) while advice (one takes {one_advice:?}) ran"
    );
}

/// The red team's flood: 6 000 hotline messages in 5.5 s from one party, all taken. Each party's writes now
/// have an allowance (a burst, then a sustained rate); beyond it they are refused with the limit named, and
/// another party's writes go on.
#[test]
fn a_party_cannot_flood_the_line() {
    let (_dir, line) = line();
    three(&line);
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 1.0,
        write_burst: 20.0,
        ..deconflict_server::Limits::default()
    });
    let mut refused = None;
    for i in 0..100 {
        match line.send("aa", json!({"to": ["bb"], "text": format!("flood {i}")})) {
            Ok(_) => {}
            Err(e) => {
                refused = Some((i, e));
                break;
            }
        }
    }
    match refused {
        Some((i, LineError::Limit { limit, rate, .. })) => {
            assert!((20..=22).contains(&i), "refused after {i}");
            assert_eq!(limit, "writes_per_party_per_second");
            assert!(rate);
        }
        other => panic!("expected the flood refused, got {other:?}"),
    }
    line.send("bb", json!({"to": ["aa"], "text": "still here"}))
        .expect("another party writes on");
}

/// Gap found after the proof bundles: `POST /v1/log/bundle` proved up to 10 000 entries a request at no cost
/// to the party's allowance, so one party could keep the store proving. A bundle now costs a write per
/// thousand entries asked for (charged before anything is read, so even a bundle of entries that do not
/// exist costs), and a report costs a second's worth.
#[test]
fn proof_bundles_and_reports_are_charged_to_the_allowance() {
    let (_dir, line) = line();
    three(&line);
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 0.001,
        write_burst: 12.0,
        ..deconflict_server::Limits::default()
    });
    let seqs: Vec<u64> = (1_000_000..1_005_000).collect();
    // 5 + 5 of the 12: both read (and find nothing); the third would need 5 more.
    for _ in 0..2 {
        assert!(matches!(
            line.proof_bundle("aa", &seqs),
            Err(LineError::NotFound(_))
        ));
    }
    match line.proof_bundle("aa", &seqs) {
        Err(LineError::Limit { limit, rate, .. }) => {
            assert_eq!(limit, "writes_per_party_per_second");
            assert!(rate);
        }
        other => panic!("expected the third bundle refused, got {other:?}"),
    }
    // A report costs up to a whole burst: bb's first passes the allowance, its second does not.
    let day = 86_400_000;
    let first = line.report_bundle("bb", NOON - day, NOON);
    assert!(!matches!(first, Err(LineError::Limit { .. })), "{first:?}");
    assert!(matches!(
        line.report_bundle("bb", NOON - day, NOON),
        Err(LineError::Limit { rate: true, .. })
    ));
}

/// Red-team finding: a notification of three 83 KB sites to two parties logged 480 KB for one write of the
/// allowance, and `reconfirm_s: 1` let it lapse at once, freeing the quota of open notifications as fast as
/// they came. A notification now costs a write per 4 KiB it logs, and a re-confirmation period is an hour at
/// least.
#[test]
fn notifications_cost_what_they_log_and_cannot_lapse_at_once() {
    let (_dir, line) = line();
    three(&line);
    let ring: Vec<Value> = (0..=400)
        .map(|i| {
            let a = f64::from(i) / 400.0 * std::f64::consts::TAU;
            json!([38.5 + 0.05 * a.cos(), 35.9 + 0.05 * a.sin()])
        })
        .collect();
    line.declare(
        "aa",
        json!({"id": "big-site", "kind": "site", "audience": ["bb", "cc"], "volumes": [
            {"footprint": {"polygon": ring}, "altitude": {"lower_m": 0, "upper_m": 300},
             "time": {"start": "2030-06-18T00:00:00Z", "end": "2030-07-18T00:00:00Z"}}]}),
    )
    .expect("declare");
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 0.001,
        write_burst: 12.0,
        ..deconflict_server::Limits::default()
    });
    match line.notify(
        "aa",
        json!({"declarations": ["big-site"], "to": ["bb", "cc"], "reconfirm_s": 1}),
    ) {
        Err(LineError::Invalid { field, .. }) => assert_eq!(field, "reconfirm_s"),
        other => panic!("a re-confirmation period of a second: {other:?}"),
    }
    // The first costs about 2 × 12 KiB / 4 KiB = 6 of the 12; the second finds too little left.
    line.notify(
        "aa",
        json!({"declarations": ["big-site"], "to": ["bb", "cc"], "reconfirm_s": 3600}),
    )
    .expect("the first notification");
    match line.notify(
        "aa",
        json!({"declarations": ["big-site"], "to": ["bb", "cc"]}),
    ) {
        Err(LineError::Limit { limit, rate, .. }) => {
            assert_eq!(limit, "writes_per_party_per_second");
            assert!(rate);
        }
        other => panic!("expected the second notification refused, got {other:?}"),
    }
}

/// Red-team finding: an incident report was charged once before it was written and again for its bundle
/// after, so a party at the end of its allowance got 429 for an incident the log had stored (and a retry
/// stored it twice). The whole cost is now charged before anything is written.
#[test]
fn an_incident_refused_for_its_cost_is_never_stored() {
    let (_dir, line) = line();
    three(&line);
    line.declare(
        "aa",
        json!({"id": "s1", "kind": "site", "audience": ["bb"], "volumes": [
            {"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 300}},
             "altitude": {"lower_m": 0, "upper_m": 300},
             "time": {"start": "2030-06-18T00:00:00Z", "end": "2030-07-18T00:00:00Z"}}]}),
    )
    .expect("declare");
    line.notify("aa", json!({"declarations": ["s1"], "to": ["bb"]}))
        .expect("notify");
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 0.001,
        write_burst: 3.0,
        ..deconflict_server::Limits::default()
    });
    let incident = json!({"site": "s1", "party": "aa", "time": "2030-06-18T12:00:00Z", "description": "shelled"});
    // bb's allowance: 3; one write spent leaves 2, exactly an incident's cost (1 + its bundle's 1).
    line.send("bb", json!({"to": ["aa"], "text": "spend one"}))
        .expect("send");
    let size = line.store().size().expect("size");
    line.send("bb", json!({"to": ["aa"], "text": "spend another"}))
        .expect("send");
    let size_after_send = line.store().size().expect("size");
    assert_eq!(size_after_send, size + 1);
    match line.report_incident("bb", incident.clone()) {
        Err(LineError::Limit { rate: true, .. }) => {}
        other => panic!("expected the incident refused for its cost, got {other:?}"),
    }
    assert_eq!(
        line.store().size().expect("size"),
        size_after_send,
        "nothing stored for a refused incident"
    );
}

fn limit_refused<T: std::fmt::Debug>(r: Result<T, LineError>) -> &'static str {
    match r {
        Err(LineError::Limit {
            limit, rate: false, ..
        }) => limit,
        other => panic!("expected a refusal at a limit, got {other:?}"),
    }
}

/// Hostile review: one declaration over 5 000 partner declarations logged 5 000 `conflict.found` entries and
/// held the line's lock for 7.9 s. A write (a declaration or a new version) that would open more than
/// `conflicts_per_write` conflicts is now refused whole, naming the limit (and not by how much), and nothing
/// is stored.
#[test]
fn one_write_opens_at_most_conflicts_per_write() {
    let (_dir, line) = line();
    three(&line);
    let line = line.with_limits(deconflict_server::Limits {
        conflicts_per_write: 3,
        ..deconflict_server::Limits::default()
    });
    let (start, end) = ("2030-06-18T15:00:00Z", "2030-06-18T16:00:00Z");
    for i in 0..4 {
        line.declare("bb", sortie(&format!("b-{i}"), start, end, 0.0, 900.0))
            .expect("b");
    }
    let before = line.store().size().expect("size");
    let refused = line.declare("aa", sortie("a-1", start, end, 0.0, 900.0));
    if let Err(LineError::Limit { detail, .. }) = &refused {
        assert!(
            !detail.contains('4'),
            "the refusal tells how many: {detail}"
        );
    }
    assert_eq!(limit_refused(refused), "conflicts_per_write");
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
    assert!(matches!(
        line.get("aa", "a-1", None),
        Err(LineError::NotFound(_))
    ));

    // A new version that would open them is refused the same way; the version stays.
    line.declare(
        "aa",
        sortie(
            "a-2",
            "2030-06-19T15:00:00Z",
            "2030-06-19T16:00:00Z",
            0.0,
            900.0,
        ),
    )
    .expect("a-2 opens none");
    let before = line.store().size().expect("size");
    assert_eq!(
        limit_refused(line.new_version(
            "aa",
            "a-2",
            Some(1),
            sortie("a-2", start, end, 0.0, 900.0)
        )),
        "conflicts_per_write"
    );
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
    assert_eq!(line.get("aa", "a-2", None).expect("a-2")["version"], 1);

    // Three are within the bound.
    line.cancel("bb", "b-3", Some(1)).expect("cancel");
    let declared = line
        .declare("aa", sortie("a-1", start, end, 0.0, 900.0))
        .expect("three conflicts");
    assert_eq!(declared.body["conflicts"].as_array().map(Vec::len), Some(3));
}

/// A polygon of `n` vertices around the sorties' spot.
fn polygon(id: &str, n: usize) -> Value {
    let mut d = sortie(
        id,
        "2030-06-18T15:00:00Z",
        "2030-06-18T16:00:00Z",
        0.0,
        900.0,
    );
    let ring: Vec<Value> = (0..n)
        .map(|k| {
            let a = k as f64 / n as f64 * std::f64::consts::TAU;
            json!([38.5 + 0.1 * a.cos(), 35.9 + 0.1 * a.sin()])
        })
        .collect();
    d["volumes"][0]["footprint"] = json!({ "polygon": ring });
    d
}

/// Hostile review: one party flooded 900 declarations of ~100 KB each and the server grew to 1.5 GB. A party
/// now holds at most `declarations_per_party` live declarations and `vertices_per_party` positions in them
/// (a circle counts one); a new declaration or version past either is refused, naming it. Ending or
/// cancelling frees room, other parties are not counted, and the count survives a restart.
#[test]
fn a_party_holds_a_bounded_number_of_live_declarations_and_positions() {
    use deconflict_server::line::Lifecycle;
    let (dir, line) = line();
    three(&line);
    let limits = deconflict_server::Limits {
        declarations_per_party: 3,
        vertices_per_party: 12,
        ..deconflict_server::Limits::default()
    };
    let line = line.with_limits(limits.clone());
    let (start, end) = ("2030-06-18T15:00:00Z", "2030-06-18T16:00:00Z");
    for i in 0..3 {
        line.declare("cc", sortie(&format!("c-{i}"), start, end, 0.0, 900.0))
            .expect("c");
    }
    let before = line.store().size().expect("size");
    assert_eq!(
        limit_refused(line.declare("cc", sortie("c-3", start, end, 0.0, 900.0))),
        "declarations_per_party"
    );
    assert_eq!(line.store().size().expect("size"), before, "nothing stored");
    line.declare("aa", sortie("a-0", start, end, 0.0, 900.0))
        .expect("another party is not held to cc's count");

    line.cancel("cc", "c-0", Some(1)).expect("cancel");
    line.declare("cc", sortie("c-3", start, end, 0.0, 900.0))
        .expect("room again");
    // Two circles and a polygon of 10: 12 positions.
    line.new_version("cc", "c-1", Some(1), polygon("c-1", 10))
        .expect("12 positions");
    assert_eq!(
        limit_refused(line.new_version("cc", "c-1", Some(2), polygon("c-1", 11))),
        "vertices_per_party"
    );
    assert_eq!(line.get("cc", "c-1", None).expect("c-1")["version"], 2);

    drop(line);
    let line = reopen(dir.path()).with_limits(limits);
    assert_eq!(
        limit_refused(line.declare("cc", sortie("c-4", start, end, 0.0, 900.0))),
        "declarations_per_party",
        "the count is rebuilt from the log"
    );
    line.set_state("cc", "c-2", Some(1), Lifecycle::Ended)
        .expect("end");
    line.declare("cc", sortie("c-4", start, end, 0.0, 900.0))
        .expect("an ended declaration frees room");
}

/// Hostile review: previews were not rate-limited (each the work of a write, stored nowhere). They are
/// charged to the party's write allowance now.
#[test]
fn previews_are_charged_to_the_write_allowance() {
    let (_dir, line) = line();
    three(&line);
    let line = line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 1.0,
        write_burst: 5.0,
        ..deconflict_server::Limits::default()
    });
    let mut refused = None;
    for i in 0..50 {
        let d = sortie(
            &format!("p-{i}"),
            "2030-06-18T15:00:00Z",
            "2030-06-18T16:00:00Z",
            0.0,
            900.0,
        );
        if let Err(e) = line.preview("aa", d) {
            refused = Some((i, e));
            break;
        }
    }
    match refused {
        Some((i, LineError::Limit { limit, rate, .. })) => {
            assert!((5..=6).contains(&i), "refused after {i}");
            assert_eq!(limit, "writes_per_party_per_second");
            assert!(rate);
        }
        other => panic!("expected previews refused past the allowance, got {other:?}"),
    }
}

/// Hostile review: a preview read its body (up to the bounds: thousands of positions) under the line's lock,
/// so a party looping previews stalled every other party's reads. The body is read and checked before the
/// lock now: while previews run on another thread, another party's reads do not wait for them.
#[test]
fn reads_do_not_wait_for_previews() {
    let (_dir, line) = line();
    three(&line);
    let line = Arc::new(line.with_limits(deconflict_server::Limits {
        writes_per_party_per_second: 1e9,
        write_burst: 1e9,
        ..deconflict_server::Limits::default()
    }));
    // As large a body as the bounds take: two footprints of 1 000 positions.
    let mut large = polygon("p-1", 1000);
    let volume = large["volumes"][0].clone();
    large["volumes"] = json!([volume.clone(), volume]);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        line.preview("aa", large.clone()).expect("preview");
    }
    let one_preview = started.elapsed() / 3;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let looping = {
        let (line, stop, large) = (Arc::clone(&line), Arc::clone(&stop), large.clone());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = line.preview("aa", large.clone());
            }
        })
    };
    let mut reads = Vec::new();
    for _ in 0..41 {
        let t = std::time::Instant::now();
        line.list("cc", &deconflict_server::line::ListFilter::default())
            .expect("list");
        reads.push(t.elapsed());
        std::thread::sleep(one_preview / 7);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    looping.join().expect("join");
    reads.sort();
    let median = reads[reads.len() / 2];
    assert!(
        median < one_preview / 5,
        "reads waited (median {median:?}) while previews (one takes {one_preview:?}) ran"
    );
}
