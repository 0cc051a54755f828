//! Reading a plan given as a GeoJSON FeatureCollection (RFC 7946).
//!
//! Each feature is one volume; features with the same `properties.id` are the volumes of one declaration,
//! in order. `properties` holds `id`, `party`, `kind`, `version`, `altitude` and `time` as in the native
//! format; the geometry gives the footprint: a `Polygon` (no holes), a `Point` with `properties.radius_m`
//! (a circle), a `LineString` with `properties.half_width_m` (a corridor), or a `MultiPolygon` (one volume per
//! polygon). Other properties (names, styles) are ignored.

//!
//! The models are typed ([`FeatureModel`]); coordinates are read once the geometry's type is known, each
//! problem naming its field (`geometry.coordinates[0][2]`). Problems name the feature (`features[3]`), the
//! declaration's id once it is known, and the field.

use deconflict_space::{FieldError, Footprint, LonLat, Region, Volume4D};
use deconflict_strategic::Declaration;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::native::{
    altitude, at_most, check_depth, kind, lon_lat, non_empty_text, read_id, side_of, time_window,
    version, vertex_count, vertex_limit, AltitudeModel, DeclFail, IdProbe, TimeModel,
};
use crate::read::{plan_error, PlanError, PlanLimits};
use crate::wire::{fail, typed, Arr, Coord, Fail, Given, Obj, Raw, Source, Text};

/// A feature as given; members other than these are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FeatureModel {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    properties: Given<Obj<PropertiesModel>>,
    geometry: Given<Obj<GeometryModel>>,
}

/// A feature's properties: the declaration's fields and the lengths of the geometry; others (names,
/// styles) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PropertiesModel {
    id: Given<Raw>,
    party: Given<Text>,
    kind: Given<Text>,
    version: Given<Raw>,
    altitude: Given<Obj<AltitudeModel>>,
    time: Given<Obj<TimeModel>>,
    radius_m: Given<Raw>,
    half_width_m: Given<Raw>,
    side: Given<Raw>,
    depth_m: Given<Raw>,
}

/// A geometry: its coordinates are read by its type.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GeometryModel {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    coordinates: Given<Raw>,
}

/// Only what names a feature: its type and its properties' id.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FeatureProbe {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    properties: Given<Raw>,
}

const COORDINATES: &str = "geometry.coordinates";

/// Coordinates (or a part of them, at `field`), read as `T`. Nested arrays are read a level at a time
/// (`Arr<Raw>`), so that their number is checked before what they hold.
pub(crate) fn coordinates_as<'a, T: Deserialize<'a>>(raw: &'a Raw, field: &str) -> Result<T, Fail> {
    typed(Source::Text(raw.get()), field)
}

pub(crate) fn coordinate(c: &Coord, field: &str) -> Result<LonLat, Fail> {
    lon_lat(&c.0, field, 3)
}

pub(crate) fn coordinates(
    items: &[Coord],
    field: &str,
    limits: &PlanLimits,
    ring: bool,
) -> Result<Vec<LonLat>, Fail> {
    // Before reading them: too many even if the last closes a ring.
    vertex_limit(field, items.len(), false, limits)?;
    let points = items
        .iter()
        .enumerate()
        .map(|(i, p)| coordinate(p, &format!("{field}[{i}]")))
        .collect::<Result<Vec<_>, Fail>>()?;
    vertex_limit(field, vertex_count(&points, ring), true, limits)?;
    Ok(points)
}

/// Names a footprint error by the GeoJSON field that holds the value. `ring` is the path of the polygon's
/// ring within `geometry.coordinates`.
fn geojson_field(e: FieldError, ring: &str) -> Fail {
    let f = &e.field;
    let field = if let Some(rest) = f.strip_prefix("polygon[") {
        format!("geometry.coordinates{ring}[{rest}")
    } else if let Some(rest) = f.strip_prefix("corridor.path[") {
        format!("geometry.coordinates[{rest}")
    } else if f == "circle.center" {
        "geometry.coordinates".to_string()
    } else if f == "circle.radius_m" {
        "properties.radius_m".to_string()
    } else if f == "corridor.half_width_m" {
        "properties.half_width_m".to_string()
    } else {
        "geometry".to_string()
    };
    (field, e.problem.to_string())
}

fn length_property(given: &Given<Raw>, key: &str, shape: &str) -> Result<f64, Fail> {
    let field = format!("properties.{key}");
    given
        .0
        .as_ref()
        .ok_or_else(|| fail(&field, format!("is missing; a {shape} needs it")))?
        .number(&field)
}

