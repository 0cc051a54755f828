//! Live tracks and tactical alerts between parties.
//!
//! Parties report the last state of their tracks (`POST /v1/tracks`); reports are kept in memory only (DESIGN:
//! tracks are ephemeral) and expire after the line's `track_ttl` ([`crate::Limits`]) without a new report. A
//! report's time must lie within `[now − track_ttl, now + track_future_skew]`; a batch names each track once; a
//! party holds at most `tracks_per_party` live tracks and sends at most `track_reports_per_second` reports. A periodic scan extrapolates
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
//! protection like sites and zones: a track heading into another party's side is an incursion. An incursion
//! alert names the area (its id and name, with the distance and the times) only if the intruding party was
//! given its declaration. Areas of a party it was not given make one alert per track and that party, which
//! says only "a protected area of PARTY" within the look-ahead: no id, name, kind, distance or window, and not
//! how many areas (a grid of tracks would otherwise map them). The areas' party is told which areas, how near
//! and when in an `alert.updated` for it alone ([`Body::owner_detail`]).
//!
//! Storms: a scan raises at most `alerts_per_party_pair` alerts one by one between one pair of parties;
//! whatever else it finds between them (and whatever the detector's budget left undecided) is one alert of
//! kind `storm` for the pair, with counts, updated only when a count doubles or halves. While a pair is in a
//! storm its open alerts are not closed as clear (they may not have been decided). So the entries one scan
//! logs are bounded by a constant times the pairs of parties, never by the number of tracks.
//!
//! Vertical state: a report without `vs_mps` has an unknown vertical rate, never taken as level flight: its
//! altitude spreads over the look-ahead by [`deconflict_tactical::UNKNOWN_VERTICAL_RATE_MPS`] each way. A
//! report with `alt_ref: "pressure"` gives pressure altitude (a flight level, standard setting); compared with
//! MSL altitudes (other tracks', sites' and zones') it is widened by [`deconflict_tactical::PRESSURE_MARGIN_M`].
//! One with `alt_ref: "wgs84"` gives a height above the WGS84 ellipsoid (GNSS, TAK's `hae`); compared with
//! altitudes on another reference it is widened by [`deconflict_tactical::MAX_GEOID_SEPARATION_M`], and its
//! path is checked against sites and zones on the WGS84 datum (the strategic check adds the same margin).

use std::collections::{BTreeMap, HashMap, VecDeque};

use deconflict_tactical::{Detector, Params, Track, Vertical};
use serde_json::{json, Value};

use crate::limits::Limits;

pub use deconflict_domain::kinds::{ALERT_CLOSED, ALERT_RAISED, ALERT_UPDATED};

/// Consecutive clear scans before an alert closes.
pub const CLEAR_SCANS: u32 = 3;
/// Look-ahead of the scan (s).
pub const LOOKAHEAD_S: f64 = 300.0;
/// The kind of the one alert a pair of parties gets for what a scan finds between them beyond
/// `alerts_per_party_pair`.
pub const STORM: &str = "storm";
/// A storm alert is updated when one of its counts has grown to this many times what was last logged, or
/// shrunk to a this-th of it; smaller changes are not logged.
pub const STORM_CHANGE: u64 = 2;

/// A reported track.
#[derive(Debug, Clone)]
pub struct Reported {
    pub state: Track,
    /// Whether its vertical rate is unknown (`vs_mps` not reported) and its altitude pressure altitude.
    pub vertical: Vertical,
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
    /// Track `track` of the scan heading into areas of `party`: one area the intruding party was given
    /// (`given`), or every area of `party` it was not given that the track is heading into (one alert for
    /// them all). The areas (id, distance in m) are described when the alert is logged.
    Incursion {
        track: usize,
        party: String,
        given: bool,
        areas: Vec<(String, f64)>,
        /// From the earliest start to the latest end of the track's conflicts with the areas.
        start_ms: i64,
        end_ms: i64,
        /// The scan's look-ahead (its time and that time plus [`LOOKAHEAD_S`]): the window an intruder not
        /// given the area is told.
        lookahead: (i64, i64),
        agreements: Value,
    },
    /// A separation alert between tracks `a` and `b` of the scan (by their place in it).
    Separation {
        a: usize,
        b: usize,
        encounter: deconflict_tactical::Encounter,
        agreements: Value,
    },
}

