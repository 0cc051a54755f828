//! Fuzzes the readers of positions, altitudes and times: an answer or an error, never a panic. Times read are
//! within 1970..=2200 and read back from their RFC 3339 text; positions are on the globe; altitudes finite.
#![no_main]

use deconflict_space::units::{format_time, parse_altitude, parse_position, parse_time};
use deconflict_space::{MAX_TIME_MS, MIN_TIME_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = parse_position(text) {
        assert!(p.lat.abs() <= 90.0 && p.lon.abs() <= 180.0, "{text:?}");
    }
    if let Ok(m) = parse_altitude(text) {
        assert!(m.is_finite(), "{text:?}");
    }
    if let Ok(ms) = parse_time(text) {
        assert!(
            (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms),
            "{text:?} gave {ms}"
        );
        assert_eq!(parse_time(&format_time(ms)), Ok(ms), "{text:?}");
    }
});
