//! Reading positions, altitudes and times as duty officers write them, into metres, WGS84 degrees and UTC.
//!
//! - Positions: DMS (`353520N0363010E`, `35°35'20"N 36°30'10"E`, `35 35 20 N 036 30 10 E`), degrees with
//!   hemispheres (`35.589N 36.503E`), and MGRS (`37SBU1234567890`, spaces allowed).
//! - Altitudes: `7500 m`, `24600 ft`, `FL245` (flight levels are pressure altitudes and are taken as
//!   hundreds of feet above mean sea level on the standard atmosphere), `SFC`/`GND` (the surface, taken as the
//!   lowest supported altitude so that nothing below is missed).
//! - Times: RFC 3339 / ISO 8601 with a zone (`2017-06-18T14:00:00Z`), and military date-time groups
//!   `DDHHMM` + zone letter + `MON` + `YY` (`181400ZJUN17`, `181700C JUN 2017`). Zone letters A–M (without J)
//!   are UTC+1…+12, N–Y UTC−1…−12, Z is UTC; J (local time) is refused because it names no offset.

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, TimeZone, Utc};

use crate::error::Problem;
use crate::geodesy::LonLat;
use crate::volume::{check_time, MIN_ALTITUDE_M};

/// Metres per international foot.
pub const METRES_PER_FOOT: f64 = 0.3048;

fn unreadable(what: &'static str, text: &str, why: impl Into<String>) -> Problem {
    Problem::Unreadable {
        what,
        text: text.to_string(),
        why: why.into(),
    }
}

/// Reads a position written as DMS, degrees with hemisphere letters, or MGRS.
pub fn parse_position(text: &str) -> Result<LonLat, Problem> {
    const WHAT: &str = "a position (DMS, degrees with N/S E/W, or MGRS)";
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(unreadable(WHAT, text, "it is empty"));
    }
    let upper = compact.to_ascii_uppercase();
    // MGRS: a zone number (1–60), a band letter, two square letters, then an even number of digits.
    let looks_mgrs = {
        let zone_len = upper.chars().take_while(|c| c.is_ascii_digit()).count();
        let rest: Vec<char> = upper.chars().skip(zone_len).collect();
        (1..=2).contains(&zone_len)
            && rest.len() >= 3
            && rest[..3].iter().all(|c| c.is_ascii_alphabetic())
            && rest[3..].iter().all(|c| c.is_ascii_digit())
    };
    let hemisphere_at = upper.find(['N', 'S']);
    if looks_mgrs {
        check_mgrs_shape(&upper).map_err(|why| unreadable(WHAT, text, why))?;
        let mgrs = geoconvert::Mgrs::parse_str(&upper)
            .map_err(|e| unreadable(WHAT, text, format!("not a valid MGRS reference ({e})")))?;
        let ll = mgrs.to_latlon();
        // MGRS names a square; its centre is the best single point for it.
        return Ok(LonLat::new(ll.longitude(), ll.latitude()));
    }
    let Some(split) = hemisphere_at else {
        return Err(unreadable(
            WHAT,
            text,
            "no hemisphere letter N or S after the latitude",
        ));
    };
    let (lat_part, rest) = upper.split_at(split);
    let south = rest.starts_with('S');
    let lon_all = &rest[1..];
    let Some(lon_end) = lon_all.find(['E', 'W']) else {
        return Err(unreadable(
            WHAT,
            text,
            "no hemisphere letter E or W after the longitude",
        ));
    };
    if lon_end + 1 != lon_all.len() {
        return Err(unreadable(WHAT, text, "text after the longitude's E/W"));
    }
    let west = lon_all[lon_end..].starts_with('W');
    let lat = angle_value(lat_part, 2).map_err(|why| unreadable(WHAT, text, why))?;
    let lon = angle_value(&lon_all[..lon_end], 3).map_err(|why| unreadable(WHAT, text, why))?;
    if lat > 90.0 {
        return Err(Problem::LatitudeOutOfRange(lat));
    }
    if lon > 180.0 {
        return Err(Problem::LongitudeOutOfRange(lon));
    }
    Ok(LonLat::new(
        if west { -lon } else { lon },
        if south { -lat } else { lat },
    ))
}

