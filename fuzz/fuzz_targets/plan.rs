//! Fuzzes the plan reader, native JSON and GeoJSON: any text must give a plan or a `PlanError`, never a
//! panic; an accepted plan must survive a full conflict check and advice; a plan read under the default
//! limits is also read under the fixed bounds alone.
#![no_main]

use deconflict_plan::{parse_plan, parse_plan_limited, PlanLimits};
use deconflict_strategic::{advise, AdviceBounds, ConflictIndex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limited = parse_plan_limited(text, &PlanLimits::default());
    if let Ok(plan) = parse_plan(text) {
        let minima = plan.minima.unwrap_or_default();
        if let Ok(index) = ConflictIndex::bulk(minima, plan.declarations) {
            for c in index.all_conflicts() {
                let _ = deconflict_plan::conflict_json(&c, None);
                if let Some(d) = index.get(&c.a.party, &c.a.id) {
                    let _ = advise(&index, d, &AdviceBounds::default());
                }
            }
        }
    } else {
        assert!(limited.is_err(), "accepted under limits, refused without");
    }
});
