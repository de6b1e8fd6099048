//! Training a (Res) U-Net for plant-vs-background segmentation from box labels
//! (the ellipse inscribed in each box is "plant"), with a scale sequence: the
//! patch size grows from stage to stage (small chips first, then larger ones),
//! the same weights continuing across stages.

use std::time::Instant;

use burn::config::Config;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use terradl_data::detection::{Augmentation, ChipSampler, ChipSamplerConfig, DetectionImage, ellipse_mask};
use terradl_models::unet::{UNet, UNetConfig};

use crate::detection::{DetectionTrainError, channel_stats, chips_to_tensor};

/// Settings of [`train_unet_scale_sequence`].
#[derive(Config, Debug)]
pub struct SegmentationTrainingConfig {
    pub unet: UNetConfig,
    /// Patch side of each stage, in order (e.g. `[64, 128, 256]`); each a
    /// multiple of the U-Net's input multiple.
    #[config(default = "vec![64, 128]")]
    pub scale_sequence: Vec<usize>,
    /// Optimizer steps per stage.
    #[config(default = 100)]
    pub steps_per_stage: usize,
    #[config(default = 8)]
    pub batch_size: usize,
    #[config(default = 2e-3)]
    pub learning_rate: f64,
    /// Optional wall-clock budget split evenly across stages.
    #[config(default = "None")]
    pub max_seconds: Option<f64>,
    #[config(default = 42)]
    pub seed: u64,
}

/// One logged U-Net step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentationStepLog {
    pub stage: usize,
    pub patch_size: usize,
    pub step: usize,
    pub loss: f32,
}

/// A trained U-Net (inference mode) with its configuration and history.
#[derive(Debug)]
pub struct TrainedUNet {
    pub model: UNet,
    pub config: UNetConfig,
    pub history: Vec<SegmentationStepLog>,
}

/// Per-pixel two-class targets (`[B, 2, S, S]` one-hot) for chips' ellipse masks.
fn one_hot_masks(masks: &[Vec<u8>], size: usize, device: &Device) -> Tensor<4> {
    let plane = size * size;
    let mut data = vec![0f32; masks.len() * 2 * plane];
    for (i, m) in masks.iter().enumerate() {
        for (p, &v) in m.iter().enumerate() {
            data[(i * 2 + v.min(1) as usize) * plane + p] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(data, [masks.len(), 2, size, size]), device)
}

/// Train a U-Net through the stages of `cfg.scale_sequence`.
pub fn train_unet_scale_sequence(
    cfg: &SegmentationTrainingConfig,
    images: Vec<DetectionImage>,
    device: &Device,
) -> Result<TrainedUNet, DetectionTrainError> {
    if cfg.scale_sequence.is_empty() || cfg.batch_size == 0 {
        return Err(DetectionTrainError::Invalid("scale sequence and batch size must be non-empty".into()));
    }
    if cfg.unet.num_classes != 2 {
        return Err(DetectionTrainError::Invalid("box-derived masks give two classes (plant, background)".into()));
    }
    let (mean, std) = channel_stats(&images);
    let unet_cfg = cfg.unet.clone().with_mean(mean).with_std(std);
    let train_device = device.clone().autodiff();
    let mut model = unet_cfg.init(&train_device)?;
    let multiple = model.input_multiple();
    if let Some(bad) = cfg.scale_sequence.iter().find(|&&s| s == 0 || s % multiple != 0) {
        return Err(DetectionTrainError::Invalid(format!("patch size {bad} is not a positive multiple of {multiple}")));
    }
    let mut optim = AdamConfig::new().init();
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let mut history = Vec::new();
    let stage_budget = cfg.max_seconds.map(|s| s / cfg.scale_sequence.len() as f64);
    let mut sampler_images = images;
    for (stage, &size) in cfg.scale_sequence.iter().enumerate() {
        let sampler = ChipSampler::new(
            sampler_images,
            ChipSamplerConfig { size, min_visible: 0.0, augmentation: Augmentation::default() },
        )?;
        let start = Instant::now();
        for step in 0..cfg.steps_per_stage {
            if stage_budget.is_some_and(|b| start.elapsed().as_secs_f64() >= b) {
                break;
            }
            let chips = sampler.batch(cfg.batch_size, &mut rng);
            let masks: Vec<Vec<u8>> = chips.iter().map(|c| ellipse_mask(&c.boxes, size, size)).collect();
            let target = one_hot_masks(&masks, size, &train_device);
            let logits = model.forward(chips_to_tensor(&chips, &train_device));
            let loss = (log_softmax(logits, 1) * target).sum().neg() / (chips.len() * size * size) as f32;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(cfg.learning_rate, model, grads);
            let loss: f32 = loss.into_scalar();
            history.push(SegmentationStepLog { stage, patch_size: size, step, loss });
        }
        tracing::info!(stage, size, loss = history.last().map(|l| l.loss), "U-Net stage done");
        sampler_images = sampler.images().to_vec();
    }
    Ok(TrainedUNet { model: model.valid(), config: unet_cfg, history })
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_data::detection::BoxAnnotation;
    use terradl_geo::{DType, Raster};

    /// Bright discs on a dark background, boxes around the discs.
    fn synthetic() -> DetectionImage {
        let s = 96;
        let mut r = Raster::new(3, s, s, DType::U8);
        let mut boxes = Vec::new();
        for (cx, cy) in [(20.0f32, 20.0f32), (60.0, 30.0), (35.0, 70.0), (75.0, 75.0)] {
            boxes.push(BoxAnnotation::new(cx - 10.0, cy - 10.0, cx + 10.0, cy + 10.0, "Tree"));
        }
        let mask = ellipse_mask(&boxes, s, s);
        for b in 0..3 {
            for (p, &m) in mask.iter().enumerate() {
                r.data[b * s * s + p] = if m == 1 { 200.0 } else { 40.0 };
            }
        }
        DetectionImage::new("disc", r, boxes).unwrap()
    }

    #[test]
    fn scale_sequence_learns_disc_masks() {
        let cfg = SegmentationTrainingConfig::new(UNetConfig::new().with_widths(vec![8, 16]))
            .with_scale_sequence(vec![32, 64])
            .with_steps_per_stage(30)
            .with_batch_size(4);
        let t = train_unet_scale_sequence(&cfg, vec![synthetic()], &Device::default()).unwrap();
        assert_eq!(t.history.first().map(|l| l.patch_size), Some(32));
        assert_eq!(t.history.last().map(|l| l.patch_size), Some(64));
        let first = t.history[0].loss;
        let last = t.history.last().unwrap().loss;
        assert!(last < first * 0.5, "{first} -> {last}");
        let bad = SegmentationTrainingConfig::new(UNetConfig::new()).with_scale_sequence(vec![30]);
        assert!(train_unet_scale_sequence(&bad, vec![synthetic()], &Device::default()).is_err());
    }
}
