//! Live tracks and tactical alerts between parties.
//!
//! Parties report the last state of their tracks (`POST /v1/tracks`); reports are kept in memory only (DESIGN:
//! tracks are ephemeral) and expire after [`TRACK_TTL_MS`] without a new report. A periodic scan extrapolates
//! every track to the scan time and runs the tactical detector over them; a pair of tracks of two parties that
//! share an active agreement, predicted to come within the agreement's minima inside the look-ahead (or already
//! within them), is an alert for those two parties.
//!
//! Every alert is logged, visible to its two parties only: `alert.raised` with the states that caused it,
//! `alert.updated` when separation is actually lost, `alert.closed` when clear. Hysteresis: an alert closes
//! only after [`CLEAR_SCANS`] consecutive scans without the pair in conflict (or when one of its tracks
//! expires), and an open alert is not raised again, so a pair at the edge of the minima does not flap.
//!
//! Incursions: a track predicted to come, within the look-ahead, closer than the agreed minima around zones to
//! a site, zone or side of a line declared by another party it shares an active agreement with (the track's path over the
//! look-ahead is checked as a thin corridor by the strategic index, exactly) is an alert of kind `incursion`
//! for the track's party and the site's, with the same life cycle.
//!
//! The sides of deconfliction lines (kind `line`, each party's side declared by that party) are areas of
//! protection like sites and zones: a track heading into another party's side is an incursion.

use std::collections::BTreeMap;

use deconflict_tactical::{Detector, Params, Track, EARTH_RADIUS_M};
use serde_json::{json, Value};

pub const ALERT_RAISED: &str = "alert.raised";
pub const ALERT_UPDATED: &str = "alert.updated";
pub const ALERT_CLOSED: &str = "alert.closed";

/// A report older than this (scenario time) is dropped.
pub const TRACK_TTL_MS: i64 = 60_000;
/// Consecutive clear scans before an alert closes.
pub const CLEAR_SCANS: u32 = 3;
/// Look-ahead of the scan (s).
pub const LOOKAHEAD_S: f64 = 300.0;
/// Most tracks in one report.
pub const MAX_BATCH: usize = 10_000;

/// A reported track.
#[derive(Debug, Clone)]
pub struct Reported {
    pub state: Track,
    pub callsign: String,
    pub time_ms: i64,
}

/// An open alert.
#[derive(Debug, Clone)]
pub struct OpenAlert {
    pub id: String,
    pub parties: [String; 2],
    /// The tracks it is about (it closes when one is no longer reported).
    pub tracks: Vec<(String, String)>,
    pub los: bool,
    pub clear_scans: u32,
}

/// Something a scan found in conflict: the tracks, the two parties, whether separation is lost now, and the
/// alert's content (without its id), built only when it is logged.
#[derive(Debug, Clone)]
pub struct Finding {
    pub tracks: Vec<(String, String)>,
    pub parties: [String; 2],
    pub los: bool,
    pub body: Body,
}

/// An alert's content, or what it is made from: most pairs a scan finds are already open and unchanged, and
/// building their content every scan would cost more than finding them.
#[derive(Debug, Clone)]
pub enum Body {
    Ready(Value),
    /// A separation alert between tracks `a` and `b` of the scan (by their place in it).
    Separation {
        a: usize,
        b: usize,
        encounter: deconflict_tactical::Encounter,
        agreements: Value,
    },
}

impl Body {
    /// The content, with `track(i)` giving the scan's `i`-th track as it appears in an alert.
    pub fn build(&self, track: impl Fn(usize) -> Value) -> Value {
        match self {
            Body::Ready(v) => v.clone(),
            Body::Separation {
                a,
                b,
                encounter: x,
                agreements,
            } => {
                let (ta, tb) = (track(*a), track(*b));
                json!({
                    "kind": "separation", "parties": [ta["party"], tb["party"]],
                    "tracks": [ta, tb],
                    "t_cpa_s": (x.t_cpa_s * 10.0).round() / 10.0,
                    "d_cpa_m": x.d_cpa_m.round(),
                    "t_los_s": (x.t_los_s * 10.0).round() / 10.0,
                    "los": x.los_now,
                    "agreements": agreements,
                })
            }
        }
    }
}

/// Live tracks by (party, track id).
pub type Live = BTreeMap<(String, String), Reported>;

#[derive(Debug, Default)]
pub struct Tactical {
    pub open: BTreeMap<String, OpenAlert>,
    pub detector: Detector,
    /// Whether alerts left open by an earlier process have been closed.
    pub recovered: bool,
}

fn bad(field: String, detail: impl Into<String>) -> (String, String) {
    (field, detail.into())
}

