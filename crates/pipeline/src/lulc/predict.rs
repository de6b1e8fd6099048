//! `terradl predict` with a saved lulc method: tiled for the pixel and patch methods, on
//! the segmented whole raster for OCNN and JDL.

use super::data::segment_raster;
use super::maps::write_maps;
use super::saved::{load_model, read_info, LoadedLulc};
use crate::blocks::patch::{standardised_stack, PatchBlockPredictor};
use crate::blocks::standardised::StandardisedPixelBlock;
use crate::blocks::uncertain::UncertaintyMode;
use crate::model_store::ModelManifest;
use crate::PredictRequest;
use crate::error::{Context, Result, bail, ensure};
use std::path::Path;
use std::time::Instant;
use terradl_geo::{read_raster, RasterReader};
use terradl_predict::{predict_shard_source, predict_source, shard_from_env, BlockPredictor, ClassLegend, TileSource, WithNodata};
use terradl_train::lulc::{object_probabilities_to_pixels, plan_objects};

/// `terradl predict` with the model `method` of the lulc run in `run_dir` (described by
/// `manifest`); returns the summary line.
pub(crate) fn predict(run_dir: &Path, manifest: &ModelManifest, method: Option<&str>, args: &PredictRequest) -> Result<String> {
    let info = read_info(run_dir)?;
    let entry = &manifest.models[manifest.select(method)?];
    if args.uncertainty != UncertaintyMode::None {
        bail!(
            "--uncertainty {:?} applies to the pixel models of land-cover runs; the models of a lulc run always \
             write uncertainty.tif (entropy, margin of their probabilities): drop --uncertainty",
            args.uncertainty
        );
    }
    let reader = RasterReader::open(args.raster).with_context(|| format!("opening raster {}", args.raster.display()))?;
    manifest.check_raster(args.raster, reader.info())?;
    // The training pipeline's `nodata` for files that declare none.
    let with_nodata = manifest.nodata.map(|v| WithNodata::new(&reader, v));
    let source: &dyn TileSource = match &with_nodata {
        Some(w) => w,
        None => &reader,
    };
    let shard = match args.shard {
        Some(s) => Some(s),
        None => shard_from_env()?,
    };
    let lc = manifest.legend();
    let lu = ClassLegend { names: info.land_use_names.clone(), colors: info.land_use_colors.clone() };
    // OCNN and JDL name their targets; pixel and patch methods learnt the label classes.
    let land_use = match entry.kind.as_str() {
        "ocnn_lu" => true,
        "ocnn" | "jdl" | "ss_jdl" => false,
        _ => info.labels_are == super::config::Target::LandUse && !lu.names.is_empty(),
    };
    let legend = if land_use { &lu } else { &lc };
    let model = load_model(run_dir, entry)?;
    let t = Instant::now();
    tracing::info!(raster = %args.raster.display(), model = %entry.name, run = %run_dir.display(), "predicting");
    let stats = &info.normalisation;
    let tiled = |predictor: &dyn BlockPredictor| -> Result<String> {
        Ok(match shard {
            Some(s) => {
                let sum = predict_shard_source(source, predictor, legend, args.output, s, || {})?;
                format!("shard {}/{}: {} tiles, {} pixels -> {}", s.index, s.count, sum.tiles, sum.pixels, args.output.display())
            }
            None => {
                let sum = predict_source(source, predictor, legend, args.output, || {})?;
                format!("{} tiles, {} pixels in {:.1} s -> {}", sum.tiles, sum.pixels, t.elapsed().as_secs_f64(), args.output.display())
            }
        })
    };
    Ok(match &model {
        LoadedLulc::Pixel(m) => {
            tiled(&StandardisedPixelBlock { model: m.classifier(), stats, n_classes: legend.names.len() })?
        }
        LoadedLulc::Patch(m) => tiled(&PatchBlockPredictor { model: m, stats, n_classes: legend.names.len() })?,
        LoadedLulc::Ocnn(_) | LoadedLulc::Jdl(_) => {
            if shard.is_some() {
                bail!("{} segments the whole raster, so it cannot run as a shard; run it without --shard", entry.name);
            }
            let mut raster = read_raster(args.raster).with_context(|| format!("reading {}", args.raster.display()))?;
            if raster.nodata.is_none() {
                raster.nodata = manifest.nodata;
            }
            let seg = segment_raster(&raster, &info.segmentation)?;
            let stack = standardised_stack(&raster, stats)?;
            std::fs::create_dir_all(args.output).with_context(|| format!("creating {}", args.output.display()))?;
            match &model {
                LoadedLulc::Ocnn(m) => {
                    ensure!(m.n_classes() == legend.names.len(), "{} has {} classes, the run lists {}", entry.name, m.n_classes(), legend.names.len());
                    let plans = plan_objects(&seg, &m.config().placement)?;
                    let proba = object_probabilities_to_pixels(&seg, &m.predict_objects(&stack, &plans)?);
                    write_maps(&raster, args.output, "", &proba, &legend.names, &legend.colors)?;
                }
                LoadedLulc::Jdl(m) => {
                    ensure!(m.n_lc == lc.names.len() && m.n_lu == lu.names.len(), "{} does not match the run's classes", entry.name);
                    let (lc_p, _, lu_p) = m.predict(&stack, &seg)?;
                    write_maps(&raster, args.output, "", &lc_p, &lc.names, &lc.colors)?;
                    write_maps(&raster, args.output, "land_use_", &lu_p, &lu.names, &lu.colors)?;
                }
                _ => unreachable!("matched above"),
            }
            format!(
                "{} objects, {} pixels in {:.1} s -> {}",
                seg.n_objects,
                raster.rows * raster.cols,
                t.elapsed().as_secs_f64(),
                args.output.display()
            )
        }
    })
}
