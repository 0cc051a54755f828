//! Separation minima and the test of docs/DESIGN.md §1 between two volumes.

use deconflict_space::{TimeWindow, Volume4D};

use crate::declaration::Kind;

/// Separation minima: two volumes conflict when their time windows, each widened by `time_buffer_ms` at both
/// ends, overlap for a positive time, their altitude bands are less than `vertical_m` apart, and their
/// footprints are less than `lateral_m` apart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Separation {
    pub lateral_m: f64,
    pub vertical_m: f64,
    pub time_buffer_ms: i64,
}

impl Separation {
    /// ICAO's 5 NM / 1 000 ft, the stand-in for the October 2015 memorandum's unpublished "safe distance".
    pub const STANDARD: Separation = Separation {
        lateral_m: 9_260.0,
        vertical_m: 304.8,
        time_buffer_ms: 0,
    };
    /// 3 NM / 500 ft around active zones and protected sites.
    pub const AROUND_ZONES: Separation = Separation {
        lateral_m: 5_556.0,
        vertical_m: 152.4,
        time_buffer_ms: 0,
    };

    /// The larger of each minimum.
    pub fn widest(&self, other: &Separation) -> Separation {
        Separation {
            lateral_m: self.lateral_m.max(other.lateral_m),
            vertical_m: self.vertical_m.max(other.vertical_m),
            time_buffer_ms: self.time_buffer_ms.max(other.time_buffer_ms),
        }
    }
}

impl Default for Separation {
    fn default() -> Self {
        Separation::STANDARD
    }
}

/// The minima of an agreement: one set between moving things, one around zones and sites.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Minima {
    pub standard: Separation,
    pub around_zones: Separation,
}

impl Default for Minima {
    fn default() -> Self {
        Minima {
            standard: Separation::STANDARD,
            around_zones: Separation::AROUND_ZONES,
        }
    }
}

impl Minima {
    /// The same minima for every pair of kinds.
    pub fn uniform(separation: Separation) -> Self {
        Minima {
            standard: separation,
            around_zones: separation,
        }
    }

    /// The minima that apply between declarations of these kinds: the zone minima when either is a zone or a
    /// site.
    pub fn between(&self, a: Kind, b: Kind) -> &Separation {
        if a.is_area_of_protection() || b.is_area_of_protection() {
            &self.around_zones
        } else {
            &self.standard
        }
    }

    /// The widest of all minima, for searching an index before the kinds are known.
    pub fn widest(&self) -> Separation {
        self.standard.widest(&self.around_zones)
    }
}

/// Where and when two volumes come too close.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Proximity {
    /// Least horizontal distance between the footprints (m), 0 when they overlap.
    pub distance_m: f64,
    /// Vertical gap between the altitude bands (m), 0 when they overlap.
    pub vertical_gap_m: f64,
    /// Overlap of the two time windows, each widened by the time buffer.
    pub window: TimeWindow,
}

/// Whether two volumes conflict under `minima`; cheapest tests first.
pub fn proximity(a: &Volume4D, b: &Volume4D, minima: &Separation) -> Option<Proximity> {
    let window = a.time.overlap_widened(&b.time, minima.time_buffer_ms)?;
    let vertical_gap_m = a.altitude.gap_m(&b.altitude);
    if vertical_gap_m >= minima.vertical_m {
        return None;
    }
    let distance_m = a.footprint.distance_below(&b.footprint, minima.lateral_m)?;
    Some(Proximity {
        distance_m,
        vertical_gap_m,
        window,
    })
}
