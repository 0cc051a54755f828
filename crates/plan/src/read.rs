//! Reading a plan: the native JSON format or a GeoJSON FeatureCollection, into validated declarations.
//!
//! Native format:
//! ```json
//! {"separation": {"lateral_m": 9260, "vertical_m": 304.8, "time_buffer_s": 0},
//!  "declarations": [{"id": "us-17", "party": "us-cjtf", "kind": "air_operation", "version": 1,
//!    "volumes": [{"footprint": {"polygon": [[38.1, 35.9], [38.6, 35.9], [38.6, 36.2]]},
//!                 "altitude": {"lower_m": 4000, "upper": "FL245", "datum": "MSL"},
//!                 "time": {"start": "2017-06-18T14:00:00Z", "end": "181700ZJUN17"}}]}]}
//! ```
//! Positions are `[longitude, latitude]` or a string (DMS, degrees with hemispheres, MGRS). Altitudes are
//! `lower_m`/`upper_m`, `lower_ft`/`upper_ft`, or `lower`/`upper` as text with a unit. Every problem is reported
//! with the record (`declarations[3]`, `features[0]`), the declaration's id when it has one, and the field.
//!
//! Declaration ids are tokens (see [`check_id`]): they go into URL paths and log entries as they are. Times lie
//! within 1970..=2200 ([`deconflict_space::MIN_TIME_MS`]..=[`deconflict_space::MAX_TIME_MS`]) and footprints
//! have at most [`deconflict_space::MAX_VERTICES`] vertices, always. [`PlanLimits`] bound a declaration further
//! (volumes, vertices, window length): the line reads what parties send under its limits
//! ([`parse_declaration_limited`]); the offline reader and the replay of declarations already accepted
//! ([`parse_plan`], [`parse_declaration`]) apply only the fixed bounds.

use std::collections::HashMap;

use deconflict_space::units::{parse_altitude, parse_position, parse_time, METRES_PER_FOOT};
use deconflict_space::{
    AltitudeBand, Datum, FieldError, Footprint, LonLat, OriginalText, Problem, Region, TimeWindow,
    Volume4D,
};
use deconflict_strategic::{Declaration, Kind, Minima, Separation};
use serde_json::{Map, Value};

/// A problem in a plan, naming where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct PlanError {
    /// The record at fault, e.g. `declarations[3]` or `features[0]`; empty for the document itself.
    pub record: String,
    /// The declaration's id, when the record has one.
    pub declaration: Option<String>,
    /// The field within the record, e.g. `volumes[0].altitude.lower_m`.
    pub field: String,
    pub problem: String,
    /// The [`PlanLimits`] field that was passed (`volumes_per_declaration`, `vertices_per_footprint`,
    /// `volume_window_ms`), when that is the problem.
    pub limit: Option<&'static str>,
}

impl PlanError {
    fn describe(&self) -> String {
        let at = match (&self.declaration, self.record.is_empty()) {
            (Some(id), _) => format!("declaration {id:?} ({})", self.record),
            (None, false) => self.record.clone(),
            (None, true) => "plan".to_string(),
        };
        if self.field.is_empty() {
            format!("{at}: {}", self.problem)
        } else {
            format!("{at}, field {}: {}", self.field, self.problem)
        }
    }
}

/// Bounds on one declaration beyond the fixed ones (times within 1970..=2200, at most
/// [`deconflict_space::MAX_VERTICES`] vertices per footprint). A declaration that passes one is refused with
/// an error naming the field and the limit, e.g. `volumes: at most 64 volumes per declaration (limit
/// volumes_per_declaration)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanLimits {
    /// Most volumes in one declaration (in GeoJSON, features and polygons of a MultiPolygon with one id).
    pub volumes_per_declaration: usize,
    /// Most positions in one footprint: polygon vertices (a closing vertex included), corridor or line
    /// path points. Values above [`deconflict_space::MAX_VERTICES`] act as that.
    pub vertices_per_footprint: usize,
    /// Longest time window of one volume (ms).
    pub volume_window_ms: i64,
}

impl Default for PlanLimits {
    /// What the line accepts from a party by default: 64 volumes, 1 000 vertices, 400 days.
    fn default() -> Self {
        PlanLimits {
            volumes_per_declaration: 64,
            vertices_per_footprint: deconflict_space::MAX_VERTICES,
            volume_window_ms: 400 * 86_400_000,
        }
    }
}

