//! The DSS's 4D volumes as the line's geometry: a standard `Volume4D` read into an [`Extent`] (a validated
//! [`Region`] on the ellipsoid, an altitude band, a time window), the exact intersection test between two
//! extents, whether one set of extents covers another, and [`AirIndex`], an R*-tree over space-time boxes of
//! every extent in force.
//!
//! Where the reference DSS approximates each footprint by S2 cells (level 13, a few km²) and compares cells,
//! here two footprints intersect when their geodesic distance on the WGS84 ellipsoid is below
//! [`TOUCH_M`] — the same test the line applies between declarations (docs/DESIGN.md §8 says why that is
//! still conformant). Times are nanoseconds since the epoch, kept exactly as the USS wrote them.

use chrono::{DateTime, SecondsFormat, Utc};
use deconflict_space::{geodesy, vec3, Footprint, LonLat, Region};
use rstar::{RTree, RTreeObject, AABB};

use super::wire::{self, Volume4D};

/// Two footprints closer than this (metres) intersect: they touch or overlap, within the arithmetic's reach.
pub const TOUCH_M: f64 = 0.01;

/// The largest area one volume's footprint may have (km², as the reference DSS): larger ones are refused.
pub const MAX_AREA_KM2: f64 = 2_500.0;

/// The standard's bounds on an altitude's value (m).
const ALTITUDE_RANGE: std::ops::RangeInclusive<f64> = -8_000.0..=100_000.0;

/// Mean radius of the Earth (km), for bounding areas.
const EARTH_RADIUS_KM: f64 = 6_371.008_8;

/// A `Volume4D` read and checked: an outline (none means anywhere), an altitude band (open bounds are
/// infinite) and a time window in nanoseconds (open ends are the extremes of `i64`).
#[derive(Debug, Clone)]
pub struct Extent {
    pub region: Option<Region>,
    pub lower_m: f64,
    pub upper_m: f64,
    pub start_ns: i64,
    pub end_ns: i64,
}

impl Extent {
    /// Whether the two extents share a point of space and time (closed intervals; footprints within
    /// [`TOUCH_M`]).
    pub fn intersects(&self, other: &Extent) -> bool {
        self.start_ns <= other.end_ns
            && other.start_ns <= self.end_ns
            && self.lower_m <= other.upper_m
            && other.lower_m <= self.upper_m
            && match (&self.region, &other.region) {
                (Some(a), Some(b)) => a.distance_below(b, TOUCH_M).is_some(),
                _ => true,
            }
    }
}

/// Nanoseconds on the index's time axis (units of 300 h, as the conflict index).
fn time_axis(ns: i64) -> f64 {
    ns as f64 / 1.08e18
}

/// Reads a time (`field` names it in errors), as nanoseconds since the epoch.
pub fn read_time(t: &wire::Time, field: &str) -> Result<i64, String> {
    if t.format != "RFC3339" {
        return Err(format!(
            "{field}.format: {:?} is not a time format of the standard (\"RFC3339\")",
            t.format
        ));
    }
    let parsed = DateTime::parse_from_rfc3339(t.value.trim())
        .map_err(|e| format!("{field}.value: {:?} is not an RFC 3339 time ({e})", t.value))?;
    parsed
        .with_timezone(&Utc)
        .timestamp_nanos_opt()
        .ok_or_else(|| format!("{field}.value: {:?} is out of range", t.value))
}

/// A time as the standard writes it (RFC 3339 in UTC, with as many decimals as it needs).
pub fn time(ns: i64) -> wire::Time {
    wire::Time {
        value: DateTime::<Utc>::from_timestamp_nanos(ns)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        format: "RFC3339".into(),
    }
}

fn read_altitude(a: &wire::Altitude, field: &str) -> Result<f64, String> {
    if a.units != "M" {
        return Err(format!(
            "{field}.units: {:?} is not a unit of the standard (only \"M\", metres)",
            a.units
        ));
    }
    if a.reference != "W84" {
        return Err(format!(
            "{field}.reference: {:?} is not a reference of the standard (only \"W84\", the WGS84 ellipsoid)",
            a.reference
        ));
    }
    if !a.value.is_finite() || !ALTITUDE_RANGE.contains(&a.value) {
        return Err(format!(
            "{field}.value: {} m is outside -8000 m to 100000 m",
            a.value
        ));
    }
    Ok(a.value)
}