/// Checks what the MGRS library would otherwise trust: zone 1–60, band C–X (not I or O), square letters
/// (not I or O), and an even number of digits up to 10 (1 m).
fn check_mgrs_shape(upper: &str) -> Result<(), String> {
    let zone_len = upper.chars().take_while(|c| c.is_ascii_digit()).count();
    let zone: u32 = upper[..zone_len].parse().map_err(|_| "no zone number")?;
    if !(1..=60).contains(&zone) {
        return Err(format!("zone {zone} is outside 1..=60"));
    }
    let letters: Vec<char> = upper[zone_len..].chars().take(3).collect();
    let band_ok = ('C'..='X').contains(&letters[0]) && !matches!(letters[0], 'I' | 'O');
    if !band_ok {
        return Err(format!(
            "{} is not a latitude band (C–X without I and O)",
            letters[0]
        ));
    }
    if letters[1..].iter().any(|c| matches!(c, 'I' | 'O')) {
        return Err("square letters never include I or O".into());
    }
    let digits = upper.len() - zone_len - 3;
    if digits % 2 == 1 || digits > 10 {
        return Err(format!(
            "{digits} digits after the square letters; expected an even number up to 10"
        ));
    }
    Ok(())
}

/// Degrees from `DDMMSS[.s]`/`DDDMMSS[.s]`, `DD°MM'SS"`, or decimal degrees (a `.` within the first
/// `degree_digits + 1` characters, or a degree sign, or fewer digits than DDMM).
fn angle_value(part: &str, degree_digits: usize) -> Result<f64, String> {
    if part.is_empty() {
        return Err("an angle is missing".into());
    }
    if part.contains(['°', '\'', '"', ':']) {
        let fields: Vec<&str> = part
            .split(['°', '\'', '"', ':'])
            .filter(|s| !s.is_empty())
            .collect();
        return sexagesimal(&fields);
    }
    let int_len = part.find('.').unwrap_or(part.len());
    if !part.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return Err(format!(
            "{part:?} is not a number of degrees, minutes and seconds"
        ));
    }
    if int_len <= degree_digits {
        return decimal(part, false).ok_or_else(|| format!("{part:?} is not a number of degrees"));
    }
    let digits = &part[..int_len];
    let frac = &part[int_len..];
    match digits.len() - degree_digits {
        2 => sexagesimal(&[&digits[..degree_digits], &format!("{}{frac}", &digits[degree_digits..])]),
        4 => sexagesimal(&[
            &digits[..degree_digits],
            &digits[degree_digits..degree_digits + 2],
            &format!("{}{frac}", &digits[degree_digits + 2..]),
        ]),
        _ => Err(format!(
            "{part:?} has {} integer digits; expected {degree_digits} for degrees, {} with minutes or {} with seconds",
            digits.len(),
            degree_digits + 2,
            degree_digits + 4
        )),
    }
}

fn sexagesimal(fields: &[&str]) -> Result<f64, String> {
    if fields.is_empty() || fields.len() > 3 {
        return Err("expected degrees, minutes and seconds".into());
    }
    let mut value = 0.0;
    for (i, f) in fields.iter().enumerate() {
        let x: f64 = decimal(f, false).ok_or_else(|| format!("{f:?} is not a number"))?;
        if !x.is_finite() || x < 0.0 {
            return Err(format!("{f:?} is not a non-negative number"));
        }
        if i > 0 && x >= 60.0 {
            return Err(format!(
                "{} {x} is not below 60",
                ["", "minutes", "seconds"][i]
            ));
        }
        value += x / 60f64.powi(i as i32);
    }
    Ok(value)
}

/// A plain decimal number: ASCII digits with at most one `.` and at least one digit before it; with
/// `signed_grouped`, also an optional leading `-` and `,` between groups of three digits (`24,600`). Never a
/// `+`, an exponent, `inf` or `NaN`, which `str::parse::<f64>` would take. At most 20 digits.
fn decimal(s: &str, signed_grouped: bool) -> Option<f64> {
    let unsigned = match s.strip_prefix('-') {
        Some(rest) if signed_grouped => rest,
        _ => s,
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (unsigned, None),
    };
    let int_ok = if signed_grouped && int.contains(',') {
        let mut groups = int.split(',');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len())
            && first.bytes().all(|b| b.is_ascii_digit())
            && groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()))
    } else {
        !int.is_empty() && int.bytes().all(|b| b.is_ascii_digit())
    };
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    let digits = unsigned.bytes().filter(u8::is_ascii_digit).count();
    if !(int_ok && frac_ok && digits <= 20) {
        return None;
    }
    let value: f64 = s.replace(',', "").parse().ok()?;
    value.is_finite().then_some(value)
}

