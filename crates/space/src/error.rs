//! Validation errors that name the field at fault and say what is wrong with it.

/// A problem with one field of the input, e.g. `footprint.polygon[3]: latitude 91 is outside -90..=90`.
///
/// `field` is a path relative to the volume (`footprint.circle.radius_m`, `altitude.lower`, `time.end`); callers
/// that know more (the declaration id, the volume's index) prefix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        FieldError {
            field: field.into(),
            problem,
        }
    }

    /// The same error with `prefix.` in front of its field path.
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("value is not a finite number")]
    NotFinite,
    #[error("latitude {0} is outside -90..=90 degrees")]
    LatitudeOutOfRange(f64),
    #[error("longitude {0} is outside -180..=180 degrees")]
    LongitudeOutOfRange(f64),
    #[error("{found} distinct vertices given; at least {needed} are needed")]
    TooFewVertices { found: usize, needed: usize },
    #[error("{found} vertices given; the limit is {limit}")]
    TooManyVertices { found: usize, limit: usize },
    #[error("polygon is self-intersecting: edge {0} crosses or touches edge {1}")]
    SelfIntersecting(usize, usize),
    #[error("polygon has no area: its vertices lie on one line (it must enclose at least 1 m²)")]
    NoArea,
    #[error("must be greater than 0 m, got {0}")]
    NotPositive(f64),
    #[error("footprint is {width_km:.1} km across; the limit is {limit_km:.0} km")]
    TooWide { width_km: f64, limit_km: f64 },
    #[error("altitude {value_m} m is outside the supported range {min_m}..={max_m} m")]
    AltitudeOutOfRange {
        value_m: f64,
        min_m: f64,
        max_m: f64,
    },
    #[error("lower altitude {lower_m} m is above upper altitude {upper_m} m")]
    LowerAboveUpper { lower_m: f64, upper_m: f64 },
    #[error("end {end} is not after start {start}")]
    EndNotAfterStart { start: String, end: String },
    #[error("time {time} is outside the supported range {min}..={max}")]
    TimeOutOfRange {
        time: String,
        min: String,
        max: String,
    },
    #[error("cannot read {text:?} as {what}: {why}")]
    Unreadable {
        what: &'static str,
        text: String,
        why: String,
    },
}
