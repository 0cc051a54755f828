//! A 4D volume: a footprint on the ellipsoid, an altitude band and a UTC time window.

use crate::error::{FieldError, Problem};
use crate::region::Region;
use crate::units::format_time;

/// Lowest supported altitude (m): below the Dead Sea shore, the lowest land on Earth (−430 m).
pub const MIN_ALTITUDE_M: f64 = -1_000.0;
/// Highest supported altitude (m): above every aircraft and balloon that shares airspace.
pub const MAX_ALTITUDE_M: f64 = 60_000.0;

/// The reference an altitude is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Datum {
    /// Mean sea level (also how flight levels are taken).
    #[default]
    Msl,
    /// Height above the WGS84 ellipsoid (GNSS height).
    Wgs84,
}

/// The largest separation between mean sea level and the WGS84 ellipsoid anywhere on Earth (m), rounded up.
/// Bands on different datums are compared as if this much closer, so no conflict is missed for want of a geoid
/// model.
pub const MAX_GEOID_SEPARATION_M: f64 = 110.0;

/// An altitude band in metres, lower ≤ upper.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AltitudeBand {
    pub lower_m: f64,
    pub upper_m: f64,
    pub datum: Datum,
}

impl AltitudeBand {
    /// Validates a band; errors name `altitude.lower` or `altitude.upper`.
    pub fn new(lower_m: f64, upper_m: f64, datum: Datum) -> Result<Self, FieldError> {
        for (value, field) in [(lower_m, "altitude.lower"), (upper_m, "altitude.upper")] {
            if !value.is_finite() {
                return Err(FieldError::new(field, Problem::NotFinite));
            }
            if !(MIN_ALTITUDE_M..=MAX_ALTITUDE_M).contains(&value) {
                return Err(FieldError::new(
                    field,
                    Problem::AltitudeOutOfRange {
                        value_m: value,
                        min_m: MIN_ALTITUDE_M,
                        max_m: MAX_ALTITUDE_M,
                    },
                ));
            }
        }
        if lower_m > upper_m {
            return Err(FieldError::new(
                "altitude.lower",
                Problem::LowerAboveUpper { lower_m, upper_m },
            ));
        }
        Ok(AltitudeBand {
            lower_m,
            upper_m,
            datum,
        })
    }

    /// The vertical gap between two bands (m): 0 when they overlap. Bands on different datums are taken as
    /// [`MAX_GEOID_SEPARATION_M`] closer.
    pub fn gap_m(&self, other: &AltitudeBand) -> f64 {
        let gap = (self.lower_m.max(other.lower_m) - self.upper_m.min(other.upper_m)).max(0.0);
        if self.datum == other.datum {
            gap
        } else {
            (gap - MAX_GEOID_SEPARATION_M).max(0.0)
        }
    }

    /// The band moved up (positive) or down by `dz` metres.
    pub fn shifted(&self, dz: f64) -> AltitudeBand {
        AltitudeBand {
            lower_m: self.lower_m + dz,
            upper_m: self.upper_m + dz,
            datum: self.datum,
        }
    }
}

/// Earliest supported time: 1970-01-01T00:00:00Z (ms since the epoch).
pub const MIN_TIME_MS: i64 = 0;
/// Latest supported time: 2200-01-01T00:00:00Z (ms since the epoch). Every supported time, and every sum of
/// two of them, fits an `i64` many times over, so no arithmetic on times can overflow.
pub const MAX_TIME_MS: i64 = 7_258_118_400_000;

/// Checks that `ms` lies within [`MIN_TIME_MS`]..=[`MAX_TIME_MS`] (1970 to 2200).
pub fn check_time(ms: i64) -> Result<i64, Problem> {
    if (MIN_TIME_MS..=MAX_TIME_MS).contains(&ms) {
        Ok(ms)
    } else {
        Err(Problem::TimeOutOfRange {
            time: format_time(ms),
            min: format_time(MIN_TIME_MS),
            max: format_time(MAX_TIME_MS),
        })
    }
}

/// A time window in milliseconds since 1970-01-01T00:00Z (UTC), start < end, both within
/// [`MIN_TIME_MS`]..=[`MAX_TIME_MS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    pub start_ms: i64,
    pub end_ms: i64,
}

impl TimeWindow {
    /// Validates a window; errors name `time.start` or `time.end`.
    pub fn new(start_ms: i64, end_ms: i64) -> Result<Self, FieldError> {
        check_time(start_ms).map_err(|p| FieldError::new("time.start", p))?;
        check_time(end_ms).map_err(|p| FieldError::new("time.end", p))?;
        if end_ms <= start_ms {
            return Err(FieldError::new(
                "time.end",
                Problem::EndNotAfterStart {
                    start: format_time(start_ms),
                    end: format_time(end_ms),
                },
            ));
        }
        Ok(TimeWindow { start_ms, end_ms })
    }

    /// The window moved later (positive) or earlier by `dt_ms`.
    pub fn shifted(&self, dt_ms: i64) -> TimeWindow {
        TimeWindow {
            start_ms: self.start_ms.saturating_add(dt_ms),
            end_ms: self.end_ms.saturating_add(dt_ms),
        }
    }

    /// Both windows widened by `buffer_ms` at each end; their overlap if it has positive length.
    pub fn overlap_widened(&self, other: &TimeWindow, buffer_ms: i64) -> Option<TimeWindow> {
        let start = self.start_ms.max(other.start_ms).saturating_sub(buffer_ms);
        let end = self.end_ms.min(other.end_ms).saturating_add(buffer_ms);
        (start < end).then_some(TimeWindow {
            start_ms: start,
            end_ms: end,
        })
    }
}

/// Original text of a field given in other units (`FL245`, `181400ZJUN17`, `353520N0363010E`), kept beside
/// the normalised value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalText {
    /// Path of the field within the volume, e.g. `altitude.lower`.
    pub field: String,
    pub text: String,
}

/// A footprint × altitude band × time window.
#[derive(Clone, Debug)]
pub struct Volume4D {
    pub footprint: Region,
    pub altitude: AltitudeBand,
    pub time: TimeWindow,
    pub originals: Vec<OriginalText>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_lie_between_1970_and_2200() {
        let year = 365 * 86_400_000;
        assert!(TimeWindow::new(MIN_TIME_MS, MAX_TIME_MS).is_ok());
        for (start, end, field) in [
            (-1, 1_000, "time.start"),
            (-1970 * year, 8_000 * year, "time.start"),
            (0, MAX_TIME_MS + 1, "time.end"),
            (i64::MIN, i64::MAX, "time.start"),
            (MAX_TIME_MS, i64::MAX, "time.end"),
        ] {
            let e = TimeWindow::new(start, end).expect_err("out of range");
            assert_eq!(e.field, field);
            assert!(matches!(e.problem, Problem::TimeOutOfRange { .. }), "{e}");
        }
        assert_eq!(
            TimeWindow::new(-1, 0).map_err(|e| e.to_string()),
            Err("time.start: time 1969-12-31T23:59:59.999Z is outside the supported range 1970-01-01T00:00:00Z..=2200-01-01T00:00:00Z".into())
        );
    }
}
