//! Cursor on Target (CoT), the XML events TAK servers and clients (ATAK, WinTAK, iTAK) exchange: the events
//! the TAK bridge writes (shapes, markers, chat, deletions, its own presence) and the position reports (PLI)
//! it reads back, with the stream framing between them.
//!
//! A CoT event is `<event uid type how time start stale>` with a `<point lat lon hae ce le>` and a free
//! `<detail>`. What is written here keeps to the forms TAK servers relay unchanged: `remarks` carries an
//! attribute (a text-only `<remarks>` is turned into an attribute by some servers), flags are never empty
//! elements without attributes (some servers drop them), and times are UTC with a `Z`
//! (`2017-06-18T05:00:00.000Z`), the only form every CoT parser reads.
//!
//! What is read is hostile until checked: a TAK server relays whatever its clients send. [`Framer`] splits a
//! byte stream at each `</event>` and drops any event longer than [`MAX_EVENT_BYTES`] without holding more
//! than that in memory; [`parse_event`] reads one event's attributes with a streaming XML reader (no DTD, no
//! entity expansion beyond XML's five, no recursion) and checks every number; [`Pli::from_event`] takes only
//! what is a party's own unit reporting its own position: a friendly atom (`a-f-…`) placed by a machine
//! (`how` `m-…`: GPS, INS, a tracker), with a known height and a `<track>` (course and speed). Anything
//! else — a hostile or unknown marker a user dropped on the map, a shape, a chat — is not a live track.
//!
//! TAK heights (`hae`) are above the WGS84 ellipsoid, not mean sea level; a PLI says so (`alt_ref`
//! `wgs84`), and the line compares it with MSL heights with a margin for the geoid.
//!
//! Architecture invariant: pure — bytes in, events out; XML text out; no IO, no clock.

use deconflict_space::units::{format_time, parse_time};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Longest event read (bytes, from `<event` to `</event>`). TAK clients bound theirs to 64 KiB too; a PLI is
/// under 1 KiB.
pub const MAX_EVENT_BYTES: usize = 64 * 1024;
/// Most bytes of one oversized event dropped before the stream is given up (see [`Framer::wedged`]).
pub const MAX_SKIPPED_BYTES: u64 = 4 * 1024 * 1024;
/// CoT's "unknown" for `hae`, `ce` and `le`.
pub const UNKNOWN: f64 = 9_999_999.0;
/// Longest uid or callsign taken from an event (bytes); longer ones are refused.
pub const MAX_NAME_BYTES: usize = 256;
/// Oldest position report taken as a live track (ms before now): a replayed or delayed report is not one (the
/// line stamps a report on arrival; 15 s at 250 m/s is under 4 km).
pub const MAX_REPORT_AGE_MS: i64 = 15_000;
/// Furthest a report's time may be ahead of the bridge's clock (ms): clocks differ a little, no more (the
/// line's own default skew).
pub const MAX_REPORT_AHEAD_MS: i64 = 5_000;
/// Longest track id the line takes (bytes).
pub const MAX_TRACK_ID_BYTES: usize = 64;
/// Fastest ground speed a PLI may give (m/s): Mach 3 at sea level, above any aircraft in the airspace.
pub const MAX_SPEED_MPS: f64 = 1_100.0;

/// Why an event could not be read: the element and attribute at fault, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {detail}")]
pub struct CotError {
    /// Where: `event@uid`, `point@lat`, `detail/track@speed`, ….
    pub field: &'static str,
    pub detail: String,
}

fn err(field: &'static str, detail: impl Into<String>) -> CotError {
    CotError {
        field,
        detail: detail.into(),
    }
}

/// Splits a stream of concatenated events (TAK servers send them back to back, with or without XML
/// declarations or newlines between them) into whole events. An `</event>` inside a comment, a CDATA section or
/// a processing instruction ends nothing: otherwise a chat whose text holds `</event><event …>` would smuggle
/// an event of its own past the parser.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// How far `buf` has been scanned, and what the scan is inside.
    scan: usize,
    inside: Inside,
    /// Inside an event that grew past [`MAX_EVENT_BYTES`]: everything up to its `</event>` is dropped.
    skipping: bool,
    /// Events dropped for their size.
    pub oversized: u64,
    /// Bytes of the oversized event dropped so far (see [`Framer::wedged`]).
    skipped: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Inside {
    #[default]
    Markup,
    Comment,
    Cdata,
    Instruction,
}

