//! Training loop for the CenterNet crown detector: random augmented chips from
//! the training images, Adam with a cosine-decayed learning rate, a step and/or
//! wall-clock budget, and optional periodic validation keeping the best model.

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use terradl_data::detection::{Augmentation, ChipSampler, ChipSamplerConfig, DetectionImage};
use terradl_models::detection::{CenterNetDetector, DETECTOR_INPUT_MULTIPLE, DetectorConfig, load_detector};

use super::chips::{channel_stats, chips_to_tensor};
use super::config::DetectorTrainingConfig;
use super::error::DetectionTrainError;
use super::loss::{DetectionLossWeights, detection_loss};
use super::target::encode_targets;
use crate::checkpoint::{latest_checkpoint_as, save_checkpoint_as};
use crate::TrainError;

/// One logged training step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
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

/// Where and how often a step-based training loop ([`train_detector_with`], the plant
/// segmenter's) checkpoints, and whether it resumes.
#[derive(Debug, Clone)]
pub struct StepCheckpoints {
    /// Checkpoint directory (one `step-NNNNNNN/` per checkpoint, `LATEST` names the newest).
    pub dir: PathBuf,
    /// Write a checkpoint every this many steps (0: only on SIGINT/SIGTERM and at the end).
    pub every: usize,
    /// Continue from the newest checkpoint in `dir` when there is one.
    pub resume: bool,
}

/// Where a step-based training loop stands, for a progress display (called after each step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepProgress {
    /// Steps done (over the whole run, resumed steps included).
    pub step: usize,
    /// Steps the run is set to take (a time budget may end it earlier).
    pub total: usize,
    /// Loss of the step's batch.
    pub loss: f32,
}

/// The loop state saved with each checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DetectorLoopState {
    /// Steps done.
    step: usize,
    /// Training seconds spent so far (counts against `max_seconds` after a resume).
    seconds: f64,
    history: Vec<DetectionStepLog>,
    best_validation: Option<f64>,
    /// The settings that shape the run (a resume with other settings is refused).
    settings: serde_json::Value,
}

/// The settings a resumed run must share with the checkpoint: all but the budgets.
fn run_settings(cfg: &DetectorTrainingConfig) -> serde_json::Value {
    let mut v = serde_json::to_value(cfg).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for k in ["max_steps", "max_seconds", "eval_every"] {
            o.remove(k);
        }
    }
    v
}

