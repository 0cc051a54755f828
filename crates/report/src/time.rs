//! Times in the report: RFC 3339 UTC, as everywhere on the line, and the military date-time group
//! (`181400ZJUN17`) the watch floors read.

use chrono::{Datelike, TimeZone, Timelike, Utc};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Milliseconds since 1970 as RFC 3339 UTC (`2017-06-18T14:00:00Z`, with a fraction only when there is one).
pub fn rfc3339(ms: i64) -> String {
    deconflict_space::units::format_time(ms)
}

/// Milliseconds since 1970 as a date-time group in zone Z: `DDHHMMZMONYY` (seconds dropped).
pub fn dtg(ms: i64) -> String {
    match Utc.timestamp_millis_opt(ms).single() {
        Some(t) => format!(
            "{:02}{:02}{:02}Z{}{:02}",
            t.day(),
            t.hour(),
            t.minute(),
            MONTHS[t.month0() as usize],
            t.year().rem_euclid(100)
        ),
        None => format!("{ms} ms since 1970"),
    }
}

/// A duration in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`.
pub fn span(ms: i64) -> String {
    let s = ms.unsigned_abs() / 1000;
    match s {
        0..=119 => format!("{s} s"),
        120..=3599 => format!("{} min", s / 60),
        3600..=86_399 if s % 3600 / 60 == 0 => format!("{} h", s / 3600),
        3600..=86_399 => format!("{} h {} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_time_groups_read_back() {
        let t = deconflict_space::units::parse_time("2017-06-18T14:00:59Z").expect("time");
        assert_eq!(dtg(t), "181400ZJUN17");
        assert_eq!(
            deconflict_space::units::parse_time(&dtg(t)).expect("dtg"),
            t - 59_000
        );
        assert_eq!(rfc3339(t), "2017-06-18T14:00:59Z");
        assert_eq!(span(90_000), "90 s");
        assert_eq!(span(3 * 3_600_000 + 300_000), "3 h 5 min");
    }
}
