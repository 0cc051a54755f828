//! The native plan format: typed models of a declaration, its volumes and the plan's separation, and their
//! reading into validated values.
//!
//! The models ([`DeclarationModel`] and the rest) take the shape of the JSON: which fields exist
//! (`deny_unknown_fields`, so a typo such as `lateral` for `lateral_m` is refused rather than defaulted),
//! objects, arrays and strings. Numbers, and values whose type the reader checks in its own order, are kept
//! as [`Raw`] text. The reading then runs the checks in a fixed order (id, party, kind, version, name,
//! description, audience, the number of volumes, then each volume: footprint, altitude, time), each problem
//! naming its field. Altitudes and times are shared with the GeoJSON reader.

use deconflict_space::units::{parse_altitude, parse_position, parse_time, METRES_PER_FOOT};
use deconflict_space::{
    AltitudeBand, Datum, FieldError, Footprint, LonLat, OriginalText, Region, TimeWindow, Volume4D,
};
use deconflict_strategic::{Declaration, Kind, Minima, Separation};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess};
use serde::Deserialize;

use crate::read::{check_id, printable_id, PlanLimits, MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES};
use crate::wire::{fail, join, typed, Arr, Fail, Given, Obj, Pos, Raw, Source, Text};

/// Errors carry the declaration's id once it is known.
pub(crate) type DeclFail = (Option<String>, Fail);

/// A declaration as given.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct DeclarationModel {
    id: Given<Raw>,
    party: Given<Text>,
    kind: Given<Text>,
    version: Given<Raw>,
    volumes: Given<Arr<Obj<VolumeModel>>>,
    audience: Given<Arr<Text>>,
    name: Given<Raw>,
    description: Given<Raw>,
}

/// Only the id of a record, whatever else it holds: to name the record when its model cannot be read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct IdProbe {
    pub(crate) id: Given<Raw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct VolumeModel {
    footprint: Given<Obj<FootprintModel>>,
    altitude: Given<Obj<AltitudeModel>>,
    time: Given<Obj<TimeModel>>,
}

/// A footprint: one key naming the shape. Every key is kept in order, so that two shapes, or an unknown
/// one, are named as given; only the first key's body is read.
#[derive(Debug, Default)]
struct FootprintModel {
    keys: Vec<String>,
    shape: Option<Shape>,
}

#[derive(Debug)]
enum Shape {
    Polygon(Arr<Pos>),
    Circle(Obj<CircleModel>),
    Corridor(Obj<CorridorModel>),
    Side(Obj<SideModel>),
}