impl PlanLimits {
    /// Only the fixed bounds: what the offline check and the replay of a log apply.
    pub const FIXED: PlanLimits = PlanLimits {
        volumes_per_declaration: usize::MAX,
        vertices_per_footprint: deconflict_space::MAX_VERTICES,
        volume_window_ms: i64::MAX,
    };
}

/// The names of the limits, as they appear in problems (`(limit volumes_per_declaration)`).
const LIMIT_NAMES: [&str; 3] = [
    "volumes_per_declaration",
    "vertices_per_footprint",
    "volume_window_ms",
];

/// The limit a problem names, if any.
fn limit_of(problem: &str) -> Option<&'static str> {
    LIMIT_NAMES
        .into_iter()
        .find(|name| problem.ends_with(&format!("(limit {name})")))
}

/// Most bytes in a declaration id.
pub const MAX_ID_BYTES: usize = 64;
/// Most bytes in a declaration's `name`.
pub const MAX_NAME_BYTES: usize = 200;
/// Most bytes in a declaration's `description`.
pub const MAX_DESCRIPTION_BYTES: usize = 4_000;
/// Ids that are path segments of the API's routes beside `/v1/declarations/{id}`, and so cannot be ids.
pub const RESERVED_IDS: [&str; 1] = ["preview"];

/// Checks a declaration id: 1 to 64 bytes of ASCII letters, digits, `.`, `_`, `:` and `-`, starting with a
/// letter or digit (so never `.`, `..` or a dot-file), and not a reserved route segment (`preview`, in any
/// case). Ids go into URL paths and file names as they are, so nothing there needs escaping.
pub fn check_id(id: &str) -> Result<(), String> {
    let grammar = "an id is 1 to 64 of A-Z a-z 0-9 . _ : - starting with a letter or digit";
    if id.is_empty() || id.len() > MAX_ID_BYTES {
        return Err(format!("is {} bytes long; {grammar}", id.len()));
    }
    if let Some(bad) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-')))
    {
        return Err(format!("{id:?} holds {bad:?}; {grammar}"));
    }
    if !id.as_bytes()[0].is_ascii_alphanumeric() {
        return Err(format!(
            "{id:?} does not start with a letter or digit; {grammar}"
        ));
    }
    if RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(id)) {
        return Err(format!(
            "{id:?} is reserved (a segment of the API's paths); choose another id"
        ));
    }
    Ok(())
}

/// Reads a declaration id: text that [`check_id`] accepts.
pub(crate) fn declaration_id(v: &Value, field: &str) -> Result<String, Fail> {
    let id = text(v, field)?;
    check_id(id).map_err(|why| fail(field, why))?;
    Ok(id.to_string())
}

/// The number of volumes, positions, … in `items` against a limit; the error names the field and the limit.
pub(crate) fn at_most(
    field: &str,
    found: usize,
    limit: usize,
    what: &str,
    per: &str,
    name: &str,
) -> Result<(), Fail> {
    if found > limit {
        Err(fail(
            field,
            format!("{found} {what} given; at most {limit} {what} per {per} (limit {name})"),
        ))
    } else {
        Ok(())
    }
}

/// A plan: the minima it asks for (if any) and its declarations.
#[derive(Debug, Clone)]
pub struct Plan {
    pub minima: Option<Minima>,
    pub declarations: Vec<Declaration>,
}

/// A field-level problem before the record is known.
pub(crate) type Fail = (String, String);

pub(crate) fn fail(field: impl Into<String>, problem: impl ToString) -> Fail {
    (field.into(), problem.to_string())
}

fn from_field(e: FieldError) -> Fail {
    (e.field, e.problem.to_string())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, Fail> {
    v.as_object()
        .ok_or_else(|| fail(field, format!("expected an object, found {}", type_name(v))))
}

pub(crate) fn array<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, Fail> {
    v.as_array()
        .ok_or_else(|| fail(field, format!("expected an array, found {}", type_name(v))))
}

pub(crate) fn number(v: &Value, field: &str) -> Result<f64, Fail> {
    if !v.is_number() {
        return Err(fail(
            field,
            format!("expected a number, found {}", type_name(v)),
        ));
    }
    // Numbers beyond the range of f64 (1e999) are kept as text by the parser and read as not finite.
    let x = v.as_f64().unwrap_or(f64::INFINITY);
    if x.is_finite() {
        Ok(x)
    } else {
        Err(fail(field, Problem::NotFinite))
    }
}

fn text<'a>(v: &'a Value, field: &str) -> Result<&'a str, Fail> {
    v.as_str()
        .ok_or_else(|| fail(field, format!("expected a string, found {}", type_name(v))))
}

