//! terradl-train: training machinery for the terradl models.
//!
//! - [`TrainConfig`] hyper-parameters, [`TensorDataset`] in-memory samples,
//!   [`Normalization`] statistics stored with a model;
//! - [`fit`]: AdamW, weighted cross-entropy, LR schedules, early stopping, atomic
//!   checkpoints and resume, [`History`] for reports;
//! - [`predict_proba`] and MC-dropout [`predict_proba_mc`], deep ensembles;
//! - [`PixelClassifier`]: one interface over random forest, SVM and MLP for per-pixel
//!   pipelines; [`temporal`]: TempCNN / LSTM / L-TAE / random forest on time series behind it.
//! - [`fusion`]: the OSVM-OCNN object-level decision rule; [`importance`]: per-date
//!   permutation importance.
//! - [`lulc`]: patch CNN, object-based CNN (OCNN) and Joint Deep Learning (JDL / SS-JDL) for
//!   land cover and land use.
//! - [`detection`]: the CenterNet crown detector's targets, loss and training loop;
//!   [`plant_segmenter`]: the U-Net plant segmenter trained from box labels.
//! - [`search`]: random search and successive halving over learning rate, batch size,
//!   depth/width, dropout and patch size, seeded and bounded by a wall-clock budget.

mod allocator;
mod large_blocks;
mod augment;
pub mod checkpoint;
mod checkpoint_scope;
mod config;
mod dataset;
pub mod detection;
pub mod distill;
pub mod ensemble;
mod error;
mod fit;
pub mod fusion;
mod history;
pub mod importance;
mod inference;
pub mod lulc;
mod model_dir;
mod normalization;
pub mod optimizer;
pub mod pixel;
pub mod plant_segmenter;
mod pool;
pub mod search;
pub mod stop;
pub mod temporal;
pub mod weight_average;

pub use allocator::keep_freed_memory;
pub use large_blocks::{LargeBlockAllocator, CACHE_BYTES, MIN_LARGE};
pub use augment::Augmentation;
pub use config::{ClassWeighting, LrSchedule, TrainConfig, deserialize_partial};
pub use dataset::TensorDataset;
pub use checkpoint_scope::{open_checkpoint_scope, CheckpointScope};
pub use error::TrainError;
pub use fit::{FitOptions, Fitted, epoch_seed, evaluate, fit, fit_distilled};
pub use history::{EpochRecord, History};
pub use inference::{ClassProbabilities, predict_proba, predict_proba_mc};
pub use normalization::{FeatureAxis, Normalization};
pub use pixel::{PixelClassifier, PixelModelConfig};
pub use pool::on_pool;
