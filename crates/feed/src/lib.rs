//! Surveillance feeds: the SBS-1 "BaseStation" text format, as ADS-B receivers (dump1090 and its kin) serve it
//! on TCP port 30003, read into complete track reports.
//!
//! An SBS-1 line is 22 comma-separated fields; only `MSG` lines carry data, and each transmission type carries
//! a few of them: 1 the callsign, 3 an airborne position with its altitude, 4 the ground speed, track and
//! vertical rate, 5–7 the altitude, 2 a surface position. Units are the feed's: feet, knots, feet per minute.
//! [`parse_line`] reads one line; an [`Assembler`] keeps what is known of each aircraft and gives a
//! [`Report`] — position, altitude, velocity, in metres and seconds — each time an airborne position arrives
//! while the aircraft's velocity is known and recent. Aircraft on the ground are not reported: the tactical
//! picture is about separation in the air.
//!
//! What a receiver says is taken for what it is, and no more: SBS-1 altitudes are barometric (pressure
//! altitude on the standard atmosphere, as Mode C and ADS-B report them), so a report's altitude is labelled
//! [`ALTITUDE_REFERENCE`] (`pressure`), never mean sea level; a velocity without a vertical rate leaves the
//! vertical rate unknown ([`Report::vs_known`] false), never level flight. Every number is a plain decimal
//! (no `+`, exponent, `inf` or `NaN`) within its field's physical range, and dates lie in 1970..=2199.
//!
//! Architecture invariant: pure — lines in, reports out; no IO, no clock (times come from the lines or the
//! caller).

use std::collections::HashMap;

pub mod asterix;
pub mod cot;

pub use deconflict_tactical::Track;

/// Metres per foot.
pub const M_PER_FT: f64 = 0.3048;
/// Metres per second per knot.
pub const MPS_PER_KT: f64 = 1852.0 / 3600.0;
/// A velocity older than this (ms) when a position arrives is not used.
pub const MAX_VELOCITY_AGE_MS: i64 = 30_000;
/// An altitude older than this (ms) when a position arrives without one is not used.
pub const MAX_ALTITUDE_AGE_MS: i64 = 30_000;
/// Aircraft not heard from for this long (ms) are forgotten by [`Assembler::forget_older_than`] callers.
pub const FORGET_AFTER_MS: i64 = 300_000;
/// What every altitude of an SBS-1 feed is measured from: pressure altitude (barometric, on the standard
/// atmosphere, as Mode C and ADS-B barometric altitudes are), not mean sea level. The line's `alt_ref`.
pub const ALTITUDE_REFERENCE: &str = "pressure";

/// Why a line could not be read: the field (1-based, with its SBS-1 name) and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("field {index} ({name}): {detail}")]
pub struct SbsError {
    pub index: usize,
    pub name: &'static str,
    pub detail: String,
}

/// The SBS-1 fields, in order.
pub const FIELDS: [&str; 22] = [
    "message type",
    "transmission type",
    "session id",
    "aircraft id",
    "hex ident",
    "flight id",
    "date generated",
    "time generated",
    "date logged",
    "time logged",
    "callsign",
    "altitude",
    "ground speed",
    "track",
    "latitude",
    "longitude",
    "vertical rate",
    "squawk",
    "alert",
    "emergency",
    "spi",
    "is on ground",
];

/// One `MSG` line: what it says, each field only if present.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SbsMessage {
    /// Transmission type, 1–8.
    pub transmission: u8,
    /// The aircraft's 24-bit address.
    pub address: u32,
    /// Whether the address is not an ICAO one (written with a leading `~`, e.g. TIS-B).
    pub non_icao: bool,
    /// When the message was generated (ms since 1970, the date and time taken as UTC), or logged.
    pub time_ms: Option<i64>,
    pub callsign: Option<String>,
    pub altitude_ft: Option<f64>,
    pub ground_speed_kt: Option<f64>,
    pub track_deg: Option<f64>,
    pub lat_deg: Option<f64>,
    pub lon_deg: Option<f64>,
    pub vertical_rate_fpm: Option<f64>,
    pub on_ground: Option<bool>,
}

