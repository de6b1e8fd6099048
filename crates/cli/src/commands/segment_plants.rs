//! `terradl segment-plants --model <dir> <raster> --output plants.geojson`:
//! individual plants from a U-Net trained by `terradl train-segmenter`, over a
//! raster of any size (tiles with overlap, each plant kept by the tile whose core
//! holds its centroid), as GeoJSON polygons in the raster's CRS (pixel
//! coordinates for a PNG or an image without georeferencing) with id, area
//! (pixels and map units), score and bounding box.

use anyhow::{Context, bail};
use clap::Args;
use geo_types::{Coord, LineString, Polygon};
use std::path::PathBuf;
use terradl_geo::vector::{Feature, VectorLayer, write_geojson};
use terradl_geo::{Crs, GeoTransform};
use terradl_models::load_unet;
use terradl_predict::{Plant, segment_plants};

use super::detect::{Input, open_input};
use super::train_segmenter::SegmenterSettings;

#[derive(Debug, Args)]
pub(crate) struct SegmentPlantsArgs {
    /// Model directory written by `terradl train-segmenter` (model.json, unet.bpk,
    /// segmenter.json); without it, the plant segmenter shipped with terradl
    /// (models/plants/PROVENANCE.md).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// RGB raster: GeoTIFF (read window by window, georeferencing kept) or PNG (pixel coordinates).
    pub raster: PathBuf,
    /// Output GeoJSON (polygons with id, area_px, area, score, xmin/ymin/xmax/ymax).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Tile core side in pixels (memory is bounded by (tile + 2 overlap)^2).
    #[arg(long, default_value_t = 384)]
    pub tile: usize,
    /// Context read around each tile core, in pixels; at least the largest plant.
    #[arg(long, default_value_t = 64)]
    pub overlap: usize,
    /// Plant probability threshold (default: the one saved with the model).
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Smallest plant core in pixels (default: saved with the model).
    #[arg(long)]
    pub min_area: Option<usize>,
}

/// Plants as a GeoJSON layer: one polygon per plant in the raster's CRS.
pub(super) fn plants_layer(plants: &[Plant], gt: &GeoTransform, crs: &Crs) -> VectorLayer {
    let r = |v: f64| (v * 1e4).round() / 1e4;
    let features = plants
        .iter()
        .map(|p| {
            let ring: Vec<Coord<f64>> = p
                .polygon_px
                .iter()
                .map(|&(x, y)| {
                    let (x, y) = gt.pixel_to_world(x, y);
                    Coord { x, y }
                })
                .collect();
            let world = p.bbox.to_world(gt);
            Feature::new(Polygon::new(LineString(ring), vec![]))
                .with("id", p.id as f64)
                .with("area_px", r(p.area_px))
                .with("area", r(p.area_map))
                .with("score", r(p.score as f64))
                .with("xmin", world.xmin)
                .with("ymin", world.ymin)
                .with("xmax", world.xmax)
                .with("ymax", world.ymax)
        })
        .collect();
    VectorLayer { features, crs: crs.epsg.map(|_| crs.clone()) }
}

pub(super) fn run(args: SegmentPlantsArgs) -> anyhow::Result<()> {
    if args.tile < 16 {
        bail!("--tile must be at least 16 pixels, got {}", args.tile);
    }
    let model_dir = super::shipped_choice::model_dir(args.model.as_deref(), terradl_pipeline::shipped::PLANT_SEGMENTER)?;
    let mut settings = SegmenterSettings::load(&model_dir)?;
    if let Some(t) = args.threshold {
        if !(t > 0.0 && t < 1.0) {
            bail!("--threshold must be in (0, 1), got {t}");
        }
        settings.threshold = t;
    }
    if let Some(a) = args.min_area {
        settings.min_area = a;
    }
    let cfg = settings.plant_config(args.tile, args.overlap);
    let device = terradl_models::compute_device();
    let (model, _) = load_unet(&model_dir, &device).with_context(|| format!("cannot load U-Net from {}", model_dir.display()))?;
    let (input, crs) = open_input(&args.raster)?;
    let start = std::time::Instant::now();
    let bar = terradl_pipeline::progress::bar(0, "segment");
    let mut on_tile = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let (plants, gt, (cols, rows)) = match &input {
        Input::Tiff(r) => {
            let i = r.info();
            (segment_plants(&model, r, &cfg, &device, &mut on_tile)?, i.transform, (i.cols, i.rows))
        }
        Input::Png(r) => (segment_plants(&model, r, &cfg, &device, &mut on_tile)?, r.transform, (r.cols, r.rows)),
    };
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    write_geojson(&args.output, &plants_layer(&plants, &gt, &crs)).with_context(|| format!("cannot write {}", args.output.display()))?;
    println!(
        "{} plants in {} ({cols} x {rows}, {}) in {secs:.2}s ({:.2} Mpx/s) -> {}",
        plants.len(),
        args.raster.display(),
        crs.label(),
        (cols * rows) as f64 / 1e6 / secs.max(1e-9),
        args.output.display()
    );
    Ok(())
}