pub(crate) fn required<'a>(
    m: &'a Map<String, Value>,
    key: &str,
    prefix: &str,
) -> Result<&'a Value, Fail> {
    m.get(key)
        .ok_or_else(|| fail(join(prefix, key), "is missing"))
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Rejects keys outside `allowed`, naming the first unknown one (typos such as `lateral` for `lateral_m`
/// must not silently fall back to defaults).
fn only_keys(m: &Map<String, Value>, allowed: &[&str], prefix: &str) -> Result<(), Fail> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(fail(
            join(prefix, k),
            format!("unknown field; expected one of {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

/// A position as `[lon, lat]` or text; returns the original text when given as text.
fn position(v: &Value, field: &str) -> Result<(LonLat, Option<String>), Fail> {
    match v {
        Value::String(s) => parse_position(s)
            .map(|p| (p, Some(s.clone())))
            .map_err(|p| fail(field, p)),
        Value::Array(a) => {
            if a.len() != 2 {
                return Err(fail(
                    field,
                    format!(
                        "a position is [longitude, latitude]; found {} numbers",
                        a.len()
                    ),
                ));
            }
            let lon = number(&a[0], &format!("{field}[0]"))?;
            let lat = number(&a[1], &format!("{field}[1]"))?;
            Ok((LonLat::new(lon, lat), None))
        }
        other => Err(fail(
            field,
            format!(
                "expected [longitude, latitude] or a position as text, found {}",
                type_name(other)
            ),
        )),
    }
}

/// Checks a footprint's number of vertices against `limits` and the fixed bound. Before the positions are
/// read (`read` false), one more is let through, since the last may close a ring; the error then counts
/// positions.
pub(crate) fn vertex_limit(
    field: &str,
    found: usize,
    read: bool,
    limits: &PlanLimits,
) -> Result<(), Fail> {
    let (slack, what) = if read {
        (0, "vertices")
    } else {
        (1, "positions")
    };
    let fixed = deconflict_space::MAX_VERTICES;
    let (limit, name) = if limits.vertices_per_footprint < fixed {
        (
            limits.vertices_per_footprint,
            " (limit vertices_per_footprint)",
        )
    } else {
        (fixed, "")
    };
    if found > limit + slack {
        return Err(fail(
            field,
            format!("{found} {what} given; at most {limit} vertices per footprint{name}"),
        ));
    }
    Ok(())
}

/// The vertices of a ring or path: a ring's closing position, equal to its first, is not counted.
pub(crate) fn vertex_count(points: &[LonLat], ring: bool) -> usize {
    let closing = ring && points.len() > 1 && points.first() == points.last();
    points.len() - usize::from(closing)
}

fn positions(
    v: &Value,
    field: &str,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
    ring: bool,
) -> Result<Vec<LonLat>, Fail> {
    let items = array(v, field)?;
    // Before reading them: too many even if the last closes a ring.
    vertex_limit(field, items.len(), false, limits)?;
    let points = items
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let f = format!("{field}[{i}]");
            let (pos, original) = position(p, &f)?;
            if let Some(text) = original {
                originals.push(OriginalText { field: f, text });
            }
            Ok(pos)
        })
        .collect::<Result<Vec<_>, Fail>>()?;
    vertex_limit(field, vertex_count(&points, ring), true, limits)?;
    Ok(points)
}

fn footprint(
    v: &Value,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
) -> Result<Region, Fail> {
    const F: &str = "footprint";
    let m = object(v, F)?;
    let shapes: Vec<&String> = m.keys().collect();
    if shapes.len() != 1 {
        return Err(fail(
            F,
            format!(
                "give exactly one of polygon, circle, corridor, side; found {}",
                if shapes.is_empty() {
                    "none".to_string()
                } else {
                    shapes
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
        ));
    }
    let (key, body) = m.iter().next().ok_or_else(|| fail(F, "is empty"))?;
    let fp = match key.as_str() {
        "polygon" => Footprint::Polygon(positions(
            body,
            "footprint.polygon",
            originals,
            limits,
            true,
        )?),
        "circle" => {
            let c = object(body, "footprint.circle")?;
            only_keys(c, &["center", "radius_m"], "footprint.circle")?;
            let (center, original) = position(
                required(c, "center", "footprint.circle")?,
                "footprint.circle.center",
            )?;
            if let Some(text) = original {
                originals.push(OriginalText {
                    field: "footprint.circle.center".into(),
                    text,
                });
            }
            let radius_m = number(
                required(c, "radius_m", "footprint.circle")?,
                "footprint.circle.radius_m",
            )?;
            Footprint::Circle { center, radius_m }
        }
        "corridor" => {
            let c = object(body, "footprint.corridor")?;
            only_keys(c, &["path", "half_width_m"], "footprint.corridor")?;
            let path = positions(
                required(c, "path", "footprint.corridor")?,
                "footprint.corridor.path",
                originals,
                limits,
                false,
            )?;
            let half_width_m = number(
                required(c, "half_width_m", "footprint.corridor")?,
                "footprint.corridor.half_width_m",
            )?;
            Footprint::Corridor { path, half_width_m }
        }
        "side" => {
            // One side of a deconfliction line: the strip from the line to `depth_m` on that side.
            const S: &str = "footprint.side";
            let c = object(body, S)?;
            only_keys(c, &["path", "side", "depth_m"], S)?;
            let path = positions(
                required(c, "path", S)?,
                "footprint.side.path",
                originals,
                limits,
                false,
            )?;
            if path.len() < 2 {
                return Err(fail(
                    "footprint.side.path",
                    "a line needs at least 2 positions",
                ));
            }
            let side = match required(c, "side", S)?.as_str() {
                Some("left") => deconflict_space::geodesy::Side::Left,
                Some("right") => deconflict_space::geodesy::Side::Right,
                _ => {
                    return Err(fail(
                        "footprint.side.side",
                        "expected \"left\" or \"right\" (looking along the path from its first position)",
                    ))
                }
            };
            let depth_m = number(required(c, "depth_m", S)?, "footprint.side.depth_m")?;
            if !(depth_m > 0.0 && depth_m <= 0.5 * deconflict_space::MAX_WIDTH_M) {
                return Err(fail(
                    "footprint.side.depth_m",
                    format!(
                        "expected more than 0 and at most {} m",
                        0.5 * deconflict_space::MAX_WIDTH_M
                    ),
                ));
            }
            Footprint::Polygon(deconflict_space::geodesy::side_outline(
                &path, side, depth_m,
            ))
        }
        other => {
            return Err(fail(
                join(F, other),
                "unknown footprint; expected polygon, circle, corridor or side",
            ))
        }
    };
    Region::new(&fp).map_err(|e| from_field(e.within(F)))
}

/// One end of an altitude band: `<end>_m`, `<end>_ft` or `<end>` as text.
fn altitude_end(
    m: &Map<String, Value>,
    end: &str,
    originals: &mut Vec<OriginalText>,
) -> Result<(f64, String), Fail> {
    let keys = [format!("{end}_m"), format!("{end}_ft"), end.to_string()];
    let given: Vec<&String> = keys.iter().filter(|k| m.contains_key(k.as_str())).collect();
    let key = match given.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(fail(
                format!("altitude.{end}_m"),
                format!("is missing (give altitude.{end}_m, altitude.{end}_ft or altitude.{end} as text such as \"FL245\")"),
            ))
        }
        _ => return Err(fail(format!("altitude.{end}"), "given more than once in different units")),
    };
    let field = format!("altitude.{key}");
    let v = &m[&key];
    let metres = if key.ends_with("_m") {
        number(v, &field)?
    } else if key.ends_with("_ft") {
        number(v, &field)? * METRES_PER_FOOT
    } else {
        let s = text(v, &field)?;
        originals.push(OriginalText {
            field: field.clone(),
            text: s.to_string(),
        });
        parse_altitude(s).map_err(|p| fail(&field, p))?
    };
    Ok((metres, field))
}

pub(crate) fn altitude(v: &Value, originals: &mut Vec<OriginalText>) -> Result<AltitudeBand, Fail> {
    let m = object(v, "altitude")?;
    only_keys(
        m,
        &[
            "lower_m", "lower_ft", "lower", "upper_m", "upper_ft", "upper", "datum",
        ],
        "altitude",
    )?;
    let (lower, lower_field) = altitude_end(m, "lower", originals)?;
    let (upper, upper_field) = altitude_end(m, "upper", originals)?;
    let datum = match m.get("datum") {
        None => Datum::Msl,
        Some(d) => match text(d, "altitude.datum")?.to_ascii_uppercase().as_str() {
            "MSL" | "AMSL" => Datum::Msl,
            "WGS84" | "W84" | "HAE" => Datum::Wgs84,
            other => {
                return Err(fail(
                    "altitude.datum",
                    format!("unknown datum {other:?}; expected MSL or WGS84"),
                ))
            }
        },
    };
    AltitudeBand::new(lower, upper, datum).map_err(|e| {
        let field = if e.field == "altitude.lower" {
            lower_field.clone()
        } else {
            upper_field.clone()
        };
        (field, e.problem.to_string())
    })
}

pub(crate) fn time_window(
    v: &Value,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
) -> Result<TimeWindow, Fail> {
    let m = object(v, "time")?;
    only_keys(m, &["start", "end"], "time")?;
    let mut read = |key: &str| -> Result<i64, Fail> {
        let field = format!("time.{key}");
        let s = text(required(m, key, "time")?, &field)?;
        let t = parse_time(s).map_err(|p| fail(&field, p))?;
        if !s.contains('-') {
            originals.push(OriginalText {
                field,
                text: s.to_string(),
            });
        }
        Ok(t)
    };
    let start = read("start")?;
    let end = read("end")?;
    let window = TimeWindow::new(start, end).map_err(from_field)?;
    // Both ends lie within 1970..=2200, so the difference cannot overflow.
    let length_ms = window.end_ms - window.start_ms;
    if length_ms > limits.volume_window_ms {
        return Err(fail(
            "time.end",
            format!(
                "the window is {} long; at most {} per volume (limit volume_window_ms)",
                duration_text(length_ms),
                duration_text(limits.volume_window_ms)
            ),
        ));
    }
    Ok(window)
}

/// A length of time for a person: whole days when it is one, else hours, minutes or seconds.
fn duration_text(ms: i64) -> String {
    const DAY: i64 = 86_400_000;
    if ms % DAY == 0 {
        format!("{} days", ms / DAY)
    } else if ms >= DAY {
        format!("{:.1} days", ms as f64 / DAY as f64)
    } else {
        format!("{:.0} s", ms as f64 / 1000.0)
    }
}

fn volume(v: &Value, limits: &PlanLimits) -> Result<Volume4D, Fail> {
    let m = object(v, "")?;
    only_keys(m, &["footprint", "altitude", "time"], "")?;
    let mut originals = Vec::new();
    let footprint = footprint(required(m, "footprint", "")?, &mut originals, limits)?;
    let altitude = altitude(required(m, "altitude", "")?, &mut originals)?;
    let time = time_window(required(m, "time", "")?, &mut originals, limits)?;
    Ok(Volume4D {
        footprint,
        altitude,
        time,
        originals,
    })
}

pub(crate) fn kind(v: &Value) -> Result<Kind, Fail> {
    let s = text(v, "kind")?;
    Kind::ALL
        .into_iter()
        .find(|k| k.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            if s == "line" {
                fail(
                    "kind",
                    "deconfliction lines are not checked offline yet; leave them out of the plan",
                )
            } else {
                fail(
                    "kind",
                    format!("unknown kind {s:?}; expected one of {}", names.join(", ")),
                )
            }
        })
}

pub(crate) fn non_empty_text(v: &Value, field: &str) -> Result<String, Fail> {
    let s = text(v, field)?;
    if s.trim().is_empty() {
        return Err(fail(field, "is empty"));
    }
    if s.len() > 200 {
        return Err(fail(
            field,
            format!("is {} bytes long; the limit is 200", s.len()),
        ));
    }
    Ok(s.to_string())
}

pub(crate) fn version(m: &Map<String, Value>) -> Result<u64, Fail> {
    match m.get("version") {
        None => Ok(1),
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 => Ok(n),
            _ => Err(fail(
                "version",
                format!("expected a whole number from 1, found {v}"),
            )),
        },
    }
}

