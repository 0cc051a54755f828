//! The state machine on its own, with no server: commands decided, appended to an in-memory log, checked and
//! applied; replaying that log gives the same digest; and what a party may not read is refused by every
//! decider exactly as what does not exist.

use std::collections::{BTreeMap, BTreeSet};

use deconflict_ledger::canonical::canonical_json;
use deconflict_ledger::entry::content_hash;
use deconflict_ledger::{Audience, EntryHeader};
use deconflict_plan::parse_declaration;
use deconflict_strategic::Minima;
use serde_json::{json, Value};

use super::decide::{Decided, Told};
use super::{ConflictResponse, DomainError, Lifecycle, State};
use crate::kinds::{AGREEMENT_ACCEPTED, AGREEMENT_PROPOSED, MESSAGE_SENT, PARTY_REGISTERED};

/// A log in memory beside the state it made.
struct Log {
    state: State,
    entries: Vec<(EntryHeader, Vec<u8>)>,
    time_ms: i64,
}

impl Log {
    fn new() -> Self {
        Log {
            state: State::new(Minima::default()),
            entries: Vec::new(),
            time_ms: 1_700_000_000_000,
        }
    }

    /// Appends one entry as the server would: checked against the state first, then applied.
    fn append(&mut self, actor: &str, kind: &str, told: Told, content: Value) {
        self.time_ms += 1000;
        let audience = match told {
            Told::Parties(p) => Audience::Parties(p),
            // Salts are the server's (random); any fixed ones do here.
            Told::Sealed(p) => Audience::Sealed(p.into_iter().map(|p| (p, [7u8; 16])).collect()),
        };
        let bytes = canonical_json(&content).expect("canonical");
        let header = EntryHeader {
            seq: self.entries.len() as u64,
            time_ms: self.time_ms,
            kind: kind.to_string(),
            actor: actor.to_string(),
            audience,
            content_hash: content_hash(&bytes),
        };
        let checked = self
            .state
            .check(&header, &bytes, None)
            .unwrap_or_else(|e| panic!("a decided entry must pass its check: {e}"));
        self.state.apply_checked(&header, checked);
        self.entries.push((header, bytes));
    }

    fn commit(&mut self, actor: &str, decided: Vec<Decided>) {
        for d in decided {
            self.append(actor, d.kind, d.told, d.content);
        }
    }

    fn register(&mut self, party: &str) {
        let everyone = Told::Parties(BTreeSet::new());
        self.append(
            party,
            PARTY_REGISTERED,
            everyone,
            json!({"id": party, "kind": "military", "token_sha256": "ab".repeat(32)}),
        );
    }

    fn declare(&mut self, party: &str, id: &str, east: f64, audience: &[&str]) {
        let content = json!({"id": id, "party": party, "version": 1, "kind": "air_operation",
            "volumes": [{"footprint": {"circle": {"center": [38.5 + east, 35.9], "radius_m": 5000}},
                         "altitude": {"lower_m": 1000, "upper_m": 2000},
                         "time": {"start": "2030-06-01T10:00:00Z", "end": "2030-06-01T12:00:00Z"}}]});
        let declaration = parse_declaration(&content, "test").expect("declaration");
        let audience: BTreeSet<String> = audience.iter().map(|p| p.to_string()).collect();
        let (decided, _) = self
            .state
            .decide_version(
                party,
                &declaration,
                &content,
                &audience,
                &super::decide::VersionBounds::UNBOUNDED,
            )
            .expect("within bounds");
        self.commit(party, decided);
    }

    /// The digest of a state rebuilt from this log alone.
    fn replayed(&self) -> [u8; 32] {
        let mut state = State::new(Minima::default());
        for (header, bytes) in &self.entries {
            state.apply(header, bytes).expect("replay");
        }
        state.digest()
    }
}

/// Three parties; `aa` and `bb` under an agreement, `cc` outside it; `aa` and `bb` in conflict.
fn theatre() -> (Log, String) {
    let mut log = Log::new();
    for p in ["aa", "bb", "cc"] {
        log.register(p);
    }
    let parties = || Told::Parties(["aa".to_string(), "bb".to_string()].into());
    log.append(
        "aa",
        AGREEMENT_PROPOSED,
        parties(),
        json!({"id": "base", "parties": ["aa", "bb"]}),
    );
    log.append(
        "bb",
        AGREEMENT_ACCEPTED,
        parties(),
        json!({"id": "base", "proposer": "aa"}),
    );
    log.declare("aa", "north", 0.0, &[]);
    log.declare("bb", "south", 0.01, &[]);
    let conflict = log
        .state
        .conflicts
        .keys()
        .next()
        .expect("the two sorties conflict")
        .clone();
    (log, conflict)
}

