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

/// A 1 000-vertex polygon: a thin ring segment around (lat, lng), `r` degrees out.
fn comb(lat: f64, lng: f64, r: f64) -> serde_json::Value {
    let n = 500;
    let mut v = Vec::new();
    for k in 0..n {
        let a = k as f64 / n as f64 * 1.5 * std::f64::consts::PI;
        v.push(json!({"lat": lat + r * a.sin(), "lng": lng + r * a.cos()}));
    }
    for k in (0..n).rev() {
        let a = k as f64 / n as f64 * 1.5 * std::f64::consts::PI;
        v.push(json!({"lat": lat + 0.9 * r * a.sin(), "lng": lng + 0.9 * r * a.cos()}));
    }
    json!({"vertices": v})
}

fn shape_of(outline: serde_json::Value) -> Shape {
    let v: wire::Volume4D =
        wire::from_value(&json!({"volume": {"outline_polygon": outline}})).expect("volume");
    Shape::one(geometry::read_volume(&v, "v").expect("valid"))
}

#[test]
fn past_its_budget_a_request_compares_boxes_and_finds_more_never_less() {
    // Two combs whose boxes overlap but which do not touch.
    let (a, b) = (
        shape_of(comb(46.95, 7.44, 0.01)),
        shape_of(comb(46.95, 7.44, 0.005)),
    );
    assert!(!a.meets(&b, &Work::new()), "exact: they do not touch");
    let spent = Work::new();
    // One exact comparison costs 1 000 × 1 000 vertex pairs: the whole budget.
    let _ = a.meets(&b, &spent);
    assert!(a.meets(&b, &spent), "past the budget: their boxes meet");
}

#[test]
fn references_and_queries_need_an_outline_and_a_subscription_without_one_meets_nothing() {
    let dss = Dss::default();
    let mut p = params(0.0, 10);
    p.extents[0].volume.outline_circle = None;
    let e = dss
        .decide_put_intent(caller("uss1"), &id(0), "", &p, ctx(10, 1))
        .expect_err("no outline");
    assert!(
        e.message().contains("extents[0].volume.outline_polygon"),
        "{e:?}"
    );
    let q: wire::Query =
        wire::from_value(&json!({"area_of_interest": {"volume": {}}})).expect("query");
    assert!(decide::area_of_interest(&q).is_err());
    let anywhere: wire::Volume4D = wire::from_value(&json!({"volume": {}})).expect("volume");
    let nowhere = Shape::one(geometry::read_volume(&anywhere, "v").expect("read"));
    let here = shape_of(comb(46.95, 7.44, 0.01));
    assert!(!nowhere.meets(&here, &Work::new()) && !here.meets(&nowhere, &Work::new()));
}

#[test]
fn an_implicit_subscription_grows_to_at_most_max_extents_and_reports_are_bounded() {
    let mut dss = Dss::default();
    let mut p = params(0.0, 10);
    p.new_subscription = Some(wire::ImplicitSubscription {
        uss_base_url: "https://uss.example".into(),
        notify_for_constraints: None,
    });
    let d = dss
        .decide_put_intent(caller("uss1"), &id(0), "", &p, ctx(10, 1))
        .expect("put");
    apply(&mut dss, d.entries);
    let (ovn, sub) = {
        let i = &dss.intents[&id(0)];
        (
            i.record.ovn.clone(),
            i.record.subscription_id.clone().expect("implicit"),
        )
    };
    // 60 volumes elsewhere, twice, keeping the implicit subscription: the second would pass 100 volumes.
    let elsewhere = |east: f64| {
        let mut q = params(east, 10);
        let one = q.extents[0].clone();
        q.extents = (0..60)
            .map(|k| {
                let mut v = one.clone();
                if let Some(c) = v
                    .volume
                    .outline_circle
                    .as_mut()
                    .and_then(|c| c.center.as_mut())
                {
                    c.lng += k as f64 * 0.002;
                }
                v
            })
            .collect();
        q.subscription_id = Some(sub.clone());
        q
    };
    let d = dss
        .decide_put_intent(caller("uss1"), &id(0), &ovn, &elsewhere(0.3), ctx(10, 2))
        .expect("grows to 61 volumes");
    apply(&mut dss, d.entries);
    let ovn = dss.intents[&id(0)].record.ovn.clone();
    let e = dss
        .decide_put_intent(caller("uss1"), &id(0), &ovn, &elsewhere(0.6), ctx(10, 3))
        .expect_err("past 100 volumes");
    assert!(e.message().contains("more than 100 volumes"), "{e:?}");
    let big = json!({"problem": "x".repeat(20_000)});
    let e = dss
        .decide_report(caller("uss1"), big, Fresh([0; 32]))
        .expect_err("too big");
    assert!(e.message().contains("at most 16384"), "{e:?}");
}

#[test]
fn a_reference_holds_at_most_max_positions() {
    let dss = Dss::default();
    let mut p = params(0.0, 10);
    let one = p.extents[0].clone();
    p.extents = (0..3)
        .map(|k| {
            let mut v = one.clone();
            v.volume.outline_circle = None;
            v.volume.outline_polygon =
                Some(wire::from_value(&comb(46.95, 7.44 + k as f64 * 0.1, 0.01)).expect("comb"));
            v
        })
        .collect();
    let e = dss
        .decide_put_intent(caller("uss1"), &id(0), "", &p, ctx(10, 1))
        .expect_err("3 000 positions");
    assert!(
        e.message().contains("3000 positions") && e.message().contains("at most 2000"),
        "{e:?}"
    );
}
