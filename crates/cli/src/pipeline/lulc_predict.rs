//! Saved models of a `kind = "lulc"` run and `terradl predict` with them.
//!
//! A lulc run stores every trained method in `<run>/model/` (the layout of
//! [`super::model_store`]: `manifest.json` + one directory per model) plus `lulc.json`
//! ([`LulcModelInfo`]: the per-band normalisation, the segmentation settings and the
//! land-use classes). Model kinds are the pipeline's method names:
//!
//! | kind | directory holds | prediction |
//! | --- | --- | --- |
//! | `random_forest`, `mlp` | a pixel classifier (`terradl_train::pixel` layout) | tiled, per pixel of the standardised bands |
//! | `patch_cnn` | `patch_cnn.json` + `.bpk` | tiled with a halo of half a patch |
//! | `ocnn`, `ocnn_lu` | `ocnn.json`, `large/`, `small/` | the whole raster is segmented with the training settings, then every object is classified |
//! | `jdl`, `ss_jdl` | `jdl.json`, `iter-<i>/{mlp,ocnn}` | segmentation, then the iterations' MLP and OCNN replayed in order |
//!
//! Every prediction writes `classes.tif` (uint8 + colour table), `probabilities.tif`
//! (float32, one band per class) and `uncertainty.tif` (entropy in nats, margin); JDL also
//! writes `land_use_classes.tif`, `land_use_probabilities.tif`, `land_use_uncertainty.tif`.

use super::lulc_config::SegmentationConfig;
use super::model_store::{self, ModelManifest, SavedModelEntry, MODEL_DIR};
use super::patch_block::{standardised_stack, PatchBlockPredictor};
use super::pixel_block::{entropy_margin, UNCERTAINTY_BANDS};
use crate::pipeline::uncertain_block::UncertaintyMode;
use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use terradl_data::normalize::NormStats;
use terradl_geo::geotiff::{read_geotiff, GeoTiffReader};
use terradl_geo::tile_grid::Shard;
use terradl_geo::{Raster, Window};
use terradl_predict::{predict_raster, predict_shard, shard_from_env, BlockOutput, BlockPredictor, ClassLegend, PredictError};
use terradl_train::lulc::{object_probabilities_to_pixels, plan_objects, JdlModel, Ocnn, PatchClassifier};
use terradl_train::pixel::{PixelClassifier, SavedPixelModel};

/// File in `<run>/model/` marking a lulc run.
pub const LULC_FILE: &str = "lulc.json";

/// `lulc.json`: what predicting with a lulc run's models needs besides the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LulcModelInfo {
    /// Per-band statistics the training image was standardised with (every model sees
    /// standardised bands).
    pub normalisation: NormStats,
    /// Segmentation giving the objects of OCNN / JDL (run again on the raster to predict).
    pub segmentation: SegmentationConfig,
    /// Land-use classes (empty without a `[land_use]` table) and their colours.
    pub land_use_names: Vec<String>,
    pub land_use_colors: Vec<[u8; 3]>,
}

/// A trained model of a lulc run.
pub enum TrainedLulc {
    Pixel(Box<dyn PixelClassifier>),
    Patch(PatchClassifier),
    Ocnn(Ocnn),
    Jdl(JdlModel),
}

/// A trained model with its name and test accuracy, to be saved.
pub struct TrainedEntry {
    /// Method name (`patch_cnn`, `ocnn_lu`, `jdl`, ...), the kind in the manifest.
    pub kind: String,
    /// Position of the method in the pipeline.
    pub position: usize,
    /// Test OA (land cover; land use for `ocnn_lu`).
    pub overall_accuracy: f64,
    pub model: TrainedLulc,
}

/// Save `entries` with `manifest` and `info` into `<run_dir>/model` (atomically).
pub fn save_lulc_models(
    run_dir: &Path,
    manifest: ModelManifest,
    info: &LulcModelInfo,
    entries: &[TrainedEntry],
) -> anyhow::Result<PathBuf> {
    model_store::save_model_dir(run_dir, manifest, |tmp| {
        super::run_dir::write_json(tmp, LULC_FILE, info)?;
        let mut out = Vec::new();
        for e in entries {
            let name = format!("{}#{}", e.kind, e.position);
            let dir = format!("{}-{}", e.position, e.kind);
            let path = tmp.join(&dir);
            match &e.model {
                TrainedLulc::Pixel(m) => m.save(&path),
                TrainedLulc::Patch(m) => m.save(&path),
                TrainedLulc::Ocnn(m) => m.save(&path),
                TrainedLulc::Jdl(m) => m.save(&path),
            }
            .with_context(|| format!("saving model {name}"))?;
            out.push(SavedModelEntry { name, kind: e.kind.clone(), dir, overall_accuracy: e.overall_accuracy });
        }
        Ok(out)
    })
}