const END: &[u8] = b"</event>";
/// The longest token the scan looks for (`<![CDATA[`).
const LONGEST: usize = 9;

impl Framer {
    /// Takes the bytes read and returns the events they complete, each from its `<event` to its `</event>`.
    /// Memory stays below `MAX_EVENT_BYTES` plus one read, whatever the peer sends.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        self.buf.extend_from_slice(bytes);
        // Scan only where a whole token can be seen; the rest waits for more bytes.
        while self.scan + LONGEST <= self.buf.len()
            || (self.scan < self.buf.len() && self.ends_here())
        {
            let rest = &self.buf[self.scan..];
            let (step, next) = match self.inside {
                Inside::Markup if rest.starts_with(END) => {
                    let end = self.scan + END.len();
                    if self.skipping {
                        self.skipping = false;
                        self.skipped = 0;
                    } else if let Some(start) = find(&self.buf[..end], b"<event") {
                        // One read may complete an event that grew past the bound before it was checked.
                        if end - start > MAX_EVENT_BYTES {
                            self.oversized += 1;
                        } else {
                            out.push(self.buf[start..end].to_vec());
                        }
                    }
                    self.buf.drain(..end);
                    self.scan = 0;
                    continue;
                }
                Inside::Markup if rest.starts_with(b"<!--") => (4, Inside::Comment),
                Inside::Markup if rest.starts_with(b"<![CDATA[") => (9, Inside::Cdata),
                Inside::Markup if rest.starts_with(b"<?") => (2, Inside::Instruction),
                Inside::Comment if rest.starts_with(b"-->") => (3, Inside::Markup),
                Inside::Cdata if rest.starts_with(b"]]>") => (3, Inside::Markup),
                Inside::Instruction if rest.starts_with(b"?>") => (2, Inside::Markup),
                state => (1, state),
            };
            self.scan += step;
            self.inside = next;
        }
        if self.buf.len() > MAX_EVENT_BYTES {
            self.skipped += self.scan as u64;
            if !self.skipping {
                self.oversized += 1;
            }
            self.skipping = true;
            // The scan keeps its place (inside a comment or CDATA section an `</event>` still ends nothing):
            // an oversized event is dropped whole, never cut into events of its own.
            // Keep just enough to find a token split across reads.
            let cut = self.scan.min(self.buf.len().saturating_sub(LONGEST));
            self.buf.drain(..cut);
            self.scan -= cut;
        }
        out
    }

    /// Whether one oversized event has gone on for more than [`MAX_SKIPPED_BYTES`] (a comment or CDATA section
    /// that never closes): the stream cannot be trusted to find its next event, and the connection should be
    /// made again (a TAK server starts a new one at an event).
    pub fn wedged(&self) -> bool {
        self.skipped > MAX_SKIPPED_BYTES
    }

    /// Whether the unscanned bytes end with a whole `</event>` (so an event is not held back waiting for
    /// bytes that may never come).
    fn ends_here(&self) -> bool {
        self.inside == Inside::Markup && self.buf[self.scan..].starts_with(END)
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The parts of one event the bridge reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Received {
    pub uid: String,
    /// The CoT type (`a-f-A-M-F`, `b-t-f`, …).
    pub kind: String,
    pub how: String,
    pub time_ms: i64,
    pub stale_ms: i64,
    pub lat: f64,
    pub lon: f64,
    /// Height above the WGS84 ellipsoid (m); `None` when unknown.
    pub hae: Option<f64>,
    pub callsign: Option<String>,
    /// `<track course speed>`: degrees true, m/s.
    pub course: Option<f64>,
    pub speed: Option<f64>,
}

/// Reads one event (as [`Framer`] gives it). Every attribute the bridge uses is checked; errors name it.
pub fn parse_event(xml: &[u8]) -> Result<Received, CotError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().check_end_names = true;
    let mut ev = Received::default();
    let (mut seen_event, mut seen_point) = (false, false);
    // Elements open above the current one, by name: only the path matters (event/point, event/detail/…).
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let e = reader
            .read_event_into(&mut buf)
            .map_err(|e| err("event", format!("not well-formed XML: {e}")))?;
        let (start, empty) = match &e {
            Event::Start(s) => (Some(s.clone()), false),
            Event::Empty(s) => (Some(s.clone()), true),
            Event::End(_) => {
                path.pop();
                (None, false)
            }
            Event::DocType(_) => return Err(err("event", "a DOCTYPE is not accepted")),
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(s) = start {
            let name = s.name().as_ref().to_vec();
            match (path.len(), name.as_slice()) {
                (0, b"event") => {
                    if seen_event {
                        return Err(err("event", "more than one event"));
                    }
                    seen_event = true;
                    read_event_attributes(&s, &mut ev)?;
                }
                (0, _) => return Err(err("event", "the root element is not <event>")),
                (1, b"point") => {
                    seen_point = true;
                    read_point(&s, &mut ev)?;
                }
                (2, b"contact") if path.last().is_some_and(|p| p == b"detail") => {
                    if let Some(c) = attribute(&s, b"callsign", "detail/contact@callsign")? {
                        ev.callsign = Some(bounded(c, "detail/contact@callsign")?);
                    }
                }
                (2, b"track") if path.last().is_some_and(|p| p == b"detail") => {
                    ev.course = number(&s, b"course", "detail/track@course")?;
                    ev.speed = number(&s, b"speed", "detail/track@speed")?;
                }
                _ => {}
            }
            if !empty {
                if path.len() >= 32 {
                    return Err(err("event", "elements nested deeper than 32"));
                }
                path.push(name);
            }
        }
        buf.clear();
    }
    if !seen_event {
        return Err(err("event", "no <event> element"));
    }
    if !seen_point {
        return Err(err("point", "missing"));
    }
    Ok(ev)
}

