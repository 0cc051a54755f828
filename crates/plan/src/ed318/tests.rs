//! Unit tests of the ED-318 reader: one `refused(edit, field, words)` case per refusal, each naming the
//! feature and the field; and what is read, field by field.

use deconflict_space::units::parse_time;
use deconflict_space::{Datum, Footprint, LonLat, Region, TimeWindow, MAX_TIME_MS, MIN_ALTITUDE_M};
use deconflict_strategic::Kind;
use serde_json::{json, Value};

use super::*;

fn t(s: &str) -> i64 {
    parse_time(s).expect("time")
}

fn feature(identifier: &str) -> Value {
    json!({
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.0]]],
            "layer": {"upper": 500, "upperReference": "AMSL", "lower": 0, "lowerReference": "AGL", "uom": "m"}
        },
        "properties": {
            "identifier": identifier,
            "country": "SYR",
            "name": [{"text": "Water works", "lang": "en-GB"}],
            "type": "PROHIBITED",
            "variant": "COMMON",
            "zoneAuthority": [{"purpose": "INFORMATION"}],
            "limitedApplicability": [
                {"startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-01-02T00:00:00Z"}
            ]
        }
    })
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

fn read_with(v: &Value, options: &Ed318Options) -> Result<Vec<Zone>, PlanError> {
    read_zones(&v.to_string(), options)
}

fn read(v: &Value) -> Result<Vec<Zone>, PlanError> {
    read_with(v, &Ed318Options::new("sy-civil"))
}

/// Sets (or, with `Value::Null` and `remove`, deletes) the member at `pointer` of the first feature.
fn set(v: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let target = v
        .pointer_mut(&format!("/features/0{parent}"))
        .unwrap_or_else(|| panic!("no {parent}"));
    match target {
        Value::Object(map) => {
            map.insert(key.to_string(), value);
        }
        Value::Array(list) => list[key.parse::<usize>().expect("index")] = value,
        _ => panic!("{parent} holds no members"),
    }
}

fn remove(v: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    if let Some(Value::Object(map)) = v.pointer_mut(&format!("/features/0{parent}")) {
        map.remove(key);
    }
}

/// The base collection with `edit` applied is refused: the problem names `features[0]`, `field`, and says
/// `words`.
fn refused(edit: impl FnOnce(&mut Value), field: &str, words: &str) {
    refused_with(edit, &Ed318Options::new("sy-civil"), field, words)
}

fn refused_with(edit: impl FnOnce(&mut Value), options: &Ed318Options, field: &str, words: &str) {
    let mut v = collection(vec![feature("WW1")]);
    edit(&mut v);
    let e = read_with(&v, options).expect_err(field);
    assert_eq!(e.record, "features[0]", "{e}");
    assert_eq!(e.field, field, "{e}");
    assert!(e.problem.contains(words), "{e}");
}

#[test]
fn the_base_feature_is_a_zone() {
    let zones = read(&collection(vec![feature("WW1")])).expect("read");
    assert_eq!(zones.len(), 1);
    let z = &zones[0];
    assert_eq!(z.name.as_deref(), Some("Water works"));
    let d = &z.declaration;
    assert_eq!(
        (d.id.as_str(), d.party.as_str(), d.kind, d.version),
        ("WW1", "sy-civil", Kind::Zone, 1)
    );
    assert_eq!(d.volumes.len(), 1);
    let v = &d.volumes[0];
    assert_eq!(
        (v.altitude.lower_m, v.altitude.upper_m, v.altitude.datum),
        (MIN_ALTITUDE_M, 500.0, Datum::Msl)
    );
    assert_eq!(
        v.time,
        TimeWindow::new(t("2030-01-01T00:00:00Z"), t("2030-01-02T00:00:00Z")).expect("window")
    );
    assert!(matches!(v.footprint.footprint(), Footprint::Polygon(p) if p.len() >= 3));
}

