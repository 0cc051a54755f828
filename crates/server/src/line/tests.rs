//! Unit tests of the line that need its private state.

use super::*;

/// Finding 10: a preview over a hidden 25 000-vertex declaration was measurably slower, because advice and
/// previews worked over everything near. What they work on now is a copy of what the caller was given:
/// a hidden declaration, however large, is neither copied nor measured (its time cannot show).
#[test]
fn advice_and_previews_copy_nothing_hidden() {
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(crate::clock::ManualClock::new(1_908_014_400_000));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open");
    for p in ["aa", "bb", "cc"] {
        line.register_party(p, "military").expect("register");
    }
    line.establish_agreement(json!({"id": "abc", "parties": ["aa", "bb", "cc"]}))
        .expect("agreement");
    let ring: Vec<Value> = (0..1_000)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 1_000.0;
            json!([38.5 + 0.2 * a.cos(), 35.9 + 0.2 * a.sin()])
        })
        .collect();
    let volume = |lower: f64| {
        json!({"footprint": {"polygon": ring}, "altitude": {"lower_m": lower, "upper_m": lower + 500.0},
               "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}})
    };
    // cc's, hidden from aa, over the same place; bb's, shared with aa.
    line.declare(
        "cc",
        json!({"id": "hidden", "kind": "air_operation", "volumes": [volume(1000.0), volume(2000.0)]}),
    )
    .expect("hidden");
    line.declare(
        "bb",
        json!({"id": "shared", "kind": "air_operation", "audience": ["aa"], "volumes": [volume(5000.0)]}),
    )
    .expect("shared");
    let probe = json!({"id": "probe", "kind": "air_operation", "volumes": [volume(1000.0)]});
    let (declaration, _, _) = line.prepare("aa", probe, 1).expect("probe");
    let inner = line.lock().expect("lock");
    let advising = inner.advising(&declaration, "aa");
    let copied: Vec<(String, String)> = advising
        .index
        .iter()
        .map(|d| (d.party.clone(), d.id.clone()))
        .collect();
    assert_eq!(copied, [("bb".to_string(), "shared".to_string())]);
}
