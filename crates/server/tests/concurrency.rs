//! Many clients declaring at once: every write is checked against every earlier one, so the conflicts found
//! are exactly those of a brute-force comparison of all declarations, each found once, none lost.

use std::collections::BTreeSet;
use std::sync::Arc;

use deconflict_server::Line;
use deconflict_strategic::{brute_force, Minima};
use serde_json::{json, Value};

mod scenario;
use scenario::scenario_clock;

fn declaration(i: usize) -> Value {
    // Thirty-two circles in a 1° square over three hours: many overlap.
    let lon = 38.0 + (i % 8) as f64 * 0.12;
    let lat = 35.5 + (i / 8 % 4) as f64 * 0.12;
    let lower = (i % 5) as f64 * 900.0;
    json!({"id": format!("d{i}"), "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [lon, lat], "radius_m": 6000.0}},
         "altitude": {"lower_m": lower, "upper_m": lower + 1200.0},
         "time": {"start": format!("2017-06-18T{:02}:00:00Z", 12 + i % 3), "end": format!("2017-06-18T{:02}:30:00Z", 13 + i % 3)}}]})
}

#[test]
fn concurrent_declarations_find_every_conflict_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line = Arc::new(
        Line::open_with_clock(dir.path(), "test.example/line", scenario_clock()).expect("open"),
    );
    let parties: Vec<String> = (0..8).map(|p| format!("p{p}")).collect();
    for p in &parties {
        line.register_party(p, "military").expect("register");
    }
    line.establish_agreement(json!({"id": "all", "parties": parties}))
        .expect("agreement");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let line = Arc::clone(&line);
            let party = parties[t].clone();
            std::thread::spawn(move || {
                let mut found = Vec::new();
                for k in 0..12 {
                    let i = k * 8 + t;
                    let d = line.declare(&party, declaration(i)).expect("declare");
                    for c in d.body["conflicts"].as_array().into_iter().flatten() {
                        found.push(c["id"].as_str().unwrap_or_default().to_string());
                    }
                }
                found
            })
        })
        .collect();
    let mut found: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    let total = found.len();
    found.sort();
    found.dedup();
    assert_eq!(found.len(), total, "no conflict reported twice");

    // The oracle: every pair of the final declarations, compared directly.
    let decls: Vec<_> = (0..96)
        .map(|i| {
            let mut v = declaration(i);
            v["party"] = json!(format!("p{}", i % 8));
            v["version"] = json!(1);
            deconflict_plan::parse_declaration(&v, "test").expect("valid")
        })
        .collect();
    let expected: BTreeSet<String> = brute_force(&decls, &Minima::default())
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(
        expected.len() > 100,
        "a dense scene: {} conflicts",
        expected.len()
    );
    assert_eq!(found.into_iter().collect::<BTreeSet<_>>(), expected);
    // And each party lists exactly its own.
    for p in &parties {
        let listed = line.conflicts(p).expect("list").len();
        let own = brute_force(&decls, &Minima::default())
            .iter()
            .filter(|c| &c.a.party == p || &c.b.party == p)
            .count();
        assert_eq!(listed, own, "{p}");
    }
}
