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
use crate::volume::MIN_ALTITUDE_M;

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
        return part
            .parse::<f64>()
            .map_err(|_| format!("{part:?} is not a number of degrees"));
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
        let x: f64 = f.parse().map_err(|_| format!("{f:?} is not a number"))?;
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
        if level.is_empty() || !level.chars().all(|c| c.is_ascii_digit()) {
            return Err(unreadable(
                WHAT,
                text,
                "a flight level is FL followed by digits",
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
    let value: f64 = number
        .replace(',', "")
        .parse()
        .map_err(|_| unreadable(WHAT, text, format!("{number:?} is not a number")))?;
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

/// Reads a time (RFC 3339 or a military date-time group) and returns milliseconds since 1970-01-01T00:00Z.
pub fn parse_time(text: &str) -> Result<i64, Problem> {
    const WHAT: &str = "a time (ISO 8601 with a zone, or a date-time group like 181400ZJUN17)";
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.timestamp_millis());
    }
    let compact: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let is_dtg = compact.is_ascii()
        && compact.len() >= 12
        && compact[..6].chars().all(|c| c.is_ascii_digit())
        && compact[6..7].chars().all(|c| c.is_ascii_alphabetic());
    if !is_dtg {
        return Err(unreadable(
            WHAT,
            text,
            if trimmed.contains('T') {
                "not RFC 3339: a date, 'T', a time and a zone such as Z or +03:00 are needed"
            } else {
                "neither RFC 3339 nor a date-time group DDHHMM, zone letter, month, year"
            },
        ));
    }
    let num = |s: &str| s.parse::<u32>().unwrap_or(u32::MAX);
    let (day, hour, minute) = (
        num(&compact[0..2]),
        num(&compact[2..4]),
        num(&compact[4..6]),
    );
    let zone = compact[6..7].chars().next().unwrap_or('?');
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
    let year = match year_text.len() {
        2 => 2000 + num(year_text) as i32,
        4 => num(year_text) as i32,
        _ => {
            return Err(unreadable(WHAT, text, "the year needs 2 or 4 digits"));
        }
    };
    let date = NaiveDate::from_ymd_opt(year, month as u32 + 1, day)
        .ok_or_else(|| unreadable(WHAT, text, "no such date"))?;
    let local = date
        .and_hms_opt(hour, minute, 0)
        .ok_or_else(|| unreadable(WHAT, text, "no such time of day"))?;
    let tz = FixedOffset::east_opt(offset * 3600)
        .ok_or_else(|| unreadable(WHAT, text, "bad zone offset"))?;
    let t = tz
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| unreadable(WHAT, text, "no such local time"))?;
    Ok(t.timestamp_millis())
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
}
