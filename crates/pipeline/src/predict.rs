//! `terradl predict`: apply a saved run's model to a raster, in one process or as one shard
//! of an array job, with optional uncertainty. The run's manifest is read once and its
//! [`RunKind`] picks how.

use crate::blocks::pixel::PixelBlockPredictor;
use crate::blocks::uncertain::{BANDS, Passes, UncertainBlockPredictor, UncertaintyMode};
use crate::landcover::index_features;
use crate::model_store::{self, ModelManifest, RunKind};
use crate::timeseries::SeriesSource;
use crate::error::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;
use terradl_geo::RasterReader;
use terradl_geo::Shard;
use terradl_predict::{BlockPredictor, TileSource, WithNodata, predict_shard_source, predict_source, shard_from_env};
use terradl_train::pixel::{PixelClassifier, SavedPixelModel};

/// What `terradl predict` was asked to do.
#[derive(Debug, Clone)]
pub struct PredictRequest<'a> {
    /// `<run>[:method]`: a run directory, optionally with a model kind, name or position.
    pub model: &'a str,
    /// The raster to classify (for a time-series run: a stack or an imagery TOML).
    pub raster: &'a Path,
    /// Output directory (with a shard: the parts directory shared by all shards).
    pub output: &'a Path,
    /// Only this shard; `None` looks at the array-job environment.
    pub shard: Option<Shard>,
    /// Which uncertainty, if any, to write besides the probabilities.
    pub uncertainty: UncertaintyMode,
    /// Seed of the MC-dropout masks (combined with each tile's position).
    pub seed: u64,
}

/// Apply the model named by `req` to its raster; returns the summary printed by the CLI.
pub fn predict(req: &PredictRequest) -> Result<String> {
    let (run_dir, method) = model_store::split_model_arg(req.model);
    let manifest = model_store::read_manifest(&run_dir)?;
    match manifest.kind {
        RunKind::Lulc => crate::lulc::predict(&run_dir, &manifest, method.as_deref(), req),
        RunKind::LandCover | RunKind::TimeSeries => predict_pixels(&run_dir, &manifest, method.as_deref(), req),
    }
}

/// The pixel classifiers of a run, loaded: the selected one and any ensemble members.
struct Loaded {
    primary: usize,
    models: Vec<(usize, SavedPixelModel)>,
}

fn load(run_dir: &Path, manifest: &ModelManifest, method: Option<&str>, mode: UncertaintyMode) -> Result<Loaded> {
    let primary = manifest.select(method)?;
    let kind = manifest.models[primary].kind.clone();
    let wanted: Vec<usize> = match mode {
        UncertaintyMode::Ensemble => {
            let members = manifest.of_kind(&kind);
            if members.len() < 2 {
                bail!(
                    "--uncertainty ensemble needs at least two saved {kind} models, but {} saved {} ({}); \
                     list several [[models]] of kind {kind} with different seeds in the pipeline, or use {}",
                    run_dir.display(),
                    members.len(),
                    manifest.names().join(", "),
                    if kind == "mlp" { "mc-dropout:N" } else { "votes (random_forest) or mc-dropout:N (mlp)" }
                );
            }
            members
        }
        _ => vec![primary],
    };
    let models = wanted
        .into_iter()
        .map(|i| Ok((i, model_store::load_model(run_dir, &manifest.models[i])?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Loaded { primary, models })
}

impl Loaded {
    fn primary(&self) -> Result<&SavedPixelModel> {
        self.models.iter().find(|(i, _)| *i == self.primary).map(|(_, m)| m).context("primary model not loaded")
    }
}

fn passes<'a>(loaded: &'a Loaded, name: &str, mode: UncertaintyMode, seed: u64) -> Result<Passes<'a>> {
    Ok(match (mode, loaded.primary()?) {
        (UncertaintyMode::None, m) => Passes::Single(m.classifier()),
        (UncertaintyMode::McDropout(n), SavedPixelModel::Mlp(mlp)) => {
            if mlp.dropout() <= 0.0 {
                bail!("{name} was trained without dropout, so MC dropout passes would all be equal; use --uncertainty none");
            }
            Passes::McDropout { mlp, passes: n, seed }
        }
        (UncertaintyMode::McDropout(_), _) => {
            bail!("MC dropout needs an MLP, {name} is not one; pick one with --model <run>:mlp or use --uncertainty votes")
        }
        (UncertaintyMode::Votes, SavedPixelModel::RandomForest(rf)) => Passes::Votes(rf),
        (UncertaintyMode::Votes, _) => {
            bail!("tree votes need a random forest, {name} is not one; use --model <run>:random_forest")
        }
        (UncertaintyMode::Ensemble, _) => Passes::Ensemble(loaded.models.iter().map(|(_, m)| m.classifier()).collect()),
    })
}

