//! Settings of plant-segmenter training.

use burn::config::Config;
use terradl_models::UNetConfig;

/// Settings of [`train_plant_segmenter`](super::train_plant_segmenter).
#[derive(Config, Debug)]
pub struct PlantSegmenterTrainingConfig {
    /// The network (its mean/std are replaced by the training images' statistics).
    pub unet: UNetConfig,
    /// Patch side of each stage, in order (e.g. `[64, 96, 128]`); each a
    /// multiple of the U-Net's input multiple.
    #[config(default = "vec![64, 128]")]
    pub scale_sequence: Vec<usize>,
    /// Optimizer steps per stage.
    #[config(default = 100)]
    pub steps_per_stage: usize,
    /// Patches per optimizer step.
    #[config(default = 8)]
    pub batch_size: usize,
    /// Peak learning rate (Adam, cosine decay to 5% of it over all stages).
    #[config(default = 3e-3)]
    pub learning_rate: f64,
    /// Semi-axis factor of the target ellipses (1 = inscribed ellipse).
    #[config(default = 0.8)]
    pub core_scale: f32,
    /// Loss weight of plant pixels relative to background; `None`: the
    /// background / plant pixel ratio of the training masks, clamped to [1, 10]
    /// (class-balanced, so thin cores are not drowned by background).
    #[config(default = "None")]
    pub foreground_weight: Option<f32>,
    /// Random horizontal and vertical flips of the patches.
    #[config(default = true)]
    pub flips: bool,
    /// Random rotations of the patches by multiples of 90 degrees.
    #[config(default = true)]
    pub rotations: bool,
    /// Maximum relative brightness change (0 disables).
    #[config(default = 0.2)]
    pub brightness: f32,
    /// Maximum relative change of each band's gain (a colour cast; 0 disables).
    #[config(default = 0.0)]
    pub colour: f32,
    /// Maximum relative contrast change around the patch mean (0 disables).
    #[config(default = 0.0)]
    pub contrast: f32,
    /// Optional wall-clock budget (seconds) that stops training early.
    #[config(default = "None")]
    pub max_seconds: Option<f64>,
    /// Seed of weight initialisation, patch sampling and augmentation.
    #[config(default = 42)]
    pub seed: u64,
    /// Start from this saved U-Net (a `train-segmenter` output or the shipped model)
    /// instead of random weights: fine-tuning. Its architecture and normalisation replace
    /// `unet`'s.
    #[config(default = "None")]
    pub init: Option<std::path::PathBuf>,
}
