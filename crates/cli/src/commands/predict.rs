//! `terradl predict`: apply a saved model to a raster, in one process or as one shard of an
//! array job (Slurm job arrays, Kubernetes Indexed Jobs), with optional uncertainty.

use crate::pipeline::landcover::index_features;
use crate::pipeline::model_store::{self, ModelManifest};
use crate::pipeline::pixel_block::PixelBlockPredictor;
use crate::pipeline::timeseries_predict;
use crate::pipeline::uncertain_block::{Passes, UncertainBlockPredictor, UncertaintyMode, BANDS};
use anyhow::{bail, Context};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use terradl_geo::geotiff::GeoTiffReader;
use terradl_geo::tile_grid::Shard;
use terradl_predict::{predict_shard_source, predict_source, shard_from_env, BlockPredictor, ClassLegend, TileSource};
use terradl_train::pixel::{PixelClassifier, SavedPixelModel};

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Run directory written by `terradl train` / `terradl demo`, optionally followed by
    /// `:method` — a kind (`mlp`, `random_forest`, `svm`), a model name (`mlp#1`) or its
    /// position (`1`). Default: the model the run mapped with.
    #[arg(long)]
    pub model: String,
    /// Raster to classify (same bands, in the same order, as the training image). For a
    /// time-series run: the date-major stack (the training dates), or a TOML listing the
    /// imagery as a time-series pipeline does (`[[rasters]]` date/path/cloud_mask, or `stack`
    /// + `dates`; the training pipeline TOML itself works).
    pub raster: PathBuf,
    /// Output directory: classes.tif, probabilities.tif, uncertainty.tif; with a shard, the
    /// parts directory shared by all shards (assemble it with `terradl mosaic`).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Predict only shard i of N (`i/N`, 0-based). Without it, SLURM_ARRAY_TASK_ID /
    /// SLURM_ARRAY_TASK_COUNT or JOB_COMPLETION_INDEX + TERRADL_SHARD_COUNT select a shard.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Uncertainty: none, mc-dropout:N (MLP), ensemble (several saved members of one
    /// kind), votes (Random Forest trees). Writes uncertainty.tif with the bands entropy,
    /// mutual_information, margin, std (float32).
    #[arg(long, default_value = "none")]
    pub uncertainty: UncertaintyMode,
    /// Seed of the MC-dropout masks (combined with each tile's position).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Everything loaded for a prediction.
struct Loaded {
    manifest: ModelManifest,
    primary: usize,
    models: Vec<(usize, SavedPixelModel)>,
}

fn load(args: &PredictArgs) -> anyhow::Result<Loaded> {
    let (run_dir, method) = model_store::split_model_arg(&args.model);
    let manifest = model_store::read_manifest(&run_dir)?;
    let primary = manifest.select(method.as_deref())?;
    let kind = manifest.models[primary].kind.clone();
    let wanted: Vec<usize> = match args.uncertainty {
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
        .map(|i| Ok((i, model_store::load_model(&run_dir, &manifest.models[i])?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Loaded { manifest, primary, models })
}

fn passes<'a>(loaded: &'a Loaded, mode: UncertaintyMode, seed: u64) -> anyhow::Result<Passes<'a>> {
    let primary = &loaded.models.iter().find(|(i, _)| *i == loaded.primary).context("primary model not loaded")?.1;
    let name = &loaded.manifest.models[loaded.primary].name;
    Ok(match (mode, primary) {
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

pub fn run(args: PredictArgs) -> anyhow::Result<()> {
    if crate::pipeline::lulc_predict::is_lulc_run(&args.model) {
        let (model, raster, output) = (&args.model, &args.raster, &args.output);
        let (shard, uncertainty) = (args.shard, args.uncertainty);
        return crate::pipeline::lulc_predict::run(&crate::pipeline::lulc_predict::PredictRequest { model, raster, output, shard, uncertainty });
    }
    let shard = match args.shard {
        Some(s) => Some(s),
        None => shard_from_env()?,
    };
    let loaded = load(&args)?;
    let m = &loaded.manifest;
    // time-series runs read dated imagery (a stack, or a TOML listing the dates' rasters)
    let source: Box<dyn TileSource> = if timeseries_predict::is_time_series(m) {
        Box::new(timeseries_predict::SeriesSource::open(m, &args.raster)?)
    } else {
        Box::new(GeoTiffReader::open(&args.raster).with_context(|| format!("opening raster {}", args.raster.display()))?)
    };
    m.check_raster(&args.raster, source.info())?;
    let (cols, rows) = (source.info().cols, source.info().rows);

    let primary = loaded.models.iter().find(|(i, _)| *i == loaded.primary).map(|(_, s)| s.classifier());
    let primary: &dyn PixelClassifier = primary.context("primary model not loaded")?;
    let indices = index_features(&m.indices)?;
    let features = PixelBlockPredictor::new(primary, &m.band_names, &indices, m.class_names.len())?;
    let predictor = UncertainBlockPredictor { features, passes: passes(&loaded, args.uncertainty, args.seed)? };
    let legend = ClassLegend { names: m.class_names.clone(), colors: m.colors.clone() };

    let tiles = cols.div_ceil(terradl_predict::outputs::OUTPUT_TILE) * rows.div_ceil(terradl_predict::outputs::OUTPUT_TILE);
    let t = Instant::now();
    let model_name = &m.models[loaded.primary].name;
    eprintln!("predicting {} with {model_name} (uncertainty: {:?})", args.raster.display(), args.uncertainty);
    match shard {
        Some(s) => {
            let bar = crate::progress::bar(tiles.div_ceil(s.count) as u64, "predict shard");
            let sum = predict_shard_source(source.as_ref(), &predictor, &legend, &args.output, s, || bar.inc(1))?;
            bar.finish_and_clear();
            println!(
                "shard {}/{}: {} tiles ({} already done), {} pixels in {:.1} s -> {}",
                s.index,
                s.count,
                sum.tiles,
                sum.tiles_skipped,
                sum.pixels,
                t.elapsed().as_secs_f64(),
                args.output.display()
            );
        }
        None => {
            let bar = crate::progress::bar(tiles as u64, "predict");
            let sum = predict_source(source.as_ref(), &predictor, &legend, &args.output, || bar.inc(1))?;
            bar.finish_and_clear();
            println!(
                "{} tiles, {} pixels in {:.1} s -> {}",
                sum.tiles,
                sum.pixels,
                t.elapsed().as_secs_f64(),
                args.output.display()
            );
            if !predictor.uncertainty_bands().is_empty() {
                println!("uncertainty.tif bands: {}", BANDS.join(", "));
            }
        }
    }
    Ok(())
}