fn attribute(s: &BytesStart, key: &[u8], field: &'static str) -> Result<Option<String>, CotError> {
    for a in s.attributes() {
        let a = a.map_err(|e| err(field, format!("unreadable attribute: {e}")))?;
        if a.key.as_ref() == key {
            let v = a
                .unescape_value()
                .map_err(|e| err(field, format!("unreadable value: {e}")))?;
            return Ok(Some(v.into_owned()));
        }
    }
    Ok(None)
}

fn bounded(s: String, field: &'static str) -> Result<String, CotError> {
    if s.len() > MAX_NAME_BYTES {
        return Err(err(field, format!("longer than {MAX_NAME_BYTES} bytes")));
    }
    if s.chars().any(char::is_control) {
        return Err(err(field, "holds a control character"));
    }
    Ok(s)
}

/// A plain decimal (no `inf`, `NaN` or hex); `None` when the attribute is absent.
fn number(s: &BytesStart, key: &[u8], field: &'static str) -> Result<Option<f64>, CotError> {
    let Some(text) = attribute(s, key, field)? else {
        return Ok(None);
    };
    let t = text.trim();
    let plain = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match t.parse::<f64>() {
        Ok(v) if plain && v.is_finite() => Ok(Some(v)),
        _ => Err(err(field, format!("{t:?} is not a number"))),
    }
}

fn read_event_attributes(s: &BytesStart, ev: &mut Received) -> Result<(), CotError> {
    let required = |key: &[u8], field: &'static str| -> Result<String, CotError> {
        attribute(s, key, field)?.ok_or_else(|| err(field, "missing"))
    };
    ev.uid = bounded(required(b"uid", "event@uid")?, "event@uid")?;
    if ev.uid.is_empty() {
        return Err(err("event@uid", "empty"));
    }
    ev.kind = bounded(required(b"type", "event@type")?, "event@type")?;
    ev.how = bounded(
        attribute(s, b"how", "event@how")?.unwrap_or_default(),
        "event@how",
    )?;
    let time = |key: &[u8], field: &'static str| -> Result<i64, CotError> {
        let t = required(key, field)?;
        parse_time(t.trim()).map_err(|p| err(field, format!("{t:?}: {p}")))
    };
    ev.time_ms = time(b"time", "event@time")?;
    ev.stale_ms = time(b"stale", "event@stale")?;
    Ok(())
}

