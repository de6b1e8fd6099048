//! `terradl train <pipeline.toml>`: run a pipeline from labelled data to a
//! map, accuracy figures and a report.

use crate::pipeline::config::LandCoverPipeline;
use crate::pipeline::landcover;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Pipeline description (TOML); see docs/PIPELINES.md.
    pub pipeline: PathBuf,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    if crate::pipeline::timeseries::is_time_series(&args.pipeline)? {
        return crate::pipeline::timeseries::run_file(&args.pipeline);
    }
    if crate::pipeline::lulc::is_lulc(&args.pipeline)? {
        return crate::pipeline::lulc::run_file(&args.pipeline);
    }
    let (p, text) = LandCoverPipeline::load(&args.pipeline)?;
    let out = landcover::run(&p, &text)?;
    print_scores(&out.scores);
    println!("run directory: {}", out.dir.display());
    println!("report:        {}", out.report.display());
    Ok(())
}

pub fn print_scores(scores: &[landcover::ModelScore]) {
    println!("{:<18} {:>8} {:>8} {:>9} {:>9} {:>7} {:>7}", "model", "OA", "kappa", "macro F1", "fit (s)", "train", "test");
    for s in scores {
        println!(
            "{:<18} {:>8.4} {:>8.4} {:>9.4} {:>9.2} {:>7} {:>7}",
            s.model, s.overall_accuracy, s.kappa, s.macro_f1, s.fit_seconds, s.n_train, s.n_test
        );
    }
}
