//! Errors of the land-cover / time-series data layer.

use std::path::PathBuf;

/// Anything that can go wrong reading sample data or building a sample design.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A file could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file's bytes do not follow the format they claim (R data).
    #[error("malformed {format} data{context}: {message}")]
    Format {
        /// Name of the format (e.g. "R data").
        format: &'static str,
        /// Where (` in <path>`, or empty).
        context: String,
        /// What is wrong.
        message: String,
    },
    /// Compressed R data cannot be decompressed.
    #[error("cannot decompress R data{context}")]
    Decompress {
        /// ` in <file>` once known, else empty.
        context: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// An error from the geo layer (GeoTIFF, vectors, rasterisation).
    #[error(transparent)]
    Geo(#[from] terradl_geo::GeoError),
    /// A sample file is missing from the cache (or the cache cannot be found).
    #[error(transparent)]
    Samples(#[from] terradl_samples::SamplesError),
    /// Normalisation statistics cannot be written or parsed as JSON.
    #[error("bad normalisation statistics")]
    NormStatsJson(#[source] serde_json::Error),
    /// A sample table that cannot be read as labelled series.
    #[error(transparent)]
    Table(#[from] crate::sample_table::TableError),
    /// A request that cannot be satisfied (bad fold count, empty class, shape mismatch, ...).
    #[error("{0}")]
    Invalid(String),
}

impl DataError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io { path: path.into(), source }
    }
    pub(crate) fn format(format: &'static str, message: impl Into<String>) -> Self {
        DataError::Format { format, context: String::new(), message: message.into() }
    }
    /// Attach a context (usually a file path) to a format error.
    pub(crate) fn in_file(self, path: &std::path::Path) -> Self {
        match self {
            DataError::Format { format, message, .. } => {
                DataError::Format { format, context: format!(" in {}", path.display()), message }
            }
            DataError::Decompress { source, .. } => DataError::Decompress { context: format!(" in {}", path.display()), source },
            other => other,
        }
    }
}

/// Result alias of this layer.
pub type Result<T> = std::result::Result<T, DataError>;