fn point(p: &wire::LatLng, field: &str) -> Result<LonLat, String> {
    if !p.lat.is_finite() || !(-90.0..=90.0).contains(&p.lat) {
        return Err(format!(
            "{field}.lat: {} is not a latitude (-90 to 90)",
            p.lat
        ));
    }
    if !p.lng.is_finite() || !(-180.0..=180.0).contains(&p.lng) {
        return Err(format!(
            "{field}.lng: {} is not a longitude (-180 to 180)",
            p.lng
        ));
    }
    Ok(LonLat {
        lon: p.lng,
        lat: p.lat,
    })
}

/// Area of a simple spherical polygon (km²), the smaller of its two sides.
fn polygon_area_km2(points: &[LonLat]) -> f64 {
    let unit = |p: &LonLat| {
        let (lat, lon) = (p.lat.to_radians(), p.lon.to_radians());
        [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
    };
    let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    let cross = |a: [f64; 3], b: [f64; 3]| {
        [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ]
    };
    if points.len() < 3 {
        return 0.0;
    }
    let a = unit(&points[0]);
    let mut excess = 0.0;
    for w in points[1..].windows(2) {
        let (b, c) = (unit(&w[0]), unit(&w[1]));
        let triple = dot(a, cross(b, c));
        let denominator = 1.0 + dot(a, b) + dot(b, c) + dot(c, a);
        excess += 2.0 * triple.atan2(denominator);
    }
    let whole = 4.0 * std::f64::consts::PI;
    let e = excess.abs().min(whole - excess.abs());
    e * EARTH_RADIUS_KM * EARTH_RADIUS_KM
}

/// Reads one `Volume4D` (`field` names it in errors, e.g. `extents[0]`): units and references of the standard,
/// one outline at most, a lower altitude not above the upper, a start not after the end, an outline of at most
/// [`MAX_AREA_KM2`] that is a valid region (a simple polygon, a circle of positive radius).
pub fn read_volume(v: &Volume4D, field: &str) -> Result<Extent, String> {
    let vol = &v.volume;
    let lower_m = match &vol.altitude_lower {
        Some(a) => read_altitude(a, &format!("{field}.volume.altitude_lower"))?,
        None => f64::NEG_INFINITY,
    };
    let upper_m = match &vol.altitude_upper {
        Some(a) => read_altitude(a, &format!("{field}.volume.altitude_upper"))?,
        None => f64::INFINITY,
    };
    if lower_m > upper_m {
        return Err(format!(
            "{field}.volume: altitude_lower {lower_m} m is above altitude_upper {upper_m} m"
        ));
    }
    let footprint = match (&vol.outline_circle, &vol.outline_polygon) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "{field}.volume: both outline_circle and outline_polygon are given; a volume has one outline"
            ))
        }
        (None, None) => None,
        (None, Some(p)) => {
            let f = format!("{field}.volume.outline_polygon");
            let mut points = p
                .vertices
                .iter()
                .enumerate()
                .map(|(i, v)| point(v, &format!("{f}.vertices[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            if points.len() > 1 && points.first() == points.last() {
                points.pop();
            }
            if points.len() < 3 {
                return Err(format!(
                    "{f}.vertices: {} distinct vertices; a polygon needs at least 3",
                    points.len()
                ));
            }
            let area = polygon_area_km2(&points);
            if area > MAX_AREA_KM2 {
                return Err(format!(
                    "{f}: the area is too large ({area:.0} km²; at most {MAX_AREA_KM2:.0} km²)"
                ));
            }
            Some((Footprint::Polygon(points), f))
        }
        (Some(c), None) => {
            let f = format!("{field}.volume.outline_circle");
            let center = c
                .center
                .as_ref()
                .ok_or_else(|| format!("{f}.center: missing"))?;
            let radius = c
                .radius
                .as_ref()
                .ok_or_else(|| format!("{f}.radius: missing"))?;
            if radius.units != "M" {
                return Err(format!(
                    "{f}.radius.units: {:?} is not a unit of the standard (only \"M\", metres)",
                    radius.units
                ));
            }
            if !radius.value.is_finite() || radius.value <= 0.0 {
                return Err(format!(
                    "{f}.radius.value: {} is not a radius (more than 0 m)",
                    radius.value
                ));
            }
            let km = radius.value / 1000.0;
            if std::f64::consts::PI * km * km > MAX_AREA_KM2 {
                return Err(format!(
                    "{f}: the area is too large (radius {} m; at most {MAX_AREA_KM2:.0} km²)",
                    radius.value
                ));
            }
            Some((
                Footprint::Circle {
                    center: point(center, &format!("{f}.center"))?,
                    radius_m: radius.value,
                },
                f,
            ))
        }
    };
    let region = match footprint {
        Some((fp, f)) => Some(Region::new(&fp).map_err(|e| format!("{f}: {e}"))?),
        None => None,
    };
    let start_ns = match &v.time_start {
        Some(t) => read_time(t, &format!("{field}.time_start"))?,
        None => i64::MIN,
    };
    let end_ns = match &v.time_end {
        Some(t) => read_time(t, &format!("{field}.time_end"))?,
        None => i64::MAX,
    };
    if start_ns > end_ns {
        return Err(format!(
            "{field}: time_start {} is after time_end {}",
            time(start_ns).value,
            time(end_ns).value
        ));
    }
    Ok(Extent {
        region,
        lower_m,
        upper_m,
        start_ns,
        end_ns,
    })
}

