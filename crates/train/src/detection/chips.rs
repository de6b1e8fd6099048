//! Detection images and chips as network inputs: normalisation statistics and
//! batch tensors (shared by the detector and the plant segmenter).

use burn::tensor::{Device, Tensor, TensorData};
use terradl_data::detection::{DetectionChip, DetectionImage};

/// Per-channel mean and standard deviation of the images' pixels (0–255).
pub fn channel_stats(images: &[DetectionImage]) -> ([f32; 3], [f32; 3]) {
    let mut sum = [0f64; 3];
    let mut sum2 = [0f64; 3];
    let mut n = 0f64;
    for img in images {
        for (b, (s, s2)) in sum.iter_mut().zip(sum2.iter_mut()).enumerate() {
            for &v in img.raster.band(b).iter().step_by(7) {
                *s += v as f64;
                *s2 += (v as f64) * (v as f64);
            }
        }
        n += img.raster.band(0).iter().step_by(7).count() as f64;
    }
    let n = n.max(1.0);
    let mean = sum.map(|s| (s / n) as f32);
    let mut std = [1f32; 3];
    for b in 0..3 {
        std[b] = ((sum2[b] / n - (sum[b] / n).powi(2)).max(1.0)).sqrt() as f32;
    }
    (mean, std)
}

/// Stack chips into a `[B, 3, S, S]` tensor.
pub fn chips_to_tensor(chips: &[DetectionChip], device: &Device) -> Tensor<4> {
    let s = chips.first().map(|c| c.size).unwrap_or(0);
    let mut data = Vec::with_capacity(chips.len() * 3 * s * s);
    for c in chips {
        data.extend_from_slice(&c.pixels);
    }
    Tensor::from_data(TensorData::new(data, [chips.len(), 3, s, s]), device)
}
