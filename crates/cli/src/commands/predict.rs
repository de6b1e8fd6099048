//! `terradl predict`: apply a saved model to a raster, in one process or as one shard of an
//! array job (Slurm job arrays, Kubernetes Indexed Jobs), with optional uncertainty.

use clap::Args;
use std::path::PathBuf;
use terradl_geo::Shard;
use terradl_pipeline::blocks::uncertain::UncertaintyMode;
use terradl_pipeline::PredictRequest;

#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
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

pub(super) fn run(args: PredictArgs) -> anyhow::Result<()> {
    let request = PredictRequest {
        model: &args.model,
        raster: &args.raster,
        output: &args.output,
        shard: args.shard,
        uncertainty: args.uncertainty,
        seed: args.seed,
    };
    println!("{}", terradl_pipeline::predict(&request)?);
    Ok(())
}