fn err(index: usize, detail: impl Into<String>) -> SbsError {
    SbsError {
        index,
        name: FIELDS[index - 1],
        detail: detail.into(),
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A plain decimal: an optional `-`, ASCII digits, and at most one `.` followed by digits; at most 20 digits.
/// Never `+`, an exponent, `inf` or `NaN`, which `str::parse::<f64>` would take.
fn decimal(s: &str) -> Option<f64> {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let digits = |t: &str| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit());
    if !(digits(int) && frac.is_none_or(digits)) {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Latest year of a message's date: later is no real receiver's clock (and keeps times far from overflow).
pub const MAX_YEAR: i64 = 2199;

/// `2026/11/23` and `21:35:57.055` as ms since 1970 (UTC). Years 1970..=[`MAX_YEAR`].
fn parse_time(date: &str, time: &str, index: usize) -> Result<i64, SbsError> {
    let mut d = date.split('/');
    // 1 to `width` ASCII digits, within lo..=hi.
    let num = |s: Option<&str>,
               width: usize,
               lo: i64,
               hi: i64,
               what: &str,
               idx: usize|
     -> Result<i64, SbsError> {
        s.map(str::trim)
            .filter(|s| (1..=width).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|v| (lo..=hi).contains(v))
            .ok_or_else(|| err(idx, format!("expected {what}")))
    };
    const DATE: &str = "a date YYYY/MM/DD from 1970 to 2199";
    let y = num(d.next(), 4, 1970, MAX_YEAR, DATE, index)?;
    let mo = num(d.next(), 2, 1, 12, DATE, index)?;
    let day = num(d.next(), 2, 1, 31, DATE, index)?;
    if d.next().is_some() {
        return Err(err(index, format!("expected {DATE}")));
    }
    const TIME: &str = "a time HH:MM:SS.sss";
    let mut t = time.split(':');
    let h = num(t.next(), 2, 0, 23, TIME, index + 1)?;
    let mi = num(t.next(), 2, 0, 59, TIME, index + 1)?;
    let sec: f64 = t
        .next()
        .map(str::trim)
        .filter(|s| !s.starts_with('-'))
        .and_then(decimal)
        .filter(|s| (0.0..61.0).contains(s))
        .ok_or_else(|| err(index + 1, format!("expected {TIME}")))?;
    if t.next().is_some() {
        return Err(err(index + 1, format!("expected {TIME}")));
    }
    let days = days_from_civil(y, mo, day);
    Ok(((days * 24 + h) * 60 + mi) * 60_000 + (sec * 1000.0).round() as i64)
}

/// Reads one SBS-1 line. `Ok(None)` for lines that carry no track data (`SEL`, `ID`, `AIR`, `STA`, `CLK`, blank).
pub fn parse_line(line: &str) -> Result<Option<SbsMessage>, SbsError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Ok(None);
    }
    let mut f = [""; 22];
    let mut count = 0;
    for (i, part) in line.split(',').enumerate() {
        if i < f.len() {
            f[i] = part;
        }
        count = i + 1;
    }
    match f[0].trim() {
        "MSG" => {}
        "SEL" | "ID" | "AIR" | "STA" | "CLK" => return Ok(None),
        other => {
            return Err(err(
                1,
                format!("{other:?} is not an SBS-1 message type (MSG, SEL, ID, AIR, STA, CLK)"),
            ))
        }
    }
    if count < 11 {
        return Err(err(
            count.max(1),
            format!("a MSG line has 22 fields; this one has {count}"),
        ));
    }
    let field = |i: usize| Some(f[i - 1].trim()).filter(|s| !s.is_empty());
    let number = |i: usize, lo: f64, hi: f64, unit: &str| -> Result<Option<f64>, SbsError> {
        match field(i) {
            None => Ok(None),
            Some(s) => decimal(s)
                .filter(|v| *v >= lo && *v <= hi)
                .map(Some)
                .ok_or_else(|| err(i, format!("expected {unit} from {lo} to {hi}, found {s:?}"))),
        }
    };
    let transmission = field(2)
        .filter(|s| s.len() == 1)
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|t| (1..=8).contains(t))
        .ok_or_else(|| err(2, "expected a transmission type from 1 to 8"))?;
    let ident = field(5).unwrap_or("");
    let non_icao = ident.starts_with('~');
    let digits = ident.trim_start_matches('~');
    let address = Some(digits)
        .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(|| err(5, "expected a 24-bit address as six hex digits"))?;
    let time_ms = match (field(7), field(8), field(9), field(10)) {
        (Some(d), Some(t), _, _) => Some(parse_time(d, t, 7)?),
        (_, _, Some(d), Some(t)) => Some(parse_time(d, t, 9)?),
        _ => None,
    };
    let callsign = field(11)
        .map(|c| {
            if c.len() <= 8 && c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ') {
                Ok(c.to_string())
            } else {
                Err(err(11, "expected up to 8 letters and digits"))
            }
        })
        .transpose()?;
    let on_ground = match field(22) {
        None => None,
        Some("0") => Some(false),
        Some("-1") | Some("1") => Some(true),
        Some(other) => return Err(err(22, format!("expected 0 or -1, found {other:?}"))),
    };
    Ok(Some(SbsMessage {
        transmission,
        address,
        non_icao,
        time_ms,
        callsign,
        altitude_ft: number(12, -2_000.0, 200_000.0, "feet")?,
        ground_speed_kt: number(13, 0.0, 5_000.0, "knots")?,
        track_deg: number(14, -360.0, 360.0, "degrees")?,
        lat_deg: number(15, -90.0, 90.0, "degrees of latitude")?,
        lon_deg: number(16, -180.0, 180.0, "degrees of longitude")?,
        vertical_rate_fpm: number(17, -100_000.0, 100_000.0, "feet per minute")?,
        on_ground,
    }))
}