impl<'de> Deserialize<'de> for FootprintModel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = FootprintModel;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FootprintModel, A::Error> {
                let mut out = FootprintModel::default();
                while let Some(key) = map.next_key::<String>()? {
                    if out.keys.is_empty() {
                        out.shape = match key.as_str() {
                            "polygon" => Some(Shape::Polygon(map.next_value()?)),
                            "circle" => Some(Shape::Circle(map.next_value()?)),
                            "corridor" => Some(Shape::Corridor(map.next_value()?)),
                            "side" => Some(Shape::Side(map.next_value()?)),
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                                None
                            }
                        };
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                    out.keys.push(key);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CircleModel {
    center: Given<Pos>,
    radius_m: Given<Raw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CorridorModel {
    path: Given<Arr<Pos>>,
    half_width_m: Given<Raw>,
}

/// One side of a deconfliction line: the strip from the line to `depth_m` on that side.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SideModel {
    path: Given<Arr<Pos>>,
    side: Given<Raw>,
    depth_m: Given<Raw>,
}

/// An altitude band: each end in metres, in feet or as text with a unit.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AltitudeModel {
    lower_m: Given<Raw>,
    lower_ft: Given<Raw>,
    lower: Given<Raw>,
    upper_m: Given<Raw>,
    upper_ft: Given<Raw>,
    upper: Given<Raw>,
    datum: Given<Raw>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct TimeModel {
    start: Given<Raw>,
    end: Given<Raw>,
}

/// The separation a plan asks for; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SeparationModel {
    lateral_m: Given<Raw>,
    vertical_m: Given<Raw>,
    time_buffer_s: Given<Raw>,
    zone_lateral_m: Given<Raw>,
    zone_vertical_m: Given<Raw>,
}

fn from_field(e: FieldError) -> Fail {
    (e.field, e.problem.to_string())
}

/// Reads a declaration id (`field` names it): text that [`check_id`] accepts. A refused id is named in the
/// error as far as it can be ([`printable_id`]).
pub(crate) fn read_id(id: &Given<Raw>, field: &str) -> Result<String, DeclFail> {
    let raw =
        id.0.as_ref()
            .ok_or_else(|| (None, fail(field, "is missing")))?;
    let id = raw.text(field).map_err(|f| (None, f))?;
    check_id(&id).map_err(|why| (Some(printable_id(&id)), fail(field, why)))?;
    Ok(id)
}

/// The id to name a record by when its model could not be read (the problem `f`): an id problem first, as
/// the id is always checked first; else the problem, with the id.
pub(crate) fn unreadable(source: Source, id_field: &str, f: Fail) -> DeclFail {
    match typed::<Obj<IdProbe>>(source, "") {
        Ok(Obj(probe)) => match read_id(&probe.id, id_field) {
            Ok(id) => (Some(id), f),
            Err(id_problem) => id_problem,
        },
        Err(_) => (None, f),
    }
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

/// `[longitude, latitude]` from its numbers, counted first.
pub(crate) fn lon_lat(numbers: &[Raw], field: &str, most: usize) -> Result<LonLat, Fail> {
    if !(2..=most).contains(&numbers.len()) {
        return Err(fail(
            field,
            format!(
                "a position is [longitude, latitude]; found {} numbers",
                numbers.len()
            ),
        ));
    }
    let lon = numbers[0].number(&format!("{field}[0]"))?;
    let lat = numbers[1].number(&format!("{field}[1]"))?;
    Ok(LonLat::new(lon, lat))
}

/// A position as `[lon, lat]` or text; keeps the original text when given as text.
fn position(p: &Pos, field: &str, originals: &mut Vec<OriginalText>) -> Result<LonLat, Fail> {
    match p {
        Pos::Text(s) => {
            let pos = parse_position(s).map_err(|p| fail(field, p))?;
            originals.push(OriginalText {
                field: field.to_string(),
                text: s.clone(),
            });
            Ok(pos)
        }
        Pos::Numbers(numbers) => lon_lat(numbers, field, 2),
    }
}

fn positions(
    items: &Arr<Pos>,
    field: &str,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
    ring: bool,
) -> Result<Vec<LonLat>, Fail> {
    // Before reading them: too many even if the last closes a ring.
    vertex_limit(field, items.0.len(), false, limits)?;
    let points = items
        .0
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{field}[{i}]"), originals))
        .collect::<Result<Vec<_>, Fail>>()?;
    vertex_limit(field, vertex_count(&points, ring), true, limits)?;
    Ok(points)
}

/// A side of a line, `left` or `right`, when given as one.
pub(crate) fn side_of(side: Option<&Raw>) -> Option<deconflict_space::geodesy::Side> {
    match side.and_then(Raw::as_str).as_deref() {
        Some("left") => Some(deconflict_space::geodesy::Side::Left),
        Some("right") => Some(deconflict_space::geodesy::Side::Right),
        _ => None,
    }
}

/// The depth of a side of a line: more than 0 and at most half the widest footprint.
pub(crate) fn check_depth(depth_m: f64, field: &str) -> Result<f64, Fail> {
    if depth_m > 0.0 && depth_m <= 0.5 * deconflict_space::MAX_WIDTH_M {
        Ok(depth_m)
    } else {
        Err(fail(
            field,
            format!(
                "expected more than 0 and at most {} m",
                0.5 * deconflict_space::MAX_WIDTH_M
            ),
        ))
    }
}

fn footprint(
    m: &FootprintModel,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
) -> Result<Region, Fail> {
    const F: &str = "footprint";
    if m.keys.len() != 1 {
        return Err(fail(
            F,
            format!(
                "give exactly one of polygon, circle, corridor, side; found {}",
                if m.keys.is_empty() {
                    "none".to_string()
                } else {
                    m.keys.join(", ")
                }
            ),
        ));
    }
    let fp = match &m.shape {
        Some(Shape::Polygon(ring)) => Footprint::Polygon(positions(
            ring,
            "footprint.polygon",
            originals,
            limits,
            true,
        )?),
        Some(Shape::Circle(Obj(c))) => {
            const C: &str = "footprint.circle";
            let center = position(
                c.center.required(C, "center")?,
                "footprint.circle.center",
                originals,
            )?;
            let radius_m = c
                .radius_m
                .required(C, "radius_m")?
                .number("footprint.circle.radius_m")?;
            Footprint::Circle { center, radius_m }
        }
        Some(Shape::Corridor(Obj(c))) => {
            const C: &str = "footprint.corridor";
            let path = positions(
                c.path.required(C, "path")?,
                "footprint.corridor.path",
                originals,
                limits,
                false,
            )?;
            let half_width_m = c
                .half_width_m
                .required(C, "half_width_m")?
                .number("footprint.corridor.half_width_m")?;
            Footprint::Corridor { path, half_width_m }
        }
        Some(Shape::Side(Obj(c))) => {
            const S: &str = "footprint.side";
            let path = positions(
                c.path.required(S, "path")?,
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
            let side = side_of(Some(c.side.required(S, "side")?)).ok_or_else(|| {
                fail(
                    "footprint.side.side",
                    "expected \"left\" or \"right\" (looking along the path from its first position)",
                )
            })?;
            let depth_m = c
                .depth_m
                .required(S, "depth_m")?
                .number("footprint.side.depth_m")?;
            let depth_m = check_depth(depth_m, "footprint.side.depth_m")?;
            Footprint::Polygon(deconflict_space::geodesy::side_outline(
                &path, side, depth_m,
            ))
        }
        None => {
            let key = m.keys.first().map(String::as_str).unwrap_or_default();
            return Err(fail(
                join(F, key),
                "unknown footprint; expected polygon, circle, corridor or side",
            ));
        }
    };
    Region::new(&fp).map_err(|e| from_field(e.within(F)))
}

/// One end of an altitude band: `<end>_m`, `<end>_ft` or `<end>` as text.
fn altitude_end(
    given: [(&str, &Given<Raw>); 3],
    end: &str,
    originals: &mut Vec<OriginalText>,
) -> Result<(f64, String), Fail> {
    let present: Vec<(&str, &Raw)> = given
        .iter()
        .filter_map(|(key, g)| g.0.as_ref().map(|raw| (*key, raw)))
        .collect();
    let (key, raw) = match present.as_slice() {
        [one] => *one,
        [] => {
            return Err(fail(
                format!("altitude.{end}_m"),
                format!("is missing (give altitude.{end}_m, altitude.{end}_ft or altitude.{end} as text such as \"FL245\")"),
            ))
        }
        _ => return Err(fail(format!("altitude.{end}"), "given more than once in different units")),
    };
    let field = format!("altitude.{key}");
    let metres = if key.ends_with("_m") {
        raw.number(&field)?
    } else if key.ends_with("_ft") {
        raw.number(&field)? * METRES_PER_FOOT
    } else {
        let s = raw.text(&field)?;
        originals.push(OriginalText {
            field: field.clone(),
            text: s.clone(),
        });
        parse_altitude(&s).map_err(|p| fail(&field, p))?
    };
    Ok((metres, field))
}

/// An altitude band; problems name `altitude.…`.
pub(crate) fn altitude(
    m: &AltitudeModel,
    originals: &mut Vec<OriginalText>,
) -> Result<AltitudeBand, Fail> {
    let (lower, lower_field) = altitude_end(
        [
            ("lower_m", &m.lower_m),
            ("lower_ft", &m.lower_ft),
            ("lower", &m.lower),
        ],
        "lower",
        originals,
    )?;
    let (upper, upper_field) = altitude_end(
        [
            ("upper_m", &m.upper_m),
            ("upper_ft", &m.upper_ft),
            ("upper", &m.upper),
        ],
        "upper",
        originals,
    )?;
    let datum = match &m.datum.0 {
        None => Datum::Msl,
        Some(d) => match d.text("altitude.datum")?.to_ascii_uppercase().as_str() {
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

/// A time window within the fixed bounds and `limits`; problems name `time.…`.
pub(crate) fn time_window(
    m: &TimeModel,
    originals: &mut Vec<OriginalText>,
    limits: &PlanLimits,
) -> Result<TimeWindow, Fail> {
    let mut read = |key: &str, given: &Given<Raw>| -> Result<i64, Fail> {
        let field = format!("time.{key}");
        let s = given.required("time", key)?.text(&field)?;
        let t = parse_time(&s).map_err(|p| fail(&field, p))?;
        if !s.contains('-') {
            originals.push(OriginalText { field, text: s });
        }
        Ok(t)
    };
    let start = read("start", &m.start)?;
    let end = read("end", &m.end)?;
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

fn volume(m: &VolumeModel, limits: &PlanLimits) -> Result<Volume4D, Fail> {
    let mut originals = Vec::new();
    let footprint = footprint(
        &m.footprint.required("", "footprint")?.0,
        &mut originals,
        limits,
    )?;
    let altitude = altitude(&m.altitude.required("", "altitude")?.0, &mut originals)?;
    let time = time_window(&m.time.required("", "time")?.0, &mut originals, limits)?;
    Ok(Volume4D {
        footprint,
        altitude,
        time,
        originals,
    })
}

/// A declaration's kind by its name; `line` is named as not checked offline.
pub(crate) fn kind(s: &str, field: &str) -> Result<Kind, Fail> {
    Kind::ALL
        .into_iter()
        .find(|k| k.name() == s)
        .ok_or_else(|| {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            if s == "line" {
                fail(
                    field,
                    "deconfliction lines are not checked offline yet; leave them out of the plan",
                )
            } else {
                fail(
                    field,
                    format!("unknown kind {s:?}; expected one of {}", names.join(", ")),
                )
            }
        })
}

/// A character a name (or, with `lines`, a description, which may hold line breaks and tabs) may not hold:
/// control characters, the bidirectional embeddings, overrides, isolates and marks that would turn the
/// sentence another party's picture puts the name in (a height, a time) around or hide part of it, and the
/// characters that show nothing ([`invisible`]). A carriage return passes only before a line feed (`lines`).
pub(crate) fn unshown(c: char, lines: bool) -> bool {
    if lines && (c == '\n' || c == '\t' || c == '\r') {
        return false;
    }
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        || invisible(c)
}

/// Characters that show nothing and are no part of any script's running text: the format characters (soft
/// hyphen, Arabic and Syriac number signs and marks, zero-width space, line and paragraph separators, word
/// joiner and invisible operators, the deprecated format characters, the byte order mark, interlinear
/// annotation, Egyptian, shorthand and musical format controls, tags), the Mongolian vowel separator, the
/// Hangul and Khmer fillers, private-use characters and noncharacters. The zero-width joiner and non-joiner
/// stay: Persian, Arabic and Indic scripts need them.
fn invisible(c: char) -> bool {
    let n = u32::from(c);
    matches!(c, '\u{00AD}' | '\u{0600}'..='\u{0605}' | '\u{06DD}' | '\u{070F}' | '\u{0890}'..='\u{0891}'
        | '\u{08E2}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180E}'
        | '\u{200B}' | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2065}' | '\u{206A}'..='\u{206F}'
        | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}' | '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}'
        | '\u{FDD0}'..='\u{FDEF}')
        || n & 0xFFFE == 0xFFFE
}

/// Why free text (a hotline message or answer, a notification's note, an incident's description or place, a
/// deconfliction request or answer, a dispute's or suspension's reason, an agreement's title) is refused, if
/// it is: it holds a control character other than a line break (LF, or CR LF) or a tab, a bidirectional
/// embedding, override or isolate, which would reorder what the reader's screen shows after it, or a
/// character that shows nothing. The marks (LRM, RLM, ALM) are allowed: writers of Arabic and Hebrew use
/// them, and free text is always shown in a paragraph of its own.
pub fn free_text_problem(text: &str) -> Option<String> {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let bad = if c == '\r' {
            chars.peek() != Some(&'\n')
        } else {
            unshown(c, true) && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}')
        };
        if bad {
            return Some(format!(
                "holds the invisible character U+{:04X}, which could reorder or hide what is shown around \
                 it; send the text without it",
                u32::from(c)
            ));
        }
    }
    None
}

/// Why a one-line text another party reads inside a sentence (a track's id or callsign) is refused, if it
/// is: as a declaration's name, no line break, tab, mark or invisible character.
pub fn name_problem(text: &str) -> Option<String> {
    text.chars().find(|c| unshown(*c, false)).map(|c| {
        format!(
            "holds the invisible character U+{:04X}; this text is shown inside sentences on one line, where \
             it could reorder or hide what is around it",
            u32::from(c)
        )
    })
}

/// Text that is not blank and at most 200 bytes.
pub(crate) fn non_empty_text(s: &str, field: &str) -> Result<String, Fail> {
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

/// A version: a whole number from 1, 1 when not given.
pub(crate) fn version(v: &Given<Raw>, field: &str) -> Result<u64, Fail> {
    match &v.0 {
        None => Ok(1),
        Some(raw) => match raw.whole() {
            Some(n) if n >= 1 => Ok(n),
            _ => Err(fail(
                field,
                format!("expected a whole number from 1, found {}", raw.shown()),
            )),
        },
    }
}

/// Reads a declaration in the native format from `source`, under `limits`.
pub(crate) fn declaration(source: Source, limits: &PlanLimits) -> Result<Declaration, DeclFail> {
    let m = match typed::<Obj<DeclarationModel>>(source, "") {
        Ok(Obj(m)) => m,
        Err(f) => return Err(unreadable(source, "id", f)),
    };
    let id = read_id(&m.id, "id")?;
    let with_id = |f: Fail| (Some(id.clone()), f);
    let party = m.party.required("", "party").map_err(with_id)?;
    let party = non_empty_text(&party.0, "party").map_err(with_id)?;
    let kind = kind(&m.kind.required("", "kind").map_err(with_id)?.0, "kind").map_err(with_id)?;
    let version = version(&m.version, "version").map_err(with_id)?;
    // Words for people, bounded: a name is a line on a map, a description a paragraph.
    for (field, given, most) in [
        ("name", &m.name, MAX_NAME_BYTES),
        ("description", &m.description, MAX_DESCRIPTION_BYTES),
    ] {
        if let Some(raw) = &given.0 {
            let text = raw
                .as_str()
                .ok_or_else(|| with_id(fail(field, "expected a string")))?;
            if text.len() > most {
                return Err(with_id(fail(
                    field,
                    format!("is {} bytes long; at most {most}", text.len()),
                )));
            }
            if let Some(c) = text.chars().find(|c| unshown(*c, field == "description")) {
                return Err(with_id(fail(
                    field,
                    format!(
                        "holds the invisible control character U+{:04X}; names and descriptions are \
                         shown to other parties inside sentences, where such a character could reverse \
                         or hide the figures around it",
                        u32::from(c)
                    ),
                )));
            }
        }
    }
    if let Some(audience) = &m.audience.0 {
        for (i, p) in audience.0.iter().enumerate() {
            non_empty_text(&p.0, &format!("audience[{i}]")).map_err(with_id)?;
        }
    }
    let list = &m.volumes.required("", "volumes").map_err(with_id)?.0;
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
            volume(&v.0, limits).map_err(|(field, problem)| {
                with_id((join(&format!("volumes[{i}]"), &field), problem))
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

/// The minima a plan's `separation` asks for; problems name `separation.…`.
pub(crate) fn separation(m: &SeparationModel) -> Result<Minima, Fail> {
    let get = |key: &str, given: &Given<Raw>, default: f64| -> Result<f64, Fail> {
        let field = format!("separation.{key}");
        match &given.0 {
            None => Ok(default),
            Some(raw) => {
                let x = raw.number(&field)?;
                if !(0.0..=1_000_000.0).contains(&x) {
                    return Err(fail(field, format!("{x} is outside 0..=1000000")));
                }
                Ok(x)
            }
        }
    };
    let defaults = Minima::default();
    let buffer_ms = (get("time_buffer_s", &m.time_buffer_s, 0.0)? * 1000.0).round() as i64;
    Ok(Minima {
        standard: Separation {
            lateral_m: get("lateral_m", &m.lateral_m, defaults.standard.lateral_m)?,
            vertical_m: get("vertical_m", &m.vertical_m, defaults.standard.vertical_m)?,
            time_buffer_ms: buffer_ms,
        },
        around_zones: Separation {
            lateral_m: get(
                "zone_lateral_m",
                &m.zone_lateral_m,
                defaults.around_zones.lateral_m,
            )?,
            vertical_m: get(
                "zone_vertical_m",
                &m.zone_vertical_m,
                defaults.around_zones.vertical_m,
            )?,
            time_buffer_ms: buffer_ms,
        },
    })
}
