//! Errors of the report crate.

use std::path::PathBuf;

/// Everything that can go wrong while drawing figures or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Input data that cannot be drawn (empty, mismatched lengths, bad band index...).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// A file could not be read or written.
    #[error("cannot access {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of a run directory could not be parsed.
    #[error("invalid JSON in {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// PNG encoding failed.
    #[error("PNG encoding or decoding failed")]
    Png(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A raster needed by the report could not be read.
    #[error("cannot read raster {path}")]
    Raster {
        /// The raster file.
        path: PathBuf,
        /// The raster reader's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ReportError {
    /// Wrap an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReportError::Io { path: path.into(), source }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, ReportError>;
