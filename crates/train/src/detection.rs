//! Training loop for the CenterNet crown detector: random augmented chips from
//! the training images, Adam with a cosine-decayed learning rate, a step and/or
//! wall-clock budget, and optional periodic validation keeping the best model.

use std::time::Instant;

use burn::config::Config;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use terradl_data::detection::{Augmentation, ChipSampler, ChipSamplerConfig, DetectionChip, DetectionImage};
use terradl_models::detector::{CenterNetDetector, DETECTOR_INPUT_MULTIPLE, DetectorConfig};

use crate::detection_loss::{DetectionLossWeights, detection_loss};
use crate::detection_target::encode_targets;

/// Errors of detector training.
#[derive(Debug, thiserror::Error)]
pub enum DetectionTrainError {
    #[error("invalid training setup: {0}")]
    Invalid(String),
    #[error(transparent)]
    Model(#[from] terradl_models::ModelError),
    #[error(transparent)]
    Data(#[from] terradl_data::detection::DetectionDataError),
}

/// Settings of [`train_detector`].
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
    #[config(default = true)]
    pub flips: bool,
    #[config(default = true)]
    pub rotations: bool,
    #[config(default = 0.2)]
    pub brightness: f32,
    /// Run the validation callback every this many steps (0: only at the end).
    #[config(default = 0)]
    pub eval_every: usize,
    #[config(default = 42)]
    pub seed: u64,
}

/// One logged training step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionStepLog {
    pub step: usize,
    pub seconds: f64,
    pub learning_rate: f64,
    pub loss: f32,
    pub heatmap_loss: f32,
    pub size_loss: f32,
    pub offset_loss: f32,
    /// Validation score when validation ran at this step.
    pub validation: Option<f64>,
}

/// A trained detector (inference mode, plain device) with its configuration and history.
#[derive(Debug)]
pub struct TrainedDetector {
    pub model: CenterNetDetector,
    /// The configuration the model was built with (including normalisation statistics).
    pub config: DetectorConfig,
    pub history: Vec<DetectionStepLog>,
    /// Best validation score (when a validation callback was given).
    pub best_validation: Option<f64>,
    pub steps: usize,
    pub seconds: f64,
}

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

