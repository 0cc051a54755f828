//! ED-318 against the public schema and examples (tests/fixtures/ed318, vendored unchanged): every export
//! validates against `Schema_GeoZones.json` with an independent JSON Schema validator (boon; the `$ref`s
//! resolve to the vendored files, never the network); the official examples import, or are refused with the
//! reason named; export then import keeps footprints, bands and windows.

use std::path::{Path, PathBuf};

use deconflict_plan::ed318::{export, read_zones, Ed318Options, ExportOptions, Zone};
use deconflict_space::units::parse_time;
use deconflict_space::{
    AltitudeBand, Datum, Footprint, LonLat, Region, TimeWindow, Volume4D, MAX_TIME_MS,
    MIN_ALTITUDE_M,
};
use deconflict_strategic::{Declaration, Kind};
use proptest::prelude::*;
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ed318")
}

fn example(name: &str) -> String {
    std::fs::read_to_string(fixtures().join("examples").join(name)).expect("example")
}

/// The vendored schema, compiled from its files: each is added under a `file:` URL of its own name, so the
/// relative `$ref`s (`./Schema_GeoZoneProperties.json`) resolve among them.
struct Schema {
    schemas: boon::Schemas,
    collection: boon::SchemaIndex,
}

impl Schema {
    fn load(root: &str) -> (boon::Schemas, boon::SchemaIndex) {
        let dir = fixtures().join("schema");
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
            .compile(&format!("file:///ed318/schema/{root}"), &mut schemas)
            .expect("the vendored schema compiles");
        (schemas, index)
    }

    fn new() -> Self {
        let (schemas, collection) = Self::load("Schema_GeoZones.json");
        Schema {
            schemas,
            collection,
        }
    }

    fn check(&self, v: &Value) -> Result<(), String> {
        self.schemas
            .validate(v, self.collection)
            .map_err(|e| format!("{e:#}"))
    }
}

/// Compiled once for the property test's many cases.
static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();

fn t(s: &str) -> i64 {
    parse_time(s).expect("time")
}

fn volume(footprint: Footprint, band: (f64, f64, Datum), window: (&str, &str)) -> Volume4D {
    Volume4D {
        footprint: Region::new(&footprint).expect("footprint"),
        altitude: AltitudeBand::new(band.0, band.1, band.2).expect("band"),
        time: TimeWindow::new(t(window.0), t(window.1)).expect("window"),
        originals: Vec::new(),
    }
}

fn zone(id: &str, kind: Kind, name: Option<&str>, volumes: Vec<Volume4D>) -> Zone {
    Zone {
        declaration: Declaration {
            id: id.into(),
            party: "sy-civil".into(),
            kind,
            version: 1,
            volumes,
        },
        name: name.map(str::to_string),
    }
}

fn square(lon: f64, lat: f64, d: f64, closed: bool) -> Footprint {
    let mut ring = vec![
        LonLat::new(lon, lat),
        LonLat::new(lon + d, lat),
        LonLat::new(lon + d, lat + d),
        LonLat::new(lon, lat + d),
    ];
    if closed {
        ring.push(ring[0]);
    }
    Footprint::Polygon(ring)
}

