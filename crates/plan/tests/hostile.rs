//! What a hostile or careless party may send as a declaration is refused, naming the record, the field and
//! (when one was passed) the limit: ids that cannot go into a URL path, declarations too large to check
//! quickly, and times outside 1970..=2200.

use std::time::{Duration, Instant};

use deconflict_plan::{
    check_id, parse_declaration, parse_declaration_limited, parse_plan, parse_plan_limited,
    PlanError, PlanLimits,
};
use serde_json::{json, Value};

fn volume(start: &str, end: &str) -> Value {
    json!({
        "footprint": {"circle": {"center": [38.0, 35.0], "radius_m": 5000}},
        "altitude": {"lower_m": 0, "upper_m": 3000},
        "time": {"start": start, "end": end}
    })
}

fn declaration(id: Value, volumes: Vec<Value>) -> Value {
    json!({"id": id, "party": "us", "kind": "air_operation", "volumes": volumes})
}

fn one(id: &str) -> Value {
    declaration(
        json!(id),
        vec![volume("2017-06-18T14:00:00Z", "2017-06-18T16:00:00Z")],
    )
}

/// `expect` is `ok`, or the error's `field: problem` must contain it.
fn check(v: &Value, limits: &PlanLimits, expect: &str) {
    let got = parse_declaration_limited(v, "declaration", limits);
    match (got, expect) {
        (Ok(_), "ok") => {}
        (Ok(d), _) => panic!("{:?} was accepted; expected {expect:?}", d.id),
        (Err(e), "ok") => panic!("refused: {e}"),
        (Err(e), _) => {
            let said = format!("{}: {}", e.field, e.problem);
            assert!(said.contains(expect), "expected {expect:?}, got {said:?}");
            assert_eq!(e.record, "declaration");
        }
    }
}

#[test]
fn ids_are_tokens_that_fit_a_url_path() {
    let limits = PlanLimits::default();
    for (id, expect) in [
        ("us-17", "ok"),
        ("US_17.a:b-c", "ok"),
        ("0", "ok"),
        (&"a".repeat(64), "ok"),
        ("preview-1", "ok"),
        ("a/b", "id: \"a/b\" holds '/'"),
        ("..", "id: \"..\" does not start with a letter or digit"),
        (".", "id: \".\" does not start with a letter or digit"),
        (".hidden", "does not start with a letter or digit"),
        ("-x", "does not start with a letter or digit"),
        (":x", "does not start with a letter or digit"),
        ("_x", "does not start with a letter or digit"),
        ("a\0b", "holds '\\0'"),
        ("a\nb", "holds '\\n'"),
        ("a b", "holds ' '"),
        ("a%2Fb", "holds '%'"),
        ("a?b", "holds '?'"),
        ("a#b", "holds '#'"),
        ("é", "holds 'é'"),
        ("preview", "id: \"preview\" is reserved"),
        ("PREVIEW", "is reserved"),
        ("", "id: is 0 bytes long"),
        (&"a".repeat(65), "id: is 65 bytes long"),
    ] {
        check(&one(id), &limits, expect);
        assert_eq!(check_id(id).is_ok(), expect == "ok", "{id:?}");
    }
    // Not text at all.
    check(
        &declaration(json!(17), vec![]),
        &limits,
        "id: expected a string",
    );
    check(&json!({"party": "us"}), &limits, "id: is missing");
    // The same grammar offline, in both formats.
    let e = parse_plan(&json!({"declarations": [one("a/b")]}).to_string()).expect_err("a/b");
    assert_eq!(
        (e.record.as_str(), e.field.as_str()),
        ("declarations[0]", "id")
    );
    let feature = json!({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"id": "..", "party": "us", "kind": "air_operation",
            "altitude": {"lower_m": 0, "upper_m": 100},
            "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T15:00:00Z"}},
        "geometry": {"type": "Point", "coordinates": [38.0, 35.0]}}]});
    let e = parse_plan(&feature.to_string()).expect_err("..");
    assert_eq!(
        (e.record.as_str(), e.field.as_str()),
        ("features[0]", "properties.id")
    );
}

#[test]
fn an_invalid_id_is_quoted_escaped_and_short() {
    let e = parse_declaration(&one(&format!("a\n{}", "b".repeat(5000))), "declaration")
        .expect_err("refused");
    let quoted = e.declaration.clone().expect("the id is named");
    assert!(
        quoted.starts_with("a\\nbbb") && quoted.len() < 80,
        "{quoted}"
    );
    assert!(!e.to_string().contains('\n'), "{e}");
}

fn refused(v: &Value, limits: &PlanLimits) -> PlanError {
    parse_declaration_limited(v, "declaration", limits).expect_err("refused")
}

