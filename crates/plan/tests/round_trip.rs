//! A plan written by `plan_json` reads back as the same declarations: the same conflicts, to the bit.

use deconflict_plan::{parse_plan, plan_json};
use deconflict_strategic::synthetic::{theatre, TheatreSpec};
use deconflict_strategic::{brute_force, Minima, Separation};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20))]

    /// Any theatre, written and read back.
    #[test]
    fn written_plans_read_back_with_the_same_conflicts(seed in any::<u64>()) {
        let spec = TheatreSpec {
            area_km2: 20_000.0,
            volumes: (1, 3),
            wgs84_share: 0.3,
            ..TheatreSpec::constant_density(100)
        };
        let decls = theatre(seed, 60, &spec);
        let minima = Minima {
            standard: Separation {
                time_buffer_ms: 300_000,
                ..Separation::STANDARD
            },
            // The plan format has one time buffer for both sets of minima.
            around_zones: Separation {
                time_buffer_ms: 300_000,
                ..Separation::AROUND_ZONES
            },
        };
        let text = plan_json(&minima, &decls).to_string();
        let plan = parse_plan(&text).expect("a written plan reads back");
        prop_assert_eq!(plan.minima, Some(minima));
        prop_assert_eq!(plan.declarations.len(), decls.len());
        let expected = brute_force(&decls, &minima);
        prop_assert!(!expected.is_empty());
        prop_assert_eq!(brute_force(&plan.declarations, &minima), expected);
    }
}
