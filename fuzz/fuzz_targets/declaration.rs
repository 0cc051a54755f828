//! Fuzzes one declaration as the line receives it (`POST /v1/declarations`, preview): any JSON must give a
//! declaration or a `PlanError`, never a panic, under the default limits and under the fixed bounds alone.
//! What is accepted keeps every bound: a valid id, at most the limits' volumes and vertices, and windows
//! within 1970..=2200 no longer than the limit.
#![no_main]

use deconflict_plan::{check_id, parse_declaration, parse_declaration_limited, PlanLimits};
use deconflict_space::{Footprint, MAX_TIME_MS, MIN_TIME_MS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check_id(text);
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let limits = PlanLimits::default();
    if let Ok(d) = parse_declaration_limited(&value, "declaration", &limits) {
        assert!(check_id(&d.id).is_ok(), "{:?}", d.id);
        assert!(d.volumes.len() <= limits.volumes_per_declaration);
        for v in &d.volumes {
            let w = v.time;
            assert!(MIN_TIME_MS <= w.start_ms && w.start_ms < w.end_ms && w.end_ms <= MAX_TIME_MS);
            assert!(w.end_ms - w.start_ms <= limits.volume_window_ms);
            let n = match v.footprint.footprint() {
                Footprint::Polygon(p) => p.len(),
                Footprint::Corridor { path, .. } => path.len(),
                Footprint::Circle { .. } => 1,
            };
            assert!(n <= deconflict_space::MAX_VERTICES);
        }
    }
    let _ = parse_declaration(&value, "entry 1");
});
