//! `terradl train <pipeline.toml>`: run a pipeline from labelled data to a map, accuracy
//! figures and a report.

use clap::Args;
use std::path::PathBuf;
use terradl_pipeline::PipelineSpec;

#[derive(Debug, Args)]
pub(crate) struct TrainArgs {
    /// Pipeline description (TOML; `kind` = landcover (default), time_series or lulc); see
    /// docs/LANDCOVER.md and docs/TIMESERIES.md.
    pub pipeline: PathBuf,
    /// Continue a run that was interrupted: models already trained load from their
    /// checkpoints in <output>/checkpoints, the one in training resumes its last epoch.
    #[arg(long)]
    pub resume: bool,
}

pub(super) fn run(args: TrainArgs) -> anyhow::Result<()> {
    let outcome = terradl_pipeline::run_resumable(&PipelineSpec::load(&args.pipeline)?, args.resume)?;
    println!("{outcome}");
    Ok(())
}
