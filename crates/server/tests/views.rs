//! What a declaration's answers carry: the declaration as its party typed it (MGRS, flight levels, date-time
//! groups), and beside it the same in the line's units (`normalised`: WGS84 degrees, metres, RFC 3339 UTC),
//! so that no reader has to parse a unit again.

use std::sync::Arc;

use deconflict_server::clock::ManualClock;
use deconflict_server::Line;
use serde_json::{json, Value};

#[test]
fn answers_carry_the_normalised_values_beside_the_text_as_typed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 2017-06-18T06:00:00Z.
    let clock = Arc::new(ManualClock::new(1_497_765_600_000));
    let line = Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open");
    line.register_party("us-cjtf", "military")
        .expect("register");
    let typed = json!({"id": "strike", "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": "37SFV1807915960", "radius_m": 9260}},
         "altitude": {"lower": "FL200", "upper": "FL245"},
         "time": {"start": "181200ZJUN17", "end": "181430ZJUN17"}}]});
    let check = |answer: &Value| {
        assert_eq!(
            answer["declaration"]["volumes"], typed["volumes"],
            "{answer}"
        );
        let n = &answer["normalised"]["volumes"][0];
        let center = &n["footprint"]["circle"]["center"];
        let (lon, lat) = (
            center[0].as_f64().expect("lon"),
            center[1].as_f64().expect("lat"),
        );
        // 37S FV 18079 15960: near Deir ez-Zor.
        assert!(
            (40.2..40.4).contains(&lon) && (35.3..35.5).contains(&lat),
            "{n}"
        );
        assert_eq!(n["footprint"]["circle"]["radius_m"], json!(9260.0), "{n}");
        assert_eq!(n["altitude"]["lower_m"], json!(6096.0), "{n}");
        assert_eq!(n["altitude"]["upper_m"], json!(7467.6), "{n}");
        assert_eq!(n["time"]["start"], "2017-06-18T12:00:00Z", "{n}");
        assert_eq!(n["time"]["end"], "2017-06-18T14:30:00Z", "{n}");
    };
    check(&line.preview("us-cjtf", typed.clone()).expect("preview"));
    check(
        &line
            .declare("us-cjtf", typed.clone())
            .expect("declare")
            .body,
    );
    check(&line.get("us-cjtf", "strike", None).expect("get"));
    let listed = line.list("us-cjtf", &Default::default()).expect("list");
    check(&listed[0]);
}
