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
    /// The model cannot take the data's samples.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading or writing a checkpoint failed.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The file or directory involved.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A classical model failed (the smartcore SVM, or a forest used before fit).
    #[error("classical model: {0}")]
    Classical(String),
    /// A tensor could not be read back.
    #[error("tensor readback: {0}")]
    Tensor(String),
}

impl TrainError {
    pub(crate) fn checkpoint(path: impl Into<PathBuf>, message: impl ToString) -> Self {
        Self::Checkpoint {
            path: path.into(),
            message: message.to_string(),
        }
    }
}