#[test]
fn each_refusal_names_the_feature_and_the_field() {
    let p = "/properties";
    refused(
        |v| set(v, &format!("{p}/type"), json!("FOO")),
        "properties.type",
        r#"unknown value "FOO"; expected USPACE, PROHIBITED, REQ_AUTHORIZATION, CONDITIONAL, NO_RESTRICTION"#,
    );
    refused(
        |v| set(v, &format!("{p}/type"), json!("NO_RESTRICTION")),
        "properties.type",
        "information only",
    );
    refused(
        |v| remove(v, &format!("{p}/country")),
        "properties.country",
        "is missing",
    );
    refused(
        |v| set(v, &format!("{p}/country"), json!("SY")),
        "properties.country",
        "3 characters",
    );
    refused(
        |v| set(v, &format!("{p}/variant"), json!("SPECIAL")),
        "properties.variant",
        "expected COMMON, CUSTOMIZED",
    );
    refused(
        |v| remove(v, &format!("{p}/zoneAuthority")),
        "properties.zoneAuthority",
        "is missing",
    );
    refused(
        |v| set(v, &format!("{p}/zoneAuthority"), json!([])),
        "properties.zoneAuthority",
        "is empty",
    );
    refused(
        |v| set(v, &format!("{p}/zoneAuthority/0/purpose"), json!("ADVICE")),
        "properties.zoneAuthority[0].purpose",
        "expected AUTHORIZATION, NOTIFICATION, INFORMATION",
    );
    refused(
        |v| set(v, &format!("{p}/restriction"), json!("PROHIBITED")),
        "properties.restriction",
        "unknown field",
    );
    refused(
        |v| set(v, &format!("{p}/identifier"), json!("ABCDEFGH")),
        "properties.identifier",
        "at most 7",
    );
    refused(
        |v| set(v, &format!("{p}/identifier"), json!("A B")),
        "properties.identifier",
        "holds ' '",
    );
    refused(
        |v| remove(v, &format!("{p}/identifier")),
        "properties.identifier",
        "is missing",
    );
    refused(
        |v| set(v, &format!("{p}/reason"), json!(["WAR"])),
        "properties.reason[0]",
        "unknown value \"WAR\"",
    );
    refused(
        |v| set(v, &format!("{p}/name/0/text"), json!("Water\u{202E}works")),
        "properties.name[0].text",
        "U+202E",
    );
    refused(
        |v| set(v, &format!("{p}/name/0"), json!({"text": "x"})),
        "properties.name[0].lang",
        "is missing",
    );
    refused(
        |v| set(v, "/properties", Value::Null),
        "properties",
        "expected an object, found null",
    );
    refused(
        |v| set(v, "/type", json!("Zone")),
        "type",
        "expected \"Feature\"",
    );
    // Geometry.
    let g = "/geometry";
    refused(|v| remove(v, g), "geometry", "is missing");
    refused(
        |v| set(v, &format!("{g}/type"), json!("LineString")),
        "geometry.type",
        "\"LineString\" is not supported",
    );
    refused(
        |v| {
            set(
                v,
                &format!("{g}/coordinates"),
                json!([
                    [[36.0, 35.0], [36.1, 35.0], [36.1, 35.1], [36.0, 35.0]],
                    [
                        [36.01, 35.01],
                        [36.02, 35.01],
                        [36.02, 35.02],
                        [36.01, 35.01]
                    ]
                ]),
            )
        },
        "geometry.coordinates",
        "holes are not supported",
    );
    refused(
        |v| set(v, &format!("{g}/coordinates/0/1/1"), json!(91)),
        "geometry.coordinates[0][1]",
        "latitude 91",
    );
    let point = |v: &mut Value| {
        set(v, &format!("{g}/type"), json!("Point"));
        set(v, &format!("{g}/coordinates"), json!([36.0, 35.0]));
    };
    refused(point, "geometry.extent", "subType Circle");
    refused(
        |v| {
            point(v);
            set(
                v,
                &format!("{g}/extent"),
                json!({"subType": "Ellipse", "radius": 10}),
            );
        },
        "geometry.extent.subType",
        "expected Circle",
    );
    refused(
        |v| {
            point(v);
            set(
                v,
                &format!("{g}/extent"),
                json!({"subType": "Circle", "radius": -5}),
            );
        },
        "geometry.extent.radius",
        "greater than 0",
    );
    // Layers.
    let l = "/geometry/layer";
    refused(|v| remove(v, l), "geometry.layer", "is missing");
    refused(
        |v| set(v, &format!("{l}/upperReference"), json!("AGL")),
        "geometry.layer.upperReference",
        "--terrain-max-m",
    );
    refused(
        |v| set(v, &format!("{l}/lower"), json!(50)),
        "geometry.layer.lowerReference",
        "AGL",
    );
    refused(
        |v| remove(v, &format!("{l}/lowerReference")),
        "geometry.layer.lowerReference",
        "never guesses",
    );
    refused(
        |v| set(v, &format!("{l}/lowerReference"), json!("QNH")),
        "geometry.layer.lowerReference",
        "expected AGL, AMSL, WGS84",
    );
    refused(
        |v| {
            set(v, &format!("{l}/lowerReference"), json!("WGS84"));
            set(v, &format!("{l}/lower"), json!(100));
        },
        "geometry.layer.lowerReference",
        "one datum",
    );
    refused(
        |v| set(v, &format!("{l}/uom"), json!("km")),
        "geometry.layer.uom",
        "expected m, ft",
    );
    refused(
        |v| {
            set(v, &format!("{l}/lowerReference"), json!("AMSL"));
            set(v, &format!("{l}/lower"), json!(900));
        },
        "geometry.layer.lower",
        "above upper altitude",
    );
    let text = collection(vec![feature("WW1")])
        .to_string()
        .replace("\"upper\":500", "\"upper\":1e999");
    let e = read_zones(&text, &Ed318Options::new("p")).expect_err("infinite");
    assert_eq!(
        (e.field.as_str(), e.problem.as_str()),
        ("geometry.layer.upper", "value is not a finite number")
    );
    // Time.
    let a = "/properties/limitedApplicability/0";
    refused(
        |v| {
            set(
                v,
                &format!("{a}/schedule"),
                json!([{"day": ["ANY"], "startEvent": "SR", "endTime": "12:00:00Z"}]),
            )
        },
        "properties.limitedApplicability[0].schedule[0].startEvent",
        "daylight events are not supported",
    );
    refused(
        |v| {
            set(
                v,
                &format!("{a}/schedule"),
                json!([{"day": ["MONDAY"], "startTime": "10:00:00Z", "endTime": "12:00:00Z"}]),
            )
        },
        "properties.limitedApplicability[0].schedule[0].day[0]",
        "expected MON, TUE",
    );
    refused(
        |v| {
            set(
                v,
                &format!("{a}/schedule"),
                json!([{"day": ["MON"], "startTime": "10:00", "endTime": "12:00:00Z"}]),
            )
        },
        "properties.limitedApplicability[0].schedule[0].startTime",
        "HH:MM:SS",
    );
    refused(
        |v| {
            set(
                v,
                &format!("{a}/endDateTime"),
                json!("2029-12-31T00:00:00Z"),
            )
        },
        "properties.limitedApplicability[0].endDateTime",
        "is not after",
    );
    refused(
        |v| set(v, &format!("{a}/start"), json!("2029-12-31T00:00:00Z")),
        "properties.limitedApplicability[0].start",
        "unknown field",
    );
    refused(
        |v| {
            remove(v, &format!("{a}/endDateTime"));
            set(
                v,
                &format!("{a}/schedule"),
                json!([{"day": ["ANY"], "startTime": "10:00:00Z", "endTime": "12:00:00Z"}]),
            );
        },
        "properties.limitedApplicability[0].schedule",
        "at most 1000 days",
    );
    // A few bytes of schedule cannot become an unbounded plan.
    let many: Vec<Value> = (0..200)
        .map(|k| {
            let at = format!("{:02}:{:02}", k / 60, k % 60);
            json!({"day": ["ANY"], "startTime": format!("{at}:00Z"), "endTime": format!("{at}:30Z")})
        })
        .collect();
    refused(
        |v| {
            set(
                v,
                &format!("{a}/endDateTime"),
                json!("2032-09-01T00:00:00Z"),
            );
            set(v, &format!("{a}/schedule"), Value::Array(many));
        },
        "properties.limitedApplicability[0].schedule",
        "more than 20000 windows",
    );
    // A permanent zone runs to 2200: longer than a line takes, unless a horizon cuts it.
    refused_with(
        |v| remove(v, "/properties/limitedApplicability"),
        &Ed318Options {
            limits: PlanLimits::default(),
            ..Ed318Options::new("sy-civil")
        },
        "properties.limitedApplicability",
        "(limit volume_window_ms)",
    );
    refused_with(
        |_| {},
        &Ed318Options {
            horizon: Some(
                TimeWindow::new(t("2031-01-01T00:00:00Z"), t("2031-02-01T00:00:00Z")).expect("w"),
            ),
            ..Ed318Options::new("sy-civil")
        },
        "properties.limitedApplicability",
        "within the horizon",
    );
}

