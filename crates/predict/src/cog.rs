//! Cloud Optimized GeoTIFF versions of prediction outputs: the full-resolution image
//! plus overviews halving the size until one tile holds the whole image, built by
//! nearest neighbour for class maps and by averaging (nodata ignored) for probabilities
//! and uncertainty. Each overview level is built tile by tile from the previous one,
//! through a temporary tiled GeoTIFF, so memory stays a few tiles whatever the size.

use crate::mosaic::MosaicTargets;
use crate::outputs::OutputLayout;
use crate::{PredictError, Result};
use std::path::{Path, PathBuf};
use terradl_geo::geotiff::{overview_count, CogWriter, GeoTiffReader, TiledGeoTiffWriter, WriteOptions};
use terradl_geo::{Raster, Window};

/// How an overview pixel is computed from the 2x2 pixels below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resampling {
    /// The lower-right pixel of the 2x2 block (GDAL's choice for a factor of 2:
    /// source pixel `floor((x + 0.5) * 2)`), clamped to the image.
    Nearest,
    /// Mean of the 2x2 pixels that are not nodata; nodata when all are.
    Average,
}

/// One overview level's `dst` window from the level below (`src` covers the 2x window
/// starting at `(2 * dst.col, 2 * dst.row)`, clipped to the level).
fn downsample(src: &Raster, dst: Window, resampling: Resampling) -> Vec<f32> {
    let mut out = Vec::with_capacity(src.bands * dst.rows * dst.cols);
    for b in 0..src.bands {
        for y in 0..dst.rows {
            for x in 0..dst.cols {
                let v = match resampling {
                    Resampling::Nearest => src.get(b, (2 * y + 1).min(src.rows - 1), (2 * x + 1).min(src.cols - 1)),
                    Resampling::Average => {
                        let (mut sum, mut n) = (0f64, 0u32);
                        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                            let (r, c) = (2 * y + dy, 2 * x + dx);
                            if r < src.rows && c < src.cols {
                                let v = src.get(b, r, c);
                                if !src.is_nodata(v) {
                                    sum += v as f64;
                                    n += 1;
                                }
                            }
                        }
                        if n == 0 { src.nodata.unwrap_or(f64::NAN) as f32 } else { (sum / n as f64) as f32 }
                    }
                };
                out.push(v);
            }
        }
    }
    out
}

fn tmp_level(target: &Path, level: usize) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.ovr{level}.tmp.tif", std::process::id()))
}

/// Rewrite the tiled GeoTIFF `src` as a COG at `dst` (which may be `src`), with `options`
/// (compression, tile size, colour table) for every level.
pub(crate) fn write_cog(src: &Path, dst: &Path, resampling: Resampling, options: &WriteOptions) -> Result<()> {
    let reader = GeoTiffReader::open(src)?;
    let spec = reader.info().spec();
    let tile = options.tile_size.unwrap_or(512) as usize;
    let mut cog = CogWriter::create(dst, spec.clone(), options, overview_count(spec.cols, spec.rows, tile))?;
    let levels = cog.levels().to_vec();
    // Level 0 straight from the source, then each overview from the level below.
    let mut temps: Vec<PathBuf> = Vec::new();
    let result = (|| -> Result<()> {
        let (across, down) = cog.grid(0);
        for tr in 0..down {
            for tc in 0..across {
                let block = reader.read_window(cog.tile_window(0, tc, tr))?;
                cog.write_tile(0, tc, tr, &block.data)?;
            }
        }
        let tiled = WriteOptions { tile_size: Some(tile as u32), ..options.clone() };
        let mut below = reader;
        for level in 1..levels.len() {
            let (cols, rows) = levels[level];
            let path = tmp_level(dst, level);
            temps.push(path.clone());
            let mut w = TiledGeoTiffWriter::create(&path, terradl_geo::geotiff::RasterSpec { cols, rows, ..spec.clone() }, &tiled)?;
            let (across, down) = cog.grid(level);
            for tr in 0..down {
                for tc in 0..across {
                    let win = cog.tile_window(level, tc, tr);
                    let (bc, br) = levels[level - 1];
                    let src_win = Window::new(2 * win.col, 2 * win.row, (2 * win.cols).min(bc - 2 * win.col), (2 * win.rows).min(br - 2 * win.row));
                    let data = downsample(&below.read_window(src_win)?, win, resampling);
                    cog.write_tile(level, tc, tr, &data)?;
                    w.write_tile(tc, tr, &data)?;
                }
            }
            w.finish()?;
            below = GeoTiffReader::open(&path)?;
        }
        Ok(())
    })();
    for t in &temps {
        let _ = std::fs::remove_file(t);
    }
    result?;
    cog.finish()?;
    Ok(())
}

/// Turn the files a mosaic wrote into COGs in place (classes by nearest neighbour,
/// probabilities and uncertainty by average), keeping the layout's compression,
/// tile size and colour table.
pub fn convert_outputs_to_cog(layout: &OutputLayout, targets: &MosaicTargets) -> Result<()> {
    for (i, ((_, _, options), path)) in layout.files(Path::new("")).into_iter().zip(targets.ordered()).enumerate() {
        let resampling = if i == 0 { Resampling::Nearest } else { Resampling::Average };
        write_cog(path, path, resampling, &options)
            .map_err(|source| PredictError::Cog { path: path.to_path_buf(), source: Box::new(source) })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn downsampling_rules() {
        // 3x3 single band, nodata -1: the right column and bottom row are partial blocks.
        let mut r = Raster::from_vec(1, 3, 3, DType::F32, vec![1., 2., 3., 4., -1., 6., 7., 8., 9.]).unwrap();
        r.nodata = Some(-1.0);
        let w = Window::new(0, 0, 2, 2);
        // Average ignores nodata: (1+2+4)/3; (3+6)/2; (7+8)/2; 9.
        assert_eq!(downsample(&r, w, Resampling::Average), vec![7.0 / 3.0, 4.5, 7.5, 9.0]);
        // Nearest takes pixel (2y+1, 2x+1), clamped: (1,1)=-1, (1,2)=6, (2,1)=8, (2,2)=9.
        assert_eq!(downsample(&r, w, Resampling::Nearest), vec![-1.0, 6.0, 8.0, 9.0]);
    }
}
