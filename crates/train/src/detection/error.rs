//! Errors of detector (and plant-segmenter) training.

/// Errors of detector and plant-segmenter training.
#[derive(Debug, thiserror::Error)]
pub enum DetectionTrainError {
    /// A setting or input that training cannot start from.
    #[error("invalid training setup: {0}")]
    Invalid(String),
    /// The model could not be built.
    #[error(transparent)]
    Model(#[from] terradl_models::ModelError),
    /// The training images could not be sampled.
    #[error(transparent)]
    Data(#[from] terradl_data::detection::DetectionDataError),
}