fn separation(v: &Value) -> Result<Minima, Fail> {
    let m = object(v, "separation")?;
    only_keys(
        m,
        &[
            "lateral_m",
            "vertical_m",
            "time_buffer_s",
            "zone_lateral_m",
            "zone_vertical_m",
        ],
        "separation",
    )?;
    let get = |key: &str, default: f64| -> Result<f64, Fail> {
        let field = format!("separation.{key}");
        match m.get(key) {
            None => Ok(default),
            Some(v) => {
                let x = number(v, &field)?;
                if !(0.0..=1_000_000.0).contains(&x) {
                    return Err(fail(field, format!("{x} is outside 0..=1000000")));
                }
                Ok(x)
            }
        }
    };
    let defaults = Minima::default();
    let buffer_ms = (get("time_buffer_s", 0.0)? * 1000.0).round() as i64;
    Ok(Minima {
        standard: Separation {
            lateral_m: get("lateral_m", defaults.standard.lateral_m)?,
            vertical_m: get("vertical_m", defaults.standard.vertical_m)?,
            time_buffer_ms: buffer_ms,
        },
        around_zones: Separation {
            lateral_m: get("zone_lateral_m", defaults.around_zones.lateral_m)?,
            vertical_m: get("zone_vertical_m", defaults.around_zones.vertical_m)?,
            time_buffer_ms: buffer_ms,
        },
    })
}

