//! `terradl detect --model <dir> <raster> --output crowns.geojson`: tree crowns
//! (or other plants) over a raster of any size, tile by tile with overlap,
//! merged by a scene-wide NMS, written as GeoJSON polygons in the raster's CRS.

use anyhow::{Context, bail};
use burn::tensor::Device;
use clap::Args;
use std::path::{Path, PathBuf};
use terradl_data::detection::read_png_rgb;
use terradl_geo::vector::{Feature, VectorLayer, write_geojson};
use terradl_geo::{Crs, GeoTransform, PixelBox, RasterReader, Scored};
use terradl_models::detection::{DecodeConfig, load_detector};
use terradl_predict::{DetectConfig, WindowSource, detect_scene_with_progress};

#[derive(Debug, Args)]
pub(crate) struct DetectArgs {
    /// Detector directory written by `terradl train-detector` (model.json + detector.bpk);
    /// without it, the crown detector shipped with terradl (models/crowns/PROVENANCE.md).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// RGB raster: GeoTIFF (read window by window, georeferencing kept) or PNG
    /// (read whole; pixel coordinates).
    pub raster: PathBuf,
    /// Output GeoJSON (polygons with `id`, `score`, `class`, `label`).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Tile core side in pixels (memory is bounded by (tile + 2 overlap)^2).
    #[arg(long, default_value_t = 400)]
    pub tile: usize,
    /// Context read around each tile core, in pixels; at least the largest object.
    #[arg(long, default_value_t = 64)]
    pub overlap: usize,
    /// Minimum score of a detection (default: the threshold chosen on the validation images
    /// when the model was trained, else 0.3).
    #[arg(long)]
    pub score: Option<f32>,
    /// IoU above which the lower-scored of two boxes is dropped (scene-wide NMS).
    #[arg(long, default_value_t = 0.4)]
    pub nms_iou: f64,
    /// Maximum detections per tile.
    #[arg(long, default_value_t = 500)]
    pub max_per_tile: usize,
}

/// An opened input raster.
pub(super) enum Input {
    Tiff(RasterReader),
    Png(terradl_geo::Raster),
}

pub(super) fn open_input(path: &Path) -> anyhow::Result<(Input, Crs)> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "png" => {
            let r = read_png_rgb(path).with_context(|| format!("cannot read {}", path.display()))?;
            Ok((Input::Png(r), Crs::default()))
        }
        _ => {
            let r = RasterReader::open(path).with_context(|| format!("cannot open raster {}", path.display()))?;
            let crs = r.info().crs.clone();
            Ok((Input::Tiff(r), crs))
        }
    }
}

/// Score threshold of a detector without a calibrated one and without `--score`.
const DEFAULT_SCORE: f32 = 0.3;

/// Validate the settings and turn them into a [`DetectConfig`]; `model_score` is the
/// threshold saved with the model.
fn detect_config(args: &DetectArgs, model_score: Option<f32>) -> anyhow::Result<DetectConfig> {
    if args.tile < 16 {
        bail!("--tile must be at least 16 pixels, got {}", args.tile);
    }
    let score = args.score.or(model_score).unwrap_or(DEFAULT_SCORE);
    if !(0.0..=1.0).contains(&score) {
        bail!("--score must be in [0, 1], got {score}");
    }
    if !(args.nms_iou > 0.0 && args.nms_iou <= 1.0) {
        bail!("--nms-iou must be in (0, 1], got {}", args.nms_iou);
    }
    Ok(DetectConfig {
        tile_size: args.tile,
        overlap: args.overlap,
        decode: DecodeConfig { top_k: args.max_per_tile.max(1), score_threshold: score, nms_iou: 0.5 },
        scene_nms_iou: args.nms_iou,
    })
}

/// Detections (scene pixel boxes) as a GeoJSON layer: one polygon per box in the
/// raster's CRS, with `class` and `label` for boxes that carry a class.
pub(super) fn detections_layer(dets: &[Scored<PixelBox>], gt: &GeoTransform, crs: &Crs, labels: &[String]) -> VectorLayer {
    let features = dets
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let feature = Feature::new(d.bbox.to_world_polygon(gt))
                .with("id", (i + 1) as f64)
                .with("score", (d.score * 1e4).round() / 1e4);
            match d.class {
                Some(c) => {
                    let label = labels.get(c).cloned().unwrap_or_else(|| format!("class{c}"));
                    feature.with("class", c as f64).with("label", label)
                }
                None => feature,
            }
        })
        .collect();
    VectorLayer { features, crs: crs.epsg.map(|_| crs.clone()) }
}

pub(super) fn run(args: DetectArgs) -> anyhow::Result<()> {
    let model_dir = super::shipped_choice::model_dir(args.model.as_deref(), terradl_pipeline::shipped::CROWN_DETECTOR)?;
    let device = terradl_models::compute_device();
    let (model, det_cfg) =
        load_detector(&model_dir, &device).with_context(|| format!("cannot load detector from {}", model_dir.display()))?;
    let cfg = detect_config(&args, det_cfg.score_threshold)?;
    let (input, crs) = open_input(&args.raster)?;
    let start = std::time::Instant::now();
    let bar = terradl_pipeline::progress::bar(0, "detect");
    let mut on_tile = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let (dets, gt, (cols, rows)) = match &input {
        Input::Tiff(r) => scene(&model, r, &cfg, &device, &mut on_tile),
        Input::Png(r) => scene(&model, r, &cfg, &device, &mut on_tile),
    }?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let layer = detections_layer(&dets, &gt, &crs, &det_cfg.class_names);
    write_geojson(&args.output, &layer).with_context(|| format!("cannot write {}", args.output.display()))?;
    let mpx = (cols * rows) as f64 / 1e6;
    println!(
        "{} objects in {} ({cols} x {rows}, {}) in {secs:.2}s ({:.2} Mpx/s) -> {}",
        dets.len(),
        args.raster.display(),
        crs.label(),
        mpx / secs.max(1e-9),
        args.output.display()
    );
    Ok(())
}

fn scene(
    model: &terradl_models::detection::CenterNetDetector,
    src: &impl WindowSource,
    cfg: &DetectConfig,
    device: &Device,
    on_tile: &mut dyn FnMut(usize, usize),
) -> anyhow::Result<(Vec<Scored<PixelBox>>, GeoTransform, (usize, usize))> {
    let (cols, rows, _) = src.shape();
    let dets = detect_scene_with_progress(model, src, cfg, device, on_tile)?;
    Ok((dets, src.geo_transform(), (cols, rows)))
}
