//! `terradl train-segmenter --train a.xml --validation v.xml --out model/`: train
//! the (Res) U-Net plant-vs-background segmenter on box-annotated RGB images
//! (Pascal VOC or DeepForest CSV; targets are the boxes' inscribed ellipses shrunk
//! to crown cores) with a scale sequence of patch sizes, and save it for
//! `terradl segment-plants`.
//!
//! Validation images (`--validation`) are whole images kept out of training
//! (split by image, never by chip). After training they are scored once (never
//! used to select): foreground IoU against the core and full-ellipse masks, and
//! per-plant precision / recall / F1 of the separated instances' boxes against
//! the annotated boxes at IoU 0.4 and 0.5 (`metrics.json`).

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_assess::detection::{DetectionImage as EvalImage, evaluate};
use terradl_data::detection::{DetectionImage, core_ellipse_mask};
use terradl_models::{UNet, UNetConfig, save_unet};
use terradl_predict::{PlantSegmentConfig, probability_scene, segment_plants};
use terradl_geo::Scored;
use terradl_segment::{InstanceConfig, MarkerConfig};
use terradl_train::detection::{StepCheckpoints, StepProgress};
use terradl_train::plant_segmenter::{PlantSegmenterTrainingConfig, train_plant_segmenter_with};

use super::chip_augment_args::ChipAugmentArgs;
use super::train_detector::load_images;

/// Post-processing settings saved next to the U-Net (`segmenter.json`) and used by
/// `terradl segment-plants` as its defaults.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SegmenterSettings {
    /// Semi-axis factor of the training targets (outlines are grown by its inverse).
    pub core_scale: f32,
    /// Plant probability threshold.
    pub threshold: f32,
    /// Smallest plant core kept, in pixels.
    pub min_area: usize,
    /// h-maxima height of the markers on the distance transform, in pixels.
    pub marker_h: f64,
    /// Smallest distance between two plant centres, in pixels.
    pub min_distance: f64,
}

/// File name of [`SegmenterSettings`] in a model directory.
pub(super) const SETTINGS_FILE: &str = "segmenter.json";

impl SegmenterSettings {
    /// The scene-level configuration for these settings.
    pub(super) fn plant_config(&self, tile_size: usize, overlap: usize) -> PlantSegmentConfig {
        PlantSegmentConfig {
            tile_size,
            overlap,
            threshold: self.threshold,
            instances: InstanceConfig {
                markers: MarkerConfig { h: self.marker_h, min_distance: self.min_distance },
                min_area: self.min_area,
                simplify_tolerance: 0.5,
            },
            grow: 1.0 / self.core_scale as f64,
        }
    }

    /// Read `dir/segmenter.json`.
    pub(super) fn load(dir: &Path) -> anyhow::Result<Self> {
        let p = dir.join(SETTINGS_FILE);
        let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is not a segmenter settings file", p.display()))
    }
}