#[test]
fn declarations_are_bounded_in_volumes_vertices_and_window() {
    let limits = PlanLimits::default();
    assert_eq!(
        (
            limits.volumes_per_declaration,
            limits.vertices_per_footprint,
            limits.volume_window_ms
        ),
        (64, 1_000, 400 * 86_400_000)
    );
    let v = volume("2017-06-18T14:00:00Z", "2017-06-18T16:00:00Z");

    // 5 000 volumes (the finding's 945 KB declaration): refused at once, before any volume is read.
    let many = declaration(json!("big"), vec![v.clone(); 5_000]);
    let started = Instant::now();
    let e = refused(&many, &limits);
    assert!(
        started.elapsed() < Duration::from_millis(100),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.field, "volumes");
    assert_eq!(
        e.problem,
        "5000 volumes given; at most 64 volumes per declaration (limit volumes_per_declaration)"
    );
    assert_eq!(e.limit, Some("volumes_per_declaration"));
    assert_eq!(e.declaration.as_deref(), Some("big"));
    check(
        &declaration(json!("max"), vec![v.clone(); 64]),
        &limits,
        "ok",
    );
    check(
        &declaration(json!("over"), vec![v.clone(); 65]),
        &limits,
        "(limit volumes_per_declaration)",
    );
    // The fixed bounds alone (offline, replay) take many volumes.
    assert!(parse_declaration(&many, "declaration").is_ok());

    // A 25 000-vertex footprint: refused before its positions are read.
    let ring: Vec<Value> = (0..25_000)
        .map(|i| {
            let a = f64::from(i) / 25_000.0 * std::f64::consts::TAU;
            json!([38.0 + 0.1 * a.cos(), 35.0 + 0.1 * a.sin()])
        })
        .collect();
    let mut huge = v.clone();
    huge["footprint"] = json!({"polygon": ring});
    let e = refused(&declaration(json!("huge"), vec![huge]), &limits);
    assert_eq!(e.field, "volumes[0].footprint.polygon");
    assert_eq!(
        e.problem,
        "25000 positions given; at most 1000 vertices per footprint"
    );
    // A lower limit is named; a ring's closing vertex is not counted.
    let tight = PlanLimits {
        vertices_per_footprint: 4,
        ..limits
    };
    let square = |n: usize| {
        let mut p = v.clone();
        let mut pts: Vec<Value> = [
            [38.0, 35.0],
            [38.1, 35.0],
            [38.1, 35.1],
            [38.05, 35.15],
            [38.0, 35.1],
        ][..n]
            .iter()
            .map(|q| json!(q))
            .collect();
        pts.push(pts[0].clone());
        p["footprint"] = json!({"polygon": pts});
        declaration(json!("sq"), vec![p])
    };
    check(&square(4), &tight, "ok");
    let e = refused(&square(5), &tight);
    assert_eq!(e.field, "volumes[0].footprint.polygon");
    assert_eq!(
        e.problem,
        "6 positions given; at most 4 vertices per footprint (limit vertices_per_footprint)"
    );
    assert_eq!(e.limit, Some("vertices_per_footprint"));
    let mut corridor = v.clone();
    corridor["footprint"] = json!({"corridor": {"path": [[38.0, 35.0], [38.1, 35.0], [38.2, 35.0], [38.3, 35.0], [38.4, 35.0]], "half_width_m": 100}});
    check(&declaration(json!("c"), vec![corridor]), &tight, "volumes[0].footprint.corridor.path: 5 vertices given; at most 4 vertices per footprint (limit vertices_per_footprint)");

    // Windows: at most 400 days by default; the fixed bounds keep every time within 1970..=2200.
    let window = |start: &str, end: &str| declaration(json!("w"), vec![volume(start, end)]);
    for (start, end, limits, expect) in [
        ("2017-01-01T00:00:00Z", "2018-02-05T00:00:00Z", limits, "ok"),
        ("2017-01-01T00:00:00Z", "2018-02-05T00:00:00.001Z", limits, "volumes[0].time.end: the window is 400.0 days long; at most 400 days per volume (limit volume_window_ms)"),
        ("2017-01-01T00:00:00Z", "2019-01-01T00:00:00Z", limits, "(limit volume_window_ms)"),
        ("2017-01-01T00:00:00Z", "2019-01-01T00:00:00Z", PlanLimits::FIXED, "ok"),
        ("1970-01-01T00:00:00Z", "2200-01-01T00:00:00Z", PlanLimits::FIXED, "ok"),
        ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", PlanLimits::FIXED, "volumes[0].time.start: time 0001-01-01T00:00:00Z is outside"),
        ("010000ZJAN0001", "312359ZDEC9999", PlanLimits::FIXED, "volumes[0].time.start: time 0001-01-01T00:00:00Z is outside the supported range"),
        ("2017-01-01T00:00:00Z", "9999-12-31T23:59:59Z", PlanLimits::FIXED, "volumes[0].time.end"),
        ("181400ZJUNXX", "181600ZJUNXX", PlanLimits::FIXED, "volumes[0].time.start: cannot read \"181400ZJUNXX\""),
        ("181400ZJUN-1", "181600ZJUN17", PlanLimits::FIXED, "not exactly 2 or 4 digits"),
        ("181400ZJUN+7", "181600ZJUN17", PlanLimits::FIXED, "not exactly 2 or 4 digits"),
    ] {
        check(&window(start, end), &limits, expect);
    }
    let e = refused(
        &window("2017-01-01T00:00:00Z", "2019-01-01T00:00:00Z"),
        &limits,
    );
    assert_eq!(e.limit, Some("volume_window_ms"));
    let e = refused(
        &window("0001-01-01T00:00:00Z", "2019-01-01T00:00:00Z"),
        &limits,
    );
    assert_eq!(e.limit, None);
}

