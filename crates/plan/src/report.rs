//! Conflicts as JSON objects, one per line, for `deconflict check`; declarations and plans in the native
//! format.
//!
//! Conflicts are written from typed models, so a line's fields keep their documented order without
//! serde_json's `preserve_order`.

use deconflict_space::units::format_time;
use deconflict_strategic::{Advice, Conflict};
use serde::Serialize;
use serde_json::{json, Value};

/// Metres to a tenth of a metre: finer is noise next to the inputs.
fn metres(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Advice for one side, in the order it is written: each shift that applies to the declaration's kind.
#[derive(Debug, Serialize)]
struct AdviceOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    delay_s: Option<Option<i64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    climb_m: Option<Option<f64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    descend_m: Option<Option<f64>>,
}

impl AdviceOut {
    fn of(a: &Advice) -> Self {
        AdviceOut {
            delay_s: a.can_delay.then(|| a.delay_ms.map(|ms| ms / 1000)),
            climb_m: a.can_change_height.then_some(a.climb_m),
            descend_m: a.can_change_height.then_some(a.descend_m),
        }
    }
}

#[derive(Debug, Serialize)]
struct AdvicePairOut {
    a: AdviceOut,
    b: AdviceOut,
}

#[derive(Debug, Serialize)]
struct VolumePairOut {
    a_volume: usize,
    b_volume: usize,
    distance_m: f64,
    vertical_gap_m: f64,
    start: String,
    end: String,
}

/// A conflict as written: the fields in this order, whatever serde_json's features (a `Value`'s map may
/// sort them).
#[derive(Debug, Serialize)]
struct ConflictOut<'a> {
    id: &'a str,
    a: &'a str,
    b: &'a str,
    a_party: &'a str,
    b_party: &'a str,
    a_version: u64,
    b_version: u64,
    distance_m: f64,
    vertical_gap_m: f64,
    start: String,
    end: String,
    volumes: Vec<VolumePairOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    advice: Option<AdvicePairOut>,
}

impl<'a> ConflictOut<'a> {
    fn of(c: &'a Conflict, advice: Option<(&Advice, &Advice)>) -> Self {
        ConflictOut {
            id: &c.id,
            a: &c.a.id,
            b: &c.b.id,
            a_party: &c.a.party,
            b_party: &c.b.party,
            a_version: c.a.version,
            b_version: c.b.version,
            distance_m: metres(c.distance_m),
            vertical_gap_m: metres(c.vertical_gap_m),
            start: format_time(c.window.start_ms),
            end: format_time(c.window.end_ms),
            volumes: c
                .volumes
                .iter()
                .map(|p| VolumePairOut {
                    a_volume: p.a_volume,
                    b_volume: p.b_volume,
                    distance_m: metres(p.proximity.distance_m),
                    vertical_gap_m: metres(p.proximity.vertical_gap_m),
                    start: format_time(p.proximity.window.start_ms),
                    end: format_time(p.proximity.window.end_ms),
                })
                .collect(),
            advice: advice.map(|(a, b)| AdvicePairOut {
                a: AdviceOut::of(a),
                b: AdviceOut::of(b),
            }),
        }
    }
}

/// A value as JSON; these types have only string keys, so serialising them cannot fail.
fn to_value(out: &impl Serialize) -> Value {
    serde_json::to_value(out).unwrap_or(Value::Null)
}

/// Advice as JSON: each shift that applies to the declaration's kind (a delay for air operations and
/// ground movements, a climb and a descent for air operations), null when none within bounds clears it.
/// Sites and zones get an empty object.
pub fn advice_json(a: &Advice) -> Value {
    to_value(&AdviceOut::of(a))
}

/// One conflict: the two declarations (`a` < `b`), the least distance and vertical gap, the overlap window,
/// each conflicting pair of volumes, and advice for each side when given.
pub fn conflict_json(c: &Conflict, advice: Option<(&Advice, &Advice)>) -> Value {
    to_value(&ConflictOut::of(c, advice))
}

/// [`conflict_json`] as one line of text, its fields in the documented order (`id`, `a`, `b`, `a_party`,
/// …, `volumes`, `advice`): what `deconflict check` writes.
pub fn conflict_line(c: &Conflict, advice: Option<(&Advice, &Advice)>) -> String {
    serde_json::to_string(&ConflictOut::of(c, advice))
        .unwrap_or_else(|_| conflict_json(c, advice).to_string())
}

fn position(p: &deconflict_space::LonLat) -> Value {
    json!([p.lon, p.lat])
}

/// A declaration in the native plan format (normalised values: degrees, metres, UTC), so that what
/// [`crate::parse_plan`] reads back is the same declaration.
pub fn declaration_json(d: &deconflict_strategic::Declaration) -> Value {
    use deconflict_space::{Datum, Footprint};
    let volumes: Vec<Value> = d
        .volumes
        .iter()
        .map(|v| {
            let footprint = match v.footprint.footprint() {
                Footprint::Polygon(ring) => json!({"polygon": ring.iter().map(position).collect::<Vec<_>>()}),
                Footprint::Circle { center, radius_m } => {
                    json!({"circle": {"center": position(center), "radius_m": radius_m}})
                }
                Footprint::Corridor { path, half_width_m } => json!({"corridor": {
                    "path": path.iter().map(position).collect::<Vec<_>>(), "half_width_m": half_width_m}}),
            };
            json!({
                "footprint": footprint,
                "altitude": {"lower_m": v.altitude.lower_m, "upper_m": v.altitude.upper_m,
                             "datum": match v.altitude.datum { Datum::Msl => "MSL", Datum::Wgs84 => "WGS84" }},
                "time": {"start": format_time(v.time.start_ms), "end": format_time(v.time.end_ms)},
            })
        })
        .collect();
    json!({"id": d.id, "party": d.party, "kind": d.kind.name(), "version": d.version, "volumes": volumes})
}

/// A whole plan in the native format.
pub fn plan_json(
    minima: &deconflict_strategic::Minima,
    declarations: &[deconflict_strategic::Declaration],
) -> Value {
    json!({
        "separation": {
            "lateral_m": minima.standard.lateral_m,
            "vertical_m": minima.standard.vertical_m,
            "time_buffer_s": minima.standard.time_buffer_ms as f64 / 1000.0,
            "zone_lateral_m": minima.around_zones.lateral_m,
            "zone_vertical_m": minima.around_zones.vertical_m,
        },
        "declarations": declarations.iter().map(declaration_json).collect::<Vec<_>>(),
    })
}
