//! The line's zones and sites written as an ED-318 FeatureCollection, valid against the ED-318 JSON schema
//! (tested against the vendored schema in `tests/ed318.rs`).
//!
//! One declaration is one feature when all its footprints share their windows (the usual case), else one
//! feature per set of windows. ED-318 identifiers hold 7 characters, so a longer id (or a declaration split
//! in several features) gets a code derived from its party and id, and the id itself goes beside it in
//! `extendedProperties.deconflict`, which [`super::read_zones`] reads back. Corridors have no ED-318 form,
//! and kinds other than site and zone are not zones: both are [`Skipped`], with the reason.

use deconflict_space::geodesy::{ecef, lonlat_of_surface, surface_point};
use deconflict_space::units::format_time;
use deconflict_space::vec3::normalize;
use deconflict_space::{
    AltitudeBand, Datum, Footprint, LonLat, MAX_TIME_MS, MIN_ALTITUDE_M, MIN_TIME_MS,
};
use deconflict_strategic::Kind;
use serde_json::{json, Map, Value};

use super::{Zone, MAX_IDENTIFIER_CHARS};

/// What an export says of the zones beyond their geometry and time.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// `country` of every zone: three characters (ISO 3166-1 alpha-3); `XXX`, "unspecified", by default.
    pub country: String,
    /// The language of names (`lang`, at most 5 characters).
    pub lang: String,
    /// The collection's `metadata.issued` (ms since 1970), when the caller gives it (exports are pure: no
    /// clock is read here).
    pub issued_ms: Option<i64>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            country: "XXX".into(),
            lang: "en".into(),
            issued_ms: None,
        }
    }
}

/// A declaration left out of an export, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub id: String,
    pub party: String,
    pub reason: String,
}

/// An export: the FeatureCollection, and what was left out of it.
#[derive(Debug, Clone)]
pub struct Exported {
    pub collection: Value,
    pub skipped: Vec<Skipped>,
}

/// A 7-character identifier for `party`/`id` (part `part`): FNV-1a over them, in base 36. Stable across
/// exports, so a re-export names a zone alike.
fn derived_identifier(party: &str, id: &str, part: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in party
        .bytes()
        .chain([0])
        .chain(id.bytes())
        .chain([0])
        .chain(part.to_string().bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..MAX_IDENTIFIER_CHARS)
        .map(|_| {
            let d = DIGITS[(h % 36) as usize] as char;
            h /= 36;
            d
        })
        .collect()
}

fn position(p: &LonLat) -> Value {
    json!([p.lon, p.lat])
}

fn layer(band: &AltitudeBand) -> Value {
    let reference = match band.datum {
        Datum::Msl => "AMSL",
        Datum::Wgs84 => "WGS84",
    };
    // The surface is 0 above ground, exactly; the line writes it as its lowest altitude.
    let (lower, lower_reference) = if band.lower_m <= MIN_ALTITUDE_M {
        (json!(0), "AGL")
    } else {
        (json!(band.lower_m), reference)
    };
    json!({
        "upper": band.upper_m,
        "upperReference": reference,
        "lower": lower,
        "lowerReference": lower_reference,
        "uom": "m",
    })
}

/// A ring's vertices with points added on the line's own edges (great-elliptic arcs: the ellipsoid cut by the
/// plane through the centre and both ends) where an edge is longer than [`super::LONGEST_EDGE_M`] (cut as
/// [`super::edge_steps`] says, the reader's measure), since a GeoJSON reader draws
/// straight lines in longitude and latitude between them. The closing edge is included; the ring is not
/// closed here.
fn along_edges(points: &[LonLat]) -> Vec<LonLat> {
    let closed = points.len() > 1 && points.first() == points.last();
    let ring = if closed {
        &points[..points.len() - 1]
    } else {
        points
    };
    let mut out = Vec::with_capacity(ring.len());
    for (i, &a) in ring.iter().enumerate() {
        out.push(a);
        let b = ring[(i + 1) % ring.len()];
        let (ua, ub) = (normalize(ecef(a)), normalize(ecef(b)));
        let steps = super::edge_steps(a, b);
        for k in 1..steps {
            let f = k as f64 / steps as f64;
            let dir = normalize([
                ua[0] * (1.0 - f) + ub[0] * f,
                ua[1] * (1.0 - f) + ub[1] * f,
                ua[2] * (1.0 - f) + ub[2] * f,
            ]);
            out.push(lonlat_of_surface(surface_point(dir)));
        }
    }
    if closed {
        out.push(ring[0]);
    }
    out
}

/// A footprint and its band as a geometry; `None` for a corridor.
fn geometry(footprint: &Footprint, band: &AltitudeBand) -> Option<Value> {
    match footprint {
        Footprint::Polygon(points) => {
            let mut ring: Vec<Value> = along_edges(points).iter().map(position).collect();
            if points.first() != points.last() {
                ring.push(position(&points[0]));
            }
            Some(json!({"type": "Polygon", "coordinates": [ring], "layer": layer(band)}))
        }
        Footprint::Circle { center, radius_m } => Some(json!({
            "type": "Point",
            "coordinates": position(center),
            "extent": {"subType": "Circle", "radius": radius_m},
            "layer": layer(band),
        })),
        Footprint::Corridor { .. } => None,
    }
}