/// Declarations of every shape the line holds: polygons (open and closed rings), circles, several layers,
/// several windows, a site, WGS84 and the surface, a long id, a corridor and an air operation (both left out).
fn varied() -> Vec<Zone> {
    let day = ("2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z");
    let next = ("2030-01-03T06:00:00Z", "2030-01-03T18:00:00Z");
    let circle = |lon, r| Footprint::Circle {
        center: LonLat::new(lon, 35.5),
        radius_m: r,
    };
    vec![
        zone(
            "Z1",
            Kind::Zone,
            Some("Water works"),
            vec![volume(
                square(36.0, 35.0, 0.1, true),
                (MIN_ALTITUDE_M, 500.0, Datum::Msl),
                day,
            )],
        ),
        zone(
            "hosp-kz",
            Kind::Site,
            Some("Hospital, Kafr Zita"),
            vec![volume(
                circle(36.5, 1500.0),
                (MIN_ALTITUDE_M, 300.0, Datum::Wgs84),
                day,
            )],
        ),
        zone(
            "sy-airport-approach-sector-north",
            Kind::Zone,
            None,
            vec![
                volume(
                    square(37.0, 36.0, 0.2, false),
                    (0.0, 1500.0, Datum::Msl),
                    day,
                ),
                volume(
                    square(37.0, 36.0, 0.05, false),
                    (1500.0, 3000.0, Datum::Msl),
                    day,
                ),
                volume(circle(37.3, 800.0), (120.5, 2000.25, Datum::Wgs84), day),
            ],
        ),
        zone(
            "sched",
            Kind::Zone,
            Some("Range, weekends"),
            vec![
                volume(
                    square(38.0, 35.0, 0.1, true),
                    (MIN_ALTITUDE_M, 900.0, Datum::Msl),
                    day,
                ),
                volume(
                    square(38.0, 35.0, 0.1, true),
                    (MIN_ALTITUDE_M, 900.0, Datum::Msl),
                    next,
                ),
                volume(
                    circle(38.3, 500.0),
                    (MIN_ALTITUDE_M, 900.0, Datum::Msl),
                    next,
                ),
            ],
        ),
        zone(
            "forever",
            Kind::Site,
            None,
            vec![Volume4D {
                time: TimeWindow::new(0, MAX_TIME_MS).expect("always"),
                ..volume(
                    circle(39.0, 100.0),
                    (MIN_ALTITUDE_M, 150.0, Datum::Msl),
                    day,
                )
            }],
        ),
        zone(
            "road",
            Kind::Zone,
            None,
            vec![volume(
                Footprint::Corridor {
                    path: vec![LonLat::new(36.0, 34.0), LonLat::new(36.5, 34.2)],
                    half_width_m: 1000.0,
                },
                (0.0, 100.0, Datum::Msl),
                day,
            )],
        ),
        zone(
            "sortie",
            Kind::AirOperation,
            None,
            vec![volume(
                circle(36.0, 5000.0),
                (3000.0, 6000.0, Datum::Msl),
                day,
            )],
        ),
    ]
}

#[test]
fn the_validator_agrees_with_the_official_examples() {
    let schema = Schema::new();
    for valid in [
        "Example_GeoZone_2_Layers.json",
        "Example_GeoZone_Circle.json",
        "Example_Collection.json",
        "Example_GeoZone_with_extension.json",
    ] {
        let v: Value = serde_json::from_str(&example(valid)).expect("json");
        schema.check(&v).unwrap_or_else(|e| panic!("{valid}: {e}"));
    }
    let invalid: Value =
        serde_json::from_str(&example("InvalidExample_GeoZone_2_Layers.json")).expect("json");
    assert!(schema.check(&invalid).is_err());
    // The parts, against their own schemas.
    for (part, root) in [
        (
            "PartialExample_GeoZoneProperties.json",
            "Schema_GeoZoneProperties.json",
        ),
        (
            "PartialExample_TimePeriod.json",
            "Schema_GeoZoneTimePeriod.json",
        ),
        (
            "PartialExample_ZoneAuthority.json",
            "Schema_GeoZoneAuthority.json",
        ),
    ] {
        let (schemas, index) = Schema::load(root);
        let v: Value = serde_json::from_str(&example(part)).expect("json");
        schemas
            .validate(&v, index)
            .unwrap_or_else(|e| panic!("{part}: {e:#}"));
    }
}

#[test]
fn every_export_validates_against_the_schema() {
    let schema = Schema::new();
    let zones = varied();
    let out = export(&zones, &ExportOptions::default());
    schema
        .check(&out.collection)
        .unwrap_or_else(|e| panic!("{e}\n{:#}", out.collection));
    let skipped: Vec<&str> = out.skipped.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(skipped, ["road", "sortie"]);
    assert!(
        out.skipped[0].reason.contains("corridor"),
        "{:?}",
        out.skipped
    );
    // 'sched' has footprints of different windows: two features.
    assert_eq!(out.collection["features"].as_array().map(Vec::len), Some(6));
    // Metadata, country and language as asked.
    let out = export(
        &zones[..2],
        &ExportOptions {
            country: "SYR".into(),
            lang: "ar-SY".into(),
            issued_ms: Some(t("2030-01-01T00:00:00Z")),
        },
    );
    schema.check(&out.collection).expect("valid");
    assert_eq!(out.collection["metadata"]["issued"], "2030-01-01T00:00:00Z");
    // The validator does look into the features: an identifier of 8 characters, or a layer's unknown datum,
    // is refused.
    let mut bad = out.collection.clone();
    bad["features"][0]["properties"]["identifier"] = json!("ABCDEFGH");
    assert!(schema.check(&bad).is_err());
    let mut bad = out.collection.clone();
    bad["features"][0]["geometry"]["layer"]["upperReference"] = json!("QNH");
    assert!(schema.check(&bad).is_err());
    // An empty export is a valid collection too.
    schema
        .check(&export(&[], &ExportOptions::default()).collection)
        .expect("empty");
}