#[test]
fn geojson_declarations_are_bounded_too() {
    let limits = PlanLimits::default();
    let feature = |id: &str, geometry: Value| {
        json!({"type": "Feature", "properties": {"id": id, "party": "us", "kind": "air_operation",
            "radius_m": 1000,
            "altitude": {"lower_m": 0, "upper_m": 100},
            "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T15:00:00Z"}},
            "geometry": geometry})
    };
    let point = json!({"type": "Point", "coordinates": [38.0, 35.0]});
    let plan = |features: Vec<Value>| {
        json!({"type": "FeatureCollection", "features": features}).to_string()
    };
    // 65 features of one id: 65 volumes.
    let text = plan(vec![feature("a", point.clone()); 65]);
    let e = parse_plan_limited(&text, &limits).expect_err("65 volumes");
    assert_eq!(
        (e.record.as_str(), e.field.as_str()),
        ("features[64]", "geometry")
    );
    assert_eq!(e.limit, Some("volumes_per_declaration"));
    assert!(parse_plan(&text).is_ok(), "offline, the fixed bounds only");
    // One MultiPolygon of 65 polygons.
    let square = json!([[[38.0, 35.0], [38.1, 35.0], [38.1, 35.1], [38.0, 35.0]]]);
    let multi = json!({"type": "MultiPolygon", "coordinates": vec![square; 65]});
    let e = parse_plan_limited(&plan(vec![feature("m", multi)]), &limits).expect_err("65 polygons");
    assert_eq!(e.field, "geometry.coordinates");
    assert_eq!(e.limit, Some("volumes_per_declaration"));
    // 25 000 positions in a ring.
    let ring: Vec<Value> = (0..25_000)
        .map(|i| json!([38.0 + f64::from(i) * 1e-6, 35.0]))
        .collect();
    let polygon = json!({"type": "Polygon", "coordinates": [ring]});
    let e = parse_plan_limited(&plan(vec![feature("p", polygon)]), &limits).expect_err("25 000");
    assert_eq!(e.field, "geometry.coordinates[0]");
    assert!(e.problem.contains("25000 positions given"), "{}", e.problem);
}

/// Red-team finding: a name ending in U+202E (right-to-left override), shared with another party, reversed
/// the sentence that party's picture put it in ("6 096 m" read "m 690 6"). Names and descriptions may hold
/// no control character and no bidirectional embedding, override, isolate or mark; a description may still
/// break lines. Plain names in any script pass.
#[test]
fn names_hold_no_invisible_controls() {
    let limits = PlanLimits::default();
    let named = |field: &str, text: &str| {
        let mut v = one("us-1");
        v[field] = json!(text);
        v
    };
    for bad in [
        "Strike package\u{202E}",
        "a\u{2066}b",
        "\u{200F}x",
        "tab\there",
        "nul\u{0}",
    ] {
        check(
            &named("name", bad),
            &limits,
            "name: holds the invisible control character",
        );
    }
    check(
        &named("description", "over \u{2067}the river"),
        &limits,
        "description: holds the invisible control character U+2067",
    );
    for good in [
        "Ракка",
        "مستشفى كفر زيتا",
        "Tabqa strike package",
        "Kafr Zeita — east wing",
    ] {
        check(&named("name", good), &limits, "ok");
    }
    check(
        &named("description", "line one\nline two\tindented"),
        &limits,
        "ok",
    );
}
