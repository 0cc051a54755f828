//! Fuzzes the track batch readers (`POST /v1/tracks`): the fast path straight from bytes and the JSON tree
//! that names the field at fault. Any body gives reports or an error, never a panic; every report accepted
//! is finite and its time within the line's window (now − TTL to now + skew); the two paths agree.
#![no_main]

use deconflict_server::tracks::{limit_ms, parse_batch, parse_batch_bytes};
use deconflict_server::Limits;
use libfuzzer_sys::fuzz_target;

/// 2026-11-23T12:00:00Z.
const NOW_MS: i64 = 1_795_435_200_000;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let fast = parse_batch_bytes(data, NOW_MS, &limits);
    let value = serde_json::from_slice::<serde_json::Value>(data).ok();
    let tree = value.as_ref().map(|v| parse_batch(v, NOW_MS, &limits));
    // A body of the documented shape: an object whose `tracks` is an array of objects. (The fast path, a
    // serde struct, also takes structs written as arrays, which the tree refuses.)
    let shaped = value
        .as_ref()
        .and_then(|v| v.as_object())
        .and_then(|o| o.get("tracks"))
        .and_then(serde_json::Value::as_array)
        .is_some_and(|a| a.iter().all(serde_json::Value::is_object));
    for parsed in [&fast, &tree].into_iter().flatten() {
        if let Ok(reports) = parsed {
            for (_, r) in reports {
                let s = &r.state;
                for x in [s.lat_deg, s.lon_deg, s.alt_m, s.gs_mps, s.trk_deg, s.vs_mps] {
                    assert!(x.is_finite(), "{r:?}");
                }
                assert!(s.lat_deg.abs() <= 90.0 && s.lon_deg.abs() <= 180.0, "{r:?}");
                assert!(r.time_ms >= NOW_MS - limit_ms(limits.track_ttl), "{r:?}");
                assert!(
                    r.time_ms <= NOW_MS + limit_ms(limits.track_future_skew),
                    "{r:?}"
                );
            }
        }
    }
    // Where the fast path reads a body of the documented shape, the tree agrees on acceptance.
    if let (true, Some(fast), Some(tree)) = (shaped, &fast, &tree) {
        assert_eq!(fast.is_ok(), tree.is_ok(), "{fast:?} / {tree:?}");
    }
});
