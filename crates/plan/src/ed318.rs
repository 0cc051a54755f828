//! EUROCAE ED-318 geographical zones (UAS geozones, GeoJSON): read into zones and sites of the line, and
//! the line's zones and sites written back as ED-318 ([`export`]).
//!
//! An ED-318 file is a GeoJSON FeatureCollection whose features' `properties` are a `UASZoneVersion`
//! (`identifier`, `country`, `type`, `variant`, `zoneAuthority`, …) and whose geometries carry a `layer`
//! (the altitude band). docs/ED318.md maps every field; in short:
//! - each feature is one declaration (features of one id are the volumes of one): its id is
//!   `extendedProperties.deconflict.id` when given (what [`export`] writes), else `identifier`; its kind is
//!   `site` when `reason` names `SENSITIVE` (a sensitive site on the ground), else `zone`;
//! - each geometry (a `Polygon`, a `MultiPolygon`, a `Point` with an `extent` of `subType` `Circle`, or a
//!   `GeometryCollection` of them) with its `layer` is a footprint and a band; each window of the feature's
//!   applicability makes a volume of each;
//! - a height above ground (`AGL`) is read only where it is exact (0 AGL, the surface) or where the caller
//!   gives the highest ground under the zones ([`Ed318Options::terrain_max_m`]); everything else that the line
//!   cannot hold (holes, daylight events, `NO_RESTRICTION`) is refused, naming the feature and the field.
//!
//! Nothing is partial: the first problem is the answer. Problems name the feature (`features[3]`), the
//! zone's id once it is known, and the field (`properties.type`, `geometry.layer.upperReference`).

mod export;
mod schedule;

use std::collections::HashMap;

use deconflict_space::units::{parse_time, METRES_PER_FOOT};
use deconflict_space::{
    AltitudeBand, Datum, FieldError, Footprint, LonLat, Region, TimeWindow, Volume4D, MAX_TIME_MS,
    MIN_ALTITUDE_M, MIN_TIME_MS,
};
use deconflict_strategic::{Declaration, Kind};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::geojson::{coordinate, coordinates, coordinates_as};
use crate::native::{at_most, non_empty_text, unshown, DeclFail};
use crate::read::{check_id, plan_error, Plan, PlanError, PlanLimits, MAX_NAME_BYTES};
use crate::wire::{fail, join, typed, Arr, Coord, Fail, Given, Obj, Raw, Source};

pub use export::{export, ExportOptions, Exported, Skipped};
pub use schedule::{MAX_EXPANDED_VOLUMES, MAX_SCHEDULE_DAYS};

/// The party [`crate::parse_plan`] gives the zones of an ED-318 file: `deconflict check` reads one as the
/// declarations of one party, the zones' publisher.
pub const DEFAULT_PARTY: &str = "ed318";

/// The identifier's longest length in ED-318 (`maxLength` 7).
pub const MAX_IDENTIFIER_CHARS: usize = 7;

/// How an ED-318 file is read.
#[derive(Debug, Clone)]
pub struct Ed318Options {
    /// The party the zones are declared by: the importer, never a field of the file.
    pub party: String,
    /// Bounds on each declaration, as for any plan.
    pub limits: PlanLimits,
    /// Import only this window: every window is cut to it, and a zone with nothing left in it is refused.
    /// A schedule is expanded only within it; without it, open-ended applicability runs to 2200.
    pub horizon: Option<TimeWindow>,
    /// The highest ground under the zones (m above mean sea level), when the importer knows it. Heights above
    /// ground are then read conservatively (an upper limit of h AGL as `terrain_max_m + h` above MSL, a
    /// lower limit above ground as the surface); without it, any height above ground but 0 is refused.
    pub terrain_max_m: Option<f64>,
}

impl Ed318Options {
    /// For `party`, under the fixed bounds only, with no horizon and no terrain.
    pub fn new(party: impl Into<String>) -> Self {
        Ed318Options {
            party: party.into(),
            limits: PlanLimits::FIXED,
            horizon: None,
            terrain_max_m: None,
        }
    }
}

/// A zone or site read from (or written to) ED-318: the declaration, and the name people know it by.
#[derive(Debug, Clone)]
pub struct Zone {
    pub declaration: Declaration,
    /// The first of `properties.name` (its text), when given.
    pub name: Option<String>,
}

/// The collection: its features, read one by one, and the validity of the whole.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CollectionModel<'a> {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    #[serde(borrow)]
    features: Given<Arr<&'a RawValue>>,
    metadata: Given<Obj<MetadataModel>>,
}

/// The collection's metadata: only the validity is read (the schema allows other members).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MetadataModel {
    valid_from: Given<Raw>,
    valid_to: Given<Raw>,
}

