//! `deconflict zones` end to end against a real server: an ED-318 file imported as one party (all or
//! nothing: a bad feature or a zone the server refuses declares none), exported as that party and as others —
//! each sees only what it was given — and every export valid against the vendored ED-318 schema.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

mod common;
use common::{add_party, http, run, start};

/// The vendored ED-318 schema (crates/plan/tests/fixtures/ed318/schema), compiled from its files offline.
fn schema() -> (boon::Schemas, boon::SchemaIndex) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plan/tests/fixtures/ed318/schema");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V7);
    compiler.enable_format_assertions();
    for entry in std::fs::read_dir(&dir).expect("schema dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let value: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        compiler
            .add_resource(&format!("file:///ed318/schema/{name}"), value)
            .expect("resource");
    }
    let mut schemas = boon::Schemas::new();
    let index = compiler
        .compile("file:///ed318/schema/Schema_GeoZones.json", &mut schemas)
        .expect("compiles");
    (schemas, index)
}

fn valid(collection: &Value) {
    let (schemas, index) = schema();
    if let Err(e) = schemas.validate(collection, index) {
        panic!("{e:#}\n{collection:#}");
    }
}

fn zone(identifier: &str, geometry: Value, extra: Value) -> Value {
    let mut properties = json!({
        "identifier": identifier,
        "country": "SYR",
        "name": [{"text": format!("Zone {identifier}"), "lang": "en"}],
        "type": "PROHIBITED",
        "variant": "COMMON",
        "zoneAuthority": [{"purpose": "INFORMATION", "name": [{"text": "Civil defence", "lang": "en"}]}],
        "limitedApplicability": [
            {"startDateTime": "2030-06-18T00:00:00Z", "endDateTime": "2030-06-25T00:00:00Z"}
        ]
    });
    if let (Some(p), Some(x)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(x.clone());
    }
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

fn square(lon: f64) -> Value {
    json!({
        "type": "Polygon",
        "coordinates": [[[lon, 35.0], [lon + 0.1, 35.0], [lon + 0.1, 35.1], [lon, 35.1], [lon, 35.0]]],
        "layer": {"upper": 500, "upperReference": "AMSL", "lower": 0, "lowerReference": "AGL", "uom": "m"}
    })
}

fn circle(lon: f64) -> Value {
    json!({
        "type": "Point",
        "coordinates": [lon, 35.5],
        "extent": {"subType": "Circle", "radius": 1500},
        "layer": {"upper": 1000, "upperReference": "AMSL", "lower": 0, "lowerReference": "AGL", "uom": "ft"}
    })
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "name": "Aleppo protected zones", "features": features})
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).expect("write");
    path
}