/// A batch read: the reports by track id, or the field at fault and why.
pub type Parsed = Result<Vec<(String, Reported)>, (String, String)>;

/// The fields of a report, allowed in a batch.
const ALLOWED: [&str; 9] = [
    "id", "callsign", "lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps", "time",
];

/// One report as sent, before its values are checked.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    id: String,
    callsign: Option<String>,
    lat: f64,
    lon: f64,
    alt_m: f64,
    gs_mps: f64,
    trk_deg: f64,
    vs_mps: Option<f64>,
    time: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    tracks: Vec<RawReport>,
}

/// Checks one report's values; `i` is its place in the batch, for the field named in an error.
fn check(i: usize, raw: RawReport, now_ms: i64) -> Result<(String, Reported), (String, String)> {
    let at = |f: &str| format!("tracks[{i}].{f}");
    if raw.id.is_empty() || raw.id.len() > 64 {
        return Err(bad(at("id"), "expected a string of 1–64 bytes"));
    }
    let num = |f: &str, v: f64, lo: f64, hi: f64| -> Result<f64, (String, String)> {
        if v.is_finite() && v >= lo && v <= hi {
            Ok(v)
        } else {
            Err(bad(at(f), format!("expected a number from {lo} to {hi}")))
        }
    };
    let state = Track {
        lat_deg: num("lat", raw.lat, -90.0, 90.0)?,
        lon_deg: num("lon", raw.lon, -180.0, 180.0)?,
        alt_m: num("alt_m", raw.alt_m, -1_000.0, 100_000.0)?,
        gs_mps: num("gs_mps", raw.gs_mps, 0.0, 3_000.0)?,
        trk_deg: num("trk_deg", raw.trk_deg, -360.0, 360.0)?,
        vs_mps: num("vs_mps", raw.vs_mps.unwrap_or(0.0), -1_000.0, 1_000.0)?,
    };
    let callsign = match raw.callsign {
        None => String::new(),
        Some(c) if c.len() <= 32 => c,
        Some(_) => return Err(bad(at("callsign"), "expected a string of at most 32 bytes")),
    };
    let time_ms = match raw.time {
        None => now_ms,
        Some(text) => deconflict_space::units::parse_time(&text)
            .map_err(|e| bad(at("time"), e.to_string()))?,
    };
    Ok((
        raw.id,
        Reported {
            state,
            callsign,
            time_ms,
        },
    ))
}

/// Reads a batch `{"tracks": [{id, callsign?, lat, lon, alt_m, gs_mps, trk_deg, vs_mps?, time?}]}` straight
/// from the request body (the fast path: no intermediate JSON tree); `now_ms` stands for a missing time.
/// `None` when the body does not have that shape: the caller then reads it as a tree with [`parse_batch`],
/// whose error names the field.
pub fn parse_batch_bytes(body: &[u8], now_ms: i64) -> Option<Parsed> {
    let batch = serde_json::from_slice::<RawBatch>(body).ok()?;
    if batch.tracks.len() > MAX_BATCH {
        return None;
    }
    Some(
        batch
            .tracks
            .into_iter()
            .enumerate()
            .map(|(i, raw)| check(i, raw, now_ms))
            .collect(),
    )
}

/// Reads a batch from a JSON tree; `now_ms` stands for a missing time. Returns the reports or the field at
/// fault.
pub fn parse_batch(body: &Value, now_ms: i64) -> Parsed {
    let list = body
        .get("tracks")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("tracks".into(), "expected an array of track reports"))?;
    if list.len() > MAX_BATCH {
        return Err(bad(
            "tracks".into(),
            format!("at most {MAX_BATCH} reports per batch"),
        ));
    }
    if let Some(k) = body
        .as_object()
        .and_then(|o| o.keys().find(|k| k.as_str() != "tracks"))
    {
        return Err(bad(k.clone(), "unknown field; expected tracks"));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let at = |f: &str| format!("tracks[{i}].{f}");
        let obj = t
            .as_object()
            .ok_or_else(|| bad(format!("tracks[{i}]"), "expected an object"))?;
        if let Some(k) = obj.keys().find(|k| !ALLOWED.contains(&k.as_str())) {
            return Err(bad(
                at(k),
                format!("unknown field; expected one of {}", ALLOWED.join(", ")),
            ));
        }
        let text = |f: &str, what: &str| -> Result<Option<String>, (String, String)> {
            match obj.get(f) {
                None => Ok(None),
                Some(v) => v
                    .as_str()
                    .map(|s| Some(s.to_string()))
                    .ok_or_else(|| bad(at(f), format!("expected {what}"))),
            }
        };
        let num = |f: &str, required: bool| -> Result<Option<f64>, (String, String)> {
            match obj.get(f) {
                None if required => Err(bad(at(f), "required")),
                None => Ok(None),
                Some(v) => v
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| bad(at(f), "expected a number")),
            }
        };
        let need = |f: &str| -> Result<f64, (String, String)> {
            num(f, true).map(|v| v.unwrap_or(f64::NAN))
        };
        let raw = RawReport {
            id: text("id", "a string of 1–64 bytes")?
                .ok_or_else(|| bad(at("id"), "expected a string of 1–64 bytes"))?,
            callsign: text("callsign", "a string of at most 32 bytes")?,
            lat: need("lat")?,
            lon: need("lon")?,
            alt_m: need("alt_m")?,
            gs_mps: need("gs_mps")?,
            trk_deg: need("trk_deg")?,
            vs_mps: num("vs_mps", false)?,
            time: text("time", "a time")?,
        };
        out.push(check(i, raw, now_ms)?);
    }
    Ok(out)
}