/// A complete airborne state, in the line's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The aircraft's address as six upper-case hex digits (with a leading `~` if it is not an ICAO one).
    pub id: String,
    pub callsign: String,
    /// Position, pressure altitude (m, see [`ALTITUDE_REFERENCE`]), ground speed (m/s), track and vertical
    /// speed (m/s; 0 when [`Report::vs_known`] is false, which only a consumer that must have a number may
    /// use).
    pub state: Track,
    /// Whether the vertical rate was given. A velocity message without one leaves it unknown: a feed must not
    /// turn "unknown" into "level flight".
    pub vs_known: bool,
    /// When the position was generated (ms since 1970).
    pub time_ms: i64,
    /// The altitude is pressure altitude (standard setting; the line's `alt_ref` `pressure`), else above
    /// mean sea level (`msl`). SBS-1 altitudes are always pressure altitude.
    pub pressure: bool,
}

/// What is known of one aircraft.
#[derive(Debug, Clone, Default)]
struct Aircraft {
    callsign: String,
    altitude: Option<(f64, i64)>,
    /// Ground speed (kt), track (deg), vertical rate (ft/min) if given, when.
    velocity: Option<(f64, f64, Option<f64>, i64)>,
    on_ground: bool,
    heard_ms: i64,
}

/// Keeps what each aircraft's messages said and gives a report per airborne position.
#[derive(Debug, Default)]
pub struct Assembler {
    aircraft: HashMap<(u32, bool), Aircraft>,
}

impl Assembler {
    pub fn new() -> Self {
        Self::default()
    }

    /// Aircraft currently known.
    pub fn len(&self) -> usize {
        self.aircraft.len()
    }

    pub fn is_empty(&self) -> bool {
        self.aircraft.is_empty()
    }

    /// Takes one message heard at `time_ms` (the message's own time, or the time it arrived); returns a
    /// report when it is an airborne position of an aircraft whose velocity and altitude are known and recent.
    pub fn push(&mut self, m: &SbsMessage, time_ms: i64) -> Option<Report> {
        let a = self.aircraft.entry((m.address, m.non_icao)).or_default();
        a.heard_ms = a.heard_ms.max(time_ms);
        if let Some(c) = &m.callsign {
            a.callsign = c.clone();
        }
        if let Some(g) = m.on_ground {
            a.on_ground = g;
        }
        if m.transmission == 2 {
            a.on_ground = true;
        }
        if let Some(alt) = m.altitude_ft {
            a.altitude = Some((alt, time_ms));
        }
        if let (Some(gs), Some(trk)) = (m.ground_speed_kt, m.track_deg) {
            a.velocity = Some((gs, trk, m.vertical_rate_fpm, time_ms));
        }
        if m.transmission != 3 || a.on_ground {
            return None;
        }
        let (lat, lon) = (m.lat_deg?, m.lon_deg?);
        let (alt_ft, alt_at) = a.altitude?;
        let (gs, trk, vr, vel_at) = a.velocity?;
        if time_ms - vel_at > MAX_VELOCITY_AGE_MS || time_ms - alt_at > MAX_ALTITUDE_AGE_MS {
            return None;
        }
        Some(Report {
            id: if m.non_icao {
                format!("~{:06X}", m.address)
            } else {
                format!("{:06X}", m.address)
            },
            callsign: a.callsign.clone(),
            state: Track {
                lat_deg: lat,
                lon_deg: lon,
                alt_m: alt_ft * M_PER_FT,
                gs_mps: gs * MPS_PER_KT,
                trk_deg: trk.rem_euclid(360.0),
                vs_mps: vr.map_or(0.0, |vr| vr * M_PER_FT / 60.0),
            },
            vs_known: vr.is_some(),
            pressure: true,
            time_ms,
        })
    }

