//! `terradl info <raster>`: what a raster holds, read block by block so a
//! raster larger than memory can be described.

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use terradl_geo::geotiff::RasterInfo;
use terradl_geo::BandStatsAccumulator;
use terradl_geo::{BandStats, RasterFormat, RasterReader, Window};

#[derive(Debug, Args)]
pub(crate) struct InfoArgs {
    /// A raster file: GeoTIFF, or JPEG 2000 (`.jp2`, e.g. a Sentinel-2 band).
    pub raster: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Skip the per-band statistics (header only, no pixel decoding).
    #[arg(long)]
    pub no_stats: bool,
}

#[derive(Serialize)]
struct InfoReport<'a> {
    path: String,
    /// GDAL's short name of the format (`GTiff`, `JP2OpenJPEG`).
    format: &'static str,
    #[serde(flatten)]
    info: &'a RasterInfo,
    stats: Vec<BandStats>,
}

/// Rows decoded per block while computing statistics.
const BLOCK_ROWS: usize = 512;

pub(super) fn run(args: InfoArgs) -> anyhow::Result<()> {
    let reader = RasterReader::open(&args.raster)
        .with_context(|| format!("cannot open raster {}", args.raster.display()))?;
    let info = reader.info();
    let stats = if args.no_stats {
        Vec::new()
    } else {
        band_stats(&reader).with_context(|| format!("cannot compute band statistics of {}", args.raster.display()))?
    };
    let report = InfoReport { path: args.raster.display().to_string(), format: reader.format().gdal_name(), info, stats };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn band_stats(reader: &RasterReader) -> anyhow::Result<Vec<BandStats>> {
    let info = reader.info();
    let mut acc = vec![BandStatsAccumulator::default(); info.bands];
    let bar = terradl_pipeline::progress::bar(info.rows as u64, "statistics");
    let mut row = 0;
    while row < info.rows {
        let n = BLOCK_ROWS.min(info.rows - row);
        let block = reader.read_window_parallel(Window::new(0, row, info.cols, n))?;
        for (b, a) in acc.iter_mut().enumerate() {
            a.add(block.band(b), info.nodata);
        }
        row += n;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(acc.iter().map(BandStatsAccumulator::finish).collect())
}

fn print_text(r: &InfoReport) {
    let i = r.info;
    println!("file:        {}", r.path);
    println!("size:        {} x {} pixels, {} band(s), {}", i.cols, i.rows, i.bands, i.dtype.gdal_name());
    println!("crs:         {}{}", i.crs, if i.crs.geographic { " (geographic)" } else { "" });
    let g = i.transform.0;
    println!("geotransform: [{}, {}, {}, {}, {}, {}]", g[0], g[1], g[2], g[3], g[4], g[5]);
    let (x1, y1) = i.transform.pixel_to_world(i.cols as f64, i.rows as f64);
    println!("extent:      x {} .. {}, y {} .. {}", g[0].min(x1), g[0].max(x1), g[3].min(y1), g[3].max(y1));
    match i.nodata {
        Some(nd) => println!("nodata:      {nd}"),
        None => println!("nodata:      none"),
    }
    if r.format == RasterFormat::Jpeg2000.gdal_name() {
        let tiles = i.tiled.map(|(w, h)| format!(", codestream tiles {w}x{h}")).unwrap_or_default();
        println!("layout:      JPEG 2000{tiles}");
    } else {
        let layout = match i.tiled {
            Some((w, h)) => format!("tiled {w}x{h}"),
            None => "striped".into(),
        };
        println!(
            "layout:      {layout}, {}, {:?}{}{}",
            if i.planar { "band-interleaved" } else { "pixel-interleaved" },
            i.compression,
            if i.bigtiff { ", BigTIFF" } else { "" },
            if i.colormap.is_some() { ", colour table" } else { "" },
        );
    }
    if !i.band_names.is_empty() {
        println!("band names:  {}", i.band_names.join(", "));
    }
    for (b, s) in r.stats.iter().enumerate() {
        println!(
            "band {:<3} min {:<12} max {:<12} mean {:<14.4} std {:<12.4} valid {} nodata {}",
            b + 1,
            s.min,
            s.max,
            s.mean,
            s.std,
            s.valid,
            s.nodata
        );
    }
}