/// The pixel classifiers of a land-cover or time-series run, tiled.
fn predict_pixels(run_dir: &Path, m: &ModelManifest, method: Option<&str>, req: &PredictRequest) -> Result<String> {
    let shard = match req.shard {
        Some(s) => Some(s),
        None => shard_from_env()?,
    };
    let loaded = load(run_dir, m, method, req.uncertainty)?;
    // time-series runs read dated imagery (a stack, or a TOML listing the dates' rasters)
    let source: Box<dyn TileSource> = match m.kind {
        RunKind::TimeSeries => Box::new(SeriesSource::open(m, req.raster)?),
        _ => Box::new(RasterReader::open(req.raster).with_context(|| format!("opening raster {}", req.raster.display()))?),
    };
    // The training pipeline's `nodata` for files that declare none.
    let with_nodata = m.nodata.map(|v| WithNodata::new(source.as_ref(), v));
    let source: &dyn TileSource = match &with_nodata {
        Some(w) => w,
        None => source.as_ref(),
    };
    m.check_raster(req.raster, source.info())?;
    let (cols, rows) = (source.info().cols, source.info().rows);

    let model_name = &m.models[loaded.primary].name;
    let primary: &dyn PixelClassifier = loaded.primary()?.classifier();
    let indices = index_features(&m.indices)?;
    let features = PixelBlockPredictor::new(primary, &m.band_names, &indices, m.class_names.len())?;
    let predictor = UncertainBlockPredictor { features, passes: passes(&loaded, model_name, req.uncertainty, req.seed)? };
    let legend = m.legend();

    let tiles = cols.div_ceil(terradl_predict::OUTPUT_TILE) * rows.div_ceil(terradl_predict::OUTPUT_TILE);
    let t = Instant::now();
    tracing::info!(raster = %req.raster.display(), model = %model_name, uncertainty = ?req.uncertainty, "predicting");
    let output: PathBuf = req.output.to_path_buf();
    Ok(match shard {
        Some(s) => {
            let bar = crate::progress::bar(tiles.div_ceil(s.count) as u64, "predict shard");
            let sum = predict_shard_source(source, &predictor, &legend, &output, s, || bar.inc(1))?;
            bar.finish_and_clear();
            format!(
                "shard {}/{}: {} tiles ({} already done), {} pixels in {:.1} s -> {}",
                s.index,
                s.count,
                sum.tiles,
                sum.tiles_skipped,
                sum.pixels,
                t.elapsed().as_secs_f64(),
                output.display()
            )
        }
        None => {
            let bar = crate::progress::bar(tiles as u64, "predict");
            let sum = predict_source(source, &predictor, &legend, &output, || bar.inc(1))?;
            bar.finish_and_clear();
            let mut summary = format!(
                "{} tiles, {} pixels in {:.1} s -> {}",
                sum.tiles,
                sum.pixels,
                t.elapsed().as_secs_f64(),
                output.display()
            );
            if !predictor.uncertainty_bands().is_empty() {
                summary += &format!("\nuncertainty.tif bands: {}", BANDS.join(", "));
            }
            summary
        }
    })
}