#[derive(Debug, Args)]
pub(crate) struct TrainSegmenterArgs {
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
    /// Output directory for model.json + unet.bpk + segmenter.json (+ metrics.json).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Patch side of each training stage (the scale sequence), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "64,96,128")]
    pub scales: Vec<usize>,
    /// Optimizer steps per stage (a step budget: the same seed gives the same model).
    #[arg(long, default_value_t = 150)]
    pub steps: usize,
    /// Optional wall-clock limit in seconds (stops early; makes the result load-dependent).
    #[arg(long)]
    pub seconds: Option<f64>,
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Peak learning rate (Adam, cosine decay).
    #[arg(long, default_value_t = 3e-3)]
    pub lr: f64,
    /// Channel widths of the U-Net levels, finest first.
    #[arg(long, value_delimiter = ',', default_value = "16,32,64")]
    pub widths: Vec<usize>,
    /// Plain double-conv blocks instead of residual ones (Res U-Net).
    #[arg(long)]
    pub plain: bool,
    /// Target ellipses' semi-axes as a fraction of the boxes' (crown cores keep touching crowns apart).
    #[arg(long, default_value_t = 0.8)]
    pub core_scale: f32,
    /// Plant probability threshold saved for segment-plants (and used for validation).
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Smallest plant core in pixels.
    #[arg(long, default_value_t = 30)]
    pub min_area: usize,
    /// Marker h-maxima height on the distance transform (pixels).
    #[arg(long, default_value_t = 2.0)]
    pub marker_h: f64,
    /// Smallest distance between plant centres (pixels).
    #[arg(long, default_value_t = 6.0)]
    pub min_distance: f64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[command(flatten)]
    pub augment: ChipAugmentArgs,
    /// Write a checkpoint (model, optimizer state, step) into <out>/checkpoints every this
    /// many steps (0: only at the end and on SIGINT/SIGTERM).
    #[arg(long, default_value_t = 100)]
    pub checkpoint_every: usize,
    /// Continue from the newest checkpoint in <out>/checkpoints (same settings; --seconds
    /// may change). The result equals an uninterrupted run's.
    #[arg(long)]
    pub resume: bool,
    /// Fine-tune: start from this saved segmenter (a `train-segmenter` output directory), or
    /// `shipped` for the model shipped with terradl, instead of random weights. Its
    /// architecture and normalisation are kept (--widths and --plain are ignored).
    #[arg(long, value_name = "DIR|shipped")]
    pub init: Option<String>,
}

/// Validation figures of a segmenter.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct SegmenterValidation {
    pub images: Vec<String>,
    /// Foreground IoU of the thresholded probability against the training targets (core ellipses).
    pub iou_core: f64,
    /// Foreground IoU against the full inscribed ellipses.
    pub iou_ellipse: f64,
    pub plants: usize,
    pub truths: usize,
    pub precision_04: f64,
    pub recall_04: f64,
    pub f1_04: f64,
    pub precision_05: f64,
    pub recall_05: f64,
    pub f1_05: f64,
}

/// Score `model` on whole validation images (see the module docs).
pub(super) fn validate_segmenter(
    model: &UNet,
    settings: &SegmenterSettings,
    images: &[DetectionImage],
    device: &Device,
) -> anyhow::Result<SegmenterValidation> {
    let cfg = settings.plant_config(384, 64);
    let (mut inter_c, mut union_c, mut inter_e, mut union_e) = (0usize, 0usize, 0usize, 0usize);
    let mut evals = Vec::new();
    for img in images {
        let (rows, cols) = (img.raster.rows, img.raster.cols);
        let prob = probability_scene(model, &img.raster, cfg.tile_size, cfg.overlap, device)?;
        let core = core_ellipse_mask(&img.boxes, rows, cols, settings.core_scale);
        let full = core_ellipse_mask(&img.boxes, rows, cols, 1.0);
        for p in 0..rows * cols {
            let pred = prob[p] >= settings.threshold;
            inter_c += (pred && core[p] == 1) as usize;
            union_c += (pred || core[p] == 1) as usize;
            inter_e += (pred && full[p] == 1) as usize;
            union_e += (pred || full[p] == 1) as usize;
        }
        let plants = segment_plants(model, &img.raster, &cfg, device, &mut |_, _| {})?;
        evals.push(EvalImage {
            predictions: plants.iter().map(|p| Scored::new(p.bbox, p.score.into())).collect(),
            truths: img.boxes.iter().map(|b| b.bbox).collect(),
        });
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let m4 = evaluate(&evals, 0.4);
    let m5 = evaluate(&evals, 0.5);
    Ok(SegmenterValidation {
        images: images.iter().map(|i| i.name.clone()).collect(),
        iou_core: ratio(inter_c, union_c),
        iou_ellipse: ratio(inter_e, union_e),
        plants: evals.iter().map(|e| e.predictions.len()).sum(),
        truths: evals.iter().map(|e| e.truths.len()).sum(),
        precision_04: m4.precision.unwrap_or(0.0),
        recall_04: m4.recall.unwrap_or(0.0),
        f1_04: m4.f1.unwrap_or(0.0),
        precision_05: m5.precision.unwrap_or(0.0),
        recall_05: m5.recall.unwrap_or(0.0),
        f1_05: m5.f1.unwrap_or(0.0),
    })
}

fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    let p = dir.join(name);
    terradl_report::write_atomic(&p, &bytes).with_context(|| format!("cannot write {}", p.display()))
}

