//! Problems read the same whether a declaration comes in a plan's text or as a `serde_json::Value`, and
//! whatever serde_json's features: the record, the id and the field; numbers as they were written; unknown
//! fields in the order the text gives them; and conflicts written with their fields in the documented order.

use deconflict_plan::{conflict_json, conflict_line, parse_declaration, parse_plan, PlanError};
use deconflict_strategic::{advise, brute_force, AdviceBounds, ConflictIndex, Minima};
use proptest::prelude::*;
use serde_json::{json, Value};

fn valid(id: &str) -> Value {
    json!({"id": id, "party": "us-cjtf", "kind": "air_operation", "version": 1, "volumes": [{
        "footprint": {"polygon": [[38.1, 35.9], [38.6, 35.9], [38.6, 36.2], [38.1, 36.2]]},
        "altitude": {"lower_m": 4000, "upper_m": 7500},
        "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T17:00:00Z"}}]})
}

/// The problem with `declaration`, given as text within a plan (second of two).
fn in_plan(declaration: &str) -> PlanError {
    let text = format!(r#"{{"declarations": [{}, {declaration}]}}"#, valid("ok-1"));
    parse_plan(&text).expect_err("refused")
}

#[test]
fn numbers_beyond_f64_are_named_where_they_stand() {
    let text = valid("bad-1")
        .to_string()
        .replace("[38.6,36.2]", "[1e999,36.2]");
    let e = in_plan(&text);
    assert_eq!(
        e.to_string(),
        "declaration \"bad-1\" (declarations[1]), field volumes[0].footprint.polygon[2][0]: \
         value is not a finite number"
    );
    let text = valid("bad-1")
        .to_string()
        .replace("\"upper_m\":7500", "\"upper_m\":-1e999");
    assert_eq!(in_plan(&text).field, "volumes[0].altitude.upper_m");
    // Separation, at the top.
    let e = parse_plan(r#"{"separation": {"lateral_m": 1e999}, "declarations": []}"#)
        .expect_err("not finite");
    assert_eq!(
        e.to_string(),
        "plan, field separation.lateral_m: value is not a finite number"
    );
}

#[test]
fn numbers_are_quoted_as_written() {
    let text = valid("v")
        .to_string()
        .replace("\"version\":1", "\"version\":1.50");
    assert_eq!(
        in_plan(&text).problem,
        "expected a whole number from 1, found 1.50"
    );
}

#[test]
fn the_first_unknown_field_of_the_text_is_named() {
    let text = valid("u").to_string().replace(
        "\"upper_m\":7500",
        "\"upper_m\":7500,\"zz_top\":1,\"aa_bottom\":2",
    );
    let e = in_plan(&text);
    assert_eq!(e.field, "volumes[0].altitude.zz_top");
    assert_eq!(
        e.problem,
        "unknown field; expected one of lower_m, lower_ft, lower, upper_m, upper_ft, upper, datum"
    );
    let e = parse_plan(r#"{"zeta": 1, "alpha": 2, "declarations": []}"#).expect_err("unknown");
    assert_eq!(e.field, "zeta");
    // Shapes are listed as given.
    let text = valid("s").to_string().replace(
        "\"footprint\":{",
        "\"footprint\":{\"side\":{},\"circle\":{},",
    );
    assert_eq!(
        in_plan(&text).problem,
        "give exactly one of polygon, circle, corridor, side; found side, circle, polygon"
    );
}

#[test]
fn a_field_given_twice_is_refused() {
    let text = valid("d").to_string().replace(
        "\"kind\":\"air_operation\"",
        "\"kind\":\"air_operation\",\"kind\":\"site\"",
    );
    let e = in_plan(&text);
    assert_eq!(
        e.to_string(),
        "declaration \"d\" (declarations[1]), field kind: is given more than once"
    );
    let e = parse_plan(r#"{"declarations": [], "declarations": []}"#).expect_err("twice");
    assert_eq!(
        (e.field.as_str(), e.problem.as_str()),
        ("declarations", "is given more than once")
    );
}

#[test]
fn the_id_names_the_record_whatever_comes_first_in_the_text() {
    // The volume is wrong before the id is reached; the id still names the declaration.
    let text = r#"{"volumes": 5, "party": "us", "kind": "site", "id": "late"}"#;
    let e = in_plan(text);
    assert_eq!(
        e.to_string(),
        "declaration \"late\" (declarations[1]), field volumes: expected an array, found a number"
    );
    // A bad id is the answer, as the id is checked first.
    let e = in_plan(r#"{"volumes": 5, "id": "a/b"}"#);
    assert_eq!(
        (e.field.as_str(), e.declaration.as_deref()),
        ("id", Some("a/b"))
    );
    let e = in_plan(r#"{"volumes": 5}"#);
    assert_eq!((e.field.as_str(), e.problem.as_str()), ("id", "is missing"));
    let e = in_plan("[1]");
    assert_eq!(
        (e.field.as_str(), e.problem.as_str(), e.declaration),
        ("", "expected an object, found an array", None)
    );
}

#[test]
fn geojson_problems_name_the_feature_the_id_and_the_field() {
    let feature = |geometry: Value| {
        json!({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": geometry,
            "properties": {"id": "g", "party": "us", "kind": "site", "radius_m": 100,
                "altitude": {"lower_m": 0, "upper_m": 100},
                "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T15:00:00Z"}}}]})
        .to_string()
    };
    let e = parse_plan(&feature(
        json!({"type": "Polygon", "coordinates": [[[38.0, 35.0], "x"]]}),
    ))
    .expect_err("not an array");
    assert_eq!(
        e.to_string(),
        "declaration \"g\" (features[0]), field geometry.coordinates[0][1]: expected an array, found a string"
    );
    // The rings are counted before they are read.
    let e = parse_plan(&feature(
        json!({"type": "Polygon", "coordinates": [[], 5, 6]}),
    ))
    .expect_err("holes");
    assert_eq!(
        (e.field.as_str(), e.problem.as_str()),
        (
            "geometry.coordinates",
            "2 holes given; polygons with holes are not supported"
        )
    );
    let text =
        feature(json!({"type": "Point", "coordinates": [38.0, 99.5]})).replace("99.5", "1e999");
    let e = parse_plan(&text).expect_err("not finite");
    assert_eq!(e.field, "geometry.coordinates[1]");
}

#[test]
fn conflicts_are_written_in_the_documented_order() {
    let mut b = valid("b-1");
    b["party"] = json!("ru-gs");
    let plan = parse_plan(&json!({"declarations": [valid("a-1"), b]}).to_string()).expect("plan");
    let minima = Minima::default();
    let conflicts = brute_force(&plan.declarations, &minima);
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    let index = ConflictIndex::bulk(minima, plan.declarations.clone()).expect("index");
    let bounds = AdviceBounds::default();
    let advice: Vec<_> = plan
        .declarations
        .iter()
        .map(|d| advise(&index, d, &bounds))
        .collect();
    let line = conflict_line(c, Some((&advice[0], &advice[1])));
    let keys = [
        "\"id\"",
        "\"a\"",
        "\"b\"",
        "\"a_party\"",
        "\"b_party\"",
        "\"a_version\"",
        "\"b_version\"",
        "\"distance_m\"",
        "\"vertical_gap_m\"",
        "\"start\"",
        "\"end\"",
        "\"volumes\"",
        "\"advice\"",
    ];
    let at: Vec<usize> = keys
        .iter()
        .map(|k| line.find(&format!("{k}:")).unwrap_or(usize::MAX))
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{line}");
    assert!(line.contains("\"a\":{\"delay_s\":"), "{line}");
    let read: Value = serde_json::from_str(&line).expect("JSON");
    assert_eq!(read, conflict_json(c, Some((&advice[0], &advice[1]))));
    assert!(conflict_line(c, None).ends_with("}]}"));
}

/// A declaration with one field replaced by `value`.
fn with(field: &str, value: Value) -> Value {
    let mut d = valid("p-1");
    if let Some(slot) = d.pointer_mut(field) {
        *slot = value;
    }
    d
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        (0u64..5).prop_map(Value::from),
        "[a-zA-Z0-9 ]{0,8}".prop_map(Value::from),
        Just(json!("FL245")),
        Just(json!("353520N0363010E")),
        Just(json!("181400ZJUN17")),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 16] = [
    "/id",
    "/party",
    "/kind",
    "/version",
    "/volumes",
    "/volumes/0",
    "/volumes/0/footprint",
    "/volumes/0/footprint/polygon",
    "/volumes/0/footprint/polygon/1",
    "/volumes/0/footprint/polygon/1/0",
    "/volumes/0/altitude",
    "/volumes/0/altitude/lower_m",
    "/volumes/0/altitude/upper_m",
    "/volumes/0/time",
    "/volumes/0/time/start",
    "/volumes/0/time/end",
];

proptest! {
    /// One field replaced by any value: a plan's text and the API's `Value` give the same answer.
    #[test]
    fn text_and_value_read_alike(field in prop::sample::select(&FIELDS[..]), value in any_json()) {
        let d = with(field, value);
        let from_value = parse_declaration(&d, "declarations[0]");
        let from_text = parse_plan(&json!({"declarations": [d]}).to_string());
        match (from_value, from_text) {
            (Ok(a), Ok(plan)) => prop_assert_eq!(format!("{a:?}"), format!("{:?}", plan.declarations[0])),
            (Err(a), Err(b)) => prop_assert_eq!(a, b),
            (a, b) => prop_assert!(false, "{:?} against {:?}", a.map(|d| d.id), b.map(|p| p.declarations.len())),
        }
    }
}