/// Whether `--model <run>[:method]` names a lulc run.
pub fn is_lulc_run(model_arg: &str) -> bool {
    let (dir, _) = model_store::split_model_arg(model_arg);
    dir.join(MODEL_DIR).join(LULC_FILE).is_file()
}

/// Read `<run_dir>/model/lulc.json`.
pub fn read_info(run_dir: &Path) -> anyhow::Result<LulcModelInfo> {
    let path = run_dir.join(MODEL_DIR).join(LULC_FILE);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("corrupt {}", path.display()))
}

/// A saved lulc model, loaded.
pub enum LoadedLulc {
    Pixel(SavedPixelModel),
    Patch(PatchClassifier),
    Ocnn(Ocnn),
    Jdl(JdlModel),
}

/// Load the saved model `entry` of the lulc run in `run_dir`.
pub fn load_model(run_dir: &Path, entry: &SavedModelEntry) -> anyhow::Result<LoadedLulc> {
    let dir = run_dir.join(MODEL_DIR).join(&entry.dir);
    let ctx = || format!("loading model {} from {}", entry.name, dir.display());
    Ok(match entry.kind.as_str() {
        "random_forest" | "mlp" => LoadedLulc::Pixel(SavedPixelModel::load(&dir).with_context(ctx)?),
        "patch_cnn" => LoadedLulc::Patch(PatchClassifier::load(&dir).with_context(ctx)?),
        "ocnn" | "ocnn_lu" => LoadedLulc::Ocnn(Ocnn::load(&dir).with_context(ctx)?),
        "jdl" | "ss_jdl" => LoadedLulc::Jdl(JdlModel::load(&dir).with_context(ctx)?),
        k => bail!("model {} has kind {k:?}, which this terradl cannot apply", entry.name),
    })
}

/// A pixel classifier of a lulc run (trained on standardised bands) as a [`BlockPredictor`].
pub struct StandardisedPixelBlock<'a> {
    pub model: &'a dyn PixelClassifier,
    pub stats: &'a NormStats,
    pub n_classes: usize,
}

impl BlockPredictor for StandardisedPixelBlock<'_> {
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn n_bands(&self) -> usize {
        self.stats.mean.len()
    }
    fn halo(&self) -> usize {
        0
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        UNCERTAINTY_BANDS.iter().map(|s| s.to_string()).collect()
    }
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let stack = standardised_stack(block, self.stats)?;
        let n = core.rows * core.cols;
        let (mut x, mut at) = (Vec::new(), Vec::new());
        for r in 0..core.rows {
            for c in 0..core.cols {
                if valid[r * core.cols + c] {
                    stack.pixel_into((core.row + r) * block.cols + core.col + c, &mut x);
                    at.push(r * core.cols + c);
                }
            }
        }
        let mut probabilities = vec![0f32; self.n_classes * n];
        let mut uncertainty = vec![0f32; UNCERTAINTY_BANDS.len() * n];
        if !at.is_empty() {
            let p = self.model.predict_proba(&x, stack.bands).map_err(|e| PredictError::Invalid(e.to_string()))?;
            if p.n_classes != self.n_classes {
                return Err(PredictError::Invalid(format!("model predicts {} classes, expected {}", p.n_classes, self.n_classes)));
            }
            for (j, &i) in at.iter().enumerate() {
                for (k, &v) in p.row(j).iter().enumerate() {
                    probabilities[k * n + i] = v;
                }
                (uncertainty[i], uncertainty[n + i]) = entropy_margin(p.row(j));
            }
        }
        Ok(BlockOutput { probabilities, uncertainty })
    }
}

/// What `terradl predict` was asked to do.
pub struct PredictRequest<'a> {
    /// `<run>[:method]`.
    pub model: &'a str,
    pub raster: &'a Path,
    pub output: &'a Path,
    pub shard: Option<Shard>,
    pub uncertainty: UncertaintyMode,
}

