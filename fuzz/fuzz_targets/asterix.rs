//! Fuzzes the ASTERIX reader and tracker (a UDP datagram or a recording): any bytes give blocks whose records
//! are read or end with an error naming the category and the block or record, never a panic; every report
//! made is finite, within the line's ranges, and a CAT048 plot is placed only from a configured radar.
#![no_main]

use deconflict_feed::asterix::{blocks, RadarSite, Tracker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut tracker = Tracker::new();
    tracker.add_radar(
        1,
        2,
        RadarSite {
            lat_deg: 36.0,
            lon_deg: 37.0,
            height_m: 500.0,
        },
    );
    let mut clock = 0i64;
    for block in blocks(data) {
        if let Some(e) = &block.error {
            assert_eq!(e.cat, block.cat);
            assert!(!e.to_string().is_empty());
        }
        for r in &block.records {
            clock += 100;
            let Ok(rep) = tracker.push(r, clock) else {
                continue;
            };
            let s = &rep.state;
            for x in [s.lat_deg, s.lon_deg, s.alt_m, s.gs_mps, s.trk_deg, s.vs_mps] {
                assert!(x.is_finite(), "{rep:?}");
            }
            assert!((-90.0..=90.0).contains(&s.lat_deg), "{rep:?}");
            assert!((-180.0..=180.0).contains(&s.lon_deg), "{rep:?}");
            assert!((0.0..360.0).contains(&s.trk_deg), "{rep:?}");
            assert!((0.0..=3000.0).contains(&s.gs_mps), "{rep:?}");
            assert!((-1000.0..=100_000.0).contains(&s.alt_m), "{rep:?}");
            assert!(s.vs_mps.abs() <= 1000.0, "{rep:?}");
            assert!(rep.vs_known || s.vs_mps == 0.0, "{rep:?}");
            if r.lat_lon.is_none() {
                assert_eq!(r.cat, 48);
                assert_eq!(r.sac_sic, Some((1, 2)));
            }
        }
    }
    tracker.forget_older_than(clock - deconflict_feed::FORGET_AFTER_MS);
});