impl Body {
    /// The content both parties are given, with `track(i)` giving the scan's `i`-th track as it appears in an
    /// alert and `area(party, id)` an area of protection's kind and name (`None`: no longer in force).
    ///
    /// An incursion into an area the intruding party was given names it, with the distance and the window. One
    /// into areas it was not given says only that its track is predicted to enter a protected area of that
    /// party within the look-ahead: no id, name, kind, distance, geometry or window of the area (a grid of
    /// tracks would map hidden areas from any of them); their party is told those alone
    /// ([`Body::owner_detail`]). `None` when no area is in force any more.
    pub fn build(
        &self,
        track: impl Fn(usize) -> Value,
        area: impl Fn(&str, &str) -> Option<AreaInfo>,
    ) -> Option<Value> {
        Some(match self {
            Body::Ready(v) => v.clone(),
            Body::Incursion {
                track: i,
                party,
                given,
                areas,
                start_ms,
                end_ms,
                lookahead,
                agreements,
            } => {
                let t = track(*i);
                let fmt = deconflict_space::units::format_time;
                if *given {
                    let (id, distance_m) = areas.first()?;
                    let (kind, name) = area(party, id)?;
                    json!({
                        "kind": "incursion", "parties": [t["party"], party],
                        "tracks": [t],
                        "declaration": area_json(id, party, &kind, Some(&name), true),
                        "distance_m": distance_m.round(),
                        "start": fmt(*start_ms),
                        "end": fmt(*end_ms),
                        "agreements": agreements,
                    })
                } else {
                    areas.iter().find_map(|(id, _)| area(party, id))?;
                    json!({
                        "kind": "incursion", "parties": [t["party"], party],
                        "tracks": [t],
                        "declaration": hidden_area_json(party),
                        "start": fmt(lookahead.0),
                        "end": fmt(lookahead.1),
                        "agreements": agreements,
                    })
                }
            }
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
        })
    }
}

/// An area of protection's kind and name (`null` when it has none), as an incursion alert describes it.
pub type AreaInfo = (String, Value);

impl Body {
    /// What an incursion's areas' party alone is told when the intruding party was not given them (logged
    /// as an `alert.updated` for that party only, beside the alert both are given): the nearest area whole,
    /// its distance, the window, and every area of the alert with its distance. `None` for every other alert.
    pub fn owner_detail(&self, area: impl Fn(&str, &str) -> Option<AreaInfo>) -> Option<Value> {
        let Body::Incursion {
            party,
            given: false,
            areas,
            start_ms,
            end_ms,
            ..
        } = self
        else {
            return None;
        };
        let mut listed: Vec<(f64, Value)> = areas
            .iter()
            .filter_map(|(id, distance_m)| {
                let (kind, name) = area(party, id)?;
                let mut v = area_json(id, party, &kind, Some(&name), true);
                v["distance_m"] = json!(distance_m.round());
                Some((*distance_m, v))
            })
            .collect();
        // Nearest first; ties by id.
        listed.sort_by(|a, b| {
            a.0.total_cmp(&b.0)
                .then_with(|| a.1["id"].to_string().cmp(&b.1["id"].to_string()))
        });
        let (nearest_m, nearest) = listed.first()?.clone();
        let mut nearest = nearest;
        if let Some(o) = nearest.as_object_mut() {
            o.remove("distance_m");
        }
        Some(json!({
            "for": party,
            "declaration": nearest,
            "distance_m": nearest_m.round(),
            "start": deconflict_space::units::format_time(*start_ms),
            "end": deconflict_space::units::format_time(*end_ms),
            "areas": listed.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }))
    }
}