/// An entity's extents read as the standard reads them: "these extents do not need to match the precise
/// volumes …; a single bounding extent may be provided instead". Like the reference DSS, the DSS takes them
/// as one bound — the footprints, between the lowest and the highest altitude, from the earliest start to the
/// latest end — but compares the footprints exactly, not by the cells that cover them.
#[derive(Debug, Clone)]
pub struct Shape {
    pub extents: Vec<Extent>,
    pub start_ns: i64,
    pub end_ns: i64,
    pub lower_m: f64,
    pub upper_m: f64,
}

impl Shape {
    pub fn new(extents: Vec<Extent>) -> Shape {
        let (start_ns, end_ns, lower_m, upper_m) = bounds(&extents);
        Shape {
            extents,
            start_ns,
            end_ns,
            lower_m,
            upper_m,
        }
    }

    /// One volume as a shape (a query's area of interest).
    pub fn one(x: Extent) -> Shape {
        Shape::new(vec![x])
    }

    /// The bound of both (a change's old and new extents, for notifications).
    pub fn union(&self, other: &Shape) -> Shape {
        let mut extents = self.extents.clone();
        extents.extend(other.extents.iter().cloned());
        Shape::new(extents)
    }

    /// Whether the two bounds share a point: their windows and altitude bands overlap (closed intervals)
    /// and a footprint of one is within [`TOUCH_M`] of a footprint of the other. A volume without an outline
    /// (a subscription may have one) meets nothing.
    ///
    /// Comparing two footprints exactly costs up to the product of their vertices, and a request must not
    /// hold the line for long whatever geometry a USS sends: each comparison draws that product from `work`,
    /// and once `work` is spent the footprints are compared by their boxes instead — conservatively, so a
    /// request past its budget can only find more meetings (more keys asked, more subscribers told), never
    /// fewer.
    pub fn meets(&self, other: &Shape, work: &Work) -> bool {
        self.start_ns <= other.end_ns
            && other.start_ns <= self.end_ns
            && self.lower_m <= other.upper_m
            && other.lower_m <= self.upper_m
            && self.extents.iter().any(|a| {
                other.extents.iter().any(|b| match (&a.region, &b.region) {
                    (Some(x), Some(y)) => {
                        let cost = positions(x).saturating_mul(positions(y));
                        if work.take(cost) {
                            x.distance_below(y, TOUCH_M).is_some()
                        } else {
                            boxes_meet(x.unit_box(TOUCH_M), y.unit_box(TOUCH_M))
                        }
                    }
                    _ => false,
                })
            })
    }

    /// The index's boxes: each footprint's, over the whole window.
    fn envelopes(&self) -> impl Iterator<Item = ([f64; 4], [f64; 4])> + '_ {
        self.extents.iter().map(|x| {
            let (lo, hi) = match &x.region {
                Some(r) => r.unit_box(TOUCH_M),
                None => ([-1.0; 3], [1.0; 3]),
            };
            (
                [lo[0], lo[1], lo[2], time_axis(self.start_ns)],
                [hi[0], hi[1], hi[2], time_axis(self.end_ns)],
            )
        })
    }
}