/// A feature; members other than these (`id`, `bbox`) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FeatureModel {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    properties: Given<Obj<PropertiesModel>>,
    geometry: Given<Obj<GeometryModel>>,
}

/// `UASZoneVersion`: the schema allows no other members.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct PropertiesModel {
    identifier: Given<Raw>,
    country: Given<Raw>,
    name: Given<Arr<Obj<TextModel>>>,
    #[serde(rename = "type")]
    kind: Given<Raw>,
    variant: Given<Raw>,
    restriction_conditions: Given<Raw>,
    region: Given<Raw>,
    reason: Given<Arr<Raw>>,
    other_reason_info: Given<Arr<Obj<TextModel>>>,
    regulation_exemption: Given<Raw>,
    message: Given<Arr<Obj<TextModel>>>,
    zone_authority: Given<Arr<Obj<AuthorityModel>>>,
    limited_applicability: Given<Arr<Obj<PeriodModel>>>,
    data_source: Given<IgnoredAny>,
    extended_properties: Given<Obj<ExtendedModel>>,
}

/// `textShortType`/`textLongType`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct TextModel {
    text: Given<Raw>,
    lang: Given<Raw>,
}

/// A zone authority: only its `purpose` (required) is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AuthorityModel {
    purpose: Given<Raw>,
}

/// `extendedProperties`: free for any producer; only `deconflict` is read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtendedModel {
    deconflict: Given<Obj<ExtensionModel>>,
}

/// What [`export`] writes beside a zone: its id on the line (ED-318 identifiers hold 7 characters).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtensionModel {
    id: Given<Raw>,
}

/// `timePeriod`: the schema allows no other members.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct PeriodModel {
    start_date_time: Given<Raw>,
    end_date_time: Given<Raw>,
    schedule: Given<Arr<Obj<schedule::DailyModel>>>,
}