/// How an incursion alert describes an area of protection of `party` to the intruding party when it was
/// given that declaration: its id, kind and name. (Areas it was not given are described by
/// [`hidden_area_json`].)
pub fn area_json(id: &str, party: &str, kind: &str, name: Option<&Value>, given: bool) -> Value {
    if given {
        json!({"id": id, "party": party, "kind": kind, "name": name})
    } else {
        hidden_area_json(party)
    }
}

/// How an incursion alert describes, to an intruding party not given them, the areas of `party` its track is
/// heading into: only whose they are.
pub fn hidden_area_json(party: &str) -> Value {
    json!({"party": party, "description": format!("a protected area of {party}")})
}

/// A storm between two parties: its alert, and the counts last logged (pairs in conflict beyond the cap, tracks
/// involved, candidate pairs left undecided).
#[derive(Debug, Clone)]
pub struct Storm {
    pub id: String,
    pub logged: [u64; 3],
    pub clear_scans: u32,
}

/// Whether storm counts changed enough to be logged again: one has doubled or halved (see [`STORM_CHANGE`]).
pub fn storm_changed(logged: [u64; 3], now: [u64; 3]) -> bool {
    logged
        .iter()
        .zip(now)
        .any(|(&old, new)| new >= STORM_CHANGE * old.max(1) || new * STORM_CHANGE <= old && old > 0)
}

/// Live tracks by (party, track id), and each party's recent batches (for `track_reports_per_second`).
#[derive(Debug, Default)]
pub struct Live {
    pub tracks: BTreeMap<(String, String), Reported>,
    /// Per party: (line time in ms, reports) of its batches within the last second.
    recent: HashMap<String, VecDeque<(i64, usize)>>,
}

impl Live {
    pub fn new() -> Self {
        Live::default()
    }

    /// Live tracks held.
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Drops every track last reported before `oldest_ms`.
    pub fn expire(&mut self, oldest_ms: i64) {
        self.tracks.retain(|_, r| r.time_ms >= oldest_ms);
    }

    /// Keeps `party`'s batch of reports, or refuses all of it: `(limit, detail)` when the party would send more
    /// than `track_reports_per_second` reports within a second, or hold more than `tracks_per_party` live
    /// tracks (reports of tracks it already holds are always taken). Tracks older than `track_ttl` are not
    /// counted (they are dropped on the way).
    pub fn keep(
        &mut self,
        party: &str,
        reports: Vec<(String, Reported)>,
        now_ms: i64,
        limits: &Limits,
    ) -> Result<usize, (&'static str, String)> {
        let n = reports.len();
        let recent = self.recent.entry(party.to_string()).or_default();
        while recent.front().is_some_and(|(t, _)| *t <= now_ms - 1_000) {
            recent.pop_front();
        }
        let sent: usize = recent.iter().map(|(_, k)| k).sum();
        if sent + n > limits.track_reports_per_second {
            return Err((
                "track_reports_per_second",
                format!(
                    "{sent} reports within the last second and {n} more would pass the limit of {} per second \
                     (track_reports_per_second); nothing of this batch was kept",
                    limits.track_reports_per_second
                ),
            ));
        }
        let oldest = now_ms - limit_ms(limits.track_ttl);
        let mut key = (party.to_string(), String::new());
        let range = (party.to_string(), String::new())..;
        let held = self
            .tracks
            .range(range)
            .take_while(|((p, _), _)| p == party)
            .filter(|(_, r)| r.time_ms >= oldest)
            .count();
        let new = reports
            .iter()
            .filter(|(id, _)| {
                key.1.clone_from(id);
                self.tracks.get(&key).is_none_or(|r| r.time_ms < oldest)
            })
            .count();
        if held + new > limits.tracks_per_party {
            return Err((
                "tracks_per_party",
                format!(
                    "{held} live tracks and {new} new ones would pass the limit of {} per party \
                     (tracks_per_party); nothing of this batch was kept",
                    limits.tracks_per_party
                ),
            ));
        }
        recent.push_back((now_ms, n));
        for (id, r) in reports {
            key.1 = id;
            match self.tracks.get_mut(&key) {
                Some(old) => *old = r,
                None => {
                    self.tracks.insert(key.clone(), r);
                }
            }
        }
        Ok(n)
    }
}

