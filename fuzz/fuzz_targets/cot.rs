//! Fuzzes what the TAK bridge reads from a TAK server: any bytes, in any cuts, are framed into events of at most
//! 64 KiB each; every event is read or refused with the element and attribute named, never a panic; every
//! position report taken is finite and within the line's ranges.
#![no_main]

use deconflict_feed::cot::{parse_event, Framer, Pli, Taken, MAX_EVENT_BYTES, MAX_SPEED_MPS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks where the stream is cut into reads.
    let (cut, bytes) = match data.split_first() {
        Some((c, rest)) => (usize::from(*c).max(1) * 7, rest),
        None => return,
    };
    let mut framer = Framer::default();
    for chunk in bytes.chunks(cut) {
        for event in framer.push(chunk) {
            assert!(event.len() <= MAX_EVENT_BYTES + cut);
            match parse_event(&event) {
                Err(e) => assert!(!e.field.is_empty() && !e.to_string().is_empty()),
                Ok(ev) => {
                    assert!((-90.0..=90.0).contains(&ev.lat) && (-180.0..=180.0).contains(&ev.lon));
                    if let Ok(Taken::Pli(p)) = Pli::from_event(&ev, 1_796_229_090_000) {
                        assert!(p.hae_m.is_finite() && p.course_deg.is_finite());
                        assert!((0.0..=MAX_SPEED_MPS).contains(&p.speed_mps));
                        assert!((0.0..360.0).contains(&p.course_deg));
                    }
                }
            }
        }
    }
});
