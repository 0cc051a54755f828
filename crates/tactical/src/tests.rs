//! Unit tests of the detector: pairs, adjacent flight levels, and vertical rates and pressure altitudes.

mod pairs {
    use crate::*;

    fn track(lat: f64, lon: f64, alt: f64, gs: f64, trk: f64, vs: f64) -> Track {
        Track {
            lat_deg: lat,
            lon_deg: lon,
            alt_m: alt,
            gs_mps: gs,
            trk_deg: trk,
            vs_mps: vs,
        }
    }

    #[test]
    fn head_on_at_the_same_level_conflicts_with_the_right_times() {
        // 60 km apart on the equator, closing at 400 m/s: CPA in 150 s at 0 m, separation lost at
        // (60 000 − 9 260) / 400 = 126.85 s.
        let lon = 60_000.0 / EARTH_RADIUS_M * 180.0 / std::f64::consts::PI;
        let a = track(0.0, 0.0, 10_000.0, 200.0, 90.0, 0.0);
        let b = track(0.0, lon, 10_000.0, 200.0, 270.0, 0.0);
        let e = pair(&a, &b, &Params::default()).expect("conflict");
        assert!((e.t_cpa_s - 150.0).abs() < 1e-6, "{e:?}");
        assert!(e.d_cpa_m < 1e-3);
        assert!((e.t_los_s - 126.85).abs() < 1e-6, "{e:?}");
        assert!(!e.los_now);
        // A little more than 1 000 ft apart vertically: clear.
        let high = Track {
            alt_m: 10_305.0,
            ..b
        };
        assert!(pair(&a, &high, &Params::default()).is_none());
        // Beyond the look-ahead: clear.
        let short = Params {
            lookahead_s: 120.0,
            ..Params::default()
        };
        assert!(pair(&a, &b, &short).is_none());
    }