    /// Forgets aircraft not heard from since `cutoff_ms`.
    pub fn forget_older_than(&mut self, cutoff_ms: i64) {
        self.aircraft.retain(|_, a| a.heard_ms >= cutoff_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POSITION: &str =
        "MSG,3,1,1,486257,1,2023/10/24,10:09:08.434,2023/10/24,10:09:08.434,,21350,,,44.33368,1.16854,,,,,,0";
    const VELOCITY: &str =
        "MSG,4,1,1,486257,1,2023/10/24,10:09:08.090,2023/10/24,10:09:08.090,,,402,354,,,1984,,,,,0";
    const CALLSIGN: &str =
        "MSG,1,1,1,486257,1,2023/10/24,10:09:07.000,2023/10/24,10:09:07.000,KLM1234 ,,,,,,,,,,,0";

    #[test]
    fn reads_the_fields_of_each_transmission_type() {
        let p = parse_line(POSITION).expect("reads").expect("a message");
        assert_eq!(p.transmission, 3);
        assert_eq!((p.address, p.non_icao), (0x486257, false));
        assert_eq!(p.altitude_ft, Some(21_350.0));
        assert_eq!((p.lat_deg, p.lon_deg), (Some(44.33368), Some(1.16854)));
        assert_eq!(p.on_ground, Some(false));
        // 2023-10-24T10:09:08.434Z
        assert_eq!(p.time_ms, Some(1_698_142_148_434));
        let v = parse_line(VELOCITY).expect("reads").expect("a message");
        assert_eq!(
            (v.ground_speed_kt, v.track_deg, v.vertical_rate_fpm),
            (Some(402.0), Some(354.0), Some(1984.0))
        );
        let c = parse_line(CALLSIGN).expect("reads").expect("a message");
        assert_eq!(c.callsign.as_deref(), Some("KLM1234"));
        for quiet in [
            "",
            "STA,,5,179,400AA5,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM",
            "CLK,,,,,,2016/01/01,00:00:00.000,,,,",
        ] {
            assert_eq!(parse_line(quiet), Ok(None), "{quiet}");
        }
    }

    #[test]
    fn bad_lines_name_the_field() {
        let cases = [
            ("XYZ,3,1,1", 1, "message type"),
            (
                "MSG,9,1,1,486257,1,,,,,,,,,,,,,,,,0",
                2,
                "transmission type",
            ),
            ("MSG,3,1,1,48625,1,,,,,,,,,,,,,,,,0", 5, "hex ident"),
            (
                "MSG,3,1,1,486257,1,2023/13/24,10:09:08.434,,,,,,,,,,,,,,0",
                7,
                "date generated",
            ),
            (
                "MSG,3,1,1,486257,1,2023/10/24,25:09:08.434,,,,,,,,,,,,,,0",
                8,
                "time generated",
            ),
            (
                "MSG,3,1,1,486257,1,,,,,,21350,,,95.0,1.0,,,,,,0",
                15,
                "latitude",
            ),
            (
                "MSG,3,1,1,486257,1,,,,,,21350,,,45.0,1.0x,,,,,,0",
                16,
                "longitude",
            ),
            (
                "MSG,3,1,1,486257,1,,,,,,high,,,45.0,1.0,,,,,,0",
                12,
                "altitude",
            ),
            (
                "MSG,3,1,1,486257,1,,,,,,1000,,,45.0,1.0,,,,,,2",
                22,
                "is on ground",
            ),
            ("MSG,3,1,1", 4, "aircraft id"),
        ];
        for (line, index, name) in cases {
            let e = parse_line(line).expect_err(line);
            assert_eq!((e.index, e.name), (index, name), "{line}: {e}");
        }
    }

    #[test]
    fn a_report_needs_position_altitude_and_recent_velocity() {
        let mut asm = Assembler::new();
        let msg = |l: &str| parse_line(l).expect("reads").expect("a message");
        let p = msg(POSITION);
        let t = p.time_ms.expect("time");
        assert_eq!(asm.push(&p, t), None, "no velocity yet");
        asm.push(&msg(CALLSIGN), t);
        asm.push(&msg(VELOCITY), t);
        let r = asm.push(&p, t).expect("a report");
        assert_eq!(r.id, "486257");
        assert_eq!(r.callsign, "KLM1234");
        let r = r.state;
        assert!((r.alt_m - 6_507.48).abs() < 1e-6);
        assert!((r.gs_mps - 402.0 * 1852.0 / 3600.0).abs() < 1e-9);
        assert!((r.vs_mps - 1984.0 * 0.3048 / 60.0).abs() < 1e-9);
        assert_eq!(r.trk_deg, 354.0);
        // A velocity too old is not used.
        assert_eq!(asm.push(&p, t + MAX_VELOCITY_AGE_MS + 1), None);
        // On the ground: no report.
        let mut g = p.clone();
        g.on_ground = Some(true);
        asm.push(&msg(VELOCITY), t);
        assert_eq!(asm.push(&g, t), None);
        asm.forget_older_than(t + MAX_VELOCITY_AGE_MS + 2);
        assert!(asm.is_empty());
    }

    #[test]
    fn dates_are_days_since_1970() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2018, 8, 1), 17_744);
    }

    /// A POSITION line with field `index` (1-based) replaced by `value`.
    fn with_field(index: usize, value: &str) -> String {
        let mut f: Vec<&str> = POSITION.split(',').collect();
        f[index - 1] = value;
        f.join(",")
    }

    #[test]
    fn fields_are_read_strictly() {
        // (field, value, accepted)
        for (index, value, ok) in [
            (12, "21350", true),
            (12, "-1000", true),
            (12, "21350.5", true),
            (12, "+21350", false),
            (12, "2.135e4", false),
            (12, "inf", false),
            (12, "NaN", false),
            (12, "0x10", false),
            (12, ".5", false),
            (12, "5.", false),
            (12, "1.2.3", false),
            (12, "200001", false),
            (15, "-90", true),
            (15, "-90.0000001", false),
            (15, "4\u{663}.0", false),
            (16, "+1.16854", false),
            (2, "03", false),
            (2, "+3", false),
            (7, "2023/10/24", true),
            (7, "2199/12/31", true),
            (7, "2200/01/01", false),
            (7, "9999/12/31", false),
            (7, "1969/12/31", false),
            (7, "+2023/10/24", false),
            (7, "2023/+10/24", false),
            (7, "2023/10/-1", false),
            (7, "02023/10/24", false),
            (7, "2023/10/24/1", false),
            (7, "2023/010/24", false),
            (8, "10:09:08.434", true),
            (8, "10:09:60.999", true),
            (8, "10:09:61", false),
            (8, "+1:09:08.434", false),
            (8, "10:09:-0.5", false),
            (8, "10:09:8e1", false),
            (8, "10:09:inf", false),
            (8, "10:09:08.434:1", false),
            (8, "010:09:08", false),
        ] {
            let line = with_field(index, value);
            let got = parse_line(&line);
            match (ok, &got) {
                (true, Ok(Some(_))) => {}
                (false, Err(e)) => assert_eq!(e.index, index, "{value:?}: {e}"),
                _ => panic!("field {index} = {value:?}: {got:?}"),
            }
        }
    }

    #[test]
    fn a_missing_vertical_rate_is_unknown_not_level() {
        let msg = |l: &str| parse_line(l).expect("reads").expect("a message");
        let p = msg(POSITION);
        let t = p.time_ms.expect("time");
        let mut asm = Assembler::new();
        asm.push(&msg(VELOCITY), t);
        let r = asm.push(&p, t).expect("a report");
        assert!(r.vs_known);
        // The same velocity without its vertical rate (field 17 empty).
        let no_rate: String = {
            let mut f: Vec<&str> = VELOCITY.split(',').collect();
            f[16] = "";
            f.join(",")
        };
        asm.push(&msg(&no_rate), t);
        let r = asm.push(&p, t).expect("a report");
        assert!(!r.vs_known, "{r:?}");
        assert_eq!(r.state.vs_mps, 0.0);
        assert_eq!(ALTITUDE_REFERENCE, "pressure");
    }
}