/// A ring's corners: the vertices not on the line's edge between their neighbours (an export adds points
/// along long edges, which a reader keeps; those are in the plane of the edge's ends and the centre).
fn corners(ring: &[LonLat]) -> Vec<LonLat> {
    let n = ring.len();
    let u = |p: LonLat| deconflict_space::vec3::normalize(deconflict_space::geodesy::ecef(p));
    (0..n)
        .filter(|&i| {
            let (a, v, b) = (u(ring[(i + n - 1) % n]), u(ring[i]), u(ring[(i + 1) % n]));
            let det = a[0] * (v[1] * b[2] - v[2] * b[1]) - a[1] * (v[0] * b[2] - v[2] * b[0])
                + a[2] * (v[0] * b[1] - v[1] * b[0]);
            det.abs() > 1e-13
        })
        .map(|i| ring[i])
        .collect()
}

/// What a round trip must keep of a declaration: its id, kind, and each volume's footprint, band and
/// window, as a sorted list (export groups volumes by footprint).
fn essence(d: &Declaration) -> (String, Kind, Vec<String>) {
    let mut volumes: Vec<String> = d
        .volumes
        .iter()
        .map(|v| {
            let fp = match v.footprint.footprint() {
                Footprint::Polygon(p) => {
                    let mut p = p.clone();
                    if p.len() > 1 && p.first() == p.last() {
                        p.pop();
                    }
                    format!("{:?}", corners(&p))
                }
                other => format!("{other:?}"),
            };
            format!("{fp} {:?} {:?}", v.altitude, v.time)
        })
        .collect();
    volumes.sort();
    (d.id.clone(), d.kind, volumes)
}

#[test]
fn export_then_import_keeps_footprint_band_and_window() {
    let zones = varied();
    let out = export(&zones, &ExportOptions::default());
    let back =
        read_zones(&out.collection.to_string(), &Ed318Options::new("sy-civil")).expect("import");
    let kept: Vec<&Zone> = zones
        .iter()
        .filter(|z| !out.skipped.iter().any(|s| s.id == z.declaration.id))
        .collect();
    assert_eq!(back.len(), kept.len());
    for (a, b) in kept.iter().zip(&back) {
        assert_eq!(essence(&a.declaration), essence(&b.declaration));
        assert_eq!(a.name, b.name);
    }
}