pub(super) fn run(args: TrainSegmenterArgs) -> anyhow::Result<()> {
    if !(args.core_scale > 0.0 && args.core_scale <= 1.0) {
        bail!("--core-scale must be in (0, 1], got {}", args.core_scale);
    }
    if !(args.threshold > 0.0 && args.threshold < 1.0) {
        bail!("--threshold must be in (0, 1), got {}", args.threshold);
    }
    if !(args.marker_h >= 0.0 && args.min_distance >= 0.0) {
        bail!("--marker-h and --min-distance must be >= 0");
    }
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
    let unet = UNetConfig::new().with_widths(args.widths.clone()).with_residual(!args.plain);
    let cfg = PlantSegmenterTrainingConfig::new(unet)
        .with_scale_sequence(args.scales.clone())
        .with_steps_per_stage(args.steps)
        .with_batch_size(args.batch)
        .with_learning_rate(args.lr)
        .with_core_scale(args.core_scale)
        .with_max_seconds(args.seconds)
        .with_brightness(args.augment.brightness)
        .with_colour(args.augment.colour)
        .with_contrast(args.augment.contrast)
        .with_seed(args.seed)
        .with_init(super::shipped_choice::init_dir(args.init.as_deref(), terradl_pipeline::shipped::PLANT_SEGMENTER)?);
    let device = terradl_models::compute_device();
    let checkpoints = StepCheckpoints { dir: args.out.join("checkpoints"), every: args.checkpoint_every, resume: args.resume };
    let bar = terradl_pipeline::progress::bar((cfg.steps_per_stage * cfg.scale_sequence.len()) as u64, "U-Net");
    let mut on_step = |p: StepProgress| {
        bar.set_position(p.step as u64);
        bar.set_message(format!("loss {:.3}", p.loss));
    };
    let trained = train_plant_segmenter_with(&cfg, train, &device, Some(&checkpoints), Some(&mut on_step));
    bar.finish_and_clear();
    let trained = trained?;
    save_unet(&trained.model, &trained.config, &args.out).with_context(|| format!("cannot save to {}", args.out.display()))?;
    let settings = SegmenterSettings {
        core_scale: args.core_scale,
        threshold: args.threshold,
        min_area: args.min_area,
        marker_h: args.marker_h,
        min_distance: args.min_distance,
    };
    write_json(&args.out, SETTINGS_FILE, &settings)?;
    let last = trained.history.last().map(|l| l.loss).unwrap_or(f32::NAN);
    println!(
        "{} steps (scales {:?}) in {:.0}s, final loss {last:.3} -> {}",
        trained.history.len(),
        args.scales,
        trained.seconds,
        args.out.display()
    );
    if !val.is_empty() {
        let v = validate_segmenter(&trained.model, &settings, &val, &device)?;
        println!(
            "validation ({}): foreground IoU {:.3} (cores) {:.3} (ellipses); {} plants vs {} boxes; \
             IoU 0.4: P {:.3} R {:.3} F1 {:.3}; IoU 0.5: P {:.3} R {:.3} F1 {:.3}",
            v.images.join(", "),
            v.iou_core,
            v.iou_ellipse,
            v.plants,
            v.truths,
            v.precision_04,
            v.recall_04,
            v.f1_04,
            v.precision_05,
            v.recall_05,
            v.f1_05
        );
        write_json(&args.out, "metrics.json", &v)?;
    }
    Ok(())
}
