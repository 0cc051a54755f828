//! The DSS's deciders and fold without a server: what a USS may hold, what leaves memory, and an entry that
//! names what this node already let go.

use serde_json::json;

use super::*;
use crate::state::decide::Decided;

const NOW_NS: i64 = 1_900_000_000_000_000_000;

fn caller(sub: &str) -> Caller<'_> {
    Caller {
        sub,
        scopes: Scopes {
            strategic_coordination: true,
            ..Scopes::default()
        },
    }
}

fn ctx(max_entities: usize, seed: u8) -> Ctx {
    Ctx {
        now_ns: NOW_NS,
        fresh: Fresh([seed; 32]),
        allow_http: false,
        max_entities,
    }
}

fn params(east: f64, minutes: i64) -> wire::PutOperationalIntent {
    let t = |ns: i64| geometry::time(ns);
    wire::from_value(&json!({"extents": [{"volume": {
            "outline_circle": {"center": {"lat": 46.95, "lng": 7.44 + east}, "radius": {"value": 50, "units": "M"}},
            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
            "altitude_upper": {"value": 100, "reference": "W84", "units": "M"}},
        "time_start": t(NOW_NS), "time_end": t(NOW_NS + minutes * 60_000_000_000)}],
        "state": "Accepted", "uss_base_url": "https://uss.example"}))
    .expect("params")
}

fn apply(dss: &mut Dss, entries: Vec<Decided>) {
    for e in entries {
        let ready = dss.check(&e.content).expect("check");
        dss.apply(ready);
    }
}

fn id(n: usize) -> String {
    format!("00000001-0000-4000-8000-{n:012}")
}

#[test]
fn a_uss_holds_at_most_its_limit_and_what_ended_leaves_memory() {
    let mut dss = Dss::default();
    for n in 0..3 {
        let d = dss
            .decide_put_intent(
                caller("uss1"),
                &id(n),
                "",
                &params(n as f64 * 0.01, 10 + n as i64),
                ctx(3, n as u8),
            )
            .expect("room");
        apply(&mut dss, d.entries);
    }
    assert_eq!(dss.held_by("uss1"), 3);
    let refused = dss
        .decide_put_intent(caller("uss1"), &id(9), "", &params(0.5, 10), ctx(3, 9))
        .expect_err("full");
    assert!(
        matches!(refused, DssError::TooMany(ref m) if m.contains("dss_entities_per_uss")),
        "{refused:?}"
    );
    // Another USS has room of its own.
    assert!(dss
        .decide_put_intent(caller("uss2"), &id(9), "", &params(0.5, 10), ctx(3, 9))
        .is_ok());
    // The two that ended before the cutoff leave memory; the third stays.
    let cutoff = NOW_NS + 11 * 60_000_000_000 + 1;
    assert_eq!(dss.retire(cutoff), 2);
    assert_eq!(dss.held_by("uss1"), 1);
    assert_eq!(dss.intents.len(), 1);
    assert!(dss.intents.contains_key(&id(2)));
}

#[test]
fn an_entry_naming_what_this_node_let_go_applies() {
    let mut dss = Dss::default();
    let d = dss
        .decide_put_intent(caller("uss1"), &id(0), "", &params(0.0, 10), ctx(10, 1))
        .expect("put");
    apply(&mut dss, d.entries);
    let ovn = dss.intents[&id(0)].record.ovn.clone();
    let delete = dss
        .decide_delete_intent(caller("uss1"), &id(0), &ovn)
        .expect("delete");
    // This node lets the intent go first (as if its clock ran ahead), then reads the other node's entry.
    dss.retire(i64::MAX);
    apply(&mut dss, delete.entries);
    assert!(dss.intents.is_empty());
    assert_eq!(dss.held_by("uss1"), 0);
}

#[test]
fn a_key_must_name_every_intent_that_meets_the_new_one() {
    let mut dss = Dss::default();
    let d = dss
        .decide_put_intent(caller("uss1"), &id(0), "", &params(0.0, 10), ctx(10, 1))
        .expect("put");
    apply(&mut dss, d.entries);
    let ovn = dss.intents[&id(0)].record.ovn.clone();
    let missing = dss
        .decide_put_intent(caller("uss2"), &id(1), "", &params(0.0005, 10), ctx(10, 2))
        .expect_err("the key lacks uss1's OVN");
    match missing {
        DssError::MissingKey(c) => {
            assert_eq!(c.missing_operational_intents.len(), 1);
            assert_eq!(c.missing_operational_intents[0].ovn, NO_OVN);
        }
        other => panic!("{other:?}"),
    }
    let mut keyed = params(0.0005, 10);
    keyed.key = Some(vec![Some(ovn)]);
    assert!(dss
        .decide_put_intent(caller("uss2"), &id(1), "", &keyed, ctx(10, 2))
        .is_ok());
    // 1 km east: no key needed (cells of the reference DSS would have asked for one).
    assert!(dss
        .decide_put_intent(caller("uss2"), &id(2), "", &params(0.013, 10), ctx(10, 3))
        .is_ok());
}
