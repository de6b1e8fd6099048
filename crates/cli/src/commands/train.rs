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
}

pub(super) fn run(args: TrainArgs) -> anyhow::Result<()> {
    let outcome = terradl_pipeline::run(&PipelineSpec::load(&args.pipeline)?)?;
    println!("{outcome}");
    Ok(())
}
