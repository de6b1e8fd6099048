//! Errors of tiled prediction.

use std::path::PathBuf;

/// Why a prediction run failed.
#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error(transparent)]
    Geo(#[from] terradl_geo::GeoError),
    #[error("I/O error on {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("model failed on tile {tile}")]
    Model {
        tile: usize,
        #[source]
        source: Box<PredictError>,
    },
    #[error("invalid JSON in {path}")]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("cannot write COG {path}")]
    Cog {
        path: PathBuf,
        #[source]
        source: Box<PredictError>,
    },
    #[error("input raster has {found} band(s), the model needs {expected}")]
    BandMismatch { expected: usize, found: usize },
    #[error("mosaic of {dir} is incomplete: {missing} of {total} tiles missing (first: {first}); rerun the shards that own them")]
    Incomplete { dir: PathBuf, missing: usize, total: usize, first: usize },
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

pub type Result<T> = std::result::Result<T, PredictError>;
