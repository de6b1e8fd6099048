//! Error type of the segmentation crate.

/// Errors raised by segmentation, object statistics and instance separation.
#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    /// The image or label map has no pixels.
    #[error("image is empty ({bands} band(s) x {rows} rows x {cols} cols)")]
    EmptyImage {
        /// Bands of the image.
        bands: usize,
        /// Rows of the image.
        rows: usize,
        /// Columns of the image.
        cols: usize,
    },
    /// A buffer does not hold `bands x rows x cols` values.
    #[error("{what} has {got} values, expected {expected} ({bands} band(s) x {rows} rows x {cols} cols)")]
    ShapeMismatch {
        /// Name of the buffer.
        what: &'static str,
        /// Number of values it holds.
        got: usize,
        /// `bands * rows * cols`.
        expected: usize,
        /// Bands of the image.
        bands: usize,
        /// Rows of the image.
        rows: usize,
        /// Columns of the image.
        cols: usize,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A segmentation breaks one of its invariants.
    #[error("segmentation invariant violated: {0}")]
    Invariant(String),
    /// An object id that does not exist was requested.
    #[error("object {id} does not exist (segmentation has {n_objects} objects)")]
    UnknownObject {
        /// The requested id.
        id: u32,
        /// Number of objects in the segmentation.
        n_objects: usize,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, SegmentError>;

/// Check that a buffer has `bands * rows * cols` values and is not empty.
pub(crate) fn check_shape(what: &'static str, got: usize, bands: usize, rows: usize, cols: usize) -> Result<()> {
    if bands * rows * cols == 0 {
        return Err(SegmentError::EmptyImage { bands, rows, cols });
    }
    let expected = bands * rows * cols;
    if got != expected {
        return Err(SegmentError::ShapeMismatch { what, got, expected, bands, rows, cols });
    }
    Ok(())
}
