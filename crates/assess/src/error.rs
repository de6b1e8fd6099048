//! Error type of the assessment crate.

/// Errors raised on invalid assessment input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessError {
    #[error("{a} has {len_a} entries but {b} has {len_b}")]
    LengthMismatch {
        a: &'static str,
        len_a: usize,
        b: &'static str,
        len_b: usize,
    },
    #[error("class label {label} is out of range for {n_classes} classes")]
    LabelOutOfRange { label: u32, n_classes: usize },
    #[error("need at least one class")]
    NoClasses,
    #[error("stratum {stratum} has mapped area {area} but {n} sample unit(s); at least 2 are needed for a variance")]
    StratumTooSmall { stratum: usize, area: f64, n: u64 },
    #[error("mapped areas must be finite and non-negative with a positive total")]
    InvalidArea,
    #[error("no samples to assess")]
    Empty,
    #[error("{0}")]
    Invalid(String),
}

/// Result alias for the assessment crate.
pub type Result<T> = std::result::Result<T, AssessError>;
