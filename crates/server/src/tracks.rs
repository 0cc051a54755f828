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
//! a site or zone declared by another party it shares an active agreement with (the track's path over the
//! look-ahead is checked as a thin corridor by the strategic index, exactly) is an alert of kind `incursion`
//! for the track's party and the site's, with the same life cycle.
//!
//! Not yet here (issue #5): the sides of deconfliction lines as such (the demo's are zones); SBS-1 feeds.

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
/// alert's content (without its id).
#[derive(Debug, Clone)]
pub struct Finding {
    pub tracks: Vec<(String, String)>,
    pub parties: [String; 2],
    pub los: bool,
    pub body: Value,
}

/// Tracks by (party, track id), open alerts by pair key, and the detector's buffers.
#[derive(Debug, Default)]
pub struct Tactical {
    pub tracks: BTreeMap<(String, String), Reported>,
    pub open: BTreeMap<String, OpenAlert>,
    pub detector: Detector,
    /// Whether alerts left open by an earlier process have been closed.
    pub recovered: bool,
}

fn bad(field: String, detail: impl Into<String>) -> (String, String) {
    (field, detail.into())
}

/// Reads a batch `{"tracks": [{id, callsign?, lat, lon, alt_m, gs_mps, trk_deg, vs_mps, time?}]}`; `now_ms`
/// stands for a missing time. Returns the reports or the field at fault.
pub fn parse_batch(body: &Value, now_ms: i64) -> Result<Vec<(String, Reported)>, (String, String)> {
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
    let allowed = [
        "id", "callsign", "lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps", "time",
    ];
    let mut out = Vec::with_capacity(list.len());
    for (i, t) in list.iter().enumerate() {
        let at = |f: &str| format!("tracks[{i}].{f}");
        let obj = t
            .as_object()
            .ok_or_else(|| bad(format!("tracks[{i}]"), "expected an object"))?;
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(bad(
                at(k),
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ));
        }
        let id = obj
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty() && s.len() <= 64)
            .ok_or_else(|| bad(at("id"), "expected a string of 1–64 bytes"))?;
        let num =
            |f: &str, lo: f64, hi: f64, default: Option<f64>| -> Result<f64, (String, String)> {
                match obj.get(f) {
                    None => default.ok_or_else(|| bad(at(f), "required")),
                    Some(v) => v
                        .as_f64()
                        .filter(|x| x.is_finite() && *x >= lo && *x <= hi)
                        .ok_or_else(|| bad(at(f), format!("expected a number from {lo} to {hi}"))),
                }
            };
        let state = Track {
            lat_deg: num("lat", -90.0, 90.0, None)?,
            lon_deg: num("lon", -180.0, 180.0, None)?,
            alt_m: num("alt_m", -1_000.0, 100_000.0, None)?,
            gs_mps: num("gs_mps", 0.0, 3_000.0, None)?,
            trk_deg: num("trk_deg", -360.0, 360.0, None)?,
            vs_mps: num("vs_mps", -1_000.0, 1_000.0, Some(0.0))?,
        };
        let callsign = match obj.get("callsign") {
            None => String::new(),
            Some(c) => c
                .as_str()
                .filter(|c| c.len() <= 32)
                .ok_or_else(|| bad(at("callsign"), "expected a string of at most 32 bytes"))?
                .to_string(),
        };
        let time_ms = match obj.get("time") {
            None => now_ms,
            Some(t) => {
                let text = t
                    .as_str()
                    .ok_or_else(|| bad(at("time"), "expected a time"))?;
                deconflict_space::units::parse_time(text)
                    .map_err(|e| bad(at("time"), e.to_string()))?
            }
        };
        out.push((
            id.to_string(),
            Reported {
                state,
                callsign,
                time_ms,
            },
        ));
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
        id: format!("track:{party}/{id}"),
        party: party.to_string(),
        kind: deconflict_strategic::Kind::AirOperation,
        version: 1,
        volumes: vec![volume],
    })
}
