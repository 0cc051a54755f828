//! A declaration: what one party says it will do, as one or more 4D volumes.

use deconflict_space::{TimeWindow, Volume4D};

/// What a declaration is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    AirOperation,
    GroundMovement,
    /// A place to protect or avoid: hospital, school, aid warehouse, troop position.
    Site,
    /// A restricted operations zone, no-fire area, buffer zone, kill box …
    Zone,
    /// The declaring party's side of a deconfliction line (its footprint is the strip on that side). Kept
    /// clear like a zone; the sides of lines never conflict with each other, since two parties' sides of one
    /// line meet along it by design.
    Line,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::AirOperation,
        Kind::GroundMovement,
        Kind::Site,
        Kind::Zone,
        Kind::Line,
    ];

    /// The name used on the wire (`air_operation`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::AirOperation => "air_operation",
            Kind::GroundMovement => "ground_movement",
            Kind::Site => "site",
            Kind::Zone => "zone",
            Kind::Line => "line",
        }
    }

    /// Whether declarations of these kinds can conflict at all: two sides of lines cannot.
    pub fn may_conflict(a: Kind, b: Kind) -> bool {
        !(a == Kind::Line && b == Kind::Line)
    }

    /// Sites, zones and sides of lines are kept clear by the minima around zones.
    pub fn is_area_of_protection(self) -> bool {
        matches!(self, Kind::Site | Kind::Zone | Kind::Line)
    }
}

/// One version of a declaration.
#[derive(Clone, Debug)]
pub struct Declaration {
    pub id: String,
    pub party: String,
    pub kind: Kind,
    /// Versions start at 1; a new version replaces the old in an index.
    pub version: u64,
    pub volumes: Vec<Volume4D>,
}

impl Declaration {
    /// The span of all volumes' windows, if there is any volume.
    pub fn time_span(&self) -> Option<TimeWindow> {
        let start = self.volumes.iter().map(|v| v.time.start_ms).min()?;
        let end = self.volumes.iter().map(|v| v.time.end_ms).max()?;
        Some(TimeWindow {
            start_ms: start,
            end_ms: end,
        })
    }
}
