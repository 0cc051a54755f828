//! Reading a plan given as a GeoJSON FeatureCollection (RFC 7946).
//!
//! Each feature is one volume; features with the same `properties.id` are the volumes of one declaration,
//! in order. `properties` holds `id`, `party`, `kind`, `version`, `altitude` and `time` as in the native
//! format; the geometry gives the footprint: a `Polygon` (no holes), a `Point` with `properties.radius_m`
//! (a circle), a `LineString` with `properties.half_width_m` (a corridor), or a `MultiPolygon` (one volume per
//! polygon). Other properties (names, styles) are ignored.

use deconflict_space::{FieldError, Footprint, LonLat, Region, Volume4D};
use deconflict_strategic::Declaration;
use serde_json::{Map, Value};

use crate::read::shared::*;
use crate::read::PlanError;

fn coordinate(v: &Value, field: &str) -> Result<LonLat, Fail> {
    let a = array(v, field)?;
    if !(2..=3).contains(&a.len()) {
        return Err(fail(
            field,
            format!(
                "a position is [longitude, latitude]; found {} numbers",
                a.len()
            ),
        ));
    }
    Ok(LonLat::new(
        number(&a[0], &format!("{field}[0]"))?,
        number(&a[1], &format!("{field}[1]"))?,
    ))
}

fn coordinates(
    v: &Value,
    field: &str,
    limits: &PlanLimits,
    ring: bool,
) -> Result<Vec<LonLat>, Fail> {
    let items = array(v, field)?;
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

fn length_property(props: &Map<String, Value>, key: &str, shape: &str) -> Result<f64, Fail> {
    let field = format!("properties.{key}");
    let v = props
        .get(key)
        .ok_or_else(|| fail(&field, format!("is missing; a {shape} needs it")))?;
    number(v, &field)
}

fn footprints(
    geometry: &Value,
    props: &Map<String, Value>,
    limits: &PlanLimits,
) -> Result<Vec<Region>, Fail> {
    let g = object(geometry, "geometry")?;
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = required(g, "coordinates", "geometry")?;
    let polygon = |rings: &Value, field: &str, ring_path: &str| -> Result<Region, Fail> {
        let rings = array(rings, field)?;
        match rings.len() {
            0 => Err(fail(field, "a polygon needs its outer ring")),
            1 => {
                let ring = coordinates(&rings[0], &format!("{field}[0]"), limits, true)?;
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
    match kind {
        "Polygon" => Ok(vec![polygon(coords, "geometry.coordinates", "[0]")?]),
        "MultiPolygon" => {
            let polygons = array(coords, "geometry.coordinates")?;
            at_most(
                "geometry.coordinates",
                polygons.len(),
                limits.volumes_per_declaration,
                "volumes",
                "declaration",
                "volumes_per_declaration",
            )?;
            polygons
            .iter()
            .enumerate()
            .map(|(i, p)| polygon(p, &format!("geometry.coordinates[{i}]"), &format!("[{i}][0]")))
            .collect()
        }
        "Point" => {
            let center = coordinate(coords, "geometry.coordinates")?;
            let radius_m = length_property(props, "radius_m", "Point (a circle)")?;
            Ok(vec![Region::new(&Footprint::Circle { center, radius_m }).map_err(|e| geojson_field(e, ""))?])
        }
        // A side of a deconfliction line: `properties.side` (left or right) and `properties.depth_m`.
        "LineString" if props.contains_key("side") => {
            let path = coordinates(coords, "geometry.coordinates", limits, false)?;
            if path.len() < 2 {
                return Err(fail("geometry.coordinates", "a line needs at least 2 positions"));
            }
            let side = match props.get("side").and_then(Value::as_str) {
                Some("left") => deconflict_space::geodesy::Side::Left,
                Some("right") => deconflict_space::geodesy::Side::Right,
                _ => return Err(fail("properties.side", "expected \"left\" or \"right\" (looking along the line from its first position)")),
            };
            let depth_m = length_property(props, "depth_m", "LineString with a side (a side of a line)")?;
            if !(depth_m > 0.0 && depth_m <= 0.5 * deconflict_space::MAX_WIDTH_M) {
                return Err(fail(
                    "properties.depth_m",
                    format!("expected more than 0 and at most {} m", 0.5 * deconflict_space::MAX_WIDTH_M),
                ));
            }
            let outline = deconflict_space::geodesy::side_outline(&path, side, depth_m);
            Ok(vec![Region::new(&Footprint::Polygon(outline)).map_err(|e| geojson_field(e, ""))?])
        }
        "LineString" => {
            let path = coordinates(coords, "geometry.coordinates", limits, false)?;
            let half_width_m = length_property(props, "half_width_m", "LineString (a corridor)")?;
            Ok(vec![
                Region::new(&Footprint::Corridor { path, half_width_m }).map_err(|e| geojson_field(e, ""))?
            ])
        }
        other => Err(fail(
            "geometry.type",
            format!("{other:?} is not supported; use Polygon, MultiPolygon, Point (with radius_m) or LineString (with half_width_m, or side and depth_m)"),
        )),
    }
}

fn feature(v: &Value, limits: &PlanLimits) -> Result<Declaration, DeclFail> {
    let f = object(v, "").map_err(|e| (None, e))?;
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err((None, fail("type", "expected \"Feature\"")));
    }
    let props = object(
        required(f, "properties", "").map_err(|e| (None, e))?,
        "properties",
    )
    .map_err(|e| (None, e))?;
    let in_props = |e: Fail| (format!("properties.{}", e.0), e.1);
    let id = required(props, "id", "")
        .and_then(|v| declaration_id(v, "id"))
        .map_err(|e| {
            let given = props.get("id").and_then(Value::as_str).map(printable_id);
            (given, in_props(e))
        })?;
    let with_id = |e: Fail| (Some(id.clone()), e);
    let party = non_empty_text(
        required(props, "party", "").map_err(|e| with_id(in_props(e)))?,
        "party",
    )
    .map_err(|e| with_id(in_props(e)))?;
    let kind = kind(required(props, "kind", "").map_err(|e| with_id(in_props(e)))?)
        .map_err(|e| with_id(in_props(e)))?;
    let version = version(props).map_err(|e| with_id(in_props(e)))?;
    let regions = footprints(required(f, "geometry", "").map_err(with_id)?, props, limits)
        .map_err(with_id)?;
    let mut originals = Vec::new();
    let altitude = altitude(
        required(props, "altitude", "").map_err(|e| with_id(in_props(e)))?,
        &mut originals,
    )
    .map_err(|e| with_id(in_props(e)))?;
    let time = time_window(
        required(props, "time", "").map_err(|e| with_id(in_props(e)))?,
        &mut originals,
        limits,
    )
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
    top: &Map<String, Value>,
    limits: &PlanLimits,
) -> Result<Vec<Declaration>, PlanError> {
    let features = top
        .get("features")
        .ok_or_else(|| PlanError {
            record: String::new(),
            declaration: None,
            field: "features".into(),
            problem: "is missing".into(),
            limit: None,
        })?
        .as_array()
        .ok_or_else(|| PlanError {
            record: String::new(),
            declaration: None,
            field: "features".into(),
            problem: "expected an array".into(),
            limit: None,
        })?;
    let mut out: Vec<Declaration> = Vec::new();
    let mut first_record: Vec<usize> = Vec::new();
    for (i, v) in features.iter().enumerate() {
        let record = format!("features[{i}]");
        let d = feature(v, limits).map_err(|e| plan_error(record.clone(), e))?;
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