#[test]
fn a_later_feature_is_named_with_its_id() {
    let mut second = feature("WW2");
    second["properties"]["type"] = json!("BAD");
    let e = read(&collection(vec![feature("WW1"), second])).expect_err("refused");
    assert_eq!(
        e.to_string(),
        "declaration \"WW2\" (features[1]), field properties.type: unknown value \"BAD\"; expected USPACE, \
         PROHIBITED, REQ_AUTHORIZATION, CONDITIONAL, NO_RESTRICTION"
    );
}

#[test]
fn the_collection_itself_is_checked() {
    let e = read(&json!({"type": "FeatureCollection"})).expect_err("no features");
    assert_eq!((e.record.as_str(), e.field.as_str()), ("", "features"));
    let e =
        read(&json!({"type": "FeatureCollection", "features": [], "metadata": {"validFrom": 5}}))
            .expect_err("bad metadata");
    assert_eq!(e.field, "metadata.validFrom");
    let e = read(&json!({"type": "Feature"})).expect_err("not a collection");
    assert_eq!(e.field, "type");
    let e = read_zones("{", &Ed318Options::new("p")).expect_err("not JSON");
    assert!(e.problem.starts_with("not valid JSON"), "{e}");
}

#[test]
fn units_datums_terrain_and_kinds() {
    let mut f = feature("WW1");
    f["geometry"]["layer"] = json!({"upper": 1000, "upperReference": "WGS84", "lower": 100, "lowerReference": "WGS84", "uom": "ft"});
    f["properties"]["reason"] = json!(["SENSITIVE", "PRIVACY"]);
    let z = &read(&collection(vec![f])).expect("read")[0].declaration;
    assert_eq!(z.kind, Kind::Site);
    let b = z.volumes[0].altitude;
    assert_eq!(
        (b.lower_m, b.upper_m, b.datum),
        (30.48, 304.8, Datum::Wgs84)
    );
    // Above ground, with the highest ground given: the upper limit over it, the lower at the surface.
    let mut f = feature("WW1");
    f["geometry"]["layer"] =
        json!({"upper": 150, "upperReference": "AGL", "lower": 50, "lowerReference": "AGL"});
    let options = Ed318Options {
        terrain_max_m: Some(420.0),
        ..Ed318Options::new("p")
    };
    let b = read_with(&collection(vec![f]), &options).expect("read")[0]
        .declaration
        .volumes[0]
        .altitude;
    assert_eq!(
        (b.lower_m, b.upper_m, b.datum),
        (MIN_ALTITUDE_M, 570.0, Datum::Msl)
    );
}

