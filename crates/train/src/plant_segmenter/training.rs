//! The plant segmenter's training loop (see the [module docs](super)).

use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use terradl_data::detection::{Augmentation, ChipSampler, ChipSamplerConfig, DetectionImage, core_ellipse_mask};
use terradl_models::{UNet, UNetConfig, load_unet};

use super::config::PlantSegmenterTrainingConfig;
use crate::checkpoint::{latest_checkpoint_as, save_checkpoint_as};
use crate::detection::step_rng;
use crate::detection::{DetectionTrainError, StepCheckpoints, StepProgress, channel_stats, chips_to_tensor};
use crate::error::TrainError;

/// The loop state saved with each checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SegmenterLoopState {
    /// Steps done (over all stages).
    step: usize,
    /// Training seconds spent so far (counts against `max_seconds` after a resume).
    seconds: f64,
    history: Vec<PlantSegmenterStepLog>,
    /// The settings that shape the run (a resume with other settings is refused).
    settings: serde_json::Value,
}

/// The settings a resumed run must share with the checkpoint: all but the time budget.
fn run_settings(cfg: &PlantSegmenterTrainingConfig) -> serde_json::Value {
    let mut v = serde_json::to_value(cfg).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("max_seconds");
    }
    v
}

/// One logged plant-segmenter step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlantSegmenterStepLog {
    /// Stage index in `scale_sequence`.
    pub stage: usize,
    /// Patch side of the stage in pixels.
    pub patch_size: usize,
    /// Step index over all stages.
    pub step: usize,
    /// Learning rate of the step.
    pub learning_rate: f64,
    /// Loss of the batch.
    pub loss: f32,
}

/// A trained plant segmenter: the U-Net (inference mode, plain device) with its
/// configuration and history.
#[derive(Debug)]
pub struct TrainedPlantSegmenter {
    /// The trained U-Net.
    pub model: UNet,
    /// The configuration the model was built with (including normalisation statistics).
    pub config: UNetConfig,
    /// Logged steps.
    pub history: Vec<PlantSegmenterStepLog>,
    /// Training time in seconds.
    pub seconds: f64,
}

/// Per-pixel two-class targets (`[B, 2, S, S]`, one-hot scaled by the class
/// weight: 1 for background, `fg_weight` for plant) and the sum of the weights.
fn weighted_targets(masks: &[&[u8]], size: usize, fg_weight: f32, device: &Device) -> (Tensor<4>, f32) {
    let plane = size * size;
    let mut data = vec![0f32; masks.len() * 2 * plane];
    let mut total = 0.0;
    for (i, m) in masks.iter().enumerate() {
        for (p, &v) in m.iter().enumerate() {
            let c = v.min(1) as usize;
            let w = if c == 1 { fg_weight } else { 1.0 };
            data[(i * 2 + c) * plane + p] = w;
            total += w;
        }
    }
    (Tensor::from_data(TensorData::new(data, [masks.len(), 2, size, size]), device), total)
}

/// Train the plant segmenter's U-Net through the stages of `cfg.scale_sequence` on box-labelled images
/// (`steps_per_stage = 0` returns the initialised, untrained model); no checkpoints, see
/// [`train_plant_segmenter_with`].
pub fn train_plant_segmenter(
    cfg: &PlantSegmenterTrainingConfig,
    images: Vec<DetectionImage>,
    device: &Device,
) -> Result<TrainedPlantSegmenter, DetectionTrainError> {
    train_plant_segmenter_with(cfg, images, device, None, None)
}