fn read_point(s: &BytesStart, ev: &mut Received) -> Result<(), CotError> {
    let lat = number(s, b"lat", "point@lat")?.ok_or_else(|| err("point@lat", "missing"))?;
    let lon = number(s, b"lon", "point@lon")?.ok_or_else(|| err("point@lon", "missing"))?;
    if !(-90.0..=90.0).contains(&lat) {
        return Err(err("point@lat", format!("{lat} is outside −90..90")));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(err("point@lon", format!("{lon} is outside −180..180")));
    }
    ev.lat = lat;
    ev.lon = lon;
    ev.hae = match number(s, b"hae", "point@hae")? {
        Some(h) if h >= UNKNOWN => None,
        Some(h) => Some(h),
        None => None,
    };
    Ok(())
}

/// A position report a party's own unit made: what the line takes as a live track.
#[derive(Debug, Clone, PartialEq)]
pub struct Pli {
    pub uid: String,
    pub callsign: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// Height above the WGS84 ellipsoid (m).
    pub hae_m: f64,
    pub speed_mps: f64,
    pub course_deg: f64,
    /// When the unit measured it (ms since 1970).
    pub time_ms: i64,
}

/// What an event is to the bridge.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    /// A party's unit reporting its own position.
    Pli(Pli),
    /// Not a position report (a shape, chat, marker, someone else's atom): not a track, not an error.
    Other(&'static str),
}

impl Pli {
    /// Whether `ev` is a party's own unit's position report, fresh at `now_ms`, and if so the report; an error
    /// names the part of a report that cannot be used.
    pub fn from_event(ev: &Received, now_ms: i64) -> Result<Taken, CotError> {
        if !ev.kind.starts_with("a-f-") {
            return Ok(Taken::Other("not a friendly atom (a-f-…)"));
        }
        if !ev.how.starts_with("m-") {
            return Ok(Taken::Other(
                "placed by hand, not machine-reported (how m-…)",
            ));
        }
        if ev.stale_ms <= now_ms {
            return Ok(Taken::Other("stale"));
        }
        if ev.time_ms < now_ms - MAX_REPORT_AGE_MS || ev.time_ms > now_ms + MAX_REPORT_AHEAD_MS {
            return Err(err(
                "event@time",
                format!(
                    "{} is not within {} s before or {} s after now",
                    format_time(ev.time_ms),
                    MAX_REPORT_AGE_MS / 1000,
                    MAX_REPORT_AHEAD_MS / 1000
                ),
            ));
        }
        if ev.uid.len() > MAX_TRACK_ID_BYTES {
            return Err(err(
                "event@uid",
                format!("longer than the line's {MAX_TRACK_ID_BYTES} bytes for a track"),
            ));
        }
        let hae_m = ev
            .hae
            .ok_or_else(|| err("point@hae", "unknown: a live track needs its height"))?;
        if !(deconflict_space::volume::MIN_ALTITUDE_M..=deconflict_space::volume::MAX_ALTITUDE_M)
            .contains(&hae_m)
        {
            return Err(err(
                "point@hae",
                format!("{hae_m} m is outside the line's heights"),
            ));
        }
        let speed = ev.speed.ok_or_else(|| {
            err(
                "detail/track@speed",
                "missing: a live track needs its velocity",
            )
        })?;
        let course = ev.course.ok_or_else(|| {
            err(
                "detail/track@course",
                "missing: a live track needs its velocity",
            )
        })?;
        if !(0.0..=MAX_SPEED_MPS).contains(&speed) {
            return Err(err(
                "detail/track@speed",
                format!("{speed} m/s is outside 0..{MAX_SPEED_MPS}"),
            ));
        }
        if !(0.0..=360.0).contains(&course) {
            return Err(err(
                "detail/track@course",
                format!("{course}° is outside 0..360"),
            ));
        }
        Ok(Taken::Pli(Pli {
            uid: ev.uid.clone(),
            callsign: ev.callsign.clone(),
            lat: ev.lat,
            lon: ev.lon,
            hae_m,
            speed_mps: speed,
            course_deg: course % 360.0,
            time_ms: ev.time_ms,
        }))
    }
}

// ---- writing ----

