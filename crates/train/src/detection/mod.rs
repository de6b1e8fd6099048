//! Training the CenterNet crown detector: dense targets from boxes
//! ([`encode_targets`]), the focal + L1 loss ([`detection_loss`]), and the
//! training loop on augmented chips ([`train_detector`]). The chip statistics
//! and batching ([`channel_stats`], [`chips_to_tensor`]) and the error type are
//! shared with [`crate::plant_segmenter`].

mod chips;
mod config;
mod error;
mod loss;
mod target;
mod training;
pub(crate) use training::step_rng;

pub use chips::{channel_stats, chips_to_tensor};
pub use config::DetectorTrainingConfig;
pub use error::DetectionTrainError;
pub use loss::{DetectionLoss, DetectionLossWeights, detection_loss};
pub use target::{DetectionTargets, encode_targets};
pub use training::{DetectionStepLog, StepCheckpoints, StepProgress, TrainedDetector, train_detector, train_detector_with};