fn document_error(problem: impl ToString) -> PlanError {
    PlanError {
        record: String::new(),
        declaration: None,
        field: String::new(),
        problem: problem.to_string(),
        limit: None,
    }
}

/// A record's error, naming the limit when one was passed.
pub(crate) fn plan_error(record: String, (id, (field, problem)): DeclFail) -> PlanError {
    PlanError {
        record,
        declaration: id,
        field,
        limit: limit_of(&problem),
        problem,
    }
}

/// Reads a plan from text under the fixed bounds only ([`PlanLimits::FIXED`]: a plan is the reader's own
/// file). Nothing partial is returned: the first problem is the answer.
pub fn parse_plan(input: &str) -> Result<Plan, PlanError> {
    parse_plan_limited(input, &PlanLimits::FIXED)
}

/// Reads a plan from text, each declaration under `limits`.
pub fn parse_plan_limited(input: &str, limits: &PlanLimits) -> Result<Plan, PlanError> {
    let doc: Value =
        serde_json::from_str(input).map_err(|e| document_error(format!("not valid JSON: {e}")))?;
    let top = doc.as_object().ok_or_else(|| {
        document_error(format!("expected a JSON object, found {}", type_name(&doc)))
    })?;
    let minima = match top.get("separation") {
        None => None,
        Some(v) => Some(separation(v).map_err(|(field, problem)| PlanError {
            record: String::new(),
            declaration: None,
            field,
            problem,
            limit: None,
        })?),
    };
    let declarations = if top.get("type").and_then(Value::as_str) == Some("FeatureCollection") {
        crate::geojson::declarations(top, limits)?
    } else {
        if let Some(k) = top
            .keys()
            .find(|k| !["separation", "declarations"].contains(&k.as_str()))
        {
            return Err(PlanError {
                record: String::new(),
                declaration: None,
                field: k.clone(),
                problem: "unknown field; expected separation, declarations (or a GeoJSON FeatureCollection)".into(),
                limit: None,
            });
        }
        let list = top.get("declarations").ok_or_else(|| PlanError {
            record: String::new(),
            declaration: None,
            field: "declarations".into(),
            problem: "is missing".into(),
            limit: None,
        })?;
        let list = array(list, "declarations").map_err(|(field, problem)| PlanError {
            record: String::new(),
            declaration: None,
            field,
            problem,
            limit: None,
        })?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            let record = format!("declarations[{i}]");
            let decl = native_declaration(d, limits).map_err(|e| plan_error(record.clone(), e))?;
            if let Some(first) = seen.insert(decl.id.clone(), i) {
                return Err(PlanError {
                    record,
                    declaration: Some(decl.id),
                    field: "id".into(),
                    problem: format!(
                        "the same id is used by declarations[{first}]; ids must be unique"
                    ),
                    limit: None,
                });
            }
            out.push(decl);
        }
        out
    };
    Ok(Plan {
        minima,
        declarations,
    })
}