/// How much exact comparison one request may do, in vertex pairs (see [`Shape::meets`]): a million, which
/// bounds the time a request holds the line's lock whatever geometry it carries.
pub const WORK_PER_REQUEST: u64 = 1_000_000;

/// What is left of a request's budget of exact comparisons.
#[derive(Debug)]
pub struct Work(std::cell::Cell<u64>);

impl Work {
    /// A request's budget.
    pub fn new() -> Work {
        Work(std::cell::Cell::new(WORK_PER_REQUEST))
    }

    /// Takes `cost` from the budget if it is there.
    fn take(&self, cost: u64) -> bool {
        let left = self.0.get();
        if cost <= left {
            self.0.set(left - cost);
            true
        } else {
            false
        }
    }
}

impl Default for Work {
    fn default() -> Self {
        Work::new()
    }
}

/// The positions of a footprint (a circle's centre counts as one).
fn positions(r: &Region) -> u64 {
    match r.footprint() {
        Footprint::Polygon(p) | Footprint::Corridor { path: p, .. } => p.len().max(1) as u64,
        Footprint::Circle { .. } => 1,
    }
}

/// Whether two boxes of geocentric unit vectors overlap.
fn boxes_meet(a: ([f64; 3], [f64; 3]), b: ([f64; 3], [f64; 3])) -> bool {
    (0..3).all(|i| a.0[i] <= b.1[i] && b.0[i] <= a.1[i])
}

/// The bounds of several extents: earliest start, latest end, lowest and highest altitudes.
pub fn bounds(extents: &[Extent]) -> (i64, i64, f64, f64) {
    extents.iter().fold(
        (i64::MAX, i64::MIN, f64::INFINITY, f64::NEG_INFINITY),
        |(s, e, lo, hi), x| {
            (
                s.min(x.start_ns),
                e.max(x.end_ns),
                lo.min(x.lower_m),
                hi.max(x.upper_m),
            )
        },
    )
}

/// Points of a footprint that a covering footprint must hold: a polygon's vertices and points along its
/// edges, a circle's centre and points on its rim.
fn samples(region: &Region) -> Vec<LonLat> {
    const PER_EDGE: usize = 8;
    match region.footprint() {
        Footprint::Polygon(points) | Footprint::Corridor { path: points, .. } => {
            // Along each edge, a great-elliptic arc: points of the chord between the vertices' geocentric
            // directions, brought back to the surface.
            let mut out = Vec::with_capacity(points.len() * PER_EDGE);
            for (i, a) in points.iter().enumerate() {
                let b = points[(i + 1) % points.len()];
                let (da, db) = (
                    vec3::normalize(geodesy::ecef(*a)),
                    vec3::normalize(geodesy::ecef(b)),
                );
                out.push(*a);
                for k in 1..PER_EDGE {
                    let t = k as f64 / PER_EDGE as f64;
                    let dir = vec3::normalize([
                        da[0] + (db[0] - da[0]) * t,
                        da[1] + (db[1] - da[1]) * t,
                        da[2] + (db[2] - da[2]) * t,
                    ]);
                    out.push(geodesy::lonlat_of_surface(geodesy::surface_point(dir)));
                }
            }
            out
        }
        Footprint::Circle { center, radius_m } => {
            let mut out = vec![*center];
            for k in 0..16 {
                out.push(geodesy::destination(
                    *center,
                    k as f64 * 22.5,
                    radius_m * 0.999,
                ));
            }
            out
        }
    }
}

/// Whether the footprints of `outer` hold `inner`'s (checked on `samples` of `inner`: vertices, points
/// along its edges and around its rim, each within [`TOUCH_M`] of one of `outer`'s footprints). An extent
/// without an outline covers nothing and is covered by nothing.
pub fn covers_area(outer: &[Extent], inner: &Extent) -> bool {
    let Some(region) = &inner.region else {
        return false;
    };
    samples(region).iter().all(|p| {
        let Ok(dot) = Region::new(&Footprint::Circle {
            center: *p,
            radius_m: TOUCH_M,
        }) else {
            return false;
        };
        outer.iter().any(|o| {
            o.region
                .as_ref()
                .is_some_and(|r| r.distance_below(&dot, TOUCH_M).is_some())
        })
    })
}

#[derive(Debug, Clone)]
struct Item {
    lo: [f64; 4],
    hi: [f64; 4],
    id: String,
    n: u32,
}