/// Train a detector on chips drawn from `train_images`.
///
/// `validate`, when given, is called with the current model in inference mode every
/// `eval_every` steps and at the end; higher scores are better and the best model is
/// returned. Without it the final model is returned.
pub fn train_detector(
    cfg: &DetectorTrainingConfig,
    train_images: Vec<DetectionImage>,
    device: &Device,
    mut validate: Option<&mut dyn FnMut(&CenterNetDetector) -> f64>,
) -> Result<TrainedDetector, DetectionTrainError> {
    if cfg.chip_size == 0 || cfg.chip_size % DETECTOR_INPUT_MULTIPLE != 0 {
        return Err(DetectionTrainError::Invalid(format!("chip size {} is not a positive multiple of 16", cfg.chip_size)));
    }
    if cfg.batch_size == 0 {
        return Err(DetectionTrainError::Invalid("batch size must be > 0".into()));
    }
    let classes = cfg.detector.num_classes;
    if classes > 1 && cfg.class_names.len() != classes {
        return Err(DetectionTrainError::Invalid(format!(
            "{} class names for a {classes}-class detector",
            cfg.class_names.len()
        )));
    }
    let (mean, std) = channel_stats(&train_images);
    let names = if classes == 1 { cfg.class_names.iter().take(1).cloned().collect() } else { cfg.class_names.clone() };
    let det_cfg = cfg.detector.clone().with_mean(mean).with_std(std).with_class_names(names);
    let train_device = device.clone().autodiff();
    // Same seed, same initial weights (and so the same run for a fixed step budget).
    train_device.seed(cfg.seed);
    let mut model = det_cfg.init(&train_device)?;
    let sampler = ChipSampler::new(
        train_images,
        ChipSamplerConfig {
            size: cfg.chip_size,
            min_visible: cfg.min_visible,
            augmentation: Augmentation { flips: cfg.flips, rotations: cfg.rotations, brightness: cfg.brightness },
        },
    )?;
    let names = cfg.class_names.clone();
    let class_of = move |label: &str| -> Option<usize> {
        if classes == 1 { Some(0) } else { names.iter().position(|n| n == label) }
    };
    let mut optim = AdamConfig::new().init();
    let mut rng = rand::rngs::StdRng::seed_from_u64(cfg.seed);
    let start = Instant::now();
    let mut history = Vec::new();
    let mut best: Option<(f64, CenterNetDetector)> = None;
    let mut step = 0;
    tracing::info!(params = model.num_params(), chip = cfg.chip_size, batch = cfg.batch_size, "training detector");
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        let progress = (step as f64 / cfg.max_steps.max(1) as f64)
            .max(cfg.max_seconds.map(|m| elapsed / m.max(1e-9)).unwrap_or(0.0));
        if step >= cfg.max_steps || progress >= 1.0 {
            break;
        }
        let warmup = (step as f64 / 20.0).min(1.0);
        let lr = cfg.learning_rate * warmup.max(0.05) * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let chips = sampler.batch(cfg.batch_size, &mut rng);
        let boxes: Vec<&[_]> = chips.iter().map(|c| c.boxes.as_slice()).collect();
        let targets = encode_targets(&boxes, cfg.chip_size, cfg.chip_size, classes, &class_of);
        let x = chips_to_tensor(&chips, &train_device);
        // The step on a rayon worker (see `crate::pool::on_pool`).
        let (trained, loss) = crate::pool::on_pool(|| {
            let out = model.forward(x);
            let loss = detection_loss(&out, &targets, DetectionLossWeights::default());
            let grads = GradientsParams::from_grads(loss.total.backward(), &model);
            (optim.step(lr, model, grads), loss)
        });
        model = trained;
        step += 1;
        let scalar = |t: Tensor<1>| -> f32 { t.into_scalar() };
        let mut log = DetectionStepLog {
            step,
            seconds: start.elapsed().as_secs_f64(),
            learning_rate: lr,
            loss: scalar(loss.total),
            heatmap_loss: scalar(loss.heatmap),
            size_loss: scalar(loss.size),
            offset_loss: scalar(loss.offset),
            validation: None,
        };
        if !log.loss.is_finite() {
            return Err(DetectionTrainError::Invalid(format!("loss became {} at step {step}", log.loss)));
        }
        if cfg.eval_every > 0 && step % cfg.eval_every == 0 {
            if let Some(v) = validate.as_mut() {
                let m = model.valid();
                let score = v(&m);
                log.validation = Some(score);
                if best.as_ref().is_none_or(|(b, _)| score > *b) {
                    best = Some((score, m));
                }
            }
        }
        if step % 10 == 0 || log.validation.is_some() {
            tracing::info!(step, loss = log.loss, heat = log.heatmap_loss, size = log.size_loss, lr, val = ?log.validation, secs = log.seconds, "detector step");
        }
        history.push(log);
    }
    let seconds = start.elapsed().as_secs_f64();
    let last = model.valid();
    let (model, best_validation) = match validate.as_mut() {
        Some(v) if history.last().is_none_or(|l| l.validation.is_none()) => {
            let score = v(&last);
            if let Some(l) = history.last_mut() {
                l.validation = Some(score);
            }
            match best {
                Some((b, m)) if b > score => (m, Some(b)),
                _ => (last, Some(score)),
            }
        }
        Some(_) => match best {
            Some((b, m)) => (m, Some(b)),
            None => (last, None),
        },
        None => (last, None),
    };
    Ok(TrainedDetector { model, config: det_cfg, history, best_validation, steps: step, seconds })
}