#[test]
fn geometries_make_volumes() {
    let layer =
        json!({"upper": 300, "upperReference": "AMSL", "lower": 100, "lowerReference": "AMSL"});
    let ring = |x: f64| json!([[[x, 35.0], [x + 0.1, 35.0], [x + 0.1, 35.1], [x, 35.0]]]);
    let mut f = feature("WW1");
    f["geometry"] =
        json!({"type": "MultiPolygon", "coordinates": [ring(36.0), ring(37.0)], "layer": layer});
    let d = &read(&collection(vec![f])).expect("multi")[0].declaration;
    assert_eq!(d.volumes.len(), 2);
    // A collection's layer serves the geometries without one of their own.
    let mut f = feature("WW1");
    f["geometry"] = json!({"type": "GeometryCollection", "layer": layer, "geometries": [
        {"type": "Polygon", "coordinates": ring(36.0)},
        {"type": "Point", "coordinates": [37.0, 35.0], "extent": {"subType": "Circle", "radius": 2500},
         "layer": {"upper": 50, "upperReference": "AMSL", "lower": 0, "lowerReference": "AGL"}}
    ]});
    let d = &read(&collection(vec![f])).expect("collection")[0].declaration;
    assert_eq!(d.volumes.len(), 2);
    assert_eq!(d.volumes[0].altitude.upper_m, 300.0);
    assert!(matches!(
        d.volumes[1].footprint.footprint(),
        Footprint::Circle { radius_m, .. } if *radius_m == 2500.0
    ));
    assert_eq!(d.volumes[1].altitude.upper_m, 50.0);
    // A nested collection, and a geometry of a collection with no layer anywhere, are named.
    let mut f = feature("WW1");
    f["geometry"] = json!({"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "coordinates": ring(36.0)}
    ]});
    let e = read(&collection(vec![f])).expect_err("no layer");
    assert_eq!(e.field, "geometry.geometries[0].layer");
    // Features of one id are the volumes of one declaration.
    let zones = read(&collection(vec![feature("WW1"), feature("WW1")])).expect("merged");
    assert_eq!((zones.len(), zones[0].declaration.volumes.len()), (1, 2));
}

