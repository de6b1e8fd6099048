//! (d) Larger inputs made from the real scene: the scene repeated `factor x factor` times
//! (so `factor^2` times the pixels), written tile by tile with terradl's streaming GeoTIFF
//! writer (LZW, 256-pixel tiles, like the source), same georeferencing origin and pixel size.

use std::path::Path;
use terradl_geo::geotiff::{Compression, GeoTiffReader, Predictor, TiledGeoTiffWriter, WriteOptions};

/// Writes `src` repeated `factor` times across and down into `dst`.
pub(crate) fn run(src: &Path, factor: usize, dst: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(factor >= 1, "factor must be >= 1");
    let reader = GeoTiffReader::open(src)?;
    let scene = reader.read_parallel()?;
    let mut spec = reader.info().spec();
    spec.cols *= factor;
    spec.rows *= factor;
    let options = WriteOptions {
        compression: Compression::Lzw,
        predictor: Predictor::Horizontal,
        tile_size: Some(256),
        ..WriteOptions::default()
    };
    let mut w = TiledGeoTiffWriter::create(dst, spec, &options)?;
    let tiles: Vec<(usize, usize)> = w.tiles().collect();
    for (tc, tr) in tiles {
        let win = w.tile_window(tc, tr);
        let mut data = Vec::with_capacity(scene.bands * win.rows * win.cols);
        for b in 0..scene.bands {
            for r in win.row..win.row + win.rows {
                for c in win.col..win.col + win.cols {
                    data.push(scene.get(b, r % scene.rows, c % scene.cols));
                }
            }
        }
        w.write_tile(tc, tr, &data)?;
    }
    w.finish()?;
    Ok(())
}
