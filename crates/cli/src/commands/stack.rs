//! `terradl stack`: bands of several files and resolutions (e.g. Sentinel-2's 10, 20 and
//! 60 m `.jp2` bands) resampled onto one grid and written as one multi-band GeoTIFF with
//! band names.

use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use terradl_geo::geotiff::{write_geotiff, Compression, Predictor, WriteOptions};
use terradl_geo::stack::{stack_bands, Resampling, StackBand, StackOptions};

#[derive(Debug, Args)]
pub(crate) struct StackArgs {
    /// Input rasters (GeoTIFF or JPEG 2000), in band order; every band of each file is
    /// taken. `FILE:N` takes band N (1-based) only.
    #[arg(required = true)]
    pub inputs: Vec<String>,
    /// Output GeoTIFF.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Output pixel size in CRS units (default: the finest input's).
    #[arg(long)]
    pub resolution: Option<f64>,
    /// Resampling of bands on another grid: nearest, bilinear or average.
    #[arg(long, default_value = "bilinear")]
    pub resampling: Resampling,
    /// Band names, comma-separated, one per output band (default: from the file names, e.g.
    /// `B02` for `T33UUU_20170216T102101_B02.jp2`).
    #[arg(long, value_delimiter = ',')]
    pub names: Vec<String>,
}

/// `FILE` or `FILE:N` (a trailing `:N` of digits; other colons stay in the path).
fn parse_input(s: &str) -> StackBand {
    if let Some((path, n)) = s.rsplit_once(':')
        && !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return StackBand { path: path.into(), band: n.parse().ok(), name: None };
    }
    StackBand::all(s)
}

pub(super) fn run(args: StackArgs) -> anyhow::Result<()> {
    let bands: Vec<StackBand> = args.inputs.iter().map(|s| parse_input(s)).collect();
    let options = StackOptions { resolution: args.resolution, resampling: args.resampling };
    let mut stacked = stack_bands(&bands, &options).context("stacking bands")?;
    if !args.names.is_empty() {
        anyhow::ensure!(
            args.names.len() == stacked.band_names.len(),
            "--names gives {} names for {} bands ({})",
            args.names.len(),
            stacked.band_names.len(),
            stacked.band_names.join(", ")
        );
        stacked.band_names = args.names.clone();
    }
    let r = &stacked.raster;
    let write = WriteOptions {
        compression: Compression::Deflate,
        predictor: if r.dtype == terradl_geo::DType::F32 { Predictor::FloatingPoint } else { Predictor::Horizontal },
        tile_size: Some(256),
        band_names: stacked.band_names.clone(),
        ..WriteOptions::default()
    };
    write_geotiff(&args.output, r, &write).with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "{}: {} bands ({}), {} x {} px at {} m, {}, {} resampling",
        args.output.display(),
        r.bands,
        stacked.band_names.join(", "),
        r.cols,
        r.rows,
        r.transform.0[1],
        r.crs.label(),
        args.resampling.name()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_take_an_optional_band_number() {
        assert_eq!(parse_input("a.tif"), StackBand::all("a.tif"));
        assert_eq!(parse_input("a.tif:3"), StackBand { path: "a.tif".into(), band: Some(3), name: None });
        assert_eq!(parse_input("C:dir/a.tif"), StackBand::all("C:dir/a.tif"));
    }
}