#[test]
fn the_official_examples_import_or_are_refused_by_name() {
    let plain = Ed318Options::new("fr-dgac");
    // Every official example gives its limits above ground (50 m to 150 m AGL): without the ground's height,
    // refused at the first such limit.
    for (file, field) in [
        (
            "Example_GeoZone_2_Layers.json",
            "geometry.geometries[0].layer.lowerReference",
        ),
        (
            "Example_GeoZone_Circle.json",
            "geometry.layer.lowerReference",
        ),
        (
            "Example_GeoZone_with_extension.json",
            "geometry.layer.lowerReference",
        ),
        (
            "Example_Collection.json",
            "geometry.geometries[0].layer.lowerReference",
        ),
    ] {
        let e = read_zones(&example(file), &plain).expect_err(file);
        assert_eq!(
            (e.record.as_str(), e.field.as_str()),
            ("features[0]", field),
            "{file}: {e}"
        );
        assert!(e.problem.contains("--terrain-max-m"), "{e}");
    }
    // With it, read conservatively: the upper limit over the highest ground, the lower at the surface.
    let terrain = Ed318Options {
        terrain_max_m: Some(200.0),
        ..Ed318Options::new("fr-dgac")
    };
    let zones = read_zones(&example("Example_Collection.json"), &terrain).expect("collection");
    assert_eq!(zones.len(), 2);
    let layers = &zones[0];
    assert_eq!(layers.declaration.id, "NFZ6547");
    assert_eq!(layers.declaration.kind, Kind::Zone);
    assert_eq!(layers.name.as_deref(), Some("LFPG-2"));
    // The schedule from 2018-12-31T15:59:59Z to 2019-12-31T15:59:59Z: every day 16:00–17:00 (365 days) and
    // Sundays 10:00–12:00 (52), for each of the two layers.
    assert_eq!(layers.declaration.volumes.len(), 2 * (365 + 52));
    let v = &layers.declaration.volumes[0];
    assert_eq!(
        (v.altitude.lower_m, v.altitude.upper_m),
        (MIN_ALTITUDE_M, 350.0)
    );
    assert_eq!(
        (v.time.start_ms, v.time.end_ms),
        (t("2018-12-31T16:00:00Z"), t("2018-12-31T17:00:00Z"))
    );
    let circle = &zones[1].declaration;
    assert_eq!(circle.id, "ABC1234");
    assert!(matches!(
        circle.volumes[0].footprint.footprint(),
        Footprint::Circle { radius_m, .. } if *radius_m == 3500.0
    ));
    // Permanent: from the collection's validFrom, open-ended (to 2200).
    assert_eq!(
        (
            circle.volumes[0].time.start_ms,
            circle.volumes[0].time.end_ms
        ),
        (t("2018-12-31T15:59:59Z"), MAX_TIME_MS)
    );
    for file in [
        "Example_GeoZone_Circle.json",
        "Example_GeoZone_with_extension.json",
        "Example_GeoZone_2_Layers.json",
    ] {
        read_zones(&example(file), &terrain).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    // The invalid example is refused at its first fault, named.
    let e = read_zones(&example("InvalidExample_GeoZone_2_Layers.json"), &terrain)
        .expect_err("invalid");
    assert_eq!(e.field, "metadata.validFrom");
    // Parts are not collections.
    let e = read_zones(&example("PartialExample_featureGeoJSON.json"), &terrain)
        .expect_err("a feature");
    assert_eq!(e.field, "type");
    // What `deconflict check` reads: the same refusal, through parse_plan.
    let e = deconflict_plan::parse_plan(&example("Example_GeoZone_Circle.json")).expect_err("AGL");
    assert_eq!(e.field, "geometry.layer.lowerReference");
}

#[test]
fn the_invalid_examples_type_is_named_once_metadata_is_right() {
    let mut v: Value =
        serde_json::from_str(&example("InvalidExample_GeoZone_2_Layers.json")).expect("json");
    v["metadata"]["validFrom"] = json!("2018-12-31T15:59:59Z");
    let e = read_zones(&v.to_string(), &Ed318Options::new("p")).expect_err("type");
    assert_eq!(
        e.to_string(),
        "declaration \"NFZ6547\" (features[0]), field properties.type: unknown value \"REQ_AUTHORISATION\"; \
         expected USPACE, PROHIBITED, REQ_AUTHORIZATION, CONDITIONAL, NO_RESTRICTION"
    );
}

fn arb_footprint() -> impl Strategy<Value = Footprint> {
    let centre = (-179.0..179.0f64, -80.0..80.0f64);
    prop_oneof![
        (centre.clone(), 10.0..50_000.0f64).prop_map(|((lon, lat), r)| Footprint::Circle {
            center: LonLat::new(lon, lat),
            radius_m: r,
        }),
        (centre, 3usize..12, 0.001..0.5f64, any::<bool>()).prop_map(
            |((lon, lat), n, r, closed)| {
                let mut ring: Vec<LonLat> = (0..n)
                    .map(|i| {
                        let a = i as f64 * std::f64::consts::TAU / n as f64;
                        LonLat::new(lon + r * a.cos(), lat + r * a.sin())
                    })
                    .collect();
                if closed {
                    ring.push(ring[0]);
                }
                Footprint::Polygon(ring)
            }
        ),
    ]
}

fn arb_volume() -> impl Strategy<Value = Volume4D> {
    (
        arb_footprint(),
        prop_oneof![Just(MIN_ALTITUDE_M), -500.0..10_000.0f64],
        0.0..20_000.0f64,
        any::<bool>(),
        0i64..6_000_000_000_000,
        1i64..30_000_000_000,
    )
        .prop_map(|(fp, lower, height, wgs, start, length)| Volume4D {
            footprint: Region::new(&fp).expect("a regular polygon or a circle"),
            altitude: AltitudeBand::new(
                lower,
                (lower + height).min(60_000.0),
                if wgs { Datum::Wgs84 } else { Datum::Msl },
            )
            .expect("band"),
            time: TimeWindow::new(start, start + length).expect("window"),
            originals: Vec::new(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_zone_survives_a_round_trip_and_validates(
        volumes in prop::collection::vec(arb_volume(), 1..5),
        site in any::<bool>(),
        long_id in any::<bool>(),
    ) {
        let id = if long_id { "a-rather-long-declaration-id" } else { "Z7" };
        let z = zone(id, if site { Kind::Site } else { Kind::Zone }, Some("Zone"), volumes);
        let out = export(std::slice::from_ref(&z), &ExportOptions::default());
        prop_assert!(out.skipped.is_empty());
        let schema = SCHEMA.get_or_init(Schema::new);
        prop_assert!(schema.check(&out.collection).is_ok(), "{:?}", schema.check(&out.collection));
        let back = read_zones(&out.collection.to_string(), &Ed318Options::new("sy-civil")).expect("import");
        prop_assert_eq!(back.len(), 1);
        prop_assert_eq!(essence(&z.declaration), essence(&back[0].declaration));
    }
}
