//! The plant segmenter: a (Res) U-Net trained for plant-vs-background
//! segmentation from box labels ([`train_plant_segmenter`]), with a scale
//! sequence: the patch size grows from stage to stage (small chips first, then
//! larger ones), the same weights continuing across stages.
//!
//! Targets: the ellipse inscribed in each box, shrunk about its centre by
//! `core_scale` ([`core_ellipse_mask`](terradl_data::detection::core_ellipse_mask)) so that touching crowns stay apart in
//! the target and separate as instances after thresholding. Masks are built
//! once per image and cut / flipped / rotated with the chips, so crowns cut by
//! a chip edge keep their true (cut) shape. Adam with a cosine-decayed
//! learning rate over a fixed step budget (seeded: the same configuration gives
//! the same model whatever the machine load); an optional wall-clock budget
//! only ever stops early.

mod config;
mod training;

pub use config::PlantSegmenterTrainingConfig;
pub use training::{PlantSegmenterStepLog, TrainedPlantSegmenter, train_plant_segmenter, train_plant_segmenter_with};
