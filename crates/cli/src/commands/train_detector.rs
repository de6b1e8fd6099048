//! `terradl train-detector --train a.xml --train b.csv --out model/`: train the
//! CenterNet crown detector on box-annotated RGB images (Pascal VOC or
//! DeepForest CSV) and save it for `terradl detect`.
//!
//! Validation images (`--validation`) are whole images kept out of training
//! (split by image, never by chip); when given, the model with the best
//! validation F1 at IoU 0.4 is kept.

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::Args;
use std::path::{Path, PathBuf};
use terradl_assess::detection::{DetectionImage as EvalImage, evaluate};
use terradl_data::detection::DetectionImage;
use terradl_models::detection::{CenterNetDetector, DecodeConfig, DetectorConfig, save_detector};
use terradl_predict::{DetectConfig, detect_scene};
use terradl_train::detection::{DetectorTrainingConfig, StepCheckpoints, StepProgress, train_detector_with};

use super::chip_augment_args::ChipAugmentArgs;

#[derive(Debug, Args)]
pub(crate) struct TrainDetectorArgs {
    /// Training annotations: Pascal VOC XML (image next to it) or DeepForest CSV
    /// (images in --image-dir). Repeat for several files.
    #[arg(long = "train", required = true)]
    pub train: Vec<PathBuf>,
    /// Validation annotations (whole images held out of training), same formats.
    #[arg(long = "validation")]
    pub validation: Vec<PathBuf>,
    /// Directory holding the images a CSV names (default: the CSV's directory).
    #[arg(long)]
    pub image_dir: Option<PathBuf>,
    /// Output directory for model.json + detector.bpk.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Wall-clock training budget in seconds.
    #[arg(long, default_value_t = 600.0)]
    pub seconds: f64,
    /// Maximum optimizer steps.
    #[arg(long, default_value_t = 100_000)]
    pub steps: usize,
    /// Chip side in pixels (multiple of 16).
    #[arg(long, default_value_t = 128)]
    pub chip: usize,
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Peak learning rate (Adam, cosine decay).
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    /// Backbone widths of the four stages, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "16,32,64,96")]
    pub widths: Vec<usize>,
    /// Width of the neck and head.
    #[arg(long, default_value_t = 32)]
    pub head: usize,
    /// Validate every this many steps (with --validation).
    #[arg(long, default_value_t = 200)]
    pub eval_every: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub augment: ChipAugmentArgs,
    /// Zoom range MIN,MAX of the training chips, drawn log-uniformly per chip (e.g. 0.5,2:
    /// crowns at half to twice their size); 1,1 disables.
    #[arg(long, value_delimiter = ',', default_value = "1,1")]
    pub scale_jitter: Vec<f32>,
    /// Write a checkpoint (model, best model, optimizer state, step) into <out>/checkpoints
    /// every this many steps (0: only at the end and on SIGINT/SIGTERM).
    #[arg(long, default_value_t = 100)]
    pub checkpoint_every: usize,
    /// Continue from the newest checkpoint in <out>/checkpoints (same settings; --steps,
    /// --seconds and --eval-every may change). With a step budget the result equals an
    /// uninterrupted run's.
    #[arg(long)]
    pub resume: bool,
    /// Fine-tune: start from this saved detector (a `train-detector` output directory), or
    /// `shipped` for the model shipped with terradl, instead of random weights. Its
    /// architecture and normalisation are kept (--widths and --head are ignored).
    #[arg(long, value_name = "DIR|shipped")]
    pub init: Option<String>,
}


pub(super) fn load_images(files: &[PathBuf], image_dir: Option<&Path>) -> anyhow::Result<Vec<DetectionImage>> {
    let mut out = Vec::new();
    for f in files {
        let ext = f.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "xml" => out.push(DetectionImage::from_voc(f).with_context(|| format!("cannot load {}", f.display()))?),
            "csv" => {
                let dir = image_dir.map(Path::to_path_buf).unwrap_or_else(|| f.parent().unwrap_or(Path::new(".")).to_path_buf());
                out.extend(DetectionImage::from_csv(f, &dir).with_context(|| format!("cannot load {}", f.display()))?);
            }
            other => bail!("{}: annotations must be Pascal VOC (.xml) or CSV (.csv), got {other:?}", f.display()),
        }
    }
    Ok(out)
}

/// Detections of `model` on each of `images` at score `min_score`, beside the image's boxes.
fn detections(model: &CenterNetDetector, images: &[DetectionImage], min_score: f32, device: &Device) -> Vec<EvalImage> {
    let cfg = DetectConfig { decode: DecodeConfig { score_threshold: min_score, ..Default::default() }, ..Default::default() };
    images
        .iter()
        .map(|img| EvalImage {
            predictions: detect_scene(model, &img.raster, &cfg, device).unwrap_or_default(),
            truths: img.boxes.iter().map(|b| b.bbox).collect(),
        })
        .collect()
}

