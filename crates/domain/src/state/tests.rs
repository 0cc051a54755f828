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