#[test]
fn decided_entries_apply_and_replay_to_the_same_digest() {
    let (mut log, conflict) = theatre();
    let decided = log
        .state
        .decide_conflict_response("bb", &conflict, ConflictResponse::Accept, None)
        .expect("bb is a party to it");
    assert_eq!(decided.len(), 1);
    log.commit("bb", decided);
    // The same response again changes nothing and logs nothing.
    let again = log
        .state
        .decide_conflict_response("bb", &conflict, ConflictResponse::Accept, None)
        .expect("again");
    assert!(again.is_empty());
    log.append(
        "aa",
        MESSAGE_SENT,
        Told::Parties(["aa".to_string(), "bb".to_string()].into()),
        json!({"id": "m1", "from": "aa", "to": ["bb"], "precedence": "FLASH", "kind": "text",
               "text": "hold", "refs": {},
               "deadline_ms": log.time_ms + 600_000}),
    );
    let delivered = log.state.decide_delivery("bb");
    log.commit("bb", delivered);
    let answered = log
        .state
        .decide_message_receipt("bb", "m1", Some("holding".into()))
        .expect("answer");
    log.commit("bb", answered);
    // Past every deadline: the message was answered, so nothing escalates.
    assert!(log
        .state
        .decide_escalations(log.time_ms + 86_400_000)
        .is_empty());
    let ended = log
        .state
        .decide_lifecycle("aa", "north", Some(1), Lifecycle::Ended)
        .expect("end");
    log.commit("aa", ended);
    assert!(log.state.conflicts[&conflict].resolved_by.is_some());
    assert_eq!(log.state.next_seq, log.entries.len() as u64);
    assert_eq!(log.replayed(), log.state.digest());
    assert_due_indexes(&log.state);
}

#[test]
fn deciders_refuse_what_a_party_may_not_read_as_what_does_not_exist() {
    let (log, conflict) = theatre();
    let s = &log.state;
    let hidden = s.decide_conflict_response("cc", &conflict, ConflictResponse::Acknowledge, None);
    let missing = s.decide_conflict_response("cc", "c-none", ConflictResponse::Acknowledge, None);
    assert_eq!(hidden, Err(DomainError::NotFound(conflict.clone())));
    assert_eq!(missing, Err(DomainError::NotFound("c-none".into())));
    // Another party's declaration, not shared: as if it did not exist, even by its id.
    assert_eq!(
        s.decide_cancel("cc", "north", Some(1)),
        Err(DomainError::NotFound("north".into()))
    );
    assert_eq!(
        s.decide_cancel("cc", "nothing", Some(1)),
        Err(DomainError::NotFound("nothing".into()))
    );
    assert_eq!(
        s.decide_agreement_action("cc", "base", None, None),
        Err(DomainError::NotFound("base".into()))
    );
    assert_eq!(
        s.decide_message_receipt("cc", "m-none", None),
        Err(DomainError::NotFound("m-none".into()))
    );
    assert!(s.find("cc", "north", None).is_err());
    assert!(s.find("bb", "north", None).is_err(), "not shared with bb");
}

#[test]
fn a_shared_declaration_is_found_but_not_writable_by_its_audience() {
    let mut log = Log::new();
    for p in ["aa", "bb"] {
        log.register(p);
    }
    log.declare("aa", "north", 0.0, &["bb"]);
    assert!(log.state.find("bb", "north", None).is_ok());
    assert!(matches!(
        log.state.decide_cancel("bb", "north", Some(1)),
        Err(DomainError::Forbidden(_))
    ));
    assert_eq!(
        log.state.decide_cancel("aa", "north", None),
        Err(DomainError::PreconditionRequired)
    );
    assert_eq!(
        log.state.decide_cancel("aa", "north", Some(2)),
        Err(DomainError::Stale {
            given: 2,
            current: 1
        })
    );
    let shared: BTreeMap<_, _> = log.state.shared["bb"].iter().collect();
    assert_eq!(shared.len(), 1);
}

