//! Errors of tiled prediction.

use std::path::PathBuf;

/// Why a prediction run failed.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    /// Reading or writing a raster failed.
    #[error(transparent)]
    Geo(#[from] terradl_geo::GeoError),
    /// A file could not be read or written.
    #[error("I/O error on {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The model failed on a tile.
    #[error("model failed on tile {tile}")]
    Model {
        /// Index of the tile in the tile grid.
        tile: usize,
        /// The model's error.
        #[source]
        source: Box<PredictError>,
    },
    /// A JSON file (e.g. the shard manifest) could not be parsed.
    #[error("invalid JSON in {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A cloud-optimised GeoTIFF could not be written.
    #[error("cannot write COG {path}")]
    Cog {
        /// The COG being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Box<PredictError>,
    },
    /// The input raster's band count differs from the model's.
    #[error("input raster has {found} band(s), the model needs {expected}")]
    BandMismatch {
        /// Bands the model needs.
        expected: usize,
        /// Bands of the input raster.
        found: usize,
    },
    /// A mosaic was asked for before every shard finished.
    #[error("mosaic of {dir} is incomplete: {missing} of {total} tiles missing (first: {first}); rerun the shards that own them")]
    Incomplete {
        /// The parts directory.
        dir: PathBuf,
        /// Number of missing tile parts.
        missing: usize,
        /// Number of tiles in the grid.
        total: usize,
        /// Index of the first missing tile.
        first: usize,
    },
    /// Any other invalid input, described by the message.
    #[error("{0}")]
    Invalid(String),
    /// A block predictor (a trained model, or the reader feeding it) failed.
    #[error("{what}")]
    Predictor {
        /// What the predictor was doing, e.g. `classifying the block`.
        what: &'static str,
        /// Why it failed.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl PredictError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PredictError::Io { path: path.into(), source }
    }

    /// A [`PredictError::Predictor`]: a block predictor failed while doing `what`.
    pub fn predictor(what: &'static str, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        PredictError::Predictor { what, source: source.into() }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, PredictError>;