/// Chip-sampling generator of step `step`: derived from the seed and the step alone, so a
/// resumed run draws the same chips as an uninterrupted one.
pub(crate) fn step_rng(seed: u64, step: usize) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed ^ (step as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// The saved detector in `dir` as the starting point of fine-tuning, with its own
/// configuration (architecture, normalisation, class names); its class count must be `classes`.
fn initial_detector(
    dir: &std::path::Path,
    classes: usize,
    device: &Device,
) -> Result<(CenterNetDetector, DetectorConfig), DetectionTrainError> {
    let (model, saved) = load_detector(dir, device)?;
    if saved.num_classes != classes {
        return Err(DetectionTrainError::Invalid(format!(
            "the initial model in {} detects {} classes, training asks for {classes}",
            dir.display(),
            saved.num_classes
        )));
    }
    Ok((model, saved))
}

/// Train a detector on chips drawn from `train_images` (no checkpoints); see
/// [`train_detector_with`].
pub fn train_detector(
    cfg: &DetectorTrainingConfig,
    train_images: Vec<DetectionImage>,
    device: &Device,
    validate: Option<&mut dyn FnMut(&CenterNetDetector) -> f64>,
) -> Result<TrainedDetector, DetectionTrainError> {
    train_detector_with(cfg, train_images, device, validate, None, None)
}

/// Train a detector on chips drawn from `train_images`.
///
/// `validate`, when given, is called with the current model in inference mode every
/// `eval_every` steps and at the end; higher scores are better and the best model is
/// returned. Without it the final model is returned.
///
/// With `checkpoints`, the model, the best model, Adam's moments and the loop state are
/// written atomically every `every` steps and when SIGINT/SIGTERM arrives (then training
/// returns [`DetectionTrainError::Interrupted`]); with `resume` the newest checkpoint is
/// loaded, and with a step budget the run ends with the same weights as an uninterrupted
/// one with the same seed.
pub fn train_detector_with(
    cfg: &DetectorTrainingConfig,
    train_images: Vec<DetectionImage>,
    device: &Device,
    mut validate: Option<&mut dyn FnMut(&CenterNetDetector) -> f64>,
    checkpoints: Option<&StepCheckpoints>,
    mut on_step: Option<&mut dyn FnMut(StepProgress)>,
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
    let train_device = device.clone().autodiff();
    // Same seed, same initial weights (and so the same run for a fixed step budget).
    train_device.seed(cfg.seed);
    let (mut model, det_cfg) = match &cfg.init {
        Some(dir) => initial_detector(dir, classes, &train_device)?,
        None => {
            let (mean, std) = channel_stats(&train_images);
            let names = if classes == 1 { cfg.class_names.iter().take(1).cloned().collect() } else { cfg.class_names.clone() };
            let det_cfg = cfg.detector.clone().with_mean(mean).with_std(std).with_class_names(names);
            (det_cfg.init(&train_device)?, det_cfg)
        }
    };
    let sampler = ChipSampler::new(
        train_images,
        ChipSamplerConfig {
            size: cfg.chip_size,
            min_visible: cfg.min_visible,
            augmentation: Augmentation {
                flips: cfg.flips,
                rotations: cfg.rotations,
                brightness: cfg.brightness,
                colour: cfg.colour,
                contrast: cfg.contrast,
                scale: cfg.scale,
            },
        },
    )?;
    let names = cfg.class_names.clone();
    let class_of = move |label: &str| -> Option<usize> {
        if classes == 1 { Some(0) } else { names.iter().position(|n| n == label) }
    };
    let mut optim = AdamConfig::new().init();
    let start = Instant::now();
    let mut history = Vec::new();
    let mut best: Option<(f64, CenterNetDetector)> = None;
    let mut step = 0;
    let mut spent = 0.0;
    let settings = run_settings(cfg);
    if let Some(ck) = checkpoints.filter(|c| c.resume)
        && let Some((files, state)) = latest_checkpoint_as::<DetectorLoopState>(&ck.dir)?
    {
        if state.settings != settings {
            return Err(DetectionTrainError::Invalid(format!(
                "the checkpoint in {} was written with other training settings; resume with the same ones \
                 (only --steps, --seconds and --eval-every may change)",
                files.dir.display()
            )));
        }
        model = model.try_load_file(files.model()).map_err(|e| TrainError::checkpoint(files.model(), e))?;
        optim = optim.load(files.optimizer()).map_err(|e| TrainError::checkpoint(files.optimizer(), e))?;
        if let Some(score) = state.best_validation {
            let b = det_cfg.init(device)?.try_load_file(files.best()).map_err(|e| TrainError::checkpoint(files.best(), e))?;
            best = Some((score, b));
        }
        tracing::info!(step = state.step, dir = %files.dir.display(), "resuming detector training");
        (step, spent, history) = (state.step, state.seconds, state.history);
    }
    let save = |model: &CenterNetDetector,
                best: &Option<(f64, CenterNetDetector)>,
                optim: &burn::optim::ModuleOptimizer,
                step: usize,
                history: &[DetectionStepLog],
                seconds: f64|
     -> Result<(), DetectionTrainError> {
        let Some(ck) = checkpoints else { return Ok(()) };
        let state = DetectorLoopState {
            step,
            seconds,
            history: history.to_vec(),
            best_validation: best.as_ref().map(|b| b.0),
            settings: settings.clone(),
        };
        let best_model = best.as_ref().map(|b| b.1.clone()).unwrap_or_else(|| model.valid());
        save_checkpoint_as(&ck.dir, &format!("step-{step:07}"), &model.valid(), &best_model, optim, &state)?;
        Ok(())
    };
    if checkpoints.is_some() {
        crate::stop::install_stop_handler();
    }
    tracing::info!(params = model.num_params(), chip = cfg.chip_size, batch = cfg.batch_size, "training detector");
    loop {
        let elapsed = spent + start.elapsed().as_secs_f64();
        let progress = (step as f64 / cfg.max_steps.max(1) as f64)
            .max(cfg.max_seconds.map(|m| elapsed / m.max(1e-9)).unwrap_or(0.0));
        if step >= cfg.max_steps || progress >= 1.0 {
            break;
        }
        let warmup = (step as f64 / 20.0).min(1.0);
        let lr = cfg.learning_rate * warmup.max(0.05) * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
        let chips = sampler.batch(cfg.batch_size, &mut step_rng(cfg.seed, step));
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
            seconds: spent + start.elapsed().as_secs_f64(),
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
        if let Some(f) = on_step.as_mut() {
            f(StepProgress { step, total: cfg.max_steps, loss: log.loss });
        }
        history.push(log);
        let every = checkpoints.map_or(0, |c| c.every);
        if every > 0 && step % every == 0 {
            save(&model, &best, &optim, step, &history, spent + start.elapsed().as_secs_f64())?;
        }
        if checkpoints.is_some() && crate::stop::stop_requested() {
            save(&model, &best, &optim, step, &history, spent + start.elapsed().as_secs_f64())?;
            let dir = checkpoints.map(|c| c.dir.clone()).unwrap_or_default();
            return Err(DetectionTrainError::Interrupted { step, dir });
        }
    }
    let seconds = spent + start.elapsed().as_secs_f64();
    save(&model, &best, &optim, step, &history, seconds)?;
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
