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

fn positions(
    v: &Value,
    field: &str,
    originals: &mut Vec<OriginalText>,
) -> Result<Vec<LonLat>, Fail> {
    let items = array(v, field)?;
    if items.len() > deconflict_space::MAX_VERTICES + 1 {
        return Err(fail(
            field,
            Problem::TooManyVertices {
                found: items.len(),
                limit: deconflict_space::MAX_VERTICES,
            },
        ));
    }
    items
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
        .collect()
}

fn footprint(v: &Value, originals: &mut Vec<OriginalText>) -> Result<Region, Fail> {
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
        "polygon" => Footprint::Polygon(positions(body, "footprint.polygon", originals)?),
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
            let path = positions(required(c, "path", S)?, "footprint.side.path", originals)?;
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
    TimeWindow::new(start, end).map_err(from_field)
}

fn volume(v: &Value) -> Result<Volume4D, Fail> {
    let m = object(v, "")?;
    only_keys(m, &["footprint", "altitude", "time"], "")?;
    let mut originals = Vec::new();
    let footprint = footprint(required(m, "footprint", "")?, &mut originals)?;
    let altitude = altitude(required(m, "altitude", "")?, &mut originals)?;
    let time = time_window(required(m, "time", "")?, &mut originals)?;
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
    }
}

/// Reads a plan from text. Nothing partial is returned: the first problem is the answer.
pub fn parse_plan(input: &str) -> Result<Plan, PlanError> {
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
        })?),
    };
    let declarations = if top.get("type").and_then(Value::as_str) == Some("FeatureCollection") {
        crate::geojson::declarations(top)?
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
            });
        }
        let list = top.get("declarations").ok_or_else(|| PlanError {
            record: String::new(),
            declaration: None,
            field: "declarations".into(),
            problem: "is missing".into(),
        })?;
        let list = array(list, "declarations").map_err(|(field, problem)| PlanError {
            record: String::new(),
            declaration: None,
            field,
            problem,
        })?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            let record = format!("declarations[{i}]");
            let decl = native_declaration(d).map_err(|(id, (field, problem))| PlanError {
                record: record.clone(),
                declaration: id,
                field,
                problem,
            })?;
            if let Some(first) = seen.insert(decl.id.clone(), i) {
                return Err(PlanError {
                    record,
                    declaration: Some(decl.id),
                    field: "id".into(),
                    problem: format!(
                        "the same id is used by declarations[{first}]; ids must be unique"
                    ),
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

fn native_declaration(v: &Value) -> Result<Declaration, DeclFail> {
    let m = object(v, "").map_err(|f| (None, f))?;
    let id = non_empty_text(required(m, "id", "").map_err(|f| (None, f))?, "id")
        .map_err(|f| (None, f))?;
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
    let volumes = list
        .iter()
        .enumerate()
        .map(|(i, v)| {
            volume(v).map_err(|(field, problem)| {
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
        altitude, array, fail, kind, non_empty_text, number, object, required, time_window,
        version, DeclFail, Fail,
    };
}

/// Reads one declaration in the native format (as the HTTP API receives it); errors name the field, with
/// `record` as the record's name.
pub fn parse_declaration(v: &Value, record: &str) -> Result<Declaration, PlanError> {
    native_declaration(v).map_err(|(id, (field, problem))| PlanError {
        record: record.to_string(),
        declaration: id,
        field,
        problem,
    })
}
