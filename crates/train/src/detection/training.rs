//! Training loop for the CenterNet crown detector: random augmented chips from
//! the training images, Adam with a cosine-decayed learning rate, a step and/or
//! wall-clock budget, and optional periodic validation keeping the best model.

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use terradl_data::detection::{Augmentation, ChipSampler, ChipSamplerConfig, DetectionImage};
use terradl_models::detection::{CenterNetDetector, DETECTOR_INPUT_MULTIPLE, DetectorConfig};

use super::chips::{channel_stats, chips_to_tensor};
use super::config::DetectorTrainingConfig;
use super::error::DetectionTrainError;
use super::loss::{DetectionLossWeights, detection_loss};
use super::target::encode_targets;

/// One logged training step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionStepLog {
    /// Optimizer step (1-based).
    pub step: usize,
    /// Seconds since training started.
    pub seconds: f64,
    /// Learning rate of the step.
    pub learning_rate: f64,
    /// Total loss of the batch.
    pub loss: f32,
    /// Heat-map term of the loss.
    pub heatmap_loss: f32,
    /// Size term of the loss.
    pub size_loss: f32,
    /// Offset term of the loss.
    pub offset_loss: f32,
    /// Validation score when validation ran at this step.
    pub validation: Option<f64>,
}

/// A trained detector (inference mode, plain device) with its configuration and history.
#[derive(Debug)]
pub struct TrainedDetector {
    /// The trained detector.
    pub model: CenterNetDetector,
    /// The configuration the model was built with (including normalisation statistics).
    pub config: DetectorConfig,
    /// Logged steps.
    pub history: Vec<DetectionStepLog>,
    /// Best validation score (when a validation callback was given).
    pub best_validation: Option<f64>,
    /// Optimizer steps taken.
    pub steps: usize,
    /// Training time in seconds.
    pub seconds: f64,
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