fn footprints(
    g: &GeometryModel,
    props: &PropertiesModel,
    limits: &PlanLimits,
) -> Result<Vec<Region>, Fail> {
    let kind = g.kind.0.as_ref().and_then(Raw::as_str).unwrap_or_default();
    let coords = g.coordinates.required("geometry", "coordinates")?;
    let polygon = |rings: &Raw, field: &str, ring_path: &str| -> Result<Region, Fail> {
        let Arr(rings): Arr<Raw> = coordinates_as(rings, field)?;
        match rings.len() {
            0 => Err(fail(field, "a polygon needs its outer ring")),
            1 => {
                let outer = format!("{field}[0]");
                let Arr(ring): Arr<Coord> = coordinates_as(&rings[0], &outer)?;
                let ring = coordinates(&ring, &outer, limits, true)?;
                Region::new(&Footprint::Polygon(ring)).map_err(|e| geojson_field(e, ring_path))
            }
            n => Err(fail(
                field,
                format!(
                    "{} holes given; polygons with holes are not supported",
                    n - 1
                ),
            )),
        }
    };
    match kind.as_str() {
        "Polygon" => Ok(vec![polygon(coords, COORDINATES, "[0]")?]),
        "MultiPolygon" => {
            let polygons: Arr<Raw> = coordinates_as(coords, COORDINATES)?;
            at_most(
                COORDINATES,
                polygons.0.len(),
                limits.volumes_per_declaration,
                "volumes",
                "declaration",
                "volumes_per_declaration",
            )?;
            polygons
                .0
                .iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!("{COORDINATES}[{i}]"), &format!("[{i}][0]")))
                .collect()
        }
        "Point" => {
            let center = coordinate(&coordinates_as(coords, COORDINATES)?, COORDINATES)?;
            let radius_m = length_property(&props.radius_m, "radius_m", "Point (a circle)")?;
            Ok(vec![Region::new(&Footprint::Circle { center, radius_m })
                .map_err(|e| geojson_field(e, ""))?])
        }
        // A side of a deconfliction line: `properties.side` (left or right) and `properties.depth_m`.
        "LineString" if props.side.0.is_some() => {
            let line: Arr<Coord> = coordinates_as(coords, COORDINATES)?;
            let path = coordinates(&line.0, COORDINATES, limits, false)?;
            if path.len() < 2 {
                return Err(fail(COORDINATES, "a line needs at least 2 positions"));
            }
            let side = side_of(props.side.0.as_ref()).ok_or_else(|| {
                fail(
                    "properties.side",
                    "expected \"left\" or \"right\" (looking along the line from its first position)",
                )
            })?;
            let depth_m = length_property(
                &props.depth_m,
                "depth_m",
                "LineString with a side (a side of a line)",
            )?;
            let depth_m = check_depth(depth_m, "properties.depth_m")?;
            let outline = deconflict_space::geodesy::side_outline(&path, side, depth_m);
            Ok(vec![Region::new(&Footprint::Polygon(outline)).map_err(|e| geojson_field(e, ""))?])
        }
        "LineString" => {
            let line: Arr<Coord> = coordinates_as(coords, COORDINATES)?;
            let path = coordinates(&line.0, COORDINATES, limits, false)?;
            let half_width_m =
                length_property(&props.half_width_m, "half_width_m", "LineString (a corridor)")?;
            Ok(vec![Region::new(&Footprint::Corridor { path, half_width_m })
                .map_err(|e| geojson_field(e, ""))?])
        }
        other => Err(fail(
            "geometry.type",
            format!("{other:?} is not supported; use Polygon, MultiPolygon, Point (with radius_m) or LineString (with half_width_m, or side and depth_m)"),
        )),
    }
}

fn in_props((field, problem): Fail) -> Fail {
    (format!("properties.{field}"), problem)
}

/// The feature's type, checked first: `Feature`.
fn check_type(kind: &Given<Raw>) -> Result<(), Fail> {
    if kind.0.as_ref().and_then(Raw::as_str).as_deref() == Some("Feature") {
        Ok(())
    } else {
        Err(fail("type", "expected \"Feature\""))
    }
}

/// What names a feature whose model could not be read (the problem `f`), in the order the checks run: its
/// type, its properties, their id; else the problem, with the id.
fn unreadable(text: &str, f: Fail) -> DeclFail {
    let Ok(Obj(probe)) = typed::<Obj<FeatureProbe>>(Source::Text(text), "") else {
        return (None, f);
    };
    if let Err(e) = check_type(&probe.kind) {
        return (None, e);
    }
    let Some(props) = probe.properties.0 else {
        return (None, fail("properties", "is missing"));
    };
    match typed::<Obj<IdProbe>>(Source::Text(props.get()), "properties") {
        Err(e) => (None, e),
        Ok(Obj(p)) => match read_id(&p.id, "id") {
            Ok(id) => (Some(id), f),
            Err((given, e)) => (given, in_props(e)),
        },
    }
}