fn zones(args: &[&str], addr: &str, token: &str, stdin: Option<&str>) -> (i32, Value, String) {
    let server = format!("http://{addr}");
    let mut all = vec!["zones"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--server", &server, "--token", token]);
    let out = run(&all, stdin);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&stdout).unwrap_or(Value::String(stdout)),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The ids of a party's own declarations on the line.
fn own_ids(addr: &str, token: &str, party: &str) -> Vec<String> {
    let (status, body) = http(addr, "GET", "/v1/declarations", token, None);
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["declarations"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|d| d["party"] == party)
        .filter_map(|d| d["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

/// The line's ids of an export's features (`extendedProperties.deconflict.id`), sorted.
fn exported_ids(collection: &Value) -> Vec<String> {
    let mut ids: Vec<String> = collection["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| {
            f["properties"]["extendedProperties"]["deconflict"]["id"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn zones_go_in_and_out_as_ed318_and_each_party_sees_only_what_it_was_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let sy = add_party(&data, "sy-civil");
    let un = add_party(&data, "un-ocha");
    let ru = add_party(&data, "ru-gs");
    let server = start(&data);
    let addr = server.addr.as_str();

    // A bad feature: refused with the feature and the field, exit 2, nothing declared.
    let bad = collection(vec![
        zone("WW1", square(37.0), json!({})),
        zone("WW2", square(37.2), json!({"type": "REQ_AUTHORISATION"})),
    ]);
    let path = write(dir.path(), "bad.json", &bad);
    let (code, _, stderr) = zones(&["import", path.to_str().expect("path")], addr, &sy, None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("declaration \"WW2\" (features[1]), field properties.type: unknown value \"REQ_AUTHORISATION\""),
        "{stderr}"
    );
    assert!(own_ids(addr, &sy, "sy-civil").is_empty());

    // A zone the server refuses (it has wholly ended): the preview finds it, nothing is declared, exit 1.
    let ended = collection(vec![
        zone("WW1", square(37.0), json!({})),
        zone(
            "OLD1",
            square(37.4),
            json!({"limitedApplicability": [
                {"startDateTime": "2019-01-01T00:00:00Z", "endDateTime": "2019-01-02T00:00:00Z"}
            ]}),
        ),
    ]);
    let path = write(dir.path(), "ended.json", &ended);
    let (code, _, stderr) = zones(&["import", path.to_str().expect("path")], addr, &sy, None);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("zone \"OLD1\"") && stderr.contains("nothing was declared"),
        "{stderr}"
    );
    assert!(own_ids(addr, &sy, "sy-civil").is_empty());

    // Shared with the UN: a zone and a site (SENSITIVE), read from standard input.
    let shared = collection(vec![
        zone("WW1", square(37.0), json!({})),
        zone("HOSP1", circle(37.3), json!({"reason": ["SENSITIVE"]})),
    ]);
    let (code, answer, stderr) = zones(
        &["import", "-", "--audience", "un-ocha"],
        addr,
        &sy,
        Some(&shared.to_string()),
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        answer["declared"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
    // Kept to itself: a weekend schedule, one volume per day.
    let private = collection(vec![zone(
        "RANGE1",
        square(38.0),
        json!({"limitedApplicability": [{
            "startDateTime": "2030-06-17T00:00:00Z", "endDateTime": "2030-06-24T00:00:00Z",
            "schedule": [{"day": ["SAT", "SUN"], "startTime": "06:00:00Z", "endTime": "18:00:00Z"}]
        }]}),
    )]);
    let path = write(dir.path(), "private.json", &private);
    let (code, _, stderr) = zones(&["import", path.to_str().expect("path")], addr, &sy, None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(own_ids(addr, &sy, "sy-civil"), ["HOSP1", "RANGE1", "WW1"]);
    let (_, range) = http(addr, "GET", "/v1/declarations/RANGE1", &sy, None);
    assert_eq!(
        range["normalised"]["volumes"].as_array().map(Vec::len),
        Some(2),
        "{range}"
    );
    let (_, hosp) = http(addr, "GET", "/v1/declarations/HOSP1", &sy, None);
    assert_eq!(hosp["normalised"]["kind"], "site", "{hosp}");
    assert_eq!(hosp["declaration"]["name"], "Zone HOSP1", "{hosp}");

    // Exports: the importer sees all three, the UN the two it was given, Russia nothing; all valid ED-318.
    let out = dir.path().join("sy.json");
    let (code, _, stderr) = zones(
        &[
            "export",
            "--out",
            out.to_str().expect("path"),
            "--country",
            "SYR",
        ],
        addr,
        &sy,
        None,
    );
    assert_eq!(code, 0, "{stderr}");
    let mine: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("export")).expect("json");
    valid(&mine);
    assert_eq!(exported_ids(&mine), ["HOSP1", "RANGE1", "WW1"]);
    let (code, theirs, stderr) = zones(&["export"], addr, &un, None);
    assert_eq!(code, 0, "{stderr}");
    valid(&theirs);
    assert_eq!(exported_ids(&theirs), ["HOSP1", "WW1"]);
    let (code, nothing, stderr) = zones(&["export", "--out", "-"], addr, &ru, None);
    assert_eq!(code, 0, "{stderr}");
    valid(&nothing);
    assert_eq!(nothing["features"], json!([]));

    // What the UN was given converts back, offline, to the same zones (now as its own copy).
    let out = run(
        &["zones", "convert", "-", "--party", "un-ocha"],
        Some(&theirs.to_string()),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let native: Value = serde_json::from_slice(&out.stdout).expect("json");
    let declarations = native["declarations"].as_array().expect("declarations");
    assert_eq!(declarations.len(), 2);
    let (_, original) = http(
        addr,
        "GET",
        "/v1/declarations/WW1?party=sy-civil",
        &un,
        None,
    );
    let copy = declarations.iter().find(|d| d["id"] == "WW1").expect("WW1");
    assert_eq!(copy["volumes"], original["normalised"]["volumes"]);
    assert_eq!(copy["party"], "un-ocha");
}

#[test]
fn convert_is_offline_and_says_what_it_cannot_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let example = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plan/tests/fixtures/ed318/examples/Example_Collection.json");
    let example = example.to_str().expect("path");
    let out = run(&["zones", "convert", example], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(features[0]), field geometry.geometries[0].layer.lowerReference: AGL"),
        "{stderr}"
    );
    let out = run(
        &["zones", "convert", example, "--terrain-max-m", "300"],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let native: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(native["declarations"].as_array().map(Vec::len), Some(2));
    // The native plan back to ED-318: valid, and `check` reads both.
    let path = write(dir.path(), "native.json", &native);
    let out = run(
        &[
            "zones",
            "convert",
            "--to",
            "ed318",
            path.to_str().expect("path"),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ed318: Value = serde_json::from_slice(&out.stdout).expect("json");
    valid(&ed318);
    let back = write(dir.path(), "back.json", &ed318);
    let out = run(&["check", "--quiet", back.to_str().expect("path")], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