/// A duration in ms, saturating.
pub fn limit_ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[derive(Debug, Default)]
pub struct Tactical {
    pub open: BTreeMap<String, OpenAlert>,
    /// Storm alerts open, by pair of parties (the lesser first).
    pub storms: BTreeMap<(String, String), Storm>,
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
const ALLOWED: [&str; 10] = [
    "id", "callsign", "lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps", "alt_ref", "time",
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
    alt_ref: Option<String>,
    time: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    tracks: Vec<RawReport>,
}

/// Checks one report's values; `i` is its place in the batch, for the field named in an error.
fn check(
    i: usize,
    raw: RawReport,
    now_ms: i64,
    limits: &Limits,
) -> Result<(String, Reported), (String, String)> {
    let at = |f: &str| format!("tracks[{i}].{f}");
    if raw.id.is_empty() || raw.id.len() > 64 {
        return Err(bad(at("id"), "expected a string of 1–64 bytes"));
    }
    // Other parties read the id and the callsign in their alerts, inside sentences.
    for (field, text) in [("id", Some(&raw.id)), ("callsign", raw.callsign.as_ref())] {
        if let Some(why) = text.and_then(|t| deconflict_plan::name_problem(t)) {
            return Err(bad(at(field), why));
        }
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
        // Unknown: held level here, spread by the detector (never taken as level flight).
        vs_mps: match raw.vs_mps {
            Some(v) => num("vs_mps", v, -1_000.0, 1_000.0)?,
            None => 0.0,
        },
    };
    let (pressure, ellipsoid) = match raw.alt_ref.as_deref() {
        None | Some("msl") => (false, false),
        Some("pressure") => (true, false),
        Some("wgs84") => (false, true),
        Some(_) => return Err(bad(
            at("alt_ref"),
            "expected \"msl\" (altitude above mean sea level, the default), \"pressure\" (pressure altitude: \
             a flight level, standard setting 1013.25 hPa) or \"wgs84\" (height above the WGS84 ellipsoid: \
             GNSS, TAK)",
        )),
    };
    let callsign = match raw.callsign {
        None => String::new(),
        Some(c) if c.len() <= 32 => c,
        Some(_) => return Err(bad(at("callsign"), "expected a string of at most 32 bytes")),
    };
    let time_ms = match raw.time {
        None => now_ms,
        Some(text) => {
            let t = deconflict_space::units::parse_time(&text)
                .map_err(|e| bad(at("time"), e.to_string()))?;
            let (ttl, skew) = (
                limit_ms(limits.track_ttl),
                limit_ms(limits.track_future_skew),
            );
            if t < now_ms.saturating_sub(ttl) {
                return Err(bad(
                    at("time"),
                    format!(
                        "{text} is more than {} s before the line's time {} (track_ttl)",
                        ttl / 1000,
                        deconflict_space::units::format_time(now_ms)
                    ),
                ));
            }
            if t > now_ms.saturating_add(skew) {
                return Err(bad(
                    at("time"),
                    format!(
                        "{text} is more than {} s after the line's time {} (track_future_skew)",
                        skew / 1000,
                        deconflict_space::units::format_time(now_ms)
                    ),
                ));
            }
            t
        }
    };
    Ok((
        raw.id,
        Reported {
            state,
            vertical: Vertical {
                rate_unknown: raw.vs_mps.is_none(),
                pressure,
                ellipsoid,
            },
            callsign,
            time_ms,
        },
    ))
}

/// Refuses a batch that names one track twice (which report would be the track's state?), naming the second.
fn once_each(reports: Vec<(String, Reported)>) -> Parsed {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(reports.len());
    for (i, (id, _)) in reports.iter().enumerate() {
        if let Some(j) = first.insert(id.as_str(), i) {
            return Err(bad(
                format!("tracks[{i}].id"),
                format!("{id:?} is reported by tracks[{j}] too; a batch reports each track once"),
            ));
        }
    }
    Ok(reports)
}

/// Reads a batch `{"tracks": [{id, callsign?, lat, lon, alt_m, gs_mps, trk_deg, vs_mps?, time?}]}` straight
/// from the request body (the fast path: no intermediate JSON tree); `now_ms` stands for a missing time.
/// `None` when the body does not have that shape: the caller then reads it as a tree with [`parse_batch`],
/// whose error names the field.
pub fn parse_batch_bytes(body: &[u8], now_ms: i64, limits: &Limits) -> Option<Parsed> {
    let batch = serde_json::from_slice::<RawBatch>(body).ok()?;
    if batch.tracks.len() > limits.track_batch {
        return None;
    }
    Some(
        batch
            .tracks
            .into_iter()
            .enumerate()
            .map(|(i, raw)| check(i, raw, now_ms, limits))
            .collect::<Parsed>()
            .and_then(once_each),
    )
}

/// Reads a batch from a JSON tree; `now_ms` stands for a missing time. Returns the reports or the field at
/// fault.
pub fn parse_batch(body: &Value, now_ms: i64, limits: &Limits) -> Parsed {
    let list = body
        .get("tracks")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("tracks".into(), "expected an array of track reports"))?;
    if list.len() > limits.track_batch {
        return Err(bad(
            "tracks".into(),
            format!(
                "at most {} reports per batch (track_batch)",
                limits.track_batch
            ),
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
            alt_ref: text("alt_ref", "\"msl\" or \"pressure\"")?,
            time: text("time", "a time")?,
        };
        out.push(check(i, raw, now_ms, limits)?);
    }
    once_each(out)
}

/// `t` moved on in a straight line by `dt_s` seconds: [`deconflict_tactical::extrapolate`], in closed form
/// (poles and the antimeridian without loops; every value finite).
pub fn extrapolate(t: &Track, dt_s: f64) -> Track {
    deconflict_tactical::extrapolate(t, dt_s)
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
        "alt_ref": if r.vertical.pressure {
            "pressure"
        } else if r.vertical.ellipsoid {
            "wgs84"
        } else {
            "msl"
        },
        "gs_mps": now.gs_mps, "trk_deg": now.trk_deg,
        // Unknown vertical rates stay unknown.
        "vs_mps": if r.vertical.rate_unknown { Value::Null } else { json!(now.vs_mps) },
    })
}