/// Escapes text for an XML attribute or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 has no way to write most control characters; a line break becomes a space.
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A CoT time: RFC 3339 UTC with milliseconds and `Z`.
pub fn cot_time(ms: i64) -> String {
    let t = format_time(ms - ms.rem_euclid(1000));
    let frac = ms.rem_euclid(1000);
    match t.strip_suffix('Z') {
        Some(body) => format!("{body}.{frac:03}Z"),
        None => t,
    }
}

/// When an event is valid: `time` and `start` (when written), `stale` (when a client drops it). Wall-clock
/// times, whatever the line's clock: TAK clients drop what is stale by their own clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    pub now_ms: i64,
    pub stale_ms: i64,
}

/// A colour as TAK writes it: ARGB packed in a signed 32-bit integer.
pub const fn argb(a: u8, r: u8, g: u8, b: u8) -> i32 {
    i32::from_be_bytes([a, r, g, b])
}

fn envelope(uid: &str, kind: &str, how: &str, t: Times, point: (f64, f64), detail: &str) -> String {
    format!(
        "<event version=\"2.0\" uid=\"{}\" type=\"{}\" how=\"{}\" time=\"{}\" start=\"{}\" stale=\"{}\">\
         <point lat=\"{:.7}\" lon=\"{:.7}\" hae=\"{UNKNOWN:.1}\" ce=\"{UNKNOWN:.1}\" le=\"{UNKNOWN:.1}\"/>\
         <detail>{detail}</detail></event>",
        escape(uid),
        escape(kind),
        escape(how),
        cot_time(t.now_ms),
        cot_time(t.now_ms),
        cot_time(t.stale_ms),
        point.0,
        point.1,
    )
}

fn remarks(text: &str) -> String {
    format!("<remarks source=\"deconflict\">{}</remarks>", escape(text))
}

/// A drawn shape's look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub stroke: i32,
    pub fill: i32,
}

fn style(s: Style) -> String {
    format!(
        "<strokeColor value=\"{}\"/><strokeWeight value=\"3.0\"/><fillColor value=\"{}\"/>\
         <labels_on value=\"true\"/>",
        s.stroke, s.fill
    )
}

/// A closed polygon (`u-d-f`), its vertices `(lat, lon)` in order, the first repeated at the end.
pub fn polygon(
    uid: &str,
    name: &str,
    ring: &[(f64, f64)],
    s: Style,
    text: &str,
    t: Times,
) -> String {
    let n = ring.len().max(1) as f64;
    let (la, lo) = ring
        .iter()
        .fold((0.0, 0.0), |(a, b), &(la, lo)| (a + la / n, b + lo / n));
    let mut detail = String::new();
    for (lat, lon) in ring {
        detail.push_str(&format!("<link point=\"{lat:.7},{lon:.7}\"/>"));
    }
    detail.push_str(&style(s));
    detail.push_str(&format!("<contact callsign=\"{}\"/>", escape(name)));
    detail.push_str(&remarks(text));
    envelope(uid, "u-d-f", "h-e", t, (la, lo), &detail)
}

/// A circle (`u-d-c-c`) of `radius_m` around `(lat, lon)`.
pub fn circle(
    uid: &str,
    name: &str,
    center: (f64, f64),
    radius_m: f64,
    s: Style,
    text: &str,
    t: Times,
) -> String {
    let detail = format!(
        "<shape><ellipse major=\"{radius_m:.1}\" minor=\"{radius_m:.1}\" angle=\"360\"/></shape>{}\
         <contact callsign=\"{}\"/>{}",
        style(s),
        escape(name),
        remarks(text)
    );
    envelope(uid, "u-d-c-c", "h-e", t, center, &detail)
}

/// An alert marker (`b-m-p-s-m`, a spot map point) at `(lat, lon)`, in `colour`.
pub fn marker(uid: &str, name: &str, at: (f64, f64), colour: i32, text: &str, t: Times) -> String {
    let detail = format!(
        "<contact callsign=\"{}\"/><color argb=\"{colour}\"/>\
         <usericon iconsetpath=\"COT_MAPPING_SPOTMAP/b-m-p-s-m/{colour}\"/>{}",
        escape(name),
        remarks(text)
    );
    envelope(uid, "b-m-p-s-m", "h-g-i-g-o", t, at, &detail)
}

