//! Space and time of the deconfliction line: 4D volumes (footprint × altitude band × UTC window), the units
//! people write them in, their validation, and exact distances between footprints on the WGS84 ellipsoid.
//!
//! Architecture invariant: this crate is pure. It does no IO and reads no clock: times are arguments
//! (milliseconds since 1970-01-01T00:00Z), and `chrono` is built without its clock feature.

pub mod error;
pub mod geodesy;
pub mod region;
pub mod units;
pub mod vec3;
pub mod volume;

pub use error::{FieldError, Problem};
pub use geodesy::LonLat;
pub use region::{Footprint, Region, MAX_VERTICES, MAX_WIDTH_M};
pub use volume::{
    check_time, AltitudeBand, Datum, OriginalText, TimeWindow, Volume4D, MAX_ALTITUDE_M,
    MAX_TIME_MS, MIN_ALTITUDE_M, MIN_TIME_MS,
};
