//! Settings of detector training.

use burn::config::Config;
use terradl_models::detection::DetectorConfig;

/// Settings of [`train_detector`](super::train_detector).
#[derive(Config, Debug)]
pub struct DetectorTrainingConfig {
    /// The detector to build (its mean/std are replaced by the training images' statistics).
    pub detector: DetectorConfig,
    /// Class names; with one detector class every label maps to it.
    #[config(default = "vec![\"Tree\".to_string()]")]
    pub class_names: Vec<String>,
    /// Chip side in pixels (multiple of 16).
    #[config(default = 128)]
    pub chip_size: usize,
    /// Chips per optimizer step.
    #[config(default = 8)]
    pub batch_size: usize,
    /// Peak learning rate (cosine decay to 5% of it over the budget).
    #[config(default = 3e-3)]
    pub learning_rate: f64,
    /// Stop after this many optimizer steps.
    #[config(default = 2000)]
    pub max_steps: usize,
    /// Stop after this many seconds of training (the LR schedule follows whichever
    /// budget is closer to exhaustion).
    #[config(default = "None")]
    pub max_seconds: Option<f64>,
    /// Fraction of a box's area that must lie in a chip for it to be a target.
    #[config(default = 0.5)]
    pub min_visible: f32,
    /// Random horizontal and vertical flips of the chips.
    #[config(default = true)]
    pub flips: bool,
    /// Random rotations of the chips by multiples of 90 degrees.
    #[config(default = true)]
    pub rotations: bool,
    /// Maximum relative brightness change (0 disables).
    #[config(default = 0.2)]
    pub brightness: f32,
    /// Maximum relative change of each band's gain (a colour cast; 0 disables).
    #[config(default = 0.0)]
    pub colour: f32,
    /// Maximum relative contrast change around the chip mean (0 disables).
    #[config(default = 0.0)]
    pub contrast: f32,
    /// Zoom range `(min, max)` drawn log-uniformly per chip (crowns appear that many times
    /// their size; `(1, 1)` disables).
    #[config(default = "(1.0, 1.0)")]
    pub scale: (f32, f32),
    /// Run the validation callback every this many steps (0: only at the end).
    #[config(default = 0)]
    pub eval_every: usize,
    /// Seed of weight initialisation, chip sampling and augmentation.
    #[config(default = 42)]
    pub seed: u64,
    /// Start from this saved detector (a `train-detector` output or the shipped model)
    /// instead of random weights: fine-tuning. Its architecture and normalisation replace
    /// `detector`'s, and its class count must match `class_names`.
    #[config(default = "None")]
    pub init: Option<std::path::PathBuf>,
}
