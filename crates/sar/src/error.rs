//! Error type of the SAR crate.

/// Errors raised by SAR filters and decompositions on invalid input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SarError {
    /// A buffer does not hold `rows x cols` samples.
    #[error("{what} has {found} samples, expected {expected} ({rows}x{cols})")]
    ShapeMismatch {
        what: &'static str,
        found: usize,
        expected: usize,
        rows: usize,
        cols: usize,
    },
    /// Window sizes must be odd and at least 1.
    #[error("window size must be odd and >= 1, got {0}")]
    InvalidWindow(usize),
    /// The equivalent number of looks must be finite and > 0.
    #[error("equivalent number of looks must be finite and > 0, got {0}")]
    InvalidEnl(f64),
    /// Two inputs that must have equal lengths differ.
    #[error("{a} has {len_a} samples but {b} has {len_b}")]
    LengthMismatch {
        a: &'static str,
        len_a: usize,
        b: &'static str,
        len_b: usize,
    },
}

/// Result alias for the SAR crate.
pub type Result<T> = std::result::Result<T, SarError>;