#[test]
fn applicability_becomes_windows() {
    // Permanent: the collection's validity, else to 2200.
    let mut f = feature("WW1");
    f["properties"]
        .as_object_mut()
        .expect("props")
        .remove("limitedApplicability");
    let mut v = collection(vec![f]);
    v["metadata"] = json!({"validFrom": "2030-01-01T00:00:00Z"});
    let w = read(&v).expect("permanent")[0].declaration.volumes[0].time;
    assert_eq!(
        (w.start_ms, w.end_ms),
        (t("2030-01-01T00:00:00Z"), MAX_TIME_MS)
    );
    // A horizon cuts it.
    let options = Ed318Options {
        horizon: Some(
            TimeWindow::new(t("2030-06-01T00:00:00Z"), t("2030-07-01T00:00:00Z")).expect("w"),
        ),
        limits: PlanLimits::default(),
        ..Ed318Options::new("p")
    };
    let w = read_with(&v, &options).expect("cut")[0].declaration.volumes[0].time;
    assert_eq!(
        (w.start_ms, w.end_ms),
        (t("2030-06-01T00:00:00Z"), t("2030-07-01T00:00:00Z"))
    );
    // A schedule: one volume per window, each footprint.
    let mut f = feature("WW1");
    f["properties"]["limitedApplicability"] = json!([{
        "startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-01-08T00:00:00Z",
        "schedule": [{"day": ["SAT", "SUN"], "startTime": "08:00:00Z", "endTime": "18:00:00Z"}]
    }]);
    let d = &read(&collection(vec![f])).expect("schedule")[0].declaration;
    // 2030-01-05 is a Saturday.
    let windows: Vec<_> = d
        .volumes
        .iter()
        .map(|v| (v.time.start_ms, v.time.end_ms))
        .collect();
    assert_eq!(
        windows,
        vec![
            (t("2030-01-05T08:00:00Z"), t("2030-01-05T18:00:00Z")),
            (t("2030-01-06T08:00:00Z"), t("2030-01-06T18:00:00Z")),
        ]
    );
    // More volumes than a line takes: named, with the limit.
    let mut f = feature("WW1");
    f["properties"]["limitedApplicability"] = json!([{
        "startDateTime": "2030-01-01T00:00:00Z", "endDateTime": "2030-06-01T00:00:00Z",
        "schedule": [{"day": ["ANY"], "startTime": "08:00:00Z", "endTime": "18:00:00Z"}]
    }]);
    let options = Ed318Options {
        limits: PlanLimits::default(),
        ..Ed318Options::new("p")
    };
    let e = read_with(&collection(vec![f]), &options).expect_err("too many");
    assert_eq!(e.field, "properties.limitedApplicability");
    assert_eq!(e.limit, Some("volumes_per_declaration"));
}

