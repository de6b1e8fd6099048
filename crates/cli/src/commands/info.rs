//! `terradl info <raster>`: what a raster holds.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// A GeoTIFF file.
    pub raster: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let _ = &args;
    anyhow::bail!("info: GeoTIFF reader not wired yet")
}