/// A chat message (`b-t-f`, GeoChat) to the "All Chat Rooms" room, from the bridge (`sender_uid`, its
/// `callsign`), so every user on the party's TAK server sees it at once.
pub fn chat(sender_uid: &str, callsign: &str, message_id: &str, text: &str, t: Times) -> String {
    let room = "All Chat Rooms";
    let uid = format!("GeoChat.{sender_uid}.{room}.{message_id}");
    let detail = format!(
        "<__chat parent=\"RootContactGroup\" groupOwner=\"false\" messageId=\"{mid}\" chatroom=\"{room}\" \
         id=\"{room}\" senderCallsign=\"{cs}\"><chatgrp uid0=\"{su}\" uid1=\"{room}\" id=\"{room}\"/></__chat>\
         <link uid=\"{su}\" type=\"a-f-G-U-C\" relation=\"p-p\"/>\
         <remarks source=\"BAO.F.ATAK.{su}\" to=\"{room}\" time=\"{time}\">{text}</remarks>",
        mid = escape(message_id),
        cs = escape(callsign),
        su = escape(sender_uid),
        time = cot_time(t.now_ms),
        text = escape(text),
    );
    envelope(&uid, "b-t-f", "h-g-i-g-o", t, (0.0, 0.0), &detail)
}

/// Withdraws the event `target` from every client (`t-x-d-d`, forced).
pub fn delete(uid: &str, target: &str, t: Times) -> String {
    let detail = format!(
        "<link uid=\"{}\" relation=\"none\" type=\"none\"/><__forcedelete value=\"true\"/>",
        escape(target)
    );
    envelope(uid, "t-x-d-d", "h-g-i-g-o", t, (0.0, 0.0), &detail)
}

