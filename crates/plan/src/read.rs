//! Reading a plan: the native JSON format, a GeoJSON FeatureCollection or an ED-318 collection of zones (a
//! FeatureCollection whose first feature's properties hold an `identifier`; see [`crate::ed318`]), into
//! validated declarations.
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
//!
//! How it reads: the text is first checked to be JSON; the top (`Document`) keeps each member as JSON text
//! and its keys in order; each declaration (or feature) is then read on its own into a typed model (`native`,
//! `geojson`, built of the types in `wire`), and the model into a validated [`Declaration`], so a problem
//! names the record it lies in. The reader does not depend on serde_json's features: numbers are kept as
//! the text given (`1e999` is named where it stands, as not finite), and the first unknown field is the
//! first in the text. A declaration given as a [`Value`] (the API) is read by the same models; its fields come
//! in the order of the `Value`'s map.

use std::collections::HashMap;

use deconflict_strategic::{Declaration, Minima};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::native::{self, DeclFail, SeparationModel};
use crate::wire::{typed, Arr, Obj, Source};

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

/// A plan: the minima it asks for (if any) and its declarations.
#[derive(Debug, Clone)]
pub struct Plan {
    pub minima: Option<Minima>,
    pub declarations: Vec<Declaration>,
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

/// The top of a plan: its members kept as JSON text (read once the format is known), and every key in
/// order, so that the first unknown one is named as given.
#[derive(Debug, Default)]
struct Document<'a> {
    keys: Vec<String>,
    kind: Option<&'a RawValue>,
    separation: Option<&'a RawValue>,
    declarations: Option<&'a RawValue>,
    features: Option<&'a RawValue>,
}

impl<'de> Deserialize<'de> for Document<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Document<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document<'de>, A::Error> {
                let mut out = Document::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        "type" => &mut out.kind,
                        "separation" => &mut out.separation,
                        "declarations" => &mut out.declarations,
                        "features" => &mut out.features,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            out.keys.push(key);
                            continue;
                        }
                    };
                    if slot.is_some() {
                        let name = ["type", "separation", "declarations", "features"]
                            .into_iter()
                            .find(|k| *k == key)
                            .unwrap_or("type");
                        return Err(de::Error::duplicate_field(name));
                    }
                    *slot = Some(map.next_value()?);
                    out.keys.push(key);
                }
                Ok(out)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Document<'de>, E> {
                Err(not_an_object("a boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Document<'de>, E> {
                Err(not_an_object("a number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Document<'de>, E> {
                Err(not_an_object("a number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Document<'de>, E> {
                Err(not_an_object("a number"))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Document<'de>, E> {
                Err(not_an_object("a string"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Document<'de>, E> {
                Err(not_an_object("null"))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Document<'de>, A::Error> {
                Err(not_an_object("an array"))
            }
        }
        d.deserialize_any(V)
    }
}

fn not_an_object<E: de::Error>(found: &str) -> E {
    E::custom(format_args!("expected a JSON object, found {found}"))
}

/// Reads a plan from text, each declaration under `limits`.
pub fn parse_plan_limited(input: &str, limits: &PlanLimits) -> Result<Plan, PlanError> {
    // The whole text is JSON before anything in it is read (numbers are not converted here: `1e999` is
    // named where it stands, as not finite).
    serde_json::from_str::<IgnoredAny>(input)
        .map_err(|e| document_error(format!("not valid JSON: {e}")))?;
    let document_field = |(field, problem): (String, String)| PlanError {
        record: String::new(),
        declaration: None,
        field,
        problem,
        limit: None,
    };
    let top: Document = typed(Source::Text(input), "").map_err(document_field)?;
    let minima = match top.separation {
        None => None,
        Some(raw) => {
            let Obj(m): Obj<SeparationModel> =
                typed(Source::Text(raw.get()), "separation").map_err(document_field)?;
            Some(native::separation(&m).map_err(document_field)?)
        }
    };
    let geojson = top
        .kind
        .and_then(|k| serde_json::from_str::<String>(k.get()).ok())
        .is_some_and(|k| k == "FeatureCollection");
    let declarations = if geojson && crate::ed318::is_ed318(top.features) {
        // ED-318 zones: one party's (`ed318::DEFAULT_PARTY`), as `deconflict check` reads a file of them.
        let options = crate::ed318::Ed318Options {
            limits: *limits,
            ..crate::ed318::Ed318Options::new(crate::ed318::DEFAULT_PARTY)
        };
        crate::ed318::parse_ed318(input, &options)?.declarations
    } else if geojson {
        crate::geojson::declarations(top.features, limits)?
    } else {
        if let Some(k) = top
            .keys
            .iter()
            .find(|k| !["separation", "declarations"].contains(&k.as_str()))
        {
            return Err(document_field((
                k.clone(),
                "unknown field; expected separation, declarations (or a GeoJSON FeatureCollection)"
                    .into(),
            )));
        }
        let list = top
            .declarations
            .ok_or_else(|| document_field(("declarations".into(), "is missing".into())))?;
        let Arr(list): Arr<&RawValue> =
            typed(Source::Text(list.get()), "declarations").map_err(document_field)?;
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut out = Vec::with_capacity(list.len());
        for (i, d) in list.iter().enumerate() {
            let record = format!("declarations[{i}]");
            let decl = native::declaration(Source::Text(d.get()), limits)
                .map_err(|e| plan_error(record.clone(), e))?;
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
    native::declaration(Source::Value(v), limits).map_err(|e| plan_error(record.to_string(), e))
}
