//! Fuzzes the SBS-1 reader and the assembler (a receiver's TCP feed or a recording): any line gives a message,
//! nothing, or an error naming a field 1–22, never a panic; every report assembled is finite, airborne state
//! within the physical ranges, with the altitude a pressure altitude.
#![no_main]

use deconflict_feed::{parse_line, Assembler};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut asm = Assembler::new();
    let mut clock = 0i64;
    for line in text.split('\n') {
        match parse_line(line) {
            Err(e) => assert!((1..=22).contains(&e.index), "{e:?}"),
            Ok(None) => {}
            Ok(Some(m)) => {
                clock = m.time_ms.unwrap_or(clock + 1);
                if let Some(r) = asm.push(&m, clock) {
                    let s = &r.state;
                    for x in [s.lat_deg, s.lon_deg, s.alt_m, s.gs_mps, s.trk_deg, s.vs_mps] {
                        assert!(x.is_finite(), "{r:?}");
                    }
                    assert!((0.0..360.0).contains(&s.trk_deg), "{r:?}");
                    assert!(r.vs_known || s.vs_mps == 0.0, "{r:?}");
                }
            }
        }
    }
    asm.forget_older_than(clock - deconflict_feed::FORGET_AFTER_MS);
});
