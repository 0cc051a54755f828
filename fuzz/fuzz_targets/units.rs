//! Fuzzes the readers of positions, altitudes and times: an answer or an error, never a panic.
#![no_main]

use deconflict_space::units::{parse_altitude, parse_position, parse_time};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = parse_position(text);
    let _ = parse_altitude(text);
    let _ = parse_time(text);
});