/// Errors carry the declaration's id once it is known.
pub(crate) type DeclFail = (Option<String>, Fail);

fn native_declaration(v: &Value, limits: &PlanLimits) -> Result<Declaration, DeclFail> {
    let m = object(v, "").map_err(|f| (None, f))?;
    let id = required(m, "id", "")
        .and_then(|v| declaration_id(v, "id"))
        .map_err(|f| (v.get("id").and_then(Value::as_str).map(printable_id), f))?;
    let with_id = |f: Fail| (Some(id.clone()), f);
    only_keys(
        m,
        &[
            "id",
            "party",
            "kind",
            "version",
            "volumes",
            "audience",
            "name",
            "description",
        ],
        "",
    )
    .map_err(with_id)?;
    let party =
        non_empty_text(required(m, "party", "").map_err(with_id)?, "party").map_err(with_id)?;
    let kind = kind(required(m, "kind", "").map_err(with_id)?).map_err(with_id)?;
    let version = version(m).map_err(with_id)?;
    // Words for people, bounded: a name is a line on a map, a description a paragraph.
    for (field, most) in [
        ("name", MAX_NAME_BYTES),
        ("description", MAX_DESCRIPTION_BYTES),
    ] {
        match m.get(field) {
            None => {}
            Some(Value::String(text)) if text.len() <= most => {}
            Some(Value::String(text)) => {
                return Err(with_id(fail(
                    field,
                    format!("is {} bytes long; at most {most}", text.len()),
                )))
            }
            Some(_) => return Err(with_id(fail(field, "expected a string"))),
        }
    }
    if let Some(a) = m.get("audience") {
        for (i, p) in array(a, "audience").map_err(with_id)?.iter().enumerate() {
            non_empty_text(p, &format!("audience[{i}]")).map_err(with_id)?;
        }
    }
    let list = array(required(m, "volumes", "").map_err(with_id)?, "volumes").map_err(with_id)?;
    if list.is_empty() {
        return Err(with_id(fail(
            "volumes",
            "is empty; a declaration needs at least one volume",
        )));
    }
    at_most(
        "volumes",
        list.len(),
        limits.volumes_per_declaration,
        "volumes",
        "declaration",
        "volumes_per_declaration",
    )
    .map_err(with_id)?;
    let volumes = list
        .iter()
        .enumerate()
        .map(|(i, v)| {
            volume(v, limits).map_err(|(field, problem)| {
                let prefix = format!("volumes[{i}]");
                with_id((
                    if field.is_empty() {
                        prefix
                    } else {
                        format!("{prefix}.{field}")
                    },
                    problem,
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Declaration {
        id,
        party,
        kind,
        version,
        volumes,
    })
}

/// Shared with the GeoJSON reader.
pub(crate) mod shared {
    pub(crate) use super::{
        altitude, array, at_most, declaration_id, fail, kind, non_empty_text, number, object,
        plan_error, printable_id, required, time_window, version, vertex_count, vertex_limit,
        DeclFail, Fail, PlanLimits,
    };
}

/// An id as an error may quote it: the id itself when it is short and printable, else its first bytes
/// escaped (an invalid id is still named, but cannot break a log line or a page).
pub(crate) fn printable_id(id: &str) -> String {
    if check_id(id).is_ok() {
        return id.to_string();
    }
    let mut out: String = id
        .chars()
        .take(MAX_ID_BYTES)
        .flat_map(char::escape_default)
        .collect();
    if id.chars().count() > MAX_ID_BYTES {
        out.push('…');
    }
    out
}

/// Reads one declaration in the native format under the fixed bounds only ([`PlanLimits::FIXED`]), as the
/// line replays what it accepted before (limits may have changed since); errors name the field, with
/// `record` as the record's name. What a party sends is read by [`parse_declaration_limited`].
pub fn parse_declaration(v: &Value, record: &str) -> Result<Declaration, PlanError> {
    parse_declaration_limited(v, record, &PlanLimits::FIXED)
}

/// Reads one declaration in the native format, as the HTTP API receives it, under `limits`; errors name the
/// field, with `record` as the record's name, and the limit when one was passed (`PlanError::limit`).
pub fn parse_declaration_limited(
    v: &Value,
    record: &str,
    limits: &PlanLimits,
) -> Result<Declaration, PlanError> {
    native_declaration(v, limits).map_err(|e| plan_error(record.to_string(), e))
}