/// The id of a track's path as a declaration in the strategic index.
pub fn path_id(party: &str, id: &str) -> String {
    format!("track:{party}/{id}")
}

// The tactical and strategic checks take the same geoid margin.
const _: () = assert!(
    deconflict_tactical::MAX_GEOID_SEPARATION_M == deconflict_space::volume::MAX_GEOID_SEPARATION_M
);

/// The path of `t` over the look-ahead from `now_ms`, as a declaration the strategic index can check: a
/// 1 m corridor from where it is to where it will be, its altitude band, and the look-ahead's window. The band
/// is widened by what `vertical` leaves uncertain: an unknown vertical rate's climb and descent over the
/// look-ahead, and the margin between a pressure altitude and the MSL altitudes of sites and zones.
pub fn path_declaration(
    party: &str,
    id: &str,
    t: &Track,
    vertical: Vertical,
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
    let widen = vertical.spread_mps() * LOOKAHEAD_S
        + if vertical.pressure {
            deconflict_tactical::PRESSURE_MARGIN_M
        } else {
            0.0
        };
    let (lo, hi) = (
        clamp(t.alt_m.min(end.alt_m) - widen),
        clamp(t.alt_m.max(end.alt_m) + widen),
    );
    let volume = Volume4D {
        footprint: Region::new(&footprint).ok()?,
        // A height above the ellipsoid keeps its datum: the strategic check adds the geoid's margin.
        altitude: AltitudeBand::new(
            lo,
            hi.max(lo + 1.0),
            if vertical.ellipsoid {
                Datum::Wgs84
            } else {
                Datum::Msl
            },
        )
        .ok()?,
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
