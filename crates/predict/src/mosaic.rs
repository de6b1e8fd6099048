//! Assemble the parts written by sharded prediction into the output GeoTIFFs.

use crate::engine::grid_of;
use crate::shard::{part_path, read_manifest, read_part};
use crate::{PredictError, Result};
use std::path::Path;
use terradl_geo::geotiff::TiledGeoTiffWriter;

/// Mosaic every part in `parts_dir` into `out_dir` (`classes.tif`,
/// `probabilities.tif`, `uncertainty.tif`). Fails, naming the first missing
/// tile, unless every shard has finished. The result is identical, bit for
/// bit, to a single-process [`predict_raster`](crate::predict_raster).
pub fn mosaic(parts_dir: &Path, out_dir: &Path, mut on_tile: impl FnMut()) -> Result<usize> {
    let layout = read_manifest(parts_dir)?;
    let grid = grid_of(&layout)?;
    let missing: Vec<usize> = (0..grid.len()).filter(|&k| !part_path(parts_dir, k).is_file()).collect();
    if let Some(&first) = missing.first() {
        return Err(PredictError::Incomplete {
            dir: parts_dir.to_path_buf(),
            missing: missing.len(),
            total: grid.len(),
            first,
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|e| PredictError::io(out_dir, e))?;
    let mut writers = layout
        .files(out_dir)
        .into_iter()
        .map(|(path, spec, opts)| TiledGeoTiffWriter::create(path, spec, &opts))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for tile in grid.tiles() {
        let out = read_part(&part_path(parts_dir, tile.index))?;
        for (w, data) in writers.iter_mut().zip(out.per_file()) {
            w.write_tile(tile.col, tile.row, data)?;
        }
        on_tile();
    }
    for w in writers {
        w.finish()?;
    }
    Ok(grid.len())
}
