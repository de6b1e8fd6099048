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
    /// A checkpoint could not be written or read.
    #[error(transparent)]
    Checkpoint(#[from] crate::TrainError),
    /// SIGINT / SIGTERM arrived; a checkpoint of the last step was written.
    #[error("training interrupted at step {step}; checkpoint in {dir}: rerun with --resume to continue")]
    Interrupted {
        /// Steps done.
        step: usize,
        /// The checkpoint directory.
        dir: std::path::PathBuf,
    },
}
