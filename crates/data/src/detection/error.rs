//! Errors of detection-data loading and chip sampling.

use std::path::PathBuf;

/// Anything that can go wrong reading annotations or images, or sampling chips.
#[derive(Debug, thiserror::Error)]
pub enum DetectionDataError {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Malformed annotation XML.
    #[error("invalid Pascal VOC XML{context}: {message}")]
    Voc {
        /// Where (` in <path>`, or empty).
        context: String,
        /// What is wrong.
        message: String,
    },
    /// Annotation XML that does not parse.
    #[error("invalid Pascal VOC XML{context}")]
    VocXml {
        /// ` in <file>`, or empty.
        context: String,
        /// The XML parser's error.
        #[source]
        source: roxmltree::Error,
    },
    /// Malformed annotation CSV.
    #[error("invalid annotation CSV{context}, line {line}: {message}")]
    Csv {
        /// Where (` in <path>`, or empty).
        context: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An image could not be decoded or has an unsupported layout.
    #[error("cannot decode image {path}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A raster operation failed (e.g. a window outside the image).
    #[error(transparent)]
    Geo(#[from] terradl_geo::GeoError),
    /// A request that cannot be satisfied (chip larger than image, empty set, ...).
    #[error("{0}")]
    Invalid(String),
}

impl DetectionDataError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DetectionDataError::Io { path: path.into(), source }
    }
}

/// Result alias for detection-data operations.
pub type Result<T> = std::result::Result<T, DetectionDataError>;
