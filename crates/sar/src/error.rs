//! Error type of the SAR crate.

/// Errors raised by SAR filters and decompositions on invalid input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SarError {
    /// A buffer does not hold `rows x cols` samples.
    #[error("{what} has {found} samples, expected {expected} ({rows}x{cols})")]
    ShapeMismatch {
        /// Name of the buffer.
        what: &'static str,
        /// Samples it holds.
        found: usize,
        /// `rows * cols`.
        expected: usize,
        /// Rows of the grid.
        rows: usize,
        /// Columns of the grid.
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
        /// Name of the first input.
        a: &'static str,
        /// Length of the first input.
        len_a: usize,
        /// Name of the second input.
        b: &'static str,
        /// Length of the second input.
        len_b: usize,
    },
    /// The operation needs quad-pol data but the image is dual-pol.
    #[error("{operation} needs a quad-pol input (HH, HV, VH, VV or a C3 matrix); this input is dual-pol (VV, VH)")]
    NeedsQuadPol {
        /// The operation's name.
        operation: &'static str,
    },
    /// A band count that matches no polarimetric layout.
    #[error(
        "cannot read {found} band(s) as polarimetric SAR: expected 2 (dual-pol VV, VH power), \
         8 (quad-pol HH, HV, VH, VV as real/imaginary pairs) or 9 (covariance C3: C11, C12_real, \
         C12_imag, C13_real, C13_imag, C22, C23_real, C23_imag, C33)"
    )]
    BandLayout {
        /// Number of bands of the input.
        found: usize,
    },
    /// The input's bands are named, but not one the layout needs.
    #[error("the input has no {channel} band (its bands are named {names:?})")]
    MissingChannel {
        /// The channel looked for, e.g. `VH` or `C12_imag`.
        channel: &'static str,
        /// The input's band names.
        names: Vec<String>,
    },
}

/// Result alias for the SAR crate.
pub type Result<T> = std::result::Result<T, SarError>;