#[test]
fn what_a_party_holds_live_follows_versions_ends_and_cancellations_and_replays() {
    use super::Held;
    let (mut log, _) = theatre();
    let held = |log: &Log, p: &str| log.state.holding(p);
    assert_eq!(
        held(&log, "aa"),
        Held {
            declarations: 1,
            positions: 1
        }
    );
    log.declare("aa", "west", -0.5, &[]);
    assert_eq!(held(&log, "aa").declarations, 2);
    let ended = log
        .state
        .decide_lifecycle("aa", "north", Some(1), Lifecycle::Ended)
        .expect("end");
    log.commit("aa", ended);
    let (_, cancelled) = log
        .state
        .decide_cancel("aa", "west", Some(1))
        .expect("cancel");
    log.commit("aa", cancelled);
    assert_eq!(held(&log, "aa"), Held::default());
    assert_eq!(held(&log, "bb").declarations, 1);
    let mut replayed = State::new(Minima::default());
    for (header, bytes) in &log.entries {
        replayed.apply(header, bytes).expect("replay");
    }
    assert_eq!(replayed.held, log.state.held);
}

#[test]
fn a_version_past_a_bound_is_refused_before_any_entry_is_built() {
    use super::decide::VersionBounds;
    let (log, _) = theatre();
    // aa's second sortie, over bb's: it opens one conflict, and aa would hold two declarations (two
    // positions: circles count one each).
    let content = json!({"id": "again", "party": "aa", "version": 1, "kind": "air_operation",
        "volumes": [{"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 5000}},
                     "altitude": {"lower_m": 1000, "upper_m": 2000},
                     "time": {"start": "2030-06-01T10:00:00Z", "end": "2030-06-01T12:00:00Z"}}]});
    let d = parse_declaration(&content, "test").expect("declaration");
    let decide = |bounds: VersionBounds| {
        log.state
            .decide_version("aa", &d, &content, &BTreeSet::new(), &bounds)
            .map(|(entries, _)| entries.len())
    };
    let limit_of = |r: Result<usize, DomainError>| match r {
        Err(DomainError::Limit { limit, .. }) => limit,
        other => panic!("expected a limit, got {other:?}"),
    };
    assert_eq!(decide(VersionBounds::UNBOUNDED), Ok(2));
    let at = |conflicts, declarations, vertices| VersionBounds {
        conflicts_per_write: conflicts,
        declarations_per_party: declarations,
        vertices_per_party: vertices,
    };
    assert_eq!(decide(at(1, 2, 2)), Ok(2));
    assert_eq!(limit_of(decide(at(0, 2, 2))), "conflicts_per_write");
    assert_eq!(limit_of(decide(at(1, 1, 2))), "declarations_per_party");
    assert_eq!(limit_of(decide(at(1, 2, 1))), "vertices_per_party");
}

/// `aa` and `bb`, or whoever is named, registered and under one agreement.
fn partners(parties: &[&str]) -> Log {
    let mut log = Log::new();
    for p in parties {
        log.register(p);
    }
    let all: BTreeSet<String> = parties.iter().map(|p| p.to_string()).collect();
    log.append(
        parties[0],
        AGREEMENT_PROPOSED,
        Told::Parties(all.clone()),
        json!({"id": "base", "parties": parties}),
    );
    for p in &parties[1..] {
        log.append(
            p,
            AGREEMENT_ACCEPTED,
            Told::Parties(all.clone()),
            json!({"id": "base", "proposer": parties[0]}),
        );
    }
    log
}

/// A declaration of `party` over the same place and time as [`Log::declare`]'s, not logged.
fn probe(party: &str) -> deconflict_strategic::Declaration {
    let content = json!({"id": "probe", "party": party, "version": 1, "kind": "air_operation",
        "volumes": [{"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 5000}},
                     "altitude": {"lower_m": 1000, "upper_m": 2000},
                     "time": {"start": "2030-06-01T10:00:00Z", "end": "2030-06-01T12:00:00Z"}}]});
    parse_declaration(&content, "test").expect("probe")
}