/// Windows as (start, end) in ms.
type Windows = Vec<(i64, i64)>;

/// The declaration's footprints and bands, each with its windows, grouped by their windows: one feature each.
type Part<'a> = (Windows, Vec<(&'a Footprint, AltitudeBand)>);

fn parts(zone: &Zone) -> Vec<Part<'_>> {
    let mut shapes: Vec<(&Footprint, AltitudeBand, Windows)> = Vec::new();
    for v in &zone.declaration.volumes {
        let fp = v.footprint.footprint();
        let window = (v.time.start_ms, v.time.end_ms);
        match shapes
            .iter_mut()
            .find(|(f, b, _)| *f == fp && *b == v.altitude)
        {
            Some((_, _, windows)) => windows.push(window),
            None => shapes.push((fp, v.altitude, vec![window])),
        }
    }
    let mut parts: Vec<Part> = Vec::new();
    for (fp, band, mut windows) in shapes {
        windows.sort_unstable();
        windows.dedup();
        match parts.iter_mut().find(|(w, _)| *w == windows) {
            Some((_, list)) => list.push((fp, band)),
            None => parts.push((windows, vec![(fp, band)])),
        }
    }
    parts
}

fn text(text: &str, lang: &str) -> Value {
    json!([{"text": text.chars().take(200).collect::<String>(), "lang": lang}])
}

/// Writes `zones` as an ED-318 FeatureCollection; sites and zones only, corridors left out (see
/// [`Exported::skipped`]).
pub fn export(zones: &[Zone], options: &ExportOptions) -> Exported {
    let mut features = Vec::new();
    let mut skipped = Vec::new();
    let lang: String = options.lang.chars().take(5).collect();
    for zone in zones {
        let d = &zone.declaration;
        let skip = |reason: String| Skipped {
            id: d.id.clone(),
            party: d.party.clone(),
            reason,
        };
        if !matches!(d.kind, Kind::Site | Kind::Zone) {
            skipped.push(skip(format!(
                "kind {} is not a zone; ED-318 holds zones and sites",
                d.kind.name()
            )));
            continue;
        }
        if let Some(i) = d
            .volumes
            .iter()
            .position(|v| matches!(v.footprint.footprint(), Footprint::Corridor { .. }))
        {
            skipped.push(skip(format!(
                "volume {i} is a corridor, which ED-318 cannot hold (its zones are polygons and circles)"
            )));
            continue;
        }
        let parts = parts(zone);
        let single = parts.len() == 1;
        for (k, (windows, shapes)) in parts.iter().enumerate() {
            let identifier = if single && d.id.chars().count() <= MAX_IDENTIFIER_CHARS {
                d.id.clone()
            } else {
                derived_identifier(&d.party, &d.id, k)
            };
            let mut geometries: Vec<Value> = shapes
                .iter()
                .filter_map(|(fp, band)| geometry(fp, band))
                .collect();
            let geometry = if geometries.len() == 1 {
                geometries.remove(0)
            } else {
                json!({"type": "GeometryCollection", "geometries": geometries})
            };
            let mut props = Map::new();
            props.insert("identifier".into(), json!(identifier));
            props.insert("country".into(), json!(options.country));
            if let Some(name) = &zone.name {
                props.insert("name".into(), text(name, &lang));
            }
            // The line keeps every zone and site clear of the other parties' operations.
            props.insert("type".into(), json!("PROHIBITED"));
            props.insert("variant".into(), json!("COMMON"));
            if d.kind == Kind::Site {
                props.insert("reason".into(), json!(["SENSITIVE"]));
            }
            props.insert(
                "zoneAuthority".into(),
                json!([{"name": text(&d.party, &lang), "purpose": "INFORMATION"}]),
            );
            if windows.as_slice() != [(MIN_TIME_MS, MAX_TIME_MS)] {
                let periods: Vec<Value> = windows
                    .iter()
                    .map(|&(s, e)| json!({"startDateTime": format_time(s), "endDateTime": format_time(e)}))
                    .collect();
                props.insert("limitedApplicability".into(), Value::Array(periods));
            }
            props.insert(
                "extendedProperties".into(),
                json!({"deconflict": {
                    "id": d.id, "party": d.party, "kind": d.kind.name(), "version": d.version,
                }}),
            );
            features.push(json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": Value::Object(props),
            }));
        }
    }
    let mut collection = json!({
        "type": "FeatureCollection",
        "name": "deconflict zones",
        "features": features,
    });
    if let Some(t) = options.issued_ms {
        collection["metadata"] = json!({"issued": format_time(t)});
    }
    Exported {
        collection,
        skipped,
    }
}
