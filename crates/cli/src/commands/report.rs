//! `terradl report <run-dir>`: a self-contained HTML report of a run.

use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use terradl_report::LoadOptions;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run directory written by `terradl train` (holds run.json, metrics.json, ...).
    pub run_dir: PathBuf,
}

pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let path = write_report(&args.run_dir)?;
    println!("report: {}", path.display());
    Ok(())
}

/// Render `dir/report.html` with quick-looks of the rasters the run names.
pub fn write_report(dir: &Path) -> anyhow::Result<PathBuf> {
    anyhow::ensure!(dir.is_dir(), "run directory {} does not exist", dir.display());
    let reader = |p: &Path| terradl_geo::geotiff::read_geotiff(p).map_err(Into::into);
    let opts = LoadOptions { raster_reader: Some(&reader), ..LoadOptions::default() };
    terradl_report::write_run_report(dir, &opts).with_context(|| format!("writing the report of {}", dir.display()))
}