/// Hostile review, preview and advice timing: over 5 000 declarations of `bb` hidden from `cc`, `cc`'s preview
/// took eight times as long as elsewhere, because advice walked every declaration near in the whole index and
/// dropped the hidden ones only after looking each up. What advice and previews look at now is gathered from
/// what the caller was given (what was shared with it, and what its conflicts revealed): how many declarations
/// are examined, and the answer, are the same whether `bb` has hidden declarations there or not.
#[test]
fn advising_examines_only_what_the_party_was_given() {
    let run = |hidden: usize| {
        let mut log = partners(&["bb", "cc"]);
        log.declare("bb", "shared", 0.02, &["cc"]);
        for i in 0..hidden {
            log.declare("bb", &format!("bx-{i:04}"), 0.001 * i as f64, &[]);
        }
        let d = probe("cc");
        let (advising, anomalies) = log.state.advising(&d, "cc");
        assert!(anomalies.is_empty());
        let copied: Vec<String> = advising.index.iter().map(|o| o.id.clone()).collect();
        (
            advising.examined,
            copied,
            advising.conflicts(&d),
            advising.advise(&d),
        )
    };
    let alone = run(0);
    assert_eq!(alone.0, 1, "the one declaration shared with cc");
    assert_eq!(alone.2, 1, "it conflicts with cc's probe");
    assert_eq!(run(40), alone);
}

/// What an open conflict revealed of a declaration not shared is still advised around (only those volumes),
/// as before: gathered from the caller's conflicts, not from the index.
#[test]
fn advising_still_sees_what_a_conflict_revealed() {
    let mut log = partners(&["aa", "bb"]);
    log.declare("aa", "north", 0.0, &[]);
    log.declare("bb", "south", 0.01, &[]);
    let north = log.state.current[&super::key("aa", "north")]
        .declaration
        .clone();
    let (advising, _) = log.state.advising(&north, "aa");
    assert_eq!(advising.examined, 1);
    assert_eq!(advising.conflicts(&north), 1);
    assert!(advising.advise(&north)["delay_s"].is_number());
    // bb, to whom nothing of aa's was shared and whose declaration is not the conflict's, sees nothing.
    let (advising, _) = log.state.advising(&probe("bb"), "bb");
    assert_eq!((advising.examined, advising.index.len()), (0, 0));
}

