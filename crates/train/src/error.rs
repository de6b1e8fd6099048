//! Errors raised while training and predicting.

use std::path::PathBuf;

use terradl_models::ModelError;
use thiserror::Error;

/// What can go wrong in training, checkpointing and prediction.
#[derive(Debug, Error)]
pub enum TrainError {
    /// Inconsistent or empty data.
    #[error("invalid data: {0}")]
    Data(String),
    /// Bad configuration value.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The data layer rejected a request (normalisation, sampling, ...).
    #[error("invalid data")]
    Dataset(#[from] terradl_data::DataError),
    /// An object segmentation could not be used.
    #[error("invalid segmentation")]
    Segment(#[from] terradl_segment::SegmentError),
    /// The model cannot take the data's samples.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading or writing a checkpoint failed.
    #[error("checkpoint {path}")]
    Checkpoint {
        /// The file or directory involved.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A saved model's file is missing or unreadable.
    #[error("no saved {what} at {path}")]
    NotSaved {
        /// What was looked for, e.g. `model`.
        what: String,
        /// The file looked for.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// A saved model's JSON file cannot be parsed.
    #[error("corrupt model file {path}")]
    CorruptModel {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A classical model failed (the smartcore SVM, or a forest used before fit).
    #[error("classical model: {0}")]
    Classical(String),
    /// The smartcore SVM failed to fit (or its fitted parts could not be read).
    #[error("SVM fit failed")]
    Svm(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A tensor could not be read back.
    #[error("tensor readback failed")]
    Tensor(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A saved model's header is missing, of another version or kind, or unreadable.
    #[error(transparent)]
    Saved(#[from] terradl_models::saved::SavedModelError),
}

impl TrainError {
    pub(crate) fn checkpoint(path: impl Into<PathBuf>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Checkpoint {
            path: path.into(),
            source: source.into(),
        }
    }
}