/// [`train_plant_segmenter`] with checkpoints: the model, Adam's moments and the loop state
/// are written atomically every `every` steps, at the end, and when SIGINT/SIGTERM arrives
/// (training then returns [`DetectionTrainError::Interrupted`]); with `resume` the newest
/// checkpoint is loaded and training continues, to the same weights as an uninterrupted
/// run with the same seed (each step's patches come from the seed and the step alone).
pub fn train_plant_segmenter_with(
    cfg: &PlantSegmenterTrainingConfig,
    images: Vec<DetectionImage>,
    device: &Device,
    checkpoints: Option<&StepCheckpoints>,
    mut on_step: Option<&mut dyn FnMut(StepProgress)>,
) -> Result<TrainedPlantSegmenter, DetectionTrainError> {
    if cfg.scale_sequence.is_empty() || cfg.batch_size == 0 {
        return Err(DetectionTrainError::Invalid("scale sequence and batch size must be non-empty".into()));
    }
    if cfg.unet.num_classes != 2 {
        return Err(DetectionTrainError::Invalid("box-derived masks give two classes (plant, background)".into()));
    }
    if !(cfg.core_scale > 0.0 && cfg.core_scale <= 1.0) {
        return Err(DetectionTrainError::Invalid(format!("core scale must be in (0, 1], got {}", cfg.core_scale)));
    }
    if !(cfg.learning_rate > 0.0 && cfg.learning_rate.is_finite()) {
        return Err(DetectionTrainError::Invalid(format!("learning rate must be positive, got {}", cfg.learning_rate)));
    }
    if images.is_empty() {
        return Err(DetectionTrainError::Invalid("no training images".into()));
    }
    let train_device = device.clone().autodiff();
    // Same seed, same initial weights (and so the same run for a fixed step budget).
    train_device.seed(cfg.seed);
    let (mut model, unet_cfg) = match &cfg.init {
        Some(dir) => {
            let (model, saved) = load_unet(dir, &train_device)?;
            if saved.num_classes != 2 {
                return Err(DetectionTrainError::Invalid(format!(
                    "the initial model in {} has {} classes, a plant segmenter has 2",
                    dir.display(),
                    saved.num_classes
                )));
            }
            (model, saved)
        }
        None => {
            let (mean, std) = channel_stats(&images);
            let unet_cfg = cfg.unet.clone().with_mean(mean).with_std(std);
            (unet_cfg.init(&train_device)?, unet_cfg)
        }
    };
    let multiple = model.input_multiple();
    if let Some(bad) = cfg.scale_sequence.iter().find(|&&s| s == 0 || s % multiple != 0) {
        return Err(DetectionTrainError::Invalid(format!("patch size {bad} is not a positive multiple of {multiple}")));
    }
    let masks: Vec<Vec<u8>> = images
        .iter()
        .map(|i| core_ellipse_mask(&i.boxes, i.raster.rows, i.raster.cols, cfg.core_scale))
        .collect();
    let fg_weight = match cfg.foreground_weight {
        Some(w) if w > 0.0 && w.is_finite() => w,
        Some(w) => return Err(DetectionTrainError::Invalid(format!("foreground weight must be positive, got {w}"))),
        None => {
            let fg: usize = masks.iter().map(|m| m.iter().filter(|&&v| v == 1).count()).sum();
            let all: usize = masks.iter().map(Vec::len).sum();
            ((all - fg) as f32 / fg.max(1) as f32).clamp(1.0, 10.0)
        }
    };
    tracing::info!(fg_weight, "U-Net plant pixel weight");
    let augmentation = Augmentation {
        flips: cfg.flips,
        rotations: cfg.rotations,
        brightness: cfg.brightness.max(0.0),
        colour: cfg.colour,
        contrast: cfg.contrast,
        ..Augmentation::none()
    };
    let mut optim = AdamConfig::new().init();
    let mut history = Vec::new();
    let total = (cfg.steps_per_stage * cfg.scale_sequence.len()).max(1);
    let start = Instant::now();
    let mut spent = 0.0;
    let settings = run_settings(cfg);
    if let Some(ck) = checkpoints.filter(|c| c.resume)
        && let Some((files, state)) = latest_checkpoint_as::<SegmenterLoopState>(&ck.dir)?
    {
        if state.settings != settings {
            return Err(DetectionTrainError::Invalid(format!(
                "the checkpoint in {} was written with other training settings; resume with the same ones \
                 (only --seconds may change)",
                files.dir.display()
            )));
        }
        model = model.try_load_file(files.model()).map_err(|e| TrainError::checkpoint(files.model(), e))?;
        optim = optim.load(files.optimizer()).map_err(|e| TrainError::checkpoint(files.optimizer(), e))?;
        tracing::info!(step = state.step, dir = %files.dir.display(), "resuming U-Net training");
        (spent, history) = (state.seconds, state.history);
    }
    let save = |model: &UNet, optim: &burn::optim::ModuleOptimizer, history: &[PlantSegmenterStepLog], seconds: f64| {
        let Some(ck) = checkpoints else { return Ok::<(), DetectionTrainError>(()) };
        let step = history.len();
        let state = SegmenterLoopState { step, seconds, history: history.to_vec(), settings: settings.clone() };
        let m = model.valid();
        save_checkpoint_as(&ck.dir, &format!("step-{step:07}"), &m, &m, optim, &state)?;
        Ok(())
    };
    if checkpoints.is_some() {
        crate::stop::install_stop_handler();
    }
    let mut sampler_parts = Some((images, masks));
    'stages: for (stage, &size) in cfg.scale_sequence.iter().enumerate() {
        let (imgs, masks) = sampler_parts.take().expect("images handed back after each stage");
        let sampler = ChipSampler::new(imgs, ChipSamplerConfig { size, min_visible: 0.0, augmentation: augmentation.clone() })?
            .with_masks(masks.clone())?;
        sampler_parts = Some((sampler.images().to_vec(), masks));
        for k in 0..cfg.steps_per_stage {
            let step = stage * cfg.steps_per_stage + k;
            if step < history.len() {
                continue; // done before the resume
            }
            if cfg.max_seconds.is_some_and(|b| spent + start.elapsed().as_secs_f64() >= b) {
                tracing::info!(steps = history.len(), "U-Net wall-clock budget reached");
                break 'stages;
            }
            let progress = step as f64 / total as f64;
            let lr = cfg.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()));
            let chips = sampler.batch(cfg.batch_size, &mut step_rng(cfg.seed, step));
            let chip_masks: Vec<&[u8]> = chips.iter().map(|c| c.mask.as_slice()).collect();
            let (target, weight_sum) = weighted_targets(&chip_masks, size, fg_weight, &train_device);
            // The step on a rayon worker (see `crate::pool::on_pool`).
            let x = chips_to_tensor(&chips, &train_device);
            let (trained, loss) = crate::pool::on_pool(|| {
                let logits = model.forward(x);
                let loss = (log_softmax(logits, 1) * target).sum().neg() / weight_sum.max(1.0);
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                (optim.step(lr, model, grads), loss)
            });
            model = trained;
            let loss: f32 = loss.into_scalar();
            history.push(PlantSegmenterStepLog { stage, patch_size: size, step, learning_rate: lr, loss });
            if let Some(f) = on_step.as_mut() {
                f(StepProgress { step: history.len(), total, loss });
            }
            if !loss.is_finite() {
                return Err(DetectionTrainError::Invalid(format!("loss became {loss} at step {step}")));
            }
            if step % 20 == 0 {
                tracing::info!(stage, size, step, loss, lr, secs = spent + start.elapsed().as_secs_f64(), "U-Net step");
            }
            let every = checkpoints.map_or(0, |c| c.every);
            if every > 0 && history.len() % every == 0 {
                save(&model, &optim, &history, spent + start.elapsed().as_secs_f64())?;
            }
            if checkpoints.is_some() && crate::stop::stop_requested() {
                save(&model, &optim, &history, spent + start.elapsed().as_secs_f64())?;
                let dir = checkpoints.map(|c| c.dir.clone()).unwrap_or_default();
                return Err(DetectionTrainError::Interrupted { step: history.len(), dir });
            }
        }
        tracing::info!(stage, size, loss = history.last().map(|l| l.loss), "U-Net stage done");
    }
    let seconds = spent + start.elapsed().as_secs_f64();
    save(&model, &optim, &history, seconds)?;
    Ok(TrainedPlantSegmenter { model: model.valid(), config: unet_cfg, history, seconds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_data::detection::{BoxAnnotation, ellipse_mask};
    use terradl_geo::{DType, PixelBox, Raster};

    /// Bright discs on a dark background, boxes around the discs.
    fn synthetic() -> DetectionImage {
        let s = 96;
        let mut r = Raster::new(3, s, s, DType::U8);
        let mut boxes = Vec::new();
        for (cx, cy) in [(20.0, 20.0), (60.0, 30.0), (35.0, 70.0), (75.0, 75.0)] {
            boxes.push(BoxAnnotation::new(PixelBox::new(cx - 10.0, cy - 10.0, cx + 10.0, cy + 10.0), "Tree"));
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
        let cfg = PlantSegmenterTrainingConfig::new(UNetConfig::new().with_widths(vec![8, 16]))
            .with_scale_sequence(vec![32, 64])
            .with_steps_per_stage(30)
            .with_core_scale(1.0)
            .with_foreground_weight(Some(1.0))
            .with_batch_size(4);
        let t = train_plant_segmenter(&cfg, vec![synthetic()], &Device::default()).unwrap();
        assert_eq!(t.history.len(), 60);
        assert_eq!(t.history.first().map(|l| l.patch_size), Some(32));
        assert_eq!(t.history.last().map(|l| l.patch_size), Some(64));
        let first = t.history[0].loss;
        let last = t.history.last().unwrap().loss;
        assert!(last < first * 0.5, "{first} -> {last}");
        // Seeded: the same run twice gives the same losses.
        let again = train_plant_segmenter(&cfg.clone().with_steps_per_stage(3), vec![synthetic()], &Device::default()).unwrap();
        // Each step is reported once, in order, with its loss.
        let mut seen = Vec::new();
        let mut on_step = |p: StepProgress| seen.push(p);
        let short = cfg.clone().with_steps_per_stage(3);
        let twice = train_plant_segmenter_with(&short, vec![synthetic()], &Device::default(), None, Some(&mut on_step)).unwrap();
        assert_eq!(again.history, twice.history);
        let want: Vec<StepProgress> =
            twice.history.iter().enumerate().map(|(i, l)| StepProgress { step: i + 1, total: 6, loss: l.loss }).collect();
        assert_eq!(seen, want);
        let bad = PlantSegmenterTrainingConfig::new(UNetConfig::new()).with_scale_sequence(vec![30]);
        assert!(train_plant_segmenter(&bad, vec![synthetic()], &Device::default()).is_err());
        let bad = cfg.clone().with_core_scale(0.0);
        assert!(train_plant_segmenter(&bad, vec![synthetic()], &Device::default()).is_err());
        assert!(train_plant_segmenter(&cfg, vec![], &Device::default()).is_err());
    }
}
