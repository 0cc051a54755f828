//! `deconflict check` end to end: the shipped Syria plan, `--against`, `--advise`, standard input, GeoJSON,
//! and a table of every invalid input the validation promises to reject.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{json, Value};

mod common;
use common::run;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/syria-2017.json")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn pairs(conflicts: &[Value]) -> Vec<(String, String)> {
    conflicts
        .iter()
        .map(|c| {
            (
                c["a"].as_str().unwrap_or("").to_string(),
                c["b"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn write_temp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("deconflict-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write temp");
    path
}

const SYRIA_CONFLICTS: [(&str, &str); 6] = [
    ("hosp-kz", "ru-43"),
    ("hosp-kz", "ru-44"),
    ("ru-42", "us-17"),
    ("ru-43", "us-21"),
    ("ru-45", "tanf-dz"),
    ("sdf-3", "tr-9"),
];

fn expected_pairs() -> Vec<(String, String)> {
    SYRIA_CONFLICTS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn the_syria_plan_has_its_six_conflicts() {
    let out = run(&["check", example().to_str().expect("path")], None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conflicts = lines(&out);
    assert_eq!(pairs(&conflicts), expected_pairs());
    for c in &conflicts {
        assert!(c["a"].as_str() < c["b"].as_str());
        for field in ["distance_m", "vertical_gap_m"] {
            assert!(
                c[field].as_f64().is_some_and(|x| x >= 0.0),
                "{field} in {c}"
            );
        }
        assert!(c["start"].as_str() < c["end"].as_str());
        assert!(c["id"].as_str().is_some_and(|id| id.starts_with("c-")));
    }
    // FL220 (6 705.6 m) against 7 000 m: 294.4 m, less than 1 000 ft.
    let feet_and_metres = &conflicts[3];
    assert_eq!(feet_and_metres["vertical_gap_m"], json!(294.4));
    assert_eq!(feet_and_metres["start"], json!("2017-06-18T14:30:00Z"));
    assert_eq!(feet_and_metres["end"], json!("2017-06-18T15:00:00Z"));
    // The summary goes to standard error.
    assert!(String::from_utf8_lossy(&out.stderr).contains("6 conflicts"));
}

#[test]
fn standard_input_and_a_plan_without_conflicts() {
    let text = std::fs::read_to_string(example()).expect("example");
    let out = run(&["check", "-"], Some(&text)).status;
    assert_eq!(out.code(), Some(1));
    let mut plan: Value = serde_json::from_str(&text).expect("json");
    // Keep only the three declarations that conflict with nobody present.
    let keep = ["us-17", "tr-11", "hosp-kz"];
    if let Some(list) = plan["declarations"].as_array_mut() {
        list.retain(|d| keep.contains(&d["id"].as_str().unwrap_or("")));
    }
    let out = run(&["check", "-"], Some(&plan.to_string()));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn against_reports_only_conflicts_involving_the_file() {
    let text = std::fs::read_to_string(example()).expect("example");
    let plan: Value = serde_json::from_str(&text).expect("json");
    let split = |russian: bool| {
        let mut p = plan.clone();
        if let Some(list) = p["declarations"].as_array_mut() {
            list.retain(|d| (d["party"] == json!("ru-gs")) == russian);
        }
        p.to_string()
    };
    let ours = write_temp("ru.json", &split(true));
    let theirs = write_temp("others.json", &split(false));
    let out = run(
        &[
            "check",
            ours.to_str().expect("path"),
            "--against",
            theirs.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let got = pairs(&lines(&out));
    let want: Vec<(String, String)> = expected_pairs()
        .into_iter()
        .filter(|(a, b)| a.starts_with("ru-") || b.starts_with("ru-"))
        .collect();
    assert_eq!(got, want);

    // The same id on both sides is bad input.
    let out = run(
        &[
            "check",
            ours.to_str().expect("path"),
            "--against",
            ours.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("field id"));
}

#[test]
fn advice_clears_the_tabqa_conflict() {
    let out = run(
        &["check", "--advise", example().to_str().expect("path")],
        None,
    );
    let conflicts = lines(&out);
    let tabqa = conflicts
        .iter()
        .find(|c| c["a"] == json!("ru-42"))
        .expect("ru-42 conflict");
    // us-17 ends at 17:00Z; ru-42 starts at 15:30Z: a 90-minute delay clears it.
    assert_eq!(tabqa["advice"]["a"]["delay_s"], json!(5400));
    // Below FL200 less 1 000 ft: 6 096 − 304.8 − 8 000 m is 2 208.8 m down, rounded up to whole metres.
    assert_eq!(tabqa["advice"]["a"]["descend_m"], json!(2209.0));
    // Above FL300 plus 1 000 ft would be 5 449 m up, beyond the 3 000 m bound.
    assert_eq!(tabqa["advice"]["a"]["climb_m"], Value::Null);
    // The hospital is notified for the whole month: no delay within 24 h clears it.
    let hospital = &conflicts[0];
    assert_eq!(hospital["advice"]["b"]["delay_s"], Value::Null);
    // A site is a place: no advice moves it. A ground column may be delayed but not lifted.
    assert_eq!(hospital["advice"]["a"], json!({}));
    let column = conflicts
        .iter()
        .find(|c| c["a"] == json!("sdf-3"))
        .expect("sdf-3 conflict");
    assert!(column["advice"]["a"].get("climb_m").is_none());
    assert!(column["advice"]["a"]["delay_s"].as_i64().is_some());
}

fn geojson_of(plan: &Value) -> Value {
    let mut features = Vec::new();
    for d in plan["declarations"].as_array().into_iter().flatten() {
        for v in d["volumes"].as_array().into_iter().flatten() {
            let mut props = json!({
                "id": d["id"], "party": d["party"], "kind": d["kind"],
                "altitude": v["altitude"], "time": v["time"], "name": d["description"],
            });
            let fp = &v["footprint"];
            let geometry = if let Some(poly) = fp.get("polygon") {
                json!({"type": "Polygon", "coordinates": [poly]})
            } else if let Some(c) = fp.get("circle") {
                props["radius_m"] = c["radius_m"].clone();
                // Positions given as text in the example, as [lon, lat].
                let center = match c["center"].as_str() {
                    Some("353700N0384500E") => json!([38.75, 35.0 + 37.0 / 60.0]),
                    Some("37SFV1807915960") => json!([40.30, 35.38]),
                    Some("37N 035.43E") => json!([35.43, 37.0]),
                    _ => c["center"].clone(),
                };
                json!({"type": "Point", "coordinates": center})
            } else {
                let c = &fp["corridor"];
                props["half_width_m"] = c["half_width_m"].clone();
                json!({"type": "LineString", "coordinates": c["path"]})
            };
            features.push(json!({"type": "Feature", "geometry": geometry, "properties": props}));
        }
    }
    json!({"type": "FeatureCollection", "features": features})
}

#[test]
fn geojson_gives_the_same_conflicts() {
    let text = std::fs::read_to_string(example()).expect("example");
    let plan: Value = serde_json::from_str(&text).expect("json");
    let out = run(&["check", "-"], Some(&geojson_of(&plan).to_string()));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(pairs(&lines(&out)), expected_pairs());
}

/// A plan with a valid declaration `ok-1` and the declaration `bad-1` under test.
fn plan_with(bad: Value) -> String {
    json!({"declarations": [valid("ok-1", "ru-gs"), bad]}).to_string()
}

fn valid(id: &str, party: &str) -> Value {
    json!({"id": id, "party": party, "kind": "air_operation", "version": 1, "volumes": [{
        "footprint": {"polygon": [[38.1, 35.9], [38.6, 35.9], [38.6, 36.2], [38.1, 36.2]]},
        "altitude": {"lower_m": 4000, "upper_m": 7500},
        "time": {"start": "2017-06-18T14:00:00Z", "end": "2017-06-18T17:00:00Z"}}]})
}

fn ring(n: usize, radius_deg: f64) -> Value {
    Value::Array(
        (0..n)
            .map(|k| {
                let a = k as f64 / n as f64 * std::f64::consts::TAU;
                json!([38.0 + radius_deg * a.cos(), 35.0 + radius_deg * a.sin()])
            })
            .collect(),
    )
}

#[test]
fn every_invalid_input_is_refused_naming_the_declaration_and_the_field() {
    // (what, JSON pointer within bad-1, new value, field named, words of the reason)
    let cases: Vec<(&str, &str, Value, &str, &str)> = vec![
        (
            "latitude out of range",
            "/volumes/0/footprint/polygon/1/1",
            json!(91),
            "volumes[0].footprint.polygon[1]",
            "latitude 91",
        ),
        (
            "longitude out of range",
            "/volumes/0/footprint/polygon/1/0",
            json!(-181.5),
            "volumes[0].footprint.polygon[1]",
            "longitude -181.5",
        ),
        (
            "infinite coordinate",
            "/volumes/0/footprint/polygon/2/0",
            json!("__RAW__1e999"),
            "volumes[0].footprint.polygon[2][0]",
            "not a finite number",
        ),
        (
            "NaN coordinate",
            "/volumes/0/footprint/polygon/2",
            json!("NaN"),
            "volumes[0].footprint.polygon[2]",
            "cannot read \\\"NaN\\\"",
        ),
        (
            "infinite altitude",
            "/volumes/0/altitude/upper_m",
            json!("__RAW__-1e999"),
            "volumes[0].altitude.upper_m",
            "not a finite number",
        ),
        (
            "fewer than 3 distinct vertices",
            "/volumes/0/footprint/polygon",
            json!([[38.0, 35.0], [38.1, 35.0], [38.1, 35.0], [38.0, 35.0]]),
            "volumes[0].footprint.polygon",
            "2 distinct vertices",
        ),
        (
            "self-intersecting polygon",
            "/volumes/0/footprint/polygon",
            json!([[38.0, 35.0], [38.5, 35.5], [38.5, 35.0], [38.0, 35.5]]),
            "volumes[0].footprint.polygon",
            "self-intersecting",
        ),
        (
            "polygon with no area",
            "/volumes/0/footprint/polygon",
            json!([[38.0, 35.0], [38.0, 35.5], [38.0, 36.0]]),
            "volumes[0].footprint.polygon",
            "no area",
        ),
        (
            "zero radius",
            "/volumes/0/footprint",
            json!({"circle": {"center": [38.0, 35.0], "radius_m": 0}}),
            "volumes[0].footprint.circle.radius_m",
            "greater than 0",
        ),
        (
            "negative radius",
            "/volumes/0/footprint",
            json!({"circle": {"center": [38.0, 35.0], "radius_m": -5}}),
            "volumes[0].footprint.circle.radius_m",
            "greater than 0",
        ),
        (
            "zero half-width",
            "/volumes/0/footprint",
            json!({"corridor": {"path": [[38.0, 35.0], [38.5, 35.0]], "half_width_m": 0}}),
            "volumes[0].footprint.corridor.half_width_m",
            "greater than 0",
        ),
        (
            "corridor of one point",
            "/volumes/0/footprint",
            json!({"corridor": {"path": [[38.0, 35.0], [38.0, 35.0]], "half_width_m": 100}}),
            "volumes[0].footprint.corridor.path",
            "1 distinct vertices",
        ),
        (
            "lower above upper",
            "/volumes/0/altitude",
            json!({"lower_m": 8000, "upper_m": 7000}),
            "volumes[0].altitude.lower_m",
            "above upper",
        ),
        (
            "lower above upper in other units",
            "/volumes/0/altitude",
            json!({"lower": "FL300", "upper_ft": 20000}),
            "volumes[0].altitude.lower",
            "above upper",
        ),
        (
            "end before start",
            "/volumes/0/time/end",
            json!("2017-06-18T13:00:00Z"),
            "volumes[0].time.end",
            "not after start",
        ),
        (
            "end equal to start",
            "/volumes/0/time/end",
            json!("181400ZJUN17"),
            "volumes[0].time.end",
            "not after start",
        ),
        (
            "altitude above the range",
            "/volumes/0/altitude/upper_m",
            json!(70000),
            "volumes[0].altitude.upper_m",
            "outside the supported range",
        ),
        (
            "altitude below the range",
            "/volumes/0/altitude/lower_m",
            json!(-1500),
            "volumes[0].altitude.lower_m",
            "outside the supported range",
        ),
        (
            "too many vertices",
            "/volumes/0/footprint/polygon",
            ring(1001, 0.5),
            "volumes[0].footprint.polygon",
            "1001 vertices given; at most 1000 vertices per footprint",
        ),
        (
            "polygon too wide",
            "/volumes/0/footprint/polygon",
            ring(12, 6.0),
            "volumes[0].footprint.polygon",
            "the limit is 1000 km",
        ),
        (
            "circle too wide",
            "/volumes/0/footprint",
            json!({"circle": {"center": [38.0, 35.0], "radius_m": 600000}}),
            "volumes[0].footprint.circle.radius_m",
            "the limit is 1000 km",
        ),
        (
            "corridor too wide",
            "/volumes/0/footprint",
            json!({"corridor": {"path": [[30.0, 35.0], [42.0, 35.0]], "half_width_m": 1000}}),
            "volumes[0].footprint.corridor",
            "the limit is 1000 km",
        ),
        (
            "bad DMS",
            "/volumes/0/footprint/polygon/0",
            json!("913520N0363010E"),
            "volumes[0].footprint.polygon[0]",
            "latitude 91",
        ),
        (
            "bad MGRS",
            "/volumes/0/footprint/polygon/0",
            json!("37SZZ1234"),
            "volumes[0].footprint.polygon[0]",
            "MGRS",
        ),
        (
            "altitude without unit",
            "/volumes/0/altitude",
            json!({"lower": "4000", "upper_m": 7500}),
            "volumes[0].altitude.lower",
            "unit is missing",
        ),
        (
            "bad flight level",
            "/volumes/0/altitude",
            json!({"lower": "FL2x0", "upper_m": 7500}),
            "volumes[0].altitude.lower",
            "flight level",
        ),
        (
            "bad date-time group",
            "/volumes/0/time/start",
            json!("321400ZJUN17"),
            "volumes[0].time.start",
            "JUN has no day 32",
        ),
        (
            "date-time group with a year that is not two digits",
            "/volumes/0/time/start",
            json!("181400ZJUNXX"),
            "volumes[0].time.start",
            "the year \\\"XX\\\" is not exactly 2 or 4 digits",
        ),
        (
            "date-time group with a signed year",
            "/volumes/0/time/end",
            json!("181400ZJUN+7"),
            "volumes[0].time.end",
            "is not exactly 2 or 4 digits",
        ),
        (
            "a window from year 1 to 9999",
            "/volumes/0/time",
            json!({"start": "0001-01-01T00:00:00Z", "end": "9999-12-31T23:59:59Z"}),
            "volumes[0].time.start",
            "outside the supported range 1970-01-01T00:00:00Z..=2200-01-01T00:00:00Z",
        ),
        (
            "an altitude with an exponent",
            "/volumes/0/altitude",
            json!({"lower": "1e3 ft", "upper_m": 7500}),
            "volumes[0].altitude.lower",
            "is not a number",
        ),
        (
            "time without zone",
            "/volumes/0/time/start",
            json!("2017-06-18T14:00:00"),
            "volumes[0].time.start",
            "RFC 3339",
        ),
        (
            "unknown kind",
            "/kind",
            json!("strike"),
            "kind",
            "unknown kind",
        ),
        (
            "missing party",
            "/party",
            Value::Null,
            "party",
            "expected a string",
        ),
        (
            "no volumes",
            "/volumes",
            json!([]),
            "volumes",
            "at least one volume",
        ),
        (
            "misspelt field",
            "/volumes/0/altitude",
            json!({"lower_m": 1, "upper_m": 2, "datum": "MSL", "uper_m": 3}),
            "volumes[0].altitude.uper_m",
            "unknown field",
        ),
        (
            "two footprints",
            "/volumes/0/footprint",
            json!({"circle": {"center": [38.0, 35.0], "radius_m": 5}, "polygon": [[38.0, 35.0], [38.1, 35.0], [38.0, 35.1]]}),
            "volumes[0].footprint",
            "exactly one of",
        ),
        (
            "bad version",
            "/version",
            json!(0),
            "version",
            "whole number",
        ),
    ];
    for (what, pointer, value, field, reason) in cases {
        let mut bad = valid("bad-1", "us-cjtf");
        *bad.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{what}: no {pointer}")) = value;
        let mut text = plan_with(bad);
        for raw in ["1e999", "-1e999"] {
            text = text.replace(&format!("\"__RAW__{raw}\""), raw);
        }
        let out = run(&["check", "-"], Some(&text));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
        let named = format!("declaration \"bad-1\" (declarations[1]), field {field}:");
        assert!(
            stderr.contains(&named),
            "{what}: expected {named:?} in {stderr:?}"
        );
        let reason = reason.replace("\\\"", "\"");
        assert!(
            stderr.contains(&reason),
            "{what}: expected {reason:?} in {stderr:?}"
        );
    }
}

#[test]
fn ids_that_cannot_be_a_path_segment_are_refused() {
    for (id, reason) in [
        ("a/b", "holds '/'"),
        ("..", "does not start with a letter or digit"),
        ("a\u{0}b", "holds '\\0'"),
        ("a\nb", "holds '\\n'"),
        ("preview", "is reserved"),
    ] {
        let out = run(&["check", "-"], Some(&plan_with(valid(id, "us-cjtf"))));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{id:?}: {stderr}");
        assert!(
            stderr.contains("(declarations[1]), field id:") && stderr.contains(reason),
            "{id:?}: expected {reason:?} in {stderr:?}"
        );
    }
}

#[test]
fn document_level_problems_are_refused() {
    let duplicate = json!({"declarations": [valid("x", "a"), valid("x", "b")]}).to_string();
    let cases = [
        (
            "not json",
            "{\"declarations\": [".to_string(),
            "not valid JSON",
        ),
        (
            "no declarations",
            "{}".to_string(),
            "field declarations: is missing",
        ),
        (
            "duplicate id",
            duplicate,
            "declaration \"x\" (declarations[1]), field id",
        ),
        (
            "bad separation",
            "{\"separation\": {\"lateral\": 5}, \"declarations\": []}".to_string(),
            "field separation.lateral: unknown field",
        ),
    ];
    for (what, text, expect) in cases {
        let out = run(&["check", "-"], Some(&text));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}");
        assert!(stderr.contains(expect), "{what}: {stderr}");
    }
    let out = run(&["check", "/nonexistent/plan.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn geojson_errors_name_the_feature_and_the_field() {
    let text = std::fs::read_to_string(example()).expect("example");
    let plan: Value = serde_json::from_str(&text).expect("json");
    let mut g = geojson_of(&plan);
    g["features"][0]["geometry"]["coordinates"][0][2][1] = json!(95.0);
    let out = run(&["check", "-"], Some(&g.to_string()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(
            "declaration \"us-17\" (features[0]), field geometry.coordinates[0][2]: latitude 95"
        ),
        "{stderr}"
    );
}

#[test]
fn the_readme_example_is_a_valid_plan() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README");
    let after = readme.split("Input (").nth(1).expect("input section");
    let block = after
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("json block");
    let out = run(&["check", "-"], Some(block));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sides_of_a_line_in_geojson_conflict_with_others_not_with_each_other() {
    let side = |id: &str, party: &str, side: &str| {
        json!({"type": "Feature",
               "geometry": {"type": "LineString", "coordinates": [[38.57, 35.87], [39.01, 35.95], [39.60, 35.70]]},
               "properties": {"id": id, "party": party, "kind": "line", "side": side, "depth_m": 30000,
                              "altitude": {"lower": "SFC", "upper": "FL600"},
                              "time": {"start": "2017-06-18T00:00:00Z", "end": "2017-06-19T00:00:00Z"}}})
    };
    // A Russian sortie 10 km north of the river, on the coalition's (left) side.
    let sortie = json!({"type": "Feature",
        "geometry": {"type": "Point", "coordinates": [39.01, 36.04]},
        "properties": {"id": "ru-9", "party": "ru-gs", "kind": "air_operation", "radius_m": 3000,
                       "altitude": {"lower_m": 5000, "upper_m": 6000},
                       "time": {"start": "2017-06-18T10:00:00Z", "end": "2017-06-18T11:00:00Z"}}});
    let plan = json!({"type": "FeatureCollection", "features": [
        side("line-ne", "us-cjtf", "left"), side("line-sw", "ru-gs", "right"), sortie]});
    let out = run(&["check", "-"], Some(&plan.to_string()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pairs: Vec<(String, String)> = stdout
        .lines()
        .map(|l| {
            let c: Value = serde_json::from_str(l).expect("a conflict");
            (
                c["a"].as_str().unwrap_or("").into(),
                c["b"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [("line-ne".to_string(), "ru-9".to_string())],
        "{stdout}"
    );
    // A side that is neither left nor right is named.
    let mut bad = plan.clone();
    bad["features"][0]["properties"]["side"] = json!("north");
    let out = run(&["check", "-"], Some(&bad.to_string()));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("properties.side"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