/// F1 at IoU 0.4 of `model` over `images` (score threshold 0.1: briefly trained CenterNet peaks stay below 0.2).
pub(super) fn validation_f1(model: &CenterNetDetector, images: &[DetectionImage], device: &Device) -> f64 {
    evaluate(&detections(model, images, 0.1, device), 0.4).f1.unwrap_or(0.0)
}

/// Score thresholds tried when calibrating a trained detector on the validation images.
const CALIBRATION_SCORES: [f32; 12] = [0.02, 0.04, 0.06, 0.08, 0.1, 0.13, 0.16, 0.2, 0.25, 0.3, 0.4, 0.5];

/// The score threshold with the highest F1 at IoU 0.4 over `images`, with that F1
/// (ties: the lower threshold); `None` without validation boxes.
pub(super) fn calibrate_score(model: &CenterNetDetector, images: &[DetectionImage], device: &Device) -> Option<(f32, f64)> {
    if images.iter().all(|i| i.boxes.is_empty()) {
        return None;
    }
    let all = detections(model, images, CALIBRATION_SCORES[0], device);
    CALIBRATION_SCORES
        .iter()
        .map(|&t| {
            let kept: Vec<EvalImage> = all
                .iter()
                .map(|e| EvalImage {
                    predictions: e.predictions.iter().filter(|p| p.score >= f64::from(t)).cloned().collect(),
                    truths: e.truths.clone(),
                })
                .collect();
            (t, evaluate(&kept, 0.4).f1.unwrap_or(0.0))
        })
        .fold(None, |best: Option<(f32, f64)>, (t, f1)| match best {
            Some((_, b)) if b >= f1 => best,
            _ => Some((t, f1)),
        })
}

pub(super) fn run(args: TrainDetectorArgs) -> anyhow::Result<()> {
    let widths: [usize; 4] = args.widths.clone().try_into().map_err(|_| anyhow::anyhow!("--widths needs four numbers"))?;
    let [scale_min, scale_max]: [f32; 2] =
        args.scale_jitter.clone().try_into().map_err(|_| anyhow::anyhow!("--scale-jitter needs two numbers, MIN,MAX"))?;
    let train = load_images(&args.train, args.image_dir.as_deref())?;
    let val = load_images(&args.validation, args.image_dir.as_deref())?;
    let n_boxes: usize = train.iter().map(|i| i.boxes.len()).sum();
    if n_boxes == 0 {
        bail!("the training images hold no boxes");
    }
    for v in &val {
        if train.iter().any(|t| t.name == v.name) {
            bail!("image {} is in both training and validation sets", v.name);
        }
    }
    println!("training on {} images ({n_boxes} boxes), validating on {}", train.len(), val.len());
    let cfg = DetectorTrainingConfig::new(DetectorConfig::new().with_widths(widths).with_head_width(args.head))
        .with_chip_size(args.chip)
        .with_batch_size(args.batch)
        .with_learning_rate(args.lr)
        .with_max_steps(args.steps)
        .with_max_seconds(Some(args.seconds))
        .with_eval_every(if val.is_empty() { 0 } else { args.eval_every })
        .with_brightness(args.augment.brightness)
        .with_colour(args.augment.colour)
        .with_contrast(args.augment.contrast)
        .with_scale((scale_min, scale_max))
        .with_seed(args.seed)
        .with_init(super::shipped_choice::init_dir(args.init.as_deref(), terradl_pipeline::shipped::CROWN_DETECTOR)?);
    let device = terradl_models::compute_device();
    let mut validate = |m: &CenterNetDetector| validation_f1(m, &val, &device);
    let checkpoints = StepCheckpoints { dir: args.out.join("checkpoints"), every: args.checkpoint_every, resume: args.resume };
    let validate: Option<&mut dyn FnMut(&CenterNetDetector) -> f64> = if val.is_empty() { None } else { Some(&mut validate) };
    let bar = terradl_pipeline::progress::bar(cfg.max_steps as u64, "detector");
    let mut on_step = |p: StepProgress| {
        bar.set_position(p.step as u64);
        bar.set_message(format!("loss {:.3}", p.loss));
    };
    let trained = train_detector_with(&cfg, train, &device, validate, Some(&checkpoints), Some(&mut on_step));
    bar.finish_and_clear();
    let mut trained = trained?;
    if let Some((score, f1)) = calibrate_score(&trained.model, &val, &device) {
        println!("score threshold {score} (validation F1@0.4 {f1:.3}), saved as `terradl detect`'s default");
        trained.config.score_threshold = Some(score);
    }
    save_detector(&trained.model, &trained.config, &args.out).with_context(|| format!("cannot save to {}", args.out.display()))?;
    let last = trained.history.last().map(|l| l.loss).unwrap_or(f32::NAN);
    println!(
        "{} steps in {:.0}s, final loss {last:.3}{} -> {}",
        trained.steps,
        trained.seconds,
        trained.best_validation.map(|v| format!(", best validation F1@0.4 {v:.3}")).unwrap_or_default(),
        args.out.display()
    );
    Ok(())
}