/// `t` moved on in a straight line by `dt_s` seconds.
pub fn extrapolate(t: &Track, dt_s: f64) -> Track {
    let (ve, vn) = t.velocity();
    let lat =
        (t.lat_deg + (vn * dt_s / EARTH_RADIUS_M).to_degrees()).clamp(-89.999_999, 89.999_999);
    let mut lon = t.lon_deg
        + (ve * dt_s / (EARTH_RADIUS_M * t.lat_deg.to_radians().cos().max(1e-9))).to_degrees();
    while lon > 180.0 {
        lon -= 360.0;
    }
    while lon < -180.0 {
        lon += 360.0;
    }
    Track {
        lat_deg: lat,
        lon_deg: lon,
        alt_m: t.alt_m + t.vs_mps * dt_s,
        ..*t
    }
}

/// The key of a pair of tracks, the same whichever comes first.
pub fn pair_key(a: &(String, String), b: &(String, String)) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("{}/{}|{}/{}", x.0, x.1, y.0, y.1)
}

/// The detector's parameters for minima `lateral_m` × `vertical_m`.
pub fn params(lateral_m: f64, vertical_m: f64) -> Params {
    Params {
        rpz_m: lateral_m,
        hpz_m: vertical_m,
        lookahead_s: LOOKAHEAD_S,
    }
}

/// One track as it appears in an alert.
pub fn track_json(key: &(String, String), r: &Reported, now: &Track) -> Value {
    json!({
        "party": key.0, "id": key.1, "callsign": r.callsign,
        "reported": deconflict_space::units::format_time(r.time_ms),
        "lat": now.lat_deg, "lon": now.lon_deg, "alt_m": now.alt_m,
        "gs_mps": now.gs_mps, "trk_deg": now.trk_deg, "vs_mps": now.vs_mps,
    })
}

/// The id of a track's path as a declaration in the strategic index.
pub fn path_id(party: &str, id: &str) -> String {
    format!("track:{party}/{id}")
}

/// The path of `t` over the look-ahead from `now_ms`, as a declaration the strategic index can check: a
/// 1 m corridor from where it is to where it will be, its altitude band, and the look-ahead's window.
pub fn path_declaration(
    party: &str,
    id: &str,
    t: &Track,
    now_ms: i64,
) -> Option<deconflict_strategic::Declaration> {
    use deconflict_space::{AltitudeBand, Datum, Footprint, LonLat, Region, TimeWindow, Volume4D};
    let end = extrapolate(t, LOOKAHEAD_S);
    let start = LonLat::new(t.lon_deg, t.lat_deg);
    let footprint = if t.gs_mps * LOOKAHEAD_S < 1.0 {
        Footprint::Circle {
            center: start,
            radius_m: 1.0,
        }
    } else {
        Footprint::Corridor {
            path: vec![start, LonLat::new(end.lon_deg, end.lat_deg)],
            half_width_m: 1.0,
        }
    };
    let clamp = |a: f64| {
        a.clamp(
            deconflict_space::MIN_ALTITUDE_M,
            deconflict_space::MAX_ALTITUDE_M - 1.0,
        )
    };
    let (lo, hi) = (clamp(t.alt_m.min(end.alt_m)), clamp(t.alt_m.max(end.alt_m)));
    let volume = Volume4D {
        footprint: Region::new(&footprint).ok()?,
        altitude: AltitudeBand::new(lo, hi.max(lo + 1.0), Datum::Msl).ok()?,
        time: TimeWindow::new(now_ms, now_ms + (LOOKAHEAD_S * 1000.0) as i64).ok()?,
        originals: Vec::new(),
    };
    Some(deconflict_strategic::Declaration {
        id: path_id(party, id),
        party: party.to_string(),
        kind: deconflict_strategic::Kind::AirOperation,
        version: 1,
        volumes: vec![volume],
    })
}