/// A geometry, read by its type; with its `layer` (LayeredGeoJSON) and a point's `extent`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GeometryModel {
    #[serde(rename = "type")]
    kind: Given<Raw>,
    coordinates: Given<Raw>,
    geometries: Given<Arr<Obj<GeometryModel>>>,
    extent: Given<Obj<ExtentModel>>,
    layer: Given<Obj<LayerModel>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ExtentModel {
    sub_type: Given<Raw>,
    radius: Given<Raw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct LayerModel {
    upper: Given<Raw>,
    upper_reference: Given<Raw>,
    lower: Given<Raw>,
    lower_reference: Given<Raw>,
    uom: Given<Raw>,
}

/// The zone types ED-318 names, in the schema's order.
const ZONE_TYPES: [&str; 5] = [
    "USPACE",
    "PROHIBITED",
    "REQ_AUTHORIZATION",
    "CONDITIONAL",
    "NO_RESTRICTION",
];
const VARIANTS: [&str; 2] = ["COMMON", "CUSTOMIZED"];
const REASONS: [&str; 9] = [
    "AIR_TRAFFIC",
    "SENSITIVE",
    "PRIVACY",
    "POPULATION",
    "NATURE",
    "NOISE",
    "EMERGENCY",
    "DAR",
    "OTHER",
];
const PURPOSES: [&str; 3] = ["AUTHORIZATION", "NOTIFICATION", "INFORMATION"];
const YES_NO: [&str; 2] = ["YES", "NO"];
const REFERENCES: [&str; 3] = ["AGL", "AMSL", "WGS84"];

/// A string that must be one of `allowed`.
fn one_of(raw: &Raw, field: &str, allowed: &[&str]) -> Result<String, Fail> {
    let text = raw.text(field)?;
    if allowed.contains(&text.as_str()) {
        Ok(text)
    } else {
        Err(fail(
            field,
            format!("unknown value {text:?}; expected {}", allowed.join(", ")),
        ))
    }
}

/// A string of at most `most` characters (the schema's `maxLength`).
fn short_text(raw: &Raw, field: &str, most: usize) -> Result<String, Fail> {
    let text = raw.text(field)?;
    let n = text.chars().count();
    if n > most {
        return Err(fail(
            field,
            format!("is {n} characters long; at most {most}"),
        ));
    }
    Ok(text)
}

/// A list of texts (`textShortType`: `lang` required, at most 5 characters; `text` at most `most`).
fn texts(list: &[Obj<TextModel>], field: &str, most: usize) -> Result<Vec<String>, Fail> {
    let mut out = Vec::new();
    for (i, Obj(t)) in list.iter().enumerate() {
        let at = format!("{field}[{i}]");
        short_text(t.lang.required(&at, "lang")?, &join(&at, "lang"), 5)?;
        if let Some(text) = &t.text.0 {
            out.push(short_text(text, &join(&at, "text"), most)?);
        }
    }
    Ok(out)
}

fn in_props((field, problem): Fail) -> Fail {
    (join("properties", &field), problem)
}

/// A zone's time: its windows, and the field that gave them (for refusals of their number or length).
struct Applicability {
    windows: Vec<(i64, i64)>,
    field: String,
}

/// A date-time of a period (RFC 3339).
fn date_time(raw: &Raw, field: &str) -> Result<i64, Fail> {
    let text = raw.text(field)?;
    if !text.contains('-') {
        return Err(fail(
            field,
            format!(
                "cannot read {text:?} as a date-time: ED-318 gives RFC 3339 (2025-06-01T12:00:00Z)"
            ),
        ));
    }
    parse_time(&text).map_err(|p| fail(field, p))
}

/// The windows of a feature's applicability within the collection's validity (`open`: what an open start or
/// end is taken as) and the horizon.
fn applicability(
    periods: Option<&Arr<Obj<PeriodModel>>>,
    open: (i64, i64),
    options: &Ed318Options,
) -> Result<Applicability, Fail> {
    const F: &str = "properties.limitedApplicability";
    let periods = match periods {
        Some(Arr(list)) if !list.is_empty() => list,
        // Permanent: the whole validity.
        _ => {
            return Ok(Applicability {
                windows: schedule::within(open, options.horizon)
                    .into_iter()
                    .collect(),
                field: F.to_string(),
            })
        }
    };
    let mut windows = Vec::new();
    for (i, Obj(p)) in periods.iter().enumerate() {
        let at = format!("{F}[{i}]");
        let start = match &p.start_date_time.0 {
            Some(raw) => date_time(raw, &format!("{at}.startDateTime"))?,
            None => open.0,
        };
        let end = match &p.end_date_time.0 {
            Some(raw) => date_time(raw, &format!("{at}.endDateTime"))?,
            None => open.1,
        };
        if end <= start {
            return Err(fail(
                format!("{at}.endDateTime"),
                format!(
                    "{} is not after the period's start {}",
                    deconflict_space::units::format_time(end),
                    deconflict_space::units::format_time(start)
                ),
            ));
        }
        let daily = match &p.schedule.0 {
            Some(Arr(list)) => list
                .iter()
                .enumerate()
                .map(|(j, Obj(d))| schedule::daily(d, &format!("{at}.schedule[{j}]")))
                .collect::<Result<Vec<_>, Fail>>()?,
            None => Vec::new(),
        };
        let Some((s, e)) = schedule::within((start, end), options.horizon) else {
            continue;
        };
        if daily.is_empty() {
            windows.push((s, e));
        } else {
            windows.extend(schedule::expand(&daily, s, e, &format!("{at}.schedule"))?);
        }
    }
    windows.sort_unstable();
    windows.dedup();
    Ok(Applicability {
        windows,
        field: F.to_string(),
    })
}

/// One end of a layer, read: metres and its datum, or the surface (`None` datum).
fn layer_end(
    value: &Given<Raw>,
    reference: &Given<Raw>,
    at: &str,
    end: &str,
    factor: f64,
    terrain_max_m: Option<f64>,
) -> Result<(f64, Option<Datum>), Fail> {
    let value_field = join(at, end);
    let ref_key = format!("{end}Reference");
    let ref_field = join(at, &ref_key);
    let value = value.required(at, end)?.number(&value_field)? * factor;
    let reference = one_of(
        reference.0.as_ref().ok_or_else(|| {
            fail(
                &ref_field,
                "is missing; the line needs the datum of each limit (AGL, AMSL or WGS84), and never guesses it",
            )
        })?,
        &ref_field,
        &REFERENCES,
    )?;
    match reference.as_str() {
        "AMSL" => Ok((value, Some(Datum::Msl))),
        "WGS84" => Ok((value, Some(Datum::Wgs84))),
        // AGL: the surface is exact; anything above it needs the ground's height.
        _ if end == "lower" && value <= 0.0 => Ok((MIN_ALTITUDE_M, None)),
        _ => match (end, terrain_max_m) {
            ("lower", Some(_)) => Ok((MIN_ALTITUDE_M, None)),
            (_, Some(terrain)) => Ok((terrain + value, Some(Datum::Msl))),
            _ => Err(fail(
                ref_field,
                format!(
                    "AGL: a height of {value} m above ground is not held by the line (its bands are above mean sea \
                     level or the WGS84 ellipsoid, and it has no terrain model); give the highest ground under \
                     the zones (`deconflict zones … --terrain-max-m M`) to read it conservatively, or give the limit in AMSL or WGS84"
                ),
            )),
        },
    }
}

/// A layer into a band; `at` is the layer's field (`geometry.layer`).
fn band(layer: &LayerModel, at: &str, options: &Ed318Options) -> Result<AltitudeBand, Fail> {
    let factor = match &layer.uom.0 {
        None => 1.0,
        Some(u) => match one_of(u, &join(at, "uom"), &["m", "ft"])?.as_str() {
            "ft" => METRES_PER_FOOT,
            _ => 1.0,
        },
    };
    let t = options.terrain_max_m;
    let (lower, lower_datum) =
        layer_end(&layer.lower, &layer.lower_reference, at, "lower", factor, t)?;
    let (upper, upper_datum) =
        layer_end(&layer.upper, &layer.upper_reference, at, "upper", factor, t)?;
    let datum = match (lower_datum, upper_datum) {
        (Some(l), Some(u)) if l != u => {
            return Err(fail(
                join(at, "lowerReference"),
                "differs from upperReference; a band on the line has one datum",
            ))
        }
        (_, Some(u)) => u,
        (Some(l), None) => l,
        (None, None) => Datum::Msl,
    };
    AltitudeBand::new(lower, upper, datum).map_err(|e| {
        let end = if e.field == "altitude.lower" {
            "lower"
        } else {
            "upper"
        };
        (join(at, end), e.problem.to_string())
    })
}

/// Names a footprint error by the field of the geometry at `at` that holds the value; `ring` is the path of
/// the polygon's outer ring within its coordinates.
fn footprint_field(e: FieldError, at: &str, ring: &str) -> Fail {
    let f = &e.field;
    let field = if let Some(rest) = f.strip_prefix("polygon[") {
        format!("{at}.coordinates{ring}[{rest}")
    } else if f == "circle.center" {
        format!("{at}.coordinates")
    } else if f == "circle.radius_m" {
        format!("{at}.extent.radius")
    } else {
        at.to_string()
    };
    (field, e.problem.to_string())
}

/// A polygon's rings (`field` holds them) into a region: its outer ring only.
fn polygon(
    rings: &Raw,
    field: &str,
    at: &str,
    ring: &str,
    limits: &PlanLimits,
) -> Result<Region, Fail> {
    let Arr(rings): Arr<Raw> = coordinates_as(rings, field)?;
    match rings.len() {
        0 => Err(fail(field, "a polygon needs its outer ring")),
        1 => {
            let outer = format!("{field}[0]");
            let Arr(points): Arr<Coord> = coordinates_as(&rings[0], &outer)?;
            let given = coordinates(&points, &outer, limits, true)?;
            // The vertices as given are checked first, so that a problem names the vertex.
            Region::new(&Footprint::Polygon(given.clone())).map_err(|e| footprint_field(e, at, ring))?;
            let points = follow_lon_lat(&given);
            if points.len() > limits.vertices_per_footprint.min(deconflict_space::MAX_VERTICES) {
                return Err(fail(
                    &outer,
                    format!(
                        "its edges are straight in longitude and latitude (GeoJSON), and the line's are \
                         geodesics: following them within half a metre takes {} vertices, more than the {} a \
                         footprint may have; give the zone as smaller polygons",
                        points.len(),
                        limits.vertices_per_footprint.min(deconflict_space::MAX_VERTICES)
                    ),
                ));
            }
            Region::new(&Footprint::Polygon(points)).map_err(|e| footprint_field(e, at, ring))
        }
        n => Err(fail(
            field,
            format!(
                "{} holes given; polygons with holes are not supported (the line would have to keep the hole \
                 clear too); give the zone as polygons without holes",
                n - 1
            ),
        )),
    }
}

/// Longest edge (m) of a polygon read from or written to ED-318 that is kept whole. GeoJSON draws an edge as
/// a straight line in longitude and latitude; the line's edges are great-elliptic arcs, which bow towards the
/// pole from it by about L² tan φ / 8R for an edge of length L at latitude φ: under half a metre below 80°
/// for 2 km. A longer edge is cut into equal steps of at most [`STEP_M`] (reading: along the straight line;
/// writing: along the line's arc), so that a zone is neither narrowed nor widened by more than that, and
/// reading what was written (or writing what was read) adds nothing.
pub const LONGEST_EDGE_M: f64 = 2_000.0;

/// The step a longer edge is cut into (m), short of [`LONGEST_EDGE_M`] so that cut edges stay whole.
pub const STEP_M: f64 = 1_800.0;

/// Into how many steps the edge from `a` to `b` is cut (1: kept whole). The length is measured the same
/// way both ways: east–west in longitude at the edge's mean latitude (the short way round), north–south in
/// latitude.
pub(crate) fn edge_steps(a: LonLat, b: LonLat) -> usize {
    let dlon = short_dlon(a, b);
    let mid = ((a.lat + b.lat) / 2.0).to_radians().cos().abs();
    let metres = (dlon * mid * 111_320.0).hypot((b.lat - a.lat) * 110_574.0);
    if metres <= LONGEST_EDGE_M {
        1
    } else {
        // Capped: a ring that would need more is refused by its reader's vertex limit anyway.
        ((metres / STEP_M).ceil() as usize).clamp(1, 2 * deconflict_space::MAX_VERTICES)
    }
}

/// `b.lon - a.lon`, the short way round.
fn short_dlon(a: LonLat, b: LonLat) -> f64 {
    let d = b.lon - a.lon;
    if d > 180.0 {
        d - 360.0
    } else if d < -180.0 {
        d + 360.0
    } else {
        d
    }
}

/// The vertices of a ring with points added along every edge longer than [`LONGEST_EDGE_M`], interpolated
/// in longitude and latitude (an edge across the antimeridian the short way), the closing edge included.
pub(crate) fn follow_lon_lat(points: &[LonLat]) -> Vec<LonLat> {
    let mut out = Vec::with_capacity(points.len());
    let closed = points.len() > 1 && points.first() == points.last();
    let n = points.len();
    for i in 0..n {
        let a = points[i];
        out.push(a);
        let b = match (i + 1 < n, closed) {
            (true, _) => points[i + 1],
            (false, false) if n > 2 => points[0],
            _ => break,
        };
        let (dlon, dlat) = (short_dlon(a, b), b.lat - a.lat);
        let steps = edge_steps(a, b);
        for k in 1..steps {
            let f = k as f64 / steps as f64;
            let mut lon = a.lon + dlon * f;
            if lon > 180.0 {
                lon -= 360.0;
            } else if lon < -180.0 {
                lon += 360.0;
            }
            out.push(LonLat::new(lon, a.lat + dlat * f));
        }
    }
    out
}

/// The footprints and bands of a geometry at `at`; `outer` is the layer of an enclosing collection (and its
/// field), `nested` whether there is one.
fn shapes(
    g: &GeometryModel,
    at: &str,
    outer: Option<(&LayerModel, &str)>,
    nested: bool,
    options: &Ed318Options,
    out: &mut Vec<(Region, AltitudeBand)>,
) -> Result<(), Fail> {
    let kind = g.kind.required(at, "type")?.text(&join(at, "type"))?;
    let limits = &options.limits;
    let layer = || -> Result<AltitudeBand, Fail> {
        match (&g.layer.0, outer) {
            (Some(Obj(l)), _) => band(l, &join(at, "layer"), options),
            (None, Some((l, field))) => band(l, field, options),
            (None, None) => Err(fail(
                join(at, "layer"),
                "is missing; the line needs the zone's lower and upper limits",
            )),
        }
    };
    let coordinates_field = join(at, "coordinates");
    match kind.as_str() {
        "Polygon" => {
            let coords = g.coordinates.required(at, "coordinates")?;
            let region = polygon(coords, &coordinates_field, at, "[0]", limits)?;
            out.push((region, layer()?));
        }
        "MultiPolygon" => {
            let coords = g.coordinates.required(at, "coordinates")?;
            let Arr(polygons): Arr<Raw> = coordinates_as(coords, &coordinates_field)?;
            if polygons.is_empty() {
                return Err(fail(coordinates_field, "is empty; a zone needs a polygon"));
            }
            at_most(
                &coordinates_field,
                polygons.len(),
                limits.volumes_per_declaration,
                "volumes",
                "declaration",
                "volumes_per_declaration",
            )?;
            let band = layer()?;
            for (i, p) in polygons.iter().enumerate() {
                let region = polygon(
                    p,
                    &format!("{coordinates_field}[{i}]"),
                    at,
                    &format!("[{i}][0]"),
                    limits,
                )?;
                out.push((region, band));
            }
        }
        "Point" => {
            let coords = g.coordinates.required(at, "coordinates")?;
            let center = coordinate(
                &coordinates_as(coords, &coordinates_field)?,
                &coordinates_field,
            )?;
            let extent_field = join(at, "extent");
            let Obj(extent) = g.extent.0.as_ref().ok_or_else(|| {
                fail(
                    &extent_field,
                    "is missing; a zone given as a Point needs an extent of subType Circle with its radius (m)",
                )
            })?;
            one_of(
                extent.sub_type.required(&extent_field, "subType")?,
                &join(&extent_field, "subType"),
                &["Circle"],
            )?;
            let radius_m = extent
                .radius
                .required(&extent_field, "radius")?
                .number(&join(&extent_field, "radius"))?;
            let region = Region::new(&Footprint::Circle { center, radius_m })
                .map_err(|e| footprint_field(e, at, ""))?;
            out.push((region, layer()?));
        }
        "GeometryCollection" if !nested => {
            let Arr(list) = g.geometries.required(at, "geometries")?;
            if list.is_empty() {
                return Err(fail(
                    join(at, "geometries"),
                    "is empty; a zone needs a geometry",
                ));
            }
            let own = join(at, "layer");
            let layer = g.layer.0.as_ref().map(|Obj(l)| (l, own.as_str()));
            for (i, Obj(inner)) in list.iter().enumerate() {
                shapes(inner, &format!("{at}.geometries[{i}]"), layer, true, options, out)?;
            }
        }
        "GeometryCollection" => {
            return Err(fail(
                join(at, "type"),
                "a GeometryCollection within a GeometryCollection is not supported",
            ))
        }
        other => {
            return Err(fail(
                join(at, "type"),
                format!(
                    "{other:?} is not supported; an ED-318 zone is a Polygon, a MultiPolygon, a Point with an \
                     extent of subType Circle, or a GeometryCollection of them"
                ),
            ))
        }
    }
    Ok(())
}

/// The declaration's id: the extension's when given, else the identifier.
fn zone_id(props: &PropertiesModel) -> Result<String, DeclFail> {
    const F: &str = "properties.identifier";
    let identifier = props
        .identifier
        .0
        .as_ref()
        .ok_or_else(|| (None, fail(F, "is missing")))?;
    let identifier = identifier.text(F).map_err(|e| (None, e))?;
    let extension = props
        .extended_properties
        .0
        .as_ref()
        .and_then(|Obj(x)| x.deconflict.0.as_ref())
        .and_then(|Obj(d)| d.id.0.as_ref());
    let (id, field) = match extension {
        Some(raw) => {
            let f = "properties.extendedProperties.deconflict.id";
            (raw.text(f).map_err(|e| (None, e))?, f)
        }
        None => (identifier.clone(), F),
    };
    check_id(&id).map_err(|why| (Some(crate::read::printable_id(&id)), fail(field, why)))?;
    let n = identifier.chars().count();
    if n > MAX_IDENTIFIER_CHARS {
        return Err((
            Some(id),
            fail(
                F,
                format!("is {n} characters long; ED-318 identifiers hold at most {MAX_IDENTIFIER_CHARS}"),
            ),
        ));
    }
    Ok(id)
}

/// What names a feature whose model could not be read: its identifier, if that much can be read.
fn unreadable(text: &str, f: Fail) -> DeclFail {
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Probe {
        properties: Given<Obj<IdentifierProbe>>,
    }
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct IdentifierProbe {
        identifier: Given<Raw>,
    }
    let id = typed::<Obj<Probe>>(Source::Text(text), "")
        .ok()
        .and_then(|Obj(p)| p.properties.0)
        .and_then(|Obj(p)| p.identifier.0)
        .and_then(|raw| raw.as_str())
        .filter(|id| check_id(id).is_ok());
    (id, f)
}

/// One feature into a zone.
fn feature(text: &str, open: (i64, i64), options: &Ed318Options) -> Result<Zone, DeclFail> {
    let f = match typed::<Obj<FeatureModel>>(Source::Text(text), "") {
        Ok(Obj(f)) => f,
        Err(e) => return Err(unreadable(text, e)),
    };
    if f.kind.0.as_ref().and_then(Raw::as_str).as_deref() != Some("Feature") {
        return Err((None, fail("type", "expected \"Feature\"")));
    }
    let Obj(props) = f
        .properties
        .0
        .as_ref()
        .ok_or_else(|| (None, fail("properties", "is missing")))?;
    let id = zone_id(props)?;
    let with_id = |e: Fail| (Some(id.clone()), e);
    let p = |e: Fail| with_id(in_props(e));
    // The schema's required members and enumerations, in its order.
    let country = props.country.required("", "country").map_err(p)?;
    let country = country.text("country").map_err(p)?;
    if country.chars().count() != 3 {
        return Err(p(fail(
            "country",
            format!("{country:?} is not 3 characters (an ISO 3166-1 alpha-3 code)"),
        )));
    }
    let zone_type = one_of(
        props.kind.required("", "type").map_err(p)?,
        "type",
        &ZONE_TYPES,
    )
    .map_err(p)?;
    if zone_type == "NO_RESTRICTION" {
        return Err(p(fail(
            "type",
            "NO_RESTRICTION: a zone without restriction is information only, and the line keeps every zone it \
             holds clear; leave it out of the file",
        )));
    }
    one_of(
        props.variant.required("", "variant").map_err(p)?,
        "variant",
        &VARIANTS,
    )
    .map_err(p)?;
    let authorities = &props
        .zone_authority
        .required("", "zoneAuthority")
        .map_err(p)?
        .0;
    if authorities.is_empty() {
        return Err(p(fail(
            "zoneAuthority",
            "is empty; ED-318 needs at least one",
        )));
    }
    for (i, Obj(a)) in authorities.iter().enumerate() {
        let at = format!("zoneAuthority[{i}]");
        one_of(
            a.purpose.required(&at, "purpose").map_err(p)?,
            &join(&at, "purpose"),
            &PURPOSES,
        )
        .map_err(p)?;
    }
    let names = match &props.name.0 {
        Some(Arr(list)) => texts(list, "name", 200).map_err(p)?,
        None => Vec::new(),
    };
    let name = names.into_iter().next();
    if let Some(n) = &name {
        if n.len() > MAX_NAME_BYTES {
            return Err(p(fail(
                "name[0].text",
                format!("is {} bytes long; at most {MAX_NAME_BYTES}", n.len()),
            )));
        }
        if let Some(c) = n.chars().find(|c| unshown(*c, false)) {
            return Err(p(fail(
                "name[0].text",
                format!(
                    "holds the invisible character U+{:04X}; names are shown to other parties inside sentences, \
                     where it could reverse or hide the figures around it",
                    u32::from(c)
                ),
            )));
        }
    }
    let mut site = false;
    if let Some(Arr(reasons)) = &props.reason.0 {
        if reasons.len() > 9 {
            return Err(p(fail(
                "reason",
                format!("{} reasons given; at most 9", reasons.len()),
            )));
        }
        for (i, r) in reasons.iter().enumerate() {
            site |= one_of(r, &format!("reason[{i}]"), &REASONS).map_err(p)? == "SENSITIVE";
        }
    }
    for (key, list) in [
        ("otherReasonInfo", &props.other_reason_info),
        ("message", &props.message),
    ] {
        if let Some(Arr(list)) = &list.0 {
            texts(list, key, 200).map_err(p)?;
        }
    }
    if let Some(raw) = &props.regulation_exemption.0 {
        one_of(raw, "regulationExemption", &YES_NO).map_err(p)?;
    }
    if let Some(raw) = &props.restriction_conditions.0 {
        raw.text("restrictionConditions").map_err(p)?;
    }
    if let Some(raw) = &props.region.0 {
        if raw.get().parse::<i64>().is_err() {
            return Err(p(fail(
                "region",
                format!("expected an integer, found {}", raw.shown()),
            )));
        }
    }
    let party = non_empty_text(&options.party, "party").map_err(with_id)?;
    // Where and how high.
    let Obj(geometry) = f
        .geometry
        .0
        .as_ref()
        .ok_or_else(|| with_id(fail("geometry", "is missing; a zone needs a geometry")))?;
    let mut shapes_out = Vec::new();
    shapes(geometry, "geometry", None, false, options, &mut shapes_out).map_err(with_id)?;
    // When.
    let time =
        applicability(props.limited_applicability.0.as_ref(), open, options).map_err(with_id)?;
    if time.windows.is_empty() {
        return Err(with_id(fail(
            time.field,
            "no window of the zone lies within the horizon imported",
        )));
    }
    for &(s, e) in &time.windows {
        if e - s > options.limits.volume_window_ms {
            return Err(with_id(fail(
                &time.field,
                format!(
                    "a window of {} days (from {} to {}) is longer than the line takes; import a horizon \
                     (--from, --until) to cut it: at most {} days per volume (limit volume_window_ms)",
                    (e - s) / schedule::DAY_MS,
                    deconflict_space::units::format_time(s),
                    deconflict_space::units::format_time(e),
                    options.limits.volume_window_ms / schedule::DAY_MS
                ),
            )));
        }
    }
    let count = shapes_out.len().saturating_mul(time.windows.len());
    if count > MAX_EXPANDED_VOLUMES {
        return Err(with_id(fail(
            &time.field,
            format!(
                "{} footprints × {} windows make {count} volumes; at most {MAX_EXPANDED_VOLUMES} per zone",
                shapes_out.len(),
                time.windows.len()
            ),
        )));
    }
    let field = if time.windows.len() > 1 {
        time.field.as_str()
    } else {
        "geometry"
    };
    at_most(
        field,
        count,
        options.limits.volumes_per_declaration,
        "volumes",
        "declaration",
        "volumes_per_declaration",
    )
    .map_err(|(f, why)| {
        with_id((
            f,
            format!(
                "{} footprints × {} windows: {why}",
                shapes_out.len(),
                time.windows.len()
            ),
        ))
    })?;
    let mut volumes = Vec::with_capacity(count);
    for (region, altitude) in &shapes_out {
        for &(s, e) in &time.windows {
            let window =
                TimeWindow::new(s, e).map_err(|e| with_id(fail(&time.field, e.problem)))?;
            volumes.push(Volume4D {
                footprint: region.clone(),
                altitude: *altitude,
                time: window,
                originals: Vec::new(),
            });
        }
    }
    Ok(Zone {
        declaration: Declaration {
            id,
            party,
            kind: if site { Kind::Site } else { Kind::Zone },
            version: 1,
            volumes,
        },
        name,
    })
}

fn document(field: &str, problem: impl ToString) -> PlanError {
    PlanError {
        record: String::new(),
        declaration: None,
        field: field.to_string(),
        problem: problem.to_string(),
        limit: None,
    }
}

/// Reads an ED-318 FeatureCollection into zones and sites of `options.party`; features of one id are the
/// volumes of one declaration, in order of first appearance.
pub fn read_zones(text: &str, options: &Ed318Options) -> Result<Vec<Zone>, PlanError> {
    serde_json::from_str::<IgnoredAny>(text)
        .map_err(|e| document("", format!("not valid JSON: {e}")))?;
    let Obj(top): Obj<CollectionModel> =
        typed(Source::Text(text), "").map_err(|(f, p)| document(&f, p))?;
    if top.kind.0.as_ref().and_then(Raw::as_str).as_deref() != Some("FeatureCollection") {
        return Err(document("type", "expected \"FeatureCollection\""));
    }
    let mut open = (MIN_TIME_MS, MAX_TIME_MS);
    if let Some(Obj(m)) = &top.metadata.0 {
        for (given, key, slot) in [
            (&m.valid_from, "metadata.validFrom", &mut open.0),
            (&m.valid_to, "metadata.validTo", &mut open.1),
        ] {
            if let Some(raw) = &given.0 {
                *slot = date_time(raw, key).map_err(|(f, p)| document(&f, p))?;
            }
        }
        if open.1 <= open.0 {
            return Err(document(
                "metadata.validTo",
                "is not after metadata.validFrom",
            ));
        }
    }
    let Arr(features) = top
        .features
        .0
        .ok_or_else(|| document("features", "is missing"))?;
    let mut out: Vec<Zone> = Vec::new();
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    // Volumes of the whole file: each feature's schedule may expand to MAX_EXPANDED_VOLUMES, the file too.
    let mut volumes = 0usize;
    for (i, raw) in features.iter().enumerate() {
        let record = format!("features[{i}]");
        let zone = feature(raw.get(), open, options).map_err(|e| plan_error(record.clone(), e))?;
        volumes = volumes.saturating_add(zone.declaration.volumes.len());
        if volumes > MAX_EXPANDED_VOLUMES {
            return Err(plan_error(
                record,
                (
                    Some(zone.declaration.id.clone()),
                    fail(
                        "geometry",
                        format!(
                            "the file's zones make more than {MAX_EXPANDED_VOLUMES} volumes up to this one; \
                             import a shorter horizon (--from, --until) or fewer zones at a time"
                        ),
                    ),
                ),
            ));
        }
        let id = zone.declaration.id.clone();
        match first.get(&id) {
            None => {
                first.insert(id, (out.len(), i));
                out.push(zone);
            }
            Some(&(k, at)) => {
                let o = &mut out[k].declaration;
                if o.kind != zone.declaration.kind {
                    return Err(plan_error(
                        record,
                        (
                            Some(id),
                            fail(
                                "properties.reason",
                                format!(
                                    "makes a {} where features[{at}], of the same id, makes a {}",
                                    zone.declaration.kind.name(),
                                    o.kind.name()
                                ),
                            ),
                        ),
                    ));
                }
                let total = o.volumes.len() + zone.declaration.volumes.len();
                at_most(
                    "geometry",
                    total,
                    options.limits.volumes_per_declaration,
                    "volumes",
                    "declaration",
                    "volumes_per_declaration",
                )
                .map_err(|e| plan_error(record, (Some(id), e)))?;
                o.volumes.extend(zone.declaration.volumes);
            }
        }
    }
    Ok(out)
}

/// Reads an ED-318 FeatureCollection as a plan of `options.party`'s zones and sites.
pub fn parse_ed318(text: &str, options: &Ed318Options) -> Result<Plan, PlanError> {
    Ok(Plan {
        minima: None,
        declarations: read_zones(text, options)?
            .into_iter()
            .map(|z| z.declaration)
            .collect(),
    })
}

/// Whether a FeatureCollection's features are ED-318 zones: its first feature's `properties` hold an
/// `identifier` (ED-318's required key; a plain GeoJSON plan names its declarations `id`).
pub(crate) fn is_ed318(features: Option<&RawValue>) -> bool {
    #[derive(Debug, Default, Deserialize)]
    #[serde(default)]
    struct Probe {
        properties: Given<Obj<HashMap<String, IgnoredAny>>>,
    }
    let Some(features) = features else {
        return false;
    };
    let Ok(Arr(list)) = serde_json::from_str::<Arr<&RawValue>>(features.get()) else {
        return false;
    };
    list.first()
        .and_then(|f| serde_json::from_str::<Obj<Probe>>(f.get()).ok())
        .and_then(|Obj(p)| p.properties.0)
        .is_some_and(|Obj(p)| p.contains_key("identifier"))
}

#[cfg(test)]
mod tests;