#[test]
fn the_extension_names_the_declaration() {
    let mut f = feature("K3J9QXZ");
    f["properties"]["extendedProperties"] =
        json!({"deconflict": {"id": "sy-water-works-aleppo"}, "colour": "red"});
    let d = &read(&collection(vec![f])).expect("read")[0].declaration;
    assert_eq!(d.id, "sy-water-works-aleppo");
    let mut f = feature("WW1");
    f["properties"]["extendedProperties"] = json!({"deconflict": {"id": "../etc"}});
    let e = read(&collection(vec![f])).expect_err("bad id");
    assert_eq!(e.field, "properties.extendedProperties.deconflict.id");
}

#[test]
fn parse_plan_reads_ed318_as_one_party() {
    let plan = crate::parse_plan(&collection(vec![feature("WW1")]).to_string()).expect("plan");
    assert_eq!(plan.declarations.len(), 1);
    assert_eq!(plan.declarations[0].party, DEFAULT_PARTY);
    // A plain GeoJSON plan is still read as one.
    let plain = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"id": "a", "party": "p", "kind": "zone",
            "altitude": {"lower_m": 0, "upper_m": 100}, "time": {"start": "2030-01-01T00:00:00Z", "end": "2030-01-02T00:00:00Z"}},
        "geometry": {"type": "Point", "coordinates": [36.0, 35.0]}}]});
    let e = crate::parse_plan(&plain.to_string()).expect_err("no radius");
    assert_eq!(e.field, "properties.radius_m");
}

/// GeoJSON draws a polygon's edge straight in longitude and latitude; the line's edges are great-elliptic
/// arcs, which at 70°N bow some 11 km towards the pole over 12° of longitude. Read as given, the box below
/// would leave out a point 2 km inside its southern edge and take in one 2 km outside its northern edge.
#[test]
fn long_edges_are_followed_as_drawn_in_longitude_and_latitude() {
    let mut v = collection(vec![feature("WW1")]);
    set(
        &mut v,
        "/geometry/coordinates",
        json!([[
            [0.0, 70.0],
            [12.0, 70.0],
            [12.0, 71.0],
            [0.0, 71.0],
            [0.0, 70.0]
        ]]),
    );
    let zones = read(&v).expect("read");
    let region = &zones[0].declaration.volumes[0].footprint;
    let at = |lon: f64, lat: f64| {
        let p = Region::new(&Footprint::Circle {
            center: LonLat::new(lon, lat),
            radius_m: 1.0,
        })
        .expect("a point");
        region.distance_m(&p)
    };
    assert_eq!(at(6.0, 70.02), 0.0, "2 km inside the southern edge");
    assert_eq!(at(6.0, 70.98), 0.0, "2 km inside the northern edge");
    assert!(at(6.0, 71.02) > 1_000.0, "2 km outside the northern edge");
    assert!(at(6.0, 69.98) > 1_000.0, "2 km outside the southern edge");
    let vertices = match region.footprint() {
        Footprint::Polygon(p) => p.len(),
        other => panic!("{other:?}"),
    };
    assert!((450..700).contains(&vertices), "{vertices} vertices");
}

/// Each feature's schedule is bounded, and so is the whole file: two features of 15 000 volumes each are
/// refused at the second (before, a few such features made hundreds of megabytes).
#[test]
fn the_whole_file_expands_into_a_bounded_number_of_volumes() {
    let many: Vec<Value> = (0..200)
        .map(|k| {
            let at = format!("{:02}:{:02}", k / 60, k % 60);
            json!({"day": ["ANY"], "startTime": format!("{at}:00Z"), "endTime": format!("{at}:30Z")})
        })
        .collect();
    let busy = |id: &str| {
        let mut f = feature(id);
        f["properties"]["limitedApplicability"] = json!([{
            "startDateTime": "2030-01-01T00:00:00Z",
            "endDateTime": "2030-03-17T00:00:00Z",
            "schedule": many.clone(),
        }]);
        f
    };
    let one = read(&collection(vec![busy("WW1")])).expect("one feature of 15 000 volumes");
    assert_eq!(one[0].declaration.volumes.len(), 15_000);
    let e = read(&collection(vec![busy("WW1"), busy("WW2")])).expect_err("two");
    assert_eq!(e.record, "features[1]", "{e}");
    assert!(e.problem.contains("more than 20000 volumes"), "{e}");
}