/// The bridge's own presence (a ground unit at `at`), the first event it sends on a connection.
pub fn presence(uid: &str, callsign: &str, at: (f64, f64), t: Times) -> String {
    let detail = format!(
        "<contact callsign=\"{}\"/><__group name=\"White\" role=\"HQ\"/>{}",
        escape(callsign),
        remarks("deconfliction line bridge")
    );
    envelope(uid, "a-f-G-U-C-I", "h-e", t, at, &detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t() -> Times {
        Times {
            now_ms: 1_497_762_000_123,
            stale_ms: 1_497_762_300_000,
        }
    }

    #[test]
    fn written_events_read_back() {
        let x = polygon(
            "d-1",
            "Zone <A> & \"B\"",
            &[(35.0, 38.0), (35.1, 38.0), (35.1, 38.1), (35.0, 38.0)],
            Style {
                stroke: argb(255, 255, 0, 0),
                fill: argb(64, 255, 0, 0),
            },
            "FL100–FL200\n05:00Z",
            t(),
        );
        assert!(x.contains("time=\"2017-06-18T05:00:00.123Z\""), "{x}");
        let ev = parse_event(x.as_bytes()).expect("reads");
        assert_eq!(ev.uid, "d-1");
        assert_eq!(ev.kind, "u-d-f");
        assert_eq!(ev.callsign.as_deref(), Some("Zone <A> & \"B\""));
        assert_eq!(ev.hae, None);
        assert_eq!(ev.stale_ms, 1_497_762_300_000);
        for x in [
            circle(
                "c",
                "C",
                (35.0, 38.0),
                500.0,
                Style { stroke: 1, fill: 2 },
                "r",
                t(),
            ),
            marker("m", "M", (35.0, 38.0), argb(255, 255, 0, 0), "r", t()),
            chat("b-1", "LINE", "m-1", "FLASH <now>", t()),
            delete("x", "d-1", t()),
            presence("b-1", "LINE", (35.0, 38.0), t()),
        ] {
            parse_event(x.as_bytes()).unwrap_or_else(|e| panic!("{e}: {x}"));
        }
    }

    /// 2026-12-02T16:31:30Z, three seconds after the reports below.
    const NOW: i64 = 1_796_229_090_000;

    fn pli(extra: &str, hae: &str, how: &str, kind: &str) -> String {
        format!(
            "<event version=\"2.0\" uid=\"ANDROID-1\" type=\"{kind}\" how=\"{how}\" \
             time=\"2026-12-02T16:31:27.298107Z\" start=\"2026-12-02T16:31:27.298183Z\" \
             stale=\"2026-12-02T16:36:27.298205Z\"><point lat=\"35.5\" lon=\"38.5\" hae=\"{hae}\" ce=\"10\" \
             le=\"15\"/><detail><contact callsign=\"VIPER&amp;1\"/>{extra}</detail></event>"
        )
    }

    #[test]
    fn a_friendly_machine_report_is_a_track_and_nothing_else_is() {
        let take = |x: String| Pli::from_event(&parse_event(x.as_bytes()).expect("reads"), NOW);
        let ok = take(pli(
            "<track course=\"90\" speed=\"200\"/>",
            "9000",
            "m-g",
            "a-f-A",
        ));
        let Ok(Taken::Pli(p)) = ok else {
            panic!("{ok:?}")
        };
        assert_eq!(
            (p.lat, p.lon, p.hae_m, p.speed_mps, p.course_deg),
            (35.5, 38.5, 9000.0, 200.0, 90.0)
        );
        assert_eq!(p.callsign.as_deref(), Some("VIPER&1"));
        assert!(matches!(
            take(pli(
                "<track course=\"90\" speed=\"200\"/>",
                "9000",
                "h-e",
                "a-f-A"
            )),
            Ok(Taken::Other(_))
        ));
        assert!(matches!(
            take(pli(
                "<track course=\"90\" speed=\"200\"/>",
                "9000",
                "m-g",
                "a-h-A"
            )),
            Ok(Taken::Other(_))
        ));
        let e = take(pli("", "9000", "m-g", "a-f-A")).expect_err("no track");
        assert_eq!(e.field, "detail/track@speed");
        let e = take(pli(
            "<track course=\"90\" speed=\"200\"/>",
            "9999999.0",
            "m-g",
            "a-f-A",
        ))
        .expect_err("no height");
        assert_eq!(e.field, "point@hae");
        let e = parse_event(
            pli(
                "<track course=\"90\" speed=\"NaN\"/>",
                "9000",
                "m-g",
                "a-f-A",
            )
            .as_bytes(),
        )
        .expect_err("NaN");
        assert_eq!(e.field, "detail/track@speed");
        let e = take(pli(
            "<track course=\"400\" speed=\"2\"/>",
            "9000",
            "m-g",
            "a-f-A",
        ))
        .expect_err("course");
        assert_eq!(e.field, "detail/track@course");
    }

    #[test]
    fn bad_events_are_named() {
        for (x, field) in [
            ("<event uid=\"a\" type=\"a-f\" time=\"x\" stale=\"x\"><point lat=\"1\" lon=\"2\"/></event>", "event@time"),
            ("<event type=\"a-f\"/>", "event@uid"),
            ("<!DOCTYPE x [<!ENTITY a \"b\">]><event/>", "event"),
            ("<event uid=\"a\" type=\"t\" time=\"2026-12-02T00:00:00Z\" stale=\"2026-12-02T00:00:00Z\"><point lat=\"91\" lon=\"0\"/></event>", "point@lat"),
            ("<event uid=\"a\" type=\"t\" time=\"2026-12-02T00:00:00Z\" stale=\"2026-12-02T00:00:00Z\"><point lat=\"1\" lon=\"0x10\"/></event>", "point@lon"),
            ("<event uid=\"a\" type=\"t\" time=\"2026-12-02T00:00:00Z\" stale=\"2026-12-02T00:00:00Z\"></event>", "point"),
            ("<event uid=\"a\" type=\"t\" time=\"2026-12-02T00:00:00Z\" stale=\"2026-12-02T00:00:00Z\"><point lat=\"1\" lon=\"0\"></event>", "event"),
        ] {
            let e = parse_event(x.as_bytes()).expect_err(x);
            assert_eq!(e.field, field, "{x}: {e}");
        }
    }

    #[test]
    fn an_end_inside_a_comment_cdata_or_instruction_ends_nothing() {
        let inner = pli("<track course=\"1\" speed=\"1\"/>", "100", "m-g", "a-f-A");
        let one = presence("b", "B", (1.0, 2.0), t());
        for wrapper in [
            format!("<event uid=\"c\"><detail><remarks><![CDATA[</event>{inner}]]></remarks></detail></event>"),
            format!("<event uid=\"c\"><detail><!-- </event>{inner} --></detail></event>"),
            format!("<event uid=\"c\"><?pi </event>{inner} ?><point lat=\"1\" lon=\"1\"/></event>"),
        ] {
            let stream = format!("{wrapper}{one}");
            for cut in 1..stream.len() {
                let mut f = Framer::default();
                let mut got = f.push(&stream.as_bytes()[..cut]);
                got.extend(f.push(&stream.as_bytes()[cut..]));
                assert_eq!(got.len(), 2, "cut at {cut}: {wrapper}");
                assert_eq!(got[0], wrapper.as_bytes(), "cut at {cut}");
                assert_eq!(got[1], one.as_bytes());
            }
        }
        // An oversized event is dropped whole: an end inside its CDATA, past the bound, still ends nothing.
        let mut f = Framer::default();
        let big = format!(
            "<event uid=\"c\"><detail><remarks><![CDATA[{}</event>{inner}]]></remarks></detail></event>",
            "a".repeat(MAX_EVENT_BYTES + 10)
        );
        let mut got = Vec::new();
        for chunk in big.as_bytes().chunks(4096) {
            got.extend(f.push(chunk));
        }
        got.extend(f.push(one.as_bytes()));
        assert!(got == vec![one.as_bytes().to_vec()], "{} events", got.len());
        assert_eq!(f.oversized, 1);
        // A comment that never closes: past MAX_SKIPPED_BYTES the framer says the stream is wedged.
        let mut f = Framer::default();
        f.push(b"<event uid=\"x\"><!-- ");
        let chunk = vec![b'a'; 1 << 16];
        for _ in 0..(MAX_SKIPPED_BYTES / (1 << 16) + 2) {
            assert!(f.push(&chunk).is_empty());
            assert!(f.buf.len() <= MAX_EVENT_BYTES + (1 << 16));
        }
        assert!(f.wedged());
    }

    #[test]
    fn stale_old_or_long_named_reports_are_not_tracks() {
        let track = "<track course=\"90\" speed=\"200\"/>";
        let ev = parse_event(pli(track, "9000", "m-g", "a-f-A").as_bytes()).expect("reads");
        assert!(matches!(Pli::from_event(&ev, NOW), Ok(Taken::Pli(_))));
        // Past its stale time (five minutes after).
        assert_eq!(
            Pli::from_event(&ev, NOW + 400_000),
            Ok(Taken::Other("stale"))
        );
        let mut old = ev.clone();
        old.stale_ms = NOW + 86_400_000;
        let e = Pli::from_event(&old, NOW + 120_000).expect_err("old");
        assert_eq!(e.field, "event@time");
        let e = Pli::from_event(&old, NOW - 60_000).expect_err("ahead");
        assert_eq!(e.field, "event@time");
        let mut long = ev.clone();
        long.uid = "A".repeat(65);
        assert_eq!(
            Pli::from_event(&long, NOW).expect_err("long").field,
            "event@uid"
        );
    }

    #[test]
    fn the_framer_splits_anywhere_and_bounds_memory() {
        let one = presence("b", "B", (1.0, 2.0), t());
        let stream = format!("<?xml version=\"1.0\"?>{one}\n{one}{one}");
        for cut in 1..stream.len() {
            let mut f = Framer::default();
            let mut got = f.push(&stream.as_bytes()[..cut]);
            got.extend(f.push(&stream.as_bytes()[cut..]));
            assert_eq!(got.len(), 3, "cut at {cut}");
            assert!(got.iter().all(|e| e == one.as_bytes()));
        }
        let mut f = Framer::default();
        let huge = format!(
            "<event uid=\"x\">{}</event>{one}",
            "a".repeat(3 * MAX_EVENT_BYTES)
        );
        let mut got = Vec::new();
        for chunk in huge.as_bytes().chunks(4096) {
            got.extend(f.push(chunk));
            assert!(f.buf.len() <= MAX_EVENT_BYTES + 4096);
        }
        assert_eq!(got, vec![one.as_bytes().to_vec()]);
        assert_eq!(f.oversized, 1);
    }
}
