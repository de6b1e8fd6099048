//! Radiometric augmentation flags shared by `train-detector` and `train-segmenter`.

use clap::Args;

/// Brightness, colour and contrast jitter of the training chips (flips and 90-degree
/// rotations are always on).
#[derive(Debug, Clone, Args)]
pub(crate) struct ChipAugmentArgs {
    /// Maximum relative brightness change of a chip (0 disables).
    #[arg(long, default_value_t = 0.2)]
    pub brightness: f32,
    /// Maximum relative change of each band's gain: a colour cast, for imagery whose
    /// illumination or sensor differs between sites (0 disables).
    #[arg(long, default_value_t = 0.0)]
    pub colour: f32,
    /// Maximum relative contrast change around a chip's mean (0 disables).
    #[arg(long, default_value_t = 0.0)]
    pub contrast: f32,
}
