//! Properties of the unit and time readers: every supported time survives formatting and reading back, in
//! either notation; date-time groups, altitudes and positions read what they were written as; and no text at
//! all makes a reader panic or give a time outside the supported range.

use deconflict_space::units::{
    format_time, parse_altitude, parse_position, parse_time, METRES_PER_FOOT,
};
use deconflict_space::{MAX_TIME_MS, MIN_TIME_MS};
use proptest::prelude::*;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rfc3339_round_trips(ms in MIN_TIME_MS..=MAX_TIME_MS) {
        prop_assert_eq!(parse_time(&format_time(ms)), Ok(ms));
    }

    #[test]
    fn date_time_groups_read_what_they_say(
        year in 1970i32..2200,
        month in 0usize..12,
        day in 1u32..=28,
        hour in 0u32..24,
        minute in 0u32..60,
        short in any::<bool>(),
    ) {
        let year_text = if short && (2000..2100).contains(&year) { format!("{:02}", year - 2000) } else { format!("{year}") };
        let dtg = format!("{day:02}{hour:02}{minute:02}Z{}{year_text}", MONTHS[month]);
        let iso = format!("{year}-{:02}-{day:02}T{hour:02}:{minute:02}:00Z", month + 1);
        prop_assert_eq!(parse_time(&dtg), parse_time(&iso));
        prop_assert!(parse_time(&dtg).is_ok(), "{}", dtg);
    }

    /// Any text: an answer within the supported range, or an error; never a panic.
    #[test]
    fn times_never_panic_and_stay_in_range(text in "\\PC{0,40}") {
        if let Ok(ms) = parse_time(&text) {
            prop_assert!((MIN_TIME_MS..=MAX_TIME_MS).contains(&ms), "{:?} gave {}", text, ms);
        }
    }

    /// Text shaped like a date-time group with anything in its year: only two or four digits are a year.
    #[test]
    fn a_date_time_group_year_is_two_or_four_digits(year in "[-+0-9A-Z ]{0,6}") {
        let result = parse_time(&format!("181400ZJUN{year}"));
        let digits: String = year.chars().filter(|c| !c.is_whitespace()).collect();
        let is_year = (digits.len() == 2 || digits.len() == 4) && digits.bytes().all(|b| b.is_ascii_digit());
        if !is_year {
            prop_assert!(result.is_err(), "181400ZJUN{} was accepted", year);
        }
    }

    #[test]
    fn altitudes_and_positions_never_panic(text in "\\PC{0,40}") {
        if let Ok(m) = parse_altitude(&text) {
            prop_assert!(m.is_finite());
        }
        if let Ok(p) = parse_position(&text) {
            prop_assert!(p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0, "{:?}", text);
        }
    }

    #[test]
    fn altitudes_round_trip(feet in 0u32..100_000, level in 0u32..1000) {
        let m = parse_altitude(&format!("{feet} ft")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!((m - f64::from(feet) * METRES_PER_FOOT).abs() < 1e-9);
        let grouped = format!("{},{:03} ft", feet / 1000, feet % 1000);
        if feet >= 1000 {
            prop_assert_eq!(parse_altitude(&grouped), Ok(m));
        }
        let fl = parse_altitude(&format!("FL{level:03}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!((fl - f64::from(level) * 100.0 * METRES_PER_FOOT).abs() < 1e-9);
    }

    #[test]
    fn dms_positions_round_trip(
        lat_s in 0u32..(90 * 3600),
        lon_s in 0u32..(180 * 3600),
        south in any::<bool>(),
        west in any::<bool>(),
    ) {
        let dms = |s: u32, width: usize| format!("{:0width$}{:02}{:02}", s / 3600, s / 60 % 60, s % 60);
        let text = format!(
            "{}{}{}{}",
            dms(lat_s, 2),
            if south { 'S' } else { 'N' },
            dms(lon_s, 3),
            if west { 'W' } else { 'E' }
        );
        let p = parse_position(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let sign = |neg: bool| if neg { -1.0 } else { 1.0 };
        prop_assert!((p.lat - sign(south) * f64::from(lat_s) / 3600.0).abs() < 1e-9, "{}", text);
        prop_assert!((p.lon - sign(west) * f64::from(lon_s) / 3600.0).abs() < 1e-9, "{}", text);
    }
}