    #[test]
    fn still_pairs_and_present_losses() {
        let a = track(35.0, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        let near = track(35.01, 38.0, 5_100.0, 0.0, 0.0, 0.0);
        let e = pair(&a, &near, &Params::default()).expect("inside both minima");
        assert!(e.los_now && e.t_los_s == 0.0 && e.t_out_s.is_infinite());
        let far = track(35.2, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        assert!(pair(&a, &far, &Params::default()).is_none());
        // Same velocity: relative speed zero, no division by zero.
        let a = track(35.0, 38.0, 5_000.0, 220.0, 45.0, 0.0);
        let b = track(35.01, 38.0, 5_000.0, 220.0, 45.0, 0.0);
        assert!(pair(&a, &b, &Params::default()).expect("loss").los_now);
    }

    #[test]
    fn vertical_only_encounters() {
        // Stacked, one climbing through the other's level in 60 s.
        let a = track(35.0, 38.0, 5_000.0, 0.0, 0.0, 0.0);
        let b = track(35.0, 38.0, 4_000.0, 0.0, 0.0, 1_000.0 / 60.0);
        let e = pair(&a, &b, &Params::default()).expect("conflict");
        let expected = (1_000.0 - 304.8) / (1_000.0 / 60.0);
        assert!((e.t_los_s - expected).abs() < 1e-6, "{e:?}");
    }

    #[test]
    fn across_the_antimeridian() {
        let a = track(10.0, 179.99, 9_000.0, 0.0, 0.0, 0.0);
        let b = track(10.0, -179.99, 9_000.0, 0.0, 0.0, 0.0);
        assert!(
            pair(&a, &b, &Params::default())
                .expect("2 km apart")
                .los_now
        );
        assert_eq!(detect(&[a, b], &Params::default()).len(), 1);
    }
}

mod level_tests {
    use crate::*;

    #[test]
    fn adjacent_flight_levels_are_separated() {
        // Head-on at FL360 and FL350 as a feed reports them (metres to 0.1 m): standard separation.
        let a = Track {
            lat_deg: 46.5,
            lon_deg: 6.5,
            alt_m: 10_972.8,
            gs_mps: 240.0,
            trk_deg: 0.0,
            vs_mps: 0.0,
        };
        let b = Track {
            lat_deg: 46.6,
            alt_m: 10_668.0,
            trk_deg: 180.0,
            ..a
        };
        assert!(
            (a.alt_m - b.alt_m) < 304.8,
            "the conversion lands under 304.8 m"
        );
        assert_eq!(pair(&a, &b, &Params::default()), None);
        // 999 ft apart is a conflict.
        let c = Track {
            alt_m: a.alt_m - 999.0 * 0.3048,
            ..b
        };
        assert!(pair(&a, &c, &Params::default()).is_some());
    }
}

mod vertical_tests {
    use crate::*;

    fn level(alt: f64) -> Track {
        Track {
            lat_deg: 35.0,
            lon_deg: 38.0,
            alt_m: alt,
            gs_mps: 0.0,
            trk_deg: 0.0,
            vs_mps: 0.0,
        }
    }

    #[test]
    fn an_unknown_vertical_rate_is_never_assumed_level() {
        // Over each other, 1 500 m apart: level, clear; either rate unknown, a conflict within the look-ahead
        // (30.48 m/s closes 1 195 m in about 39 s), not now.
        let (a, b) = (level(9_000.0), level(10_500.0));
        let p = Params::default();
        assert_eq!(pair(&a, &b, &p), None);
        let unknown = Vertical {
            rate_unknown: true,
            ..Vertical::default()
        };
        let e = pair_vertical(&a, Vertical::default(), &b, unknown, &p).expect("may climb");
        let expected = (1_500.0 - 304.8) / UNKNOWN_VERTICAL_RATE_MPS;
        assert!((e.t_los_s - expected).abs() < 1e-3, "{e:?}");
        assert!(!e.los_now);
        // Both unknown: twice as fast.
        let e = pair_vertical(&a, unknown, &b, unknown, &p).expect("may meet");
        assert!((e.t_los_s - expected / 2.0).abs() < 1e-3, "{e:?}");
        // Out of reach within the look-ahead: 300 s × 30.48 m/s = 9 144 m.
        assert_eq!(
            pair_vertical(&a, unknown, &level(20_000.0), Vertical::default(), &p),
            None
        );
        // The detector agrees, through its boxes.
        let tracks = [a, b];
        let between = Between {
            groups: &[0, 1],
            linked: &|_, _| true,
            vertical: &[Vertical::default(), unknown],
            budget: Budget::UNLIMITED,
        };
        let found = Detector::default().detect_between(&tracks, &between, &p);
        assert_eq!(found.encounters.len(), 1);
    }

    #[test]
    fn heights_above_the_ellipsoid_are_compared_with_other_references_with_the_geoid_margin() {
        // 304.8 m minimum; 380 m apart: clear on one reference, within the minimum plus the geoid's 110 m
        // across references.
        let (a, b) = (level(1_000.0), level(1_380.0));
        let p = Params::default();
        let gnss = Vertical {
            ellipsoid: true,
            ..Vertical::default()
        };
        assert_eq!(pair_vertical(&a, gnss, &b, gnss, &p), None);
        assert!(pair_vertical(&a, gnss, &b, Vertical::default(), &p).is_some_and(|e| e.los_now));
        assert!(pair_vertical(&a, Vertical::default(), &b, gnss, &p).is_some());
        let far = level(1_000.0 + 304.8 + MAX_GEOID_SEPARATION_M + 1.0);
        assert_eq!(pair_vertical(&a, gnss, &far, Vertical::default(), &p), None);
        // Against a pressure altitude both margins add.
        let pressure = Vertical {
            pressure: true,
            ..Vertical::default()
        };
        let edge = level(1_000.0 + 304.8 + PRESSURE_MARGIN_M + 50.0);
        assert!(pair_vertical(&a, gnss, &edge, pressure, &p).is_some());
        assert_eq!(
            pair_vertical(&a, Vertical::default(), &edge, pressure, &p),
            None
        );
        for (va, vb, n) in [(gnss, Vertical::default(), 1), (gnss, gnss, 0)] {
            let between = Between {
                groups: &[0, 1],
                linked: &|_, _| true,
                vertical: &[va, vb],
                budget: Budget::UNLIMITED,
            };
            let found = Detector::default().detect_between(&[a, b], &between, &p);
            assert_eq!(found.encounters.len(), n, "{va:?} {vb:?}");
        }
    }

    #[test]
    fn pressure_and_msl_altitudes_are_compared_with_a_margin() {
        // 500 m apart: clear on one reference, a conflict across references.
        let (a, b) = (level(9_000.0), level(9_500.0));
        let p = Params::default();
        let pressure = Vertical {
            pressure: true,
            ..Vertical::default()
        };
        assert_eq!(pair_vertical(&a, pressure, &b, pressure, &p), None);
        assert_eq!(
            pair_vertical(&a, Vertical::default(), &b, Vertical::default(), &p),
            None
        );
        assert!(pair_vertical(&a, pressure, &b, Vertical::default(), &p).is_some_and(|e| e.los_now));
        assert!(pair_vertical(&a, Vertical::default(), &b, pressure, &p).is_some());
        // Beyond the minimum and the margin: clear.
        let far = level(9_000.0 + 304.8 + PRESSURE_MARGIN_M + 1.0);
        assert_eq!(
            pair_vertical(&a, pressure, &far, Vertical::default(), &p),
            None
        );
        for (va, vb, n) in [(pressure, Vertical::default(), 1), (pressure, pressure, 0)] {
            let between = Between {
                groups: &[0, 1],
                linked: &|_, _| true,
                vertical: &[va, vb],
                budget: Budget::UNLIMITED,
            };
            let found = Detector::default().detect_between(&[a, b], &between, &p);
            assert_eq!(found.encounters.len(), n);
        }
    }

    #[test]
    fn extrapolation_crosses_poles_and_the_antimeridian_in_closed_form() {
        // The report that froze the scan: at the pole, dated far ahead.
        let pole = Track {
            lat_deg: 90.0,
            lon_deg: 0.0,
            alt_m: 9_000.0,
            gs_mps: 250.0,
            trk_deg: 90.0,
            vs_mps: 0.0,
        };
        let e = extrapolate(&pole, -2.5e11);
        assert!(e.lat_deg.is_finite() && e.lon_deg.is_finite(), "{e:?}");
        // Eastward just short of the antimeridian: wrapped.
        let east = Track {
            lat_deg: 0.0,
            lon_deg: 179.9,
            trk_deg: 90.0,
            ..pole
        };
        let e = extrapolate(&east, 300.0);
        assert!(e.lon_deg < -179.0, "{e:?}");
        // Northward over the pole: down the other side, turned round.
        let north = Track {
            lat_deg: 89.9,
            lon_deg: 10.0,
            trk_deg: 0.0,
            ..pole
        };
        let e = extrapolate(&north, 100.0);
        assert!(e.lat_deg < 89.9 && e.lat_deg > 89.8, "{e:?}");
        assert!((e.lon_deg - -170.0).abs() < 1e-9, "{e:?}");
        assert!((e.trk_deg - 180.0).abs() < 1e-9, "{e:?}");
        // In range: unchanged.
        assert_eq!(extrapolate(&east, 0.0), east);
    }
}
