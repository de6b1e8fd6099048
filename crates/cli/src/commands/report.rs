//! `terradl report <run-dir>`: a self-contained HTML report of a run.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct ReportArgs {
    /// Run directory written by `terradl train` (holds run.json, metrics.json, ...).
    pub run_dir: PathBuf,
}

pub(super) fn run(args: ReportArgs) -> anyhow::Result<()> {
    let path = terradl_report::write_run_report_with_maps(&args.run_dir)
        .with_context(|| format!("writing the report of {}", args.run_dir.display()))?;
    println!("report: {}", path.display());
    Ok(())
}