impl RTreeObject for Item {
    type Envelope = AABB<[f64; 4]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.lo, self.hi)
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.id == other.id
    }
}

/// An R*-tree over the space-time boxes of the shapes of the entities of one kind (intents, constraints or
/// subscriptions), by entity id: one box per footprint, over the shape's whole window. A query returns the
/// ids whose boxes meet the query's; the caller then tests the shapes exactly ([`Shape::meets`]). The boxes
/// are conservative, so nothing that meets is missed.
#[derive(Debug, Default)]
pub struct AirIndex {
    tree: RTree<Item>,
}

impl AirIndex {
    pub fn insert(&mut self, id: &str, shape: &Shape) {
        for (n, (lo, hi)) in shape.envelopes().enumerate() {
            self.tree.insert(Item {
                lo,
                hi,
                id: id.to_string(),
                n: n as u32,
            });
        }
    }

    pub fn remove(&mut self, id: &str, shape: &Shape) {
        for (n, (lo, hi)) in shape.envelopes().enumerate() {
            self.tree.remove(&Item {
                lo,
                hi,
                id: id.to_string(),
                n: n as u32,
            });
        }
    }

    /// The ids of entities with a box that meets one of `shape`'s, each once, in order.
    pub fn candidates(&self, shape: &Shape) -> std::collections::BTreeSet<&str> {
        shape
            .envelopes()
            .flat_map(|(lo, hi)| {
                self.tree
                    .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
                    .map(|i| i.id.as_str())
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vol(v: serde_json::Value) -> Volume4D {
        wire::from_value(&v).expect("a volume")
    }

    fn square(lng: f64, lat: f64, d: f64) -> serde_json::Value {
        json!({"vertices": [
            {"lng": lng, "lat": lat}, {"lng": lng + d, "lat": lat},
            {"lng": lng + d, "lat": lat + d}, {"lng": lng, "lat": lat + d}]})
    }

    #[test]
    fn volumes_intersect_exactly_and_bounds_are_checked() {
        let a = read_volume(
            &vol(
                json!({"volume": {"outline_polygon": square(7.0, 46.0, 0.01),
                "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                "altitude_upper": {"value": 100, "reference": "W84", "units": "M"}},
                "time_start": {"value": "2030-01-01T00:00:00Z", "format": "RFC3339"},
                "time_end": {"value": "2030-01-01T01:00:00.5Z", "format": "RFC3339"}}),
            ),
            "extents[0]",
        )
        .expect("valid");
        // Just beside it (about 11 m east): no intersection, although S2 cells would say so.
        let b = read_volume(
            &vol(json!({"volume": {"outline_polygon": square(7.0101, 46.0, 0.01)}})),
            "q",
        )
        .expect("valid");
        assert!(!a.intersects(&b));
        let c = read_volume(
            &vol(
                json!({"volume": {"outline_circle": {"center": {"lng": 7.005, "lat": 46.005},
                "radius": {"value": 10, "units": "M"}}}}),
            ),
            "q",
        )
        .expect("valid");
        assert!(a.intersects(&c));
        assert_eq!(time(a.end_ns).value, "2030-01-01T01:00:00.500Z");
        let too_big = read_volume(
            &vol(json!({"volume": {"outline_polygon": square(-81.0, 37.0, 1.0)}})),
            "extents[1]",
        )
        .expect_err("about 9 900 km²");
        assert!(
            too_big.contains("extents[1].volume.outline_polygon: the area is too large"),
            "{too_big}"
        );
        let feet = read_volume(
            &vol(json!({"volume": {"altitude_lower": {"value": 0, "reference": "W84", "units": "FT"}}})),
            "extents[0]",
        )
        .expect_err("feet");
        assert!(
            feet.starts_with("extents[0].volume.altitude_lower.units"),
            "{feet}"
        );
        assert!(covers_area(std::slice::from_ref(&a), &c));
        assert!(!covers_area(std::slice::from_ref(&c), &a));
    }

    #[test]
    fn the_index_finds_what_intersects() {
        let mut index = AirIndex::default();
        let a = read_volume(
            &vol(json!({"volume": {"outline_polygon": square(7.0, 46.0, 0.01)}})),
            "a",
        )
        .expect("valid");
        let a = Shape::one(a);
        index.insert("a", &a);
        assert!(index.candidates(&a).contains("a"));
        index.remove("a", &a);
        assert!(index.is_empty());
    }
}
