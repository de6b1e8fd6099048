//! Error type of the assessment crate.

/// Errors raised on invalid assessment input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessError {
    /// Two inputs that must be paired have different lengths.
    #[error("{a} has {len_a} entries but {b} has {len_b}")]
    LengthMismatch {
        /// Name of the first input.
        a: &'static str,
        /// Length of the first input.
        len_a: usize,
        /// Name of the second input.
        b: &'static str,
        /// Length of the second input.
        len_b: usize,
    },
    /// A class label is not below the number of classes.
    #[error("class label {label} is out of range for {n_classes} classes")]
    LabelOutOfRange {
        /// The offending label.
        label: u32,
        /// Number of classes.
        n_classes: usize,
    },
    /// Zero classes were given.
    #[error("need at least one class")]
    NoClasses,
    /// A stratum with mapped area has fewer than 2 sample units, so no variance.
    #[error("stratum {stratum} has mapped area {area} but {n} sample unit(s); at least 2 are needed for a variance")]
    StratumTooSmall {
        /// Index of the stratum (map class).
        stratum: usize,
        /// Its mapped area.
        area: f64,
        /// Its number of sample units.
        n: u64,
    },
    /// Mapped areas are negative, not finite or sum to zero.
    #[error("mapped areas must be finite and non-negative with a positive total")]
    InvalidArea,
    /// There are no samples.
    #[error("no samples to assess")]
    Empty,
    /// Any other invalid input, described by the message.
    #[error("{0}")]
    Invalid(String),
}

/// Result alias for the assessment crate.
pub type Result<T> = std::result::Result<T, AssessError>;