/// Every list each party may read, recomputed from the records and the need-to-know functions, equals the
/// per-party index pages walk.
fn assert_lists_match_need_to_know(s: &State, parties: &[&str]) {
    use super::need_to_know as ntk;
    use super::List;
    for p in parties {
        let listed = |list: List| -> Vec<String> { s.listable(list, p, None).cloned().collect() };
        let want = |keys: Vec<&String>| -> Vec<String> { keys.into_iter().cloned().collect() };
        let declarations = want(
            s.current
                .iter()
                .filter(|(_, c)| ntk::declaration(c, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(
            listed(List::Declarations),
            declarations,
            "{p}: declarations"
        );
        let conflicts = want(
            s.conflicts
                .iter()
                .filter(|(_, r)| ntk::conflict(r, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Conflicts), conflicts, "{p}: conflicts");
        let agreements = want(
            s.agreements
                .by_id
                .iter()
                .filter(|(_, a)| ntk::agreement(a, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Agreements), agreements, "{p}: agreements");
        let inbox = want(
            s.messages
                .iter()
                .filter(|(_, m)| ntk::message_to(m, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Inbox), inbox, "{p}: inbox");
        let outbox = want(
            s.messages
                .iter()
                .filter(|(_, m)| m.from == *p)
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Outbox), outbox, "{p}: outbox");
        let alerts = want(
            s.alerts
                .iter()
                .filter(|(_, (parties, _))| ntk::alert(parties, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Alerts), alerts, "{p}: alerts");
        let credentials = want(
            s.credentials
                .iter()
                .filter(|(_, c)| ntk::credential(c, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Credentials), credentials, "{p}: credentials");
        let notifications = want(
            s.notifications
                .iter()
                .filter(|(_, n)| ntk::notification(n, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(
            listed(List::Notifications),
            notifications,
            "{p}: notifications"
        );
        let requests = want(
            s.deconfliction
                .iter()
                .filter(|(_, r)| ntk::deconfliction(r, p))
                .map(|(k, _)| k)
                .collect(),
        );
        assert_eq!(listed(List::Deconfliction), requests, "{p}: requests");
    }
}

/// The per-party lists follow every change that moves what a party may read: sharing and unsharing by a new
/// version, conflicts found and retired, messages sent and retired, agreements, alerts raised and retired;
/// and a replay rebuilds them (they are in the digest).
#[test]
fn per_party_lists_hold_exactly_what_each_party_may_read() {
    use crate::kinds::{ALERT_CLOSED, ALERT_RAISED, MESSAGE_ACKNOWLEDGED};
    let parties = ["aa", "bb", "cc"];
    let mut log = partners(&parties);
    log.declare("aa", "north", 0.0, &["cc"]);
    log.declare("bb", "south", 0.01, &[]);
    log.declare("cc", "north", 0.5, &["aa", "bb"]);
    assert_lists_match_need_to_know(&log.state, &parties);
    // A new version of aa's north given to bb instead of cc.
    let content = json!({"id": "north", "party": "aa", "version": 2, "kind": "air_operation",
        "volumes": [{"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": 5000}},
                     "altitude": {"lower_m": 1000, "upper_m": 2000},
                     "time": {"start": "2030-06-01T10:00:00Z", "end": "2030-06-01T12:00:00Z"}}]});
    let d = parse_declaration(&content, "test").expect("v2");
    let audience: BTreeSet<String> = ["aa", "bb"].iter().map(|p| p.to_string()).collect();
    let (decided, _) = log
        .state
        .decide_version(
            "aa",
            &d,
            &content,
            &audience,
            &super::decide::VersionBounds::UNBOUNDED,
        )
        .expect("within bounds");
    log.commit("aa", decided);
    assert_lists_match_need_to_know(&log.state, &parties);
    log.append(
        "aa",
        MESSAGE_SENT,
        Told::Parties(["aa".to_string(), "bb".to_string()].into()),
        json!({"id": "m1", "from": "aa", "to": ["bb"], "precedence": "FLASH", "kind": "text",
               "text": "hold", "refs": {}, "deadline_ms": log.time_ms + 600_000}),
    );
    log.append(
        super::LINE_ACTOR,
        ALERT_RAISED,
        Told::Parties(["aa".to_string(), "cc".to_string()].into()),
        json!({"id": "a-1", "kind": "separation", "parties": ["aa", "cc"]}),
    );
    assert_lists_match_need_to_know(&log.state, &parties);
    // Everything finished, then retired.
    log.append(
        "bb",
        MESSAGE_ACKNOWLEDGED,
        Told::Parties(["aa".to_string(), "bb".to_string()].into()),
        json!({"id": "m1"}),
    );
    log.append(
        super::LINE_ACTOR,
        ALERT_CLOSED,
        Told::Parties(["aa".to_string(), "cc".to_string()].into()),
        json!({"id": "a-1", "reason": "clear"}),
    );
    let ended = log
        .state
        .decide_lifecycle("bb", "south", Some(1), Lifecycle::Ended)
        .expect("end");
    log.commit("bb", ended);
    assert_lists_match_need_to_know(&log.state, &parties);
    assert_eq!(log.replayed(), log.state.digest());
    assert!(log.state.retire(i64::MAX, 0) >= 3);
    assert_lists_match_need_to_know(&log.state, &parties);
    assert!(log
        .state
        .listable(super::List::Alerts, "aa", None)
        .next()
        .is_none());
}

/// Hostile review, list timing: `?after=bb/`, `?after=bb0` and `?after=bb/bx-02500` took different times,
/// because a page walked the whole map of declarations from any cursor and filtered. A page now walks the
/// caller's own index from its cursor: what it walks, wherever the cursor lands, is the same whether `bb` has
/// hidden declarations or not.
#[test]
fn a_page_walks_the_same_keys_whatever_is_hidden() {
    let walk = |hidden: usize| {
        let mut log = partners(&["bb", "cc"]);
        log.declare("bb", "given", 0.0, &["cc"]);
        log.declare("cc", "own", 3.0, &[]);
        for i in 0..hidden {
            log.declare("bb", &format!("bx-{i:05}"), 1.0 + 0.001 * i as f64, &[]);
        }
        [
            None,
            Some("bb/"),
            Some("bb0"),
            Some("bb/bx-00020"),
            Some("a"),
        ]
        .into_iter()
        .map(|after| {
            log.state
                .listable(super::List::Declarations, "cc", after)
                .cloned()
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
    };
    let alone = walk(0);
    assert_eq!(alone[0], ["bb/given", "cc/own"]);
    assert_eq!(alone[1], ["bb/given", "cc/own"]);
    assert_eq!(alone[2], ["cc/own"]);
    assert_eq!(walk(40), alone);
}

/// Fields of an alert for one of its parties alone: refused unless told to that party alone, and shown in that
/// party's view only.
#[test]
fn an_alerts_fields_for_one_party_reach_that_party_alone() {
    use crate::kinds::{ALERT_RAISED, ALERT_UPDATED};
    let mut log = partners(&["aa", "bb"]);
    let both = || Told::Parties(["aa".to_string(), "bb".to_string()].into());
    log.append(
        super::LINE_ACTOR,
        ALERT_RAISED,
        both(),
        json!({"id": "a-1", "kind": "incursion", "parties": ["bb", "aa"],
               "declaration": {"party": "aa", "description": "a protected area of aa"}}),
    );
    let detail = json!({"id": "a-1", "for": "aa", "declaration": {"id": "hq", "party": "aa"},
                        "distance_m": 120.0});
    // Told to both: refused.
    let bytes = canonical_json(&detail).expect("canonical");
    let header = EntryHeader {
        seq: log.entries.len() as u64,
        time_ms: log.time_ms + 1000,
        kind: ALERT_UPDATED.to_string(),
        actor: super::LINE_ACTOR.to_string(),
        audience: Audience::Parties(["aa".to_string(), "bb".to_string()].into()),
        content_hash: content_hash(&bytes),
    };
    let refused = log
        .state
        .check(&header, &bytes, None)
        .expect_err("told to both");
    assert!(refused.contains("alone"), "{refused}");
    log.append(
        super::LINE_ACTOR,
        ALERT_UPDATED,
        Told::Parties(["aa".to_string()].into()),
        detail,
    );
    let aa = log.state.alert_view("a-1", "aa").expect("aa's");
    let bb = log.state.alert_view("a-1", "bb").expect("bb's");
    assert_eq!(aa["declaration"]["id"], "hq");
    assert_eq!(aa["distance_m"], 120.0);
    assert!(aa.get("for").is_none());
    assert_eq!(bb["declaration"]["description"], "a protected area of aa");
    assert!(bb.get("distance_m").is_none(), "{bb}");
    assert!(log.state.alert_view("a-1", "cc").is_none());
    assert_eq!(log.replayed(), log.state.digest());
}

/// The indexes the line's loops read (when each notification is next due, when each declaration next moves)
/// hold exactly what scanning everything would find.
fn assert_due_indexes(s: &State) {
    let notifications: BTreeSet<(i64, String)> = s
        .notifications
        .values()
        .filter_map(|n| n.next_due().map(|t| (t, n.id.clone())))
        .collect();
    assert_eq!(s.notifications_due, notifications);
    let declarations: BTreeSet<(i64, String)> = s
        .current
        .iter()
        .filter_map(|(k, c)| c.next_move().map(|t| (t, k.clone())))
        .collect();
    assert_eq!(s.lifecycle_due, declarations);
    // Where each recipient may report an incident, and how long each site's history may be for each party
    // (at least what the history holds).
    let mut to: std::collections::HashMap<
        String,
        std::collections::HashMap<String, BTreeSet<String>>,
    > = Default::default();
    for n in s.notifications.values() {
        for d in &n.declarations {
            to.entry(n.to.clone())
                .or_default()
                .entry(d.id.clone())
                .or_default()
                .insert(n.from.clone());
        }
    }
    assert_eq!(s.notified_to, to);
    // What a new version supersedes: the open notifications pinning each declaration, and only those.
    let mut open: std::collections::HashMap<String, BTreeSet<String>> = Default::default();
    for n in s.notifications.values().filter(|n| n.open()) {
        for d in &n.declarations {
            open.entry(super::key(&n.from, &d.id))
                .or_default()
                .insert(n.id.clone());
        }
    }
    assert_eq!(s.notified, open);
    // Each party's own notifications of each site, in the log's order, and only those.
    for (site, readers) in &s.site_readers {
        for (party, reading) in readers {
            let ids = &reading.notifications;
            let seqs: Vec<u64> = ids.iter().map(|id| s.notifications[id].sent.seq).collect();
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{site} {party}");
            assert!(ids
                .iter()
                .all(|id| [&s.notifications[id].from, &s.notifications[id].to].contains(&party)));
        }
    }
    for n in s.notifications.values() {
        for d in &n.declarations {
            let site = super::key(&n.from, &d.id);
            for party in [&n.from, &n.to] {
                let (_, seqs) = s.incident_history(party, &site, i64::MAX);
                assert!(
                    s.site_history_size(party, &site) >= seqs.len(),
                    "{party} at {site}"
                );
            }
        }
    }
}

#[test]
fn notifications_share_what_they_pin_and_leave_memory_closed_keeping_their_history() {
    use std::sync::Arc;
    let mut log = Log::new();
    let all = ["aa", "bb", "cc", "dd"];
    for p in all {
        log.register(p);
    }
    let everyone = || Told::Parties(all.iter().map(|p| p.to_string()).collect());
    log.append(
        "aa",
        AGREEMENT_PROPOSED,
        everyone(),
        json!({"id": "h", "parties": all}),
    );
    for p in &all[1..] {
        log.append(
            p,
            AGREEMENT_ACCEPTED,
            everyone(),
            json!({"id": "h", "proposer": "aa"}),
        );
    }
    let site = |version: u64, radius: u32| {
        json!({"id": "s1", "party": "aa", "version": version, "kind": "site", "name": "Hospital",
            "volumes": [{"footprint": {"circle": {"center": [38.5, 35.9], "radius_m": radius}},
                         "altitude": {"lower": "SFC", "upper": "FL100"},
                         "time": {"start": "2023-11-14T00:00:00Z", "end": "2030-06-01T12:00:00Z"}}]})
    };
    let version = |log: &mut Log, content: Value| {
        let declaration = parse_declaration(&content, "test").expect("site");
        let (decided, _) = log
            .state
            .decide_version(
                "aa",
                &declaration,
                &content,
                &BTreeSet::new(),
                &super::decide::VersionBounds::UNBOUNDED,
            )
            .expect("within bounds");
        log.commit("aa", decided);
    };
    version(&mut log, site(1, 300));
    assert_due_indexes(&log.state);
    let cmd = super::NotifyCommand {
        declarations: vec!["s1".into()],
        to: vec!["bb".into(), "cc".into(), "dd".into()],
        note: "three hospitals".into(),
        reconfirm_s: None,
    };
    let decided = log
        .state
        .decide_notify("aa", &cmd, log.time_ms)
        .expect("notify");
    log.commit("aa", decided);
    assert_due_indexes(&log.state);
    let ids: Vec<String> = log.state.notifications.keys().cloned().collect();
    assert_eq!(ids.len(), 3);
    let pinned: Vec<Arc<Value>> = ids
        .iter()
        .map(|id| {
            log.state.notifications[id].declarations[0]
                .content
                .clone()
                .expect("pinned")
        })
        .collect();
    assert!(
        pinned.windows(2).all(|w| Arc::ptr_eq(&w[0], &w[1])),
        "one copy of what three recipients were notified"
    );
    let bb = ids
        .iter()
        .find(|id| log.state.notifications[*id].to == "bb")
        .expect("bb's")
        .clone();
    log.append(
        "bb",
        crate::kinds::NOTIFICATION_ACKNOWLEDGED,
        Told::Parties(["aa".to_string(), "bb".to_string()].into()),
        json!({"id": bb}),
    );
    assert_due_indexes(&log.state);
    let now = log.time_ms;
    let history = |s: &State| s.incident_history("bb", "aa/s1", now);

    // A new version supersedes all three; retired, they keep who was told what and when.
    version(&mut log, site(2, 400));
    assert_due_indexes(&log.state);
    let before = history(&log.state);
    assert!(log.state.notifications.values().all(|n| !n.open()));
    assert!(log.state.pins.is_empty(), "nothing open pins version 1");
    let retired = log.state.retire(i64::MAX, 0);
    assert!(retired >= 3, "{retired}");
    for id in &ids {
        let n = &log.state.notifications[id];
        assert!(n.retired && n.note.is_empty());
        assert!(n.declarations.iter().all(|d| d.content.is_none()));
        assert_eq!(n.declarations[0].version, 1);
    }
    assert_eq!(
        log.state
            .listable(super::List::Notifications, "aa", None)
            .count(),
        0,
        "retired notifications leave the lists"
    );
    let after = history(&log.state);
    assert_eq!(before.1, after.1, "the same entries");
    assert_eq!(
        before.0["notifications"], after.0["notifications"],
        "the same history"
    );
    // The recipient may still report an incident there without naming whose site it is.
    assert_eq!(
        log.state.incident_site("bb", "s1", None).expect("site"),
        "aa/s1"
    );
    assert_due_indexes(&log.state);
}