fn feature(text: &str, limits: &PlanLimits) -> Result<Declaration, DeclFail> {
    let f = match typed::<Obj<FeatureModel>>(Source::Text(text), "") {
        Ok(Obj(f)) => f,
        Err(e) => return Err(unreadable(text, e)),
    };
    check_type(&f.kind).map_err(|e| (None, e))?;
    let props = &f
        .properties
        .required("", "properties")
        .map_err(|e| (None, e))?
        .0;
    let id = read_id(&props.id, "id").map_err(|(given, e)| (given, in_props(e)))?;
    let with_id = |e: Fail| (Some(id.clone()), e);
    let party = props
        .party
        .required("", "party")
        .map_err(|e| with_id(in_props(e)))?;
    let party = non_empty_text(&party.0, "party").map_err(|e| with_id(in_props(e)))?;
    let given = props
        .kind
        .required("", "kind")
        .map_err(|e| with_id(in_props(e)))?;
    let kind = kind(&given.0, "kind").map_err(|e| with_id(in_props(e)))?;
    let version = version(&props.version, "version").map_err(|e| with_id(in_props(e)))?;
    let geometry = &f.geometry.required("", "geometry").map_err(with_id)?.0;
    let regions = footprints(geometry, props, limits).map_err(with_id)?;
    let mut originals = Vec::new();
    let altitude = props
        .altitude
        .required("", "altitude")
        .and_then(|a| altitude(&a.0, &mut originals))
        .map_err(|e| with_id(in_props(e)))?;
    let time = props
        .time
        .required("", "time")
        .and_then(|t| time_window(&t.0, &mut originals, limits))
        .map_err(|e| with_id(in_props(e)))?;
    for o in &mut originals {
        o.field = format!("properties.{}", o.field);
    }
    Ok(Declaration {
        id,
        party,
        kind,
        version,
        volumes: regions
            .into_iter()
            .map(|footprint| Volume4D {
                footprint,
                altitude,
                time,
                originals: originals.clone(),
            })
            .collect(),
    })
}

/// The declarations of a FeatureCollection, grouped by id in order of first appearance.
pub(crate) fn declarations(
    features: Option<&RawValue>,
    limits: &PlanLimits,
) -> Result<Vec<Declaration>, PlanError> {
    let document = |problem: &str| PlanError {
        record: String::new(),
        declaration: None,
        field: "features".into(),
        problem: problem.into(),
        limit: None,
    };
    let features = features.ok_or_else(|| document("is missing"))?;
    let features: Vec<&RawValue> = match typed::<Arr<&RawValue>>(Source::Text(features.get()), "") {
        Ok(list) => list.0,
        Err(_) => return Err(document("expected an array")),
    };
    let mut out: Vec<Declaration> = Vec::new();
    let mut first_record: Vec<usize> = Vec::new();
    for (i, v) in features.iter().enumerate() {
        let record = format!("features[{i}]");
        let d = feature(v.get(), limits).map_err(|e| plan_error(record.clone(), e))?;
        match out.iter().position(|o| o.id == d.id) {
            None => {
                out.push(d);
                first_record.push(i);
            }
            Some(k) => {
                let o = &mut out[k];
                let clash = if o.party != d.party {
                    Some((
                        "properties.party",
                        format!("{:?} differs from {:?}", d.party, o.party),
                    ))
                } else if o.kind != d.kind {
                    Some((
                        "properties.kind",
                        format!("{:?} differs from {:?}", d.kind.name(), o.kind.name()),
                    ))
                } else if o.version != d.version {
                    Some((
                        "properties.version",
                        format!("{} differs from {}", d.version, o.version),
                    ))
                } else {
                    None
                };
                if let Some((field, why)) = clash {
                    return Err(PlanError {
                        record,
                        declaration: Some(d.id),
                        field: field.into(),
                        problem: format!(
                            "{why} given by features[{}], the first volume of this declaration",
                            first_record[k]
                        ),
                        limit: None,
                    });
                }
                let total = o.volumes.len() + d.volumes.len();
                if let Err(e) = at_most(
                    "geometry",
                    total,
                    limits.volumes_per_declaration,
                    "volumes",
                    "declaration",
                    "volumes_per_declaration",
                ) {
                    return Err(plan_error(record, (Some(d.id), e)));
                }
                o.volumes.extend(d.volumes);
            }
        }
    }
    Ok(out)
}