/// `terradl predict` with a lulc run's model.
pub fn run(args: &PredictRequest) -> anyhow::Result<()> {
    let (run_dir, method) = model_store::split_model_arg(args.model);
    let manifest = model_store::read_manifest(&run_dir)?;
    let info = read_info(&run_dir)?;
    let entry = &manifest.models[manifest.select(method.as_deref())?];
    if args.uncertainty != UncertaintyMode::None {
        bail!(
            "--uncertainty {:?} applies to the pixel models of land-cover runs; the models of a lulc run always \
             write uncertainty.tif (entropy, margin of their probabilities): drop --uncertainty",
            args.uncertainty
        );
    }
    let reader = GeoTiffReader::open(args.raster).with_context(|| format!("opening raster {}", args.raster.display()))?;
    manifest.check_raster(args.raster, reader.info())?;
    drop(reader);
    let shard = match args.shard {
        Some(s) => Some(s),
        None => shard_from_env()?,
    };
    let lc = ClassLegend { names: manifest.class_names.clone(), colors: manifest.colors.clone() };
    let lu = ClassLegend { names: info.land_use_names.clone(), colors: info.land_use_colors.clone() };
    let legend = if entry.kind == "ocnn_lu" { &lu } else { &lc };
    let model = load_model(&run_dir, entry)?;
    let t = Instant::now();
    eprintln!("predicting {} with {} (lulc run {})", args.raster.display(), entry.name, run_dir.display());
    let stats = &info.normalisation;
    let tiled = |predictor: &dyn BlockPredictor| -> anyhow::Result<()> {
        match shard {
            Some(s) => {
                let sum = predict_shard(args.raster, predictor, legend, args.output, s, || {})?;
                println!("shard {}/{}: {} tiles, {} pixels -> {}", s.index, s.count, sum.tiles, sum.pixels, args.output.display());
            }
            None => {
                let sum = predict_raster(args.raster, predictor, legend, args.output, || {})?;
                println!("{} tiles, {} pixels in {:.1} s -> {}", sum.tiles, sum.pixels, t.elapsed().as_secs_f64(), args.output.display());
            }
        }
        Ok(())
    };
    match &model {
        LoadedLulc::Pixel(m) => {
            tiled(&StandardisedPixelBlock { model: m.classifier(), stats, n_classes: legend.names.len() })?;
        }
        LoadedLulc::Patch(m) => tiled(&PatchBlockPredictor { model: m, stats, n_classes: legend.names.len() })?,
        LoadedLulc::Ocnn(_) | LoadedLulc::Jdl(_) => {
            if shard.is_some() {
                bail!("{} segments the whole raster, so it cannot run as a shard; run it without --shard", entry.name);
            }
            let raster = read_geotiff(args.raster).with_context(|| format!("reading {}", args.raster.display()))?;
            let seg = super::lulc_data::segment_raster(&raster, &info.segmentation)?;
            let stack = standardised_stack(&raster, stats)?;
            std::fs::create_dir_all(args.output).with_context(|| format!("creating {}", args.output.display()))?;
            match &model {
                LoadedLulc::Ocnn(m) => {
                    anyhow::ensure!(m.n_classes() == legend.names.len(), "{} has {} classes, the run lists {}", entry.name, m.n_classes(), legend.names.len());
                    let plans = plan_objects(&seg, &m.config().placement)?;
                    let proba = object_probabilities_to_pixels(&seg, &m.predict_objects(&stack, &plans)?);
                    super::lulc::write_maps(&raster, args.output, "", &proba, &legend.names, &legend.colors)?;
                }
                LoadedLulc::Jdl(m) => {
                    anyhow::ensure!(m.n_lc == lc.names.len() && m.n_lu == lu.names.len(), "{} does not match the run's classes", entry.name);
                    let (lc_p, _, lu_p) = m.predict(&stack, &seg)?;
                    super::lulc::write_maps(&raster, args.output, "", &lc_p, &lc.names, &lc.colors)?;
                    super::lulc::write_maps(&raster, args.output, "land_use_", &lu_p, &lu.names, &lu.colors)?;
                }
                _ => unreachable!("matched above"),
            }
            println!(
                "{} objects, {} pixels in {:.1} s -> {}",
                seg.n_objects,
                raster.rows * raster.cols,
                t.elapsed().as_secs_f64(),
                args.output.display()
            );
        }
    }
    Ok(())
}

