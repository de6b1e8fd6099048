//! `terradl mosaic`: assemble the parts of a sharded `terradl predict` into GeoTIFFs.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;
use terradl_predict::{mosaic_to, MosaicTargets};

#[derive(Debug, Args)]
pub(crate) struct MosaicArgs {
    /// Parts directory shared by the shards (their `--output`).
    pub parts: PathBuf,
    /// Class map to write (`<name>.tif`); probabilities and uncertainty go beside it as
    /// `<name>.probabilities.tif` and `<name>.uncertainty.tif`. A path without `.tif` is a
    /// directory that receives classes.tif, probabilities.tif and uncertainty.tif.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Write Cloud Optimized GeoTIFFs: tiled, internal overviews (nearest for classes,
    /// average for probabilities and uncertainty), every IFD before the image data.
    #[arg(long)]
    pub cog: bool,
}

pub(super) fn run(args: MosaicArgs) -> anyhow::Result<()> {
    let is_file = args.output.extension().is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
    let targets = if is_file {
        if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        MosaicTargets::beside(&args.output)
    } else {
        std::fs::create_dir_all(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
        MosaicTargets::in_dir(&args.output)
    };
    let t = Instant::now();
    let layout = terradl_predict::read_manifest(&args.parts)
        .with_context(|| format!("{} is not a parts directory of `terradl predict --shard`", args.parts.display()))?;
    let tiles = layout.cols.div_ceil(layout.tile) * layout.rows.div_ceil(layout.tile);
    let bar = terradl_pipeline::progress::bar(tiles as u64, "mosaic");
    let (n, layout) = mosaic_to(&args.parts, &targets, || bar.inc(1))?;
    bar.finish_and_clear();
    let mut written = vec![targets.classes.clone(), targets.probabilities.clone()];
    if !layout.uncertainty_bands.is_empty() {
        written.push(targets.uncertainty.clone());
    }
    if args.cog {
        terradl_predict::convert_outputs_to_cog(&layout, &targets)?;
    }
    println!("{n} tiles in {:.1} s{}", t.elapsed().as_secs_f64(), if args.cog { " (COG)" } else { "" });
    for w in written {
        println!("  {}", w.display());
    }
    Ok(())
}
