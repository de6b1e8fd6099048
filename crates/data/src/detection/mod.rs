//! Detection data: Pascal VOC / CSV box annotations, RGB image loading, square
//! chips with augmentation (flips, 90-degree rotations, brightness) that keep
//! boxes consistent with pixels, masks derived from boxes, and splits by image.

mod annotation;
mod chip;
mod dataset;
mod error;
mod image;
mod mask;
mod split;

pub use annotation::{BoxAnnotation, ImageAnnotations, parse_annotation_csv, parse_voc, read_annotation_csv, read_voc};
pub use chip::{
    Augmentation, ChipSampler, ChipSamplerConfig, DetectionChip, extract_chip, extract_mask, extract_scaled_chip, extract_scaled_mask,
};
pub use dataset::{DetectionImage, boxes_in_window, clip_box};
pub use error::{DetectionDataError, Result};
pub use image::{read_png_rgb, read_rgb_image};
pub use mask::{core_ellipse_mask, ellipse_mask};
pub use split::{split_by_image, split_by_name};