/// Reads an altitude (`7500 m`, `24600 ft`, `FL245`, `SFC`) and returns metres.
pub fn parse_altitude(text: &str) -> Result<f64, Problem> {
    const WHAT: &str = "an altitude (m, ft, FL or SFC)";
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if compact == "SFC" || compact == "GND" {
        return Ok(MIN_ALTITUDE_M);
    }
    let (number, factor) = if let Some(level) = compact.strip_prefix("FL") {
        if !(1..=3).contains(&level.len()) || !level.bytes().all(|c| c.is_ascii_digit()) {
            return Err(unreadable(
                WHAT,
                text,
                "a flight level is FL followed by 1 to 3 digits",
            ));
        }
        (level, 100.0 * METRES_PER_FOOT)
    } else if let Some(n) = compact
        .strip_suffix("FT")
        .or_else(|| compact.strip_suffix("FEET"))
    {
        (n, METRES_PER_FOOT)
    } else if let Some(n) = compact.strip_suffix('M') {
        (n, 1.0)
    } else {
        return Err(unreadable(
            WHAT,
            text,
            "the unit is missing: write m, ft or FL (feet and metres are never guessed)",
        ));
    };
    let value: f64 = decimal(number, true)
        .ok_or_else(|| unreadable(WHAT, text, format!("{number:?} is not a number (digits, an optional leading '-', ',' between thousands and one '.')")))?;
    if !value.is_finite() {
        return Err(Problem::NotFinite);
    }
    Ok(value * factor)
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// The UTC offset in hours of a military time-zone letter.
fn zone_offset_hours(letter: char) -> Option<i32> {
    match letter {
        'Z' => Some(0),
        'A'..='I' => Some(letter as i32 - 'A' as i32 + 1),
        'K'..='M' => Some(letter as i32 - 'K' as i32 + 10),
        'N'..='Y' => Some(-(letter as i32 - 'N' as i32 + 1)),
        _ => None,
    }
}

/// Two ASCII digits as a number (`"07"` → 7); `None` for anything else (signs, spaces, other digits).
fn two_digits(s: &str) -> Option<u32> {
    match s.as_bytes() {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

/// Whether `s` is RFC 3339's `date-time` exactly: `YYYY-MM-DD`, `T` (or `t`), `HH:MM:SS`, an optional
/// fraction of 1 to 9 digits, and `Z` (or `z`) or `±HH:MM`; every digit an ASCII digit. `chrono` alone is
/// more lenient than this (it takes, among others, a space for the `T`).
fn rfc3339_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(digits(0..4)
        && at(4, b"-")
        && digits(5..7)
        && at(7, b"-")
        && digits(8..10)
        && at(10, b"Tt")
        && digits(11..13)
        && at(13, b":")
        && digits(14..16)
        && at(16, b":")
        && digits(17..19))
    {
        return false;
    }
    let mut i = 19;
    if at(i, b".") {
        let n = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        i += 1 + n;
    }
    match b.get(i) {
        Some(b'Z' | b'z') => i + 1 == b.len(),
        Some(b'+' | b'-') => {
            i + 6 == b.len() && digits(i + 1..i + 3) && at(i + 3, b":") && digits(i + 4..i + 6)
        }
        _ => false,
    }
}

/// Reads a time (RFC 3339 or a military date-time group) and returns milliseconds since 1970-01-01T00:00Z.
///
/// The grammar is strict: RFC 3339's `date-time` (see `rfc3339_shape`), or a date-time group of exactly
/// `DD HH MM` (two ASCII digits each), a zone letter, a month's three letters and a year of exactly two or
/// four ASCII digits (`YY` is 20YY), spaces allowed between the parts. Leap seconds (`:60`) are taken as the
/// last millisecond of their minute's 59th second, as `chrono` does. Times outside
/// [`crate::volume::MIN_TIME_MS`]..=[`crate::volume::MAX_TIME_MS`] (1970 to 2200) are refused.
pub fn parse_time(text: &str) -> Result<i64, Problem> {
    const WHAT: &str = "a time (ISO 8601 with a zone, or a date-time group like 181400ZJUN17)";
    let trimmed = text.trim();
    if rfc3339_shape(trimmed) {
        let t = DateTime::parse_from_rfc3339(trimmed)
            .map_err(|e| unreadable(WHAT, text, format!("not a valid RFC 3339 time ({e})")))?;
        return check_time(t.timestamp_millis());
    }
    let compact: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let is_dtg = compact.is_ascii()
        && compact.len() >= 10
        && compact.as_bytes()[..6].iter().all(u8::is_ascii_digit)
        && compact.as_bytes()[6].is_ascii_alphabetic();
    if !is_dtg {
        return Err(unreadable(
            WHAT,
            text,
            if trimmed.contains(['T', 't']) && trimmed.contains(':') {
                "not RFC 3339: YYYY-MM-DD, 'T', HH:MM:SS, an optional fraction, and a zone such as Z or +03:00 are needed"
            } else {
                "neither RFC 3339 nor a date-time group DDHHMM, zone letter, month, year"
            },
        ));
    }
    // Checked above: six ASCII digits, so these are always Some.
    let (Some(day), Some(hour), Some(minute)) = (
        two_digits(&compact[0..2]),
        two_digits(&compact[2..4]),
        two_digits(&compact[4..6]),
    ) else {
        return Err(unreadable(WHAT, text, "DDHHMM must be six digits"));
    };
    let zone = char::from(compact.as_bytes()[6]);
    let offset = zone_offset_hours(zone).ok_or_else(|| {
        unreadable(
            WHAT,
            text,
            format!("zone letter {zone} names no fixed offset"),
        )
    })?;
    let month = MONTHS
        .iter()
        .position(|m| *m == &compact[7..10])
        .ok_or_else(|| unreadable(WHAT, text, format!("{:?} is not a month", &compact[7..10])))?;
    let year_text = &compact[10..];
    let all_digits = year_text.bytes().all(|b| b.is_ascii_digit());
    let year: i32 = match year_text.len() {
        2 | 4 if all_digits => year_text
            .parse()
            .map(|y: i32| if year_text.len() == 2 { 2000 + y } else { y })
            .map_err(|_| unreadable(WHAT, text, "the year needs exactly 2 or 4 digits"))?,
        _ => {
            return Err(unreadable(
                WHAT,
                text,
                format!(
                    "the year {year_text:?} is not exactly 2 or 4 digits (YY is 20YY, or YYYY)"
                ),
            ));
        }
    };
    if hour > 23 {
        return Err(unreadable(WHAT, text, format!("hour {hour} is not 00–23")));
    }
    if minute > 59 {
        return Err(unreadable(
            WHAT,
            text,
            format!("minute {minute} is not 00–59"),
        ));
    }
    let date = NaiveDate::from_ymd_opt(year, month as u32 + 1, day)
        .ok_or_else(|| unreadable(WHAT, text, format!("{} has no day {day}", MONTHS[month])))?;
    let local = date
        .and_hms_opt(hour, minute, 0)
        .ok_or_else(|| unreadable(WHAT, text, "no such time of day"))?;
    let tz = FixedOffset::east_opt(offset * 3600)
        .ok_or_else(|| unreadable(WHAT, text, "bad zone offset"))?;
    let t = tz
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| unreadable(WHAT, text, "no such local time"))?;
    check_time(t.timestamp_millis())
}

/// Formats milliseconds since the epoch as RFC 3339 UTC (`2017-06-18T14:00:00Z`).
pub fn format_time(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => format!("{ms} ms since 1970"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str) -> (f64, f64) {
        let p = parse_position(text).expect(text);
        (p.lon, p.lat)
    }

    fn close(a: (f64, f64), b: (f64, f64), tol: f64) -> bool {
        (a.0 - b.0).abs() < tol && (a.1 - b.1).abs() < tol
    }

    #[test]
    fn positions() {
        let expect = (
            36.0 + 30.0 / 60.0 + 10.0 / 3600.0,
            35.0 + 35.0 / 60.0 + 20.0 / 3600.0,
        );
        for text in [
            "353520N0363010E",
            "35 35 20 N 036 30 10 E",
            "35°35'20\"N 36°30'10\"E",
            "353520.0N0363010.0E",
        ] {
            assert!(close(pos(text), expect, 1e-9), "{text}: {:?}", pos(text));
        }
        assert!(close(pos("35.5N 36.25E"), (36.25, 35.5), 1e-12));
        assert!(close(pos("3530N03615W"), (-36.25, 35.5), 1e-12));
        assert!(close(pos("33.5S 151.2E"), (151.2, -33.5), 1e-12));
        // Raqqa area, 37S: GeographicLib's GeoConvert gives 35.9556N 38.9844E for this square's centre.
        let raqqa = pos("37SEV0000080000");
        assert!(close(raqqa, (39.0, 35.95), 0.1), "{raqqa:?}");
        assert!(close(pos("37S EV 00000 80000"), raqqa, 1e-12));
    }

    #[test]
    fn bad_positions_say_why() {
        for text in [
            "",
            "35.5 36.25",
            "913520N0363010E",
            "353520N1863010E",
            "356020N0363010E",
            "37SZZ123",
        ] {
            assert!(parse_position(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn altitudes() {
        assert_eq!(parse_altitude("7500 m"), Ok(7500.0));
        assert_eq!(parse_altitude("1000ft"), Ok(304.8));
        assert!((parse_altitude("FL245").expect("fl") - 7467.6).abs() < 1e-9);
        assert!((parse_altitude("fl 100").expect("fl") - 3048.0).abs() < 1e-9);
        assert_eq!(parse_altitude("SFC"), Ok(MIN_ALTITUDE_M));
        assert!(parse_altitude("7500").is_err(), "a bare number has no unit");
        assert!(parse_altitude("FLx").is_err());
    }

    #[test]
    fn regression_fuzz_non_ascii_date_time_group_does_not_panic() {
        // Found by the `units` fuzz target: byte slicing inside a multi-byte character.
        assert!(parse_time(":\u{299}#\u{299}#      ").is_err());
        assert!(parse_time("181400Zé\u{299}JUN17").is_err());
        assert!(parse_position("3535\u{299}20N0363010E").is_err());
        assert!(parse_altitude("FL\u{299}").is_err());
    }

    #[test]
    fn regression_fuzz_overlong_mgrs_does_not_panic() {
        // Found by the `units` fuzz target: the MGRS library overflows on 22 digits.
        assert!(parse_position("1TEE9999999999999999999999").is_err());
        assert!(parse_position("61SBU1234567890").is_err());
        assert!(parse_position("37IBU12345").is_err());
        assert!(parse_position("37SBU12345").is_err());
        assert!(
            parse_position("37SBU123456").is_ok(),
            "six digits: a 100 m square"
        );
    }

    #[test]
    fn times() {
        let t = parse_time("2017-06-18T14:00:00Z").expect("iso");
        assert_eq!(format_time(t), "2017-06-18T14:00:00Z");
        assert_eq!(parse_time("181400ZJUN17"), Ok(t));
        assert_eq!(parse_time("181400Z JUN 2017"), Ok(t));
        // C is UTC+3 (Syria in summer); 17:00C is 14:00Z.
        assert_eq!(parse_time("181700CJUN17"), Ok(t));
        assert_eq!(parse_time("2017-06-18T17:00:00+03:00"), Ok(t));
        for bad in [
            "311400ZJUN17",
            "182500ZJUN17",
            "181400JJUN17",
            "181400ZJUX17",
            "2017-06-18T14:00:00",
            "tomorrow",
        ] {
            assert!(parse_time(bad).is_err(), "{bad} was accepted");
        }
    }

    /// `expect` is the time as RFC 3339 UTC, or `!` and a part of the error.
    fn check_time_case(input: &str, expect: &str) {
        let got = match parse_time(input) {
            Ok(ms) => format_time(ms),
            Err(e) => format!("!{e}"),
        };
        match expect.strip_prefix('!') {
            Some(part) => assert!(
                got.starts_with('!') && got.contains(part),
                "{input:?}: expected an error containing {part:?}, got {got:?}"
            ),
            None => assert_eq!(got, expect, "{input:?}"),
        }
    }

    #[test]
    fn date_time_groups_are_read_strictly() {
        for (input, expect) in [
            ("181400ZJUN17", "2017-06-18T14:00:00Z"),
            ("181400zjun17", "2017-06-18T14:00:00Z"),
            ("181400Z JUN 2017", "2017-06-18T14:00:00Z"),
            (" 18 1400 Z JUN 17 ", "2017-06-18T14:00:00Z"),
            ("181700CJUN17", "2017-06-18T14:00:00Z"),
            ("180100AJAN70", "2070-01-18T00:00:00Z"),
            ("010000ZJAN1970", "1970-01-01T00:00:00Z"),
            ("312359ZDEC2199", "2199-12-31T23:59:00Z"),
            ("290000ZFEB24", "2024-02-29T00:00:00Z"),
            // The year is exactly two or four ASCII digits.
            (
                "181400ZJUNXX",
                "!the year \"XX\" is not exactly 2 or 4 digits",
            ),
            ("181400ZJUN-1", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN+7", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN+17", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN-017", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN+017", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN7", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN017", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN20170", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN", "!is not exactly 2 or 4 digits"),
            ("181400ZJUN1\u{661}", "!neither RFC 3339"),
            ("181400ZJUN\u{ff11}\u{ff17}", "!neither RFC 3339"),
            // Day, hour and minute: two ASCII digits each, in range.
            ("311400ZJUN17", "!JUN has no day 31"),
            ("001400ZJUN17", "!JUN has no day 0"),
            ("290000ZFEB23", "!FEB has no day 29"),
            ("182400ZJUN17", "!hour 24 is not 00"),
            ("181460ZJUN17", "!minute 60 is not 00"),
            ("+81400ZJUN17", "!neither RFC 3339"),
            ("-1400ZJUN17", "!neither RFC 3339"),
            ("1814\u{660}0ZJUN17", "!neither RFC 3339"),
            // Zones and months.
            ("181400JJUN17", "!zone letter J names no fixed offset"),
            ("1814001JUN17", "!neither RFC 3339"),
            ("181400ZJUX17", "!\"JUX\" is not a month"),
            // Within 1970..=2200 only.
            ("010000ZJAN1969", "!outside the supported range"),
            ("010001ZJAN2200", "!outside the supported range"),
            ("010000ZJAN0001", "!outside the supported range"),
            ("010000ZJAN9999", "!outside the supported range"),
            ("010000AJAN1970", "!outside the supported range"),
        ] {
            check_time_case(input, expect);
        }
    }

    #[test]
    fn rfc3339_times_are_read_strictly() {
        for (input, expect) in [
            ("2017-06-18T14:00:00Z", "2017-06-18T14:00:00Z"),
            ("2017-06-18t14:00:00z", "2017-06-18T14:00:00Z"),
            (" 2017-06-18T14:00:00Z\n", "2017-06-18T14:00:00Z"),
            ("2017-06-18T17:00:00+03:00", "2017-06-18T14:00:00Z"),
            ("2017-06-18T11:00:00-03:00", "2017-06-18T14:00:00Z"),
            ("2017-06-18T14:00:00.5Z", "2017-06-18T14:00:00.500Z"),
            ("2017-06-18T14:00:00.123456789Z", "2017-06-18T14:00:00.123Z"),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
            ("2200-01-01T00:00:00Z", "2200-01-01T00:00:00Z"),
            ("2200-01-01T00:00:00.001Z", "!outside the supported range"),
            ("1969-12-31T23:59:59Z", "!outside the supported range"),
            ("0001-01-01T00:00:00Z", "!outside the supported range"),
            ("9999-12-31T23:59:59Z", "!outside the supported range"),
            ("1970-01-01T00:00:00+01:00", "!outside the supported range"),
            ("2017-06-18T14:00:00", "!not RFC 3339"),
            ("2017-06-18 14:00:00Z", "!neither RFC 3339"),
            ("2017-06-18T14:00Z", "!not RFC 3339"),
            ("2017-06-18T14:00:00.Z", "!not RFC 3339"),
            ("2017-06-18T14:00:00.1234567891Z", "!not RFC 3339"),
            ("2017-06-18T14:00:00,5Z", "!not RFC 3339"),
            ("2017-6-18T14:00:00Z", "!not RFC 3339"),
            ("+2017-06-18T14:00:00Z", "!not RFC 3339"),
            ("2017-06-18T14:00:00+0300", "!not RFC 3339"),
            ("2017-06-18T14:00:00+03", "!not RFC 3339"),
            ("2017-06-18T14:00:00Z0", "!not RFC 3339"),
            ("2017-06-18T14:00:00ZZ", "!not RFC 3339"),
            ("2017-06-18T24:00:00Z", "!not a valid RFC 3339 time"),
            ("2017-02-30T14:00:00Z", "!not a valid RFC 3339 time"),
            ("2017-06-18T14:00:00+24:00", "!not a valid RFC 3339 time"),
            ("2017-06-18T14:00:00+\u{661}3:00", "!not RFC 3339"),
            ("20\u{661}7-06-18T14:00:00Z", "!not RFC 3339"),
            ("tomorrow", "!neither RFC 3339"),
            ("", "!neither RFC 3339"),
        ] {
            check_time_case(input, expect);
        }
    }

    /// `expect` is the altitude in metres, or `!` and a part of the error.
    fn check_altitude(input: &str, expect: &str) {
        let got = match parse_altitude(input) {
            Ok(m) => format!("{m:.4}"),
            Err(e) => format!("!{e}"),
        };
        match expect.strip_prefix('!') {
            Some(part) => assert!(
                got.starts_with('!') && got.contains(part),
                "{input:?}: expected an error containing {part:?}, got {got:?}"
            ),
            None => assert_eq!(got, expect, "{input:?}"),
        }
    }

    #[test]
    fn altitudes_are_read_strictly() {
        for (input, expect) in [
            ("7500 m", "7500.0000"),
            ("7500M", "7500.0000"),
            ("24,600 ft", "7498.0800"),
            ("1,000,000 m", "1000000.0000"),
            ("-400 m", "-400.0000"),
            ("0.5 m", "0.5000"),
            ("1000 feet", "304.8000"),
            ("FL245", "7467.6000"),
            ("fl 5", "152.4000"),
            ("FL000", "0.0000"),
            ("SFC", "-1000.0000"),
            ("gnd", "-1000.0000"),
            ("+7500 m", "!is not a number"),
            ("1e3 m", "!is not a number"),
            ("1E3 m", "!is not a number"),
            ("inf m", "!is not a number"),
            ("infinity ft", "!is not a number"),
            ("NaN m", "!is not a number"),
            ("- m", "!is not a number"),
            ("--5 m", "!is not a number"),
            (". m", "!is not a number"),
            (".5 m", "!is not a number"),
            ("5. m", "!is not a number"),
            ("1.2.3 m", "!is not a number"),
            ("2,4600 ft", "!is not a number"),
            (",600 ft", "!is not a number"),
            ("24,600.5,0 ft", "!is not a number"),
            ("0x10 m", "!is not a number"),
            ("\u{661}\u{660} m", "!is not a number"),
            ("123456789012345678901 m", "!is not a number"),
            ("FL", "!FL followed by 1 to 3 digits"),
            ("FL1000", "!FL followed by 1 to 3 digits"),
            ("FL-10", "!FL followed by 1 to 3 digits"),
            ("FL+10", "!FL followed by 1 to 3 digits"),
            ("FL1.5", "!FL followed by 1 to 3 digits"),
            ("7500", "!the unit is missing"),
        ] {
            check_altitude(input, expect);
        }
    }

    #[test]
    fn angles_are_plain_decimals() {
        for good in [
            "35.5N 36.25E",
            "353520.5N0363010.25E",
            "35°35'20.5\"N 36°30'10\"E",
        ] {
            assert!(parse_position(good).is_ok(), "{good}");
        }
        for bad in [
            "35°35'+20\"N 36°30'10\"E",
            "35°35'1e1\"N 36°30'10\"E",
            "inf°N 36°E",
            "NaN°N 36°E",
            "35.N 36E",
            ".5N 36E",
            "35°35.'20\"N 36°30'10\"E",
        ] {
            assert!(parse_position(bad).is_err(), "{bad} was accepted");
        }
    }
}
