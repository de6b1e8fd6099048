//! Assemble the parts written by sharded prediction into the output GeoTIFFs.

use crate::engine::grid_of;
use crate::outputs::OutputLayout;
use crate::shard::{part_path, read_manifest, read_part};
use crate::{PredictError, Result};
use std::path::{Path, PathBuf};
use terradl_geo::geotiff::TiledGeoTiffWriter;

/// Where a mosaic writes its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MosaicTargets {
    /// Path of the class-map GeoTIFF.
    pub classes: PathBuf,
    /// Path of the probability GeoTIFF (one band per class).
    pub probabilities: PathBuf,
    /// Path of the uncertainty GeoTIFF.
    pub uncertainty: PathBuf,
}

impl MosaicTargets {
    /// `classes.tif`, `probabilities.tif`, `uncertainty.tif` in `dir` (the names
    /// single-process prediction uses).
    pub fn in_dir(dir: &Path) -> Self {
        MosaicTargets {
            classes: OutputLayout::classes_path(dir),
            probabilities: OutputLayout::probabilities_path(dir),
            uncertainty: OutputLayout::uncertainty_path(dir),
        }
    }

    /// The class map at `classes` (e.g. `map.tif`) with `map.probabilities.tif` and
    /// `map.uncertainty.tif` beside it.
    pub fn beside(classes: &Path) -> Self {
        let stem = classes.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "map".into());
        let sibling = |what: &str| classes.with_file_name(format!("{stem}.{what}.tif"));
        MosaicTargets {
            classes: classes.to_path_buf(),
            probabilities: sibling("probabilities"),
            uncertainty: sibling("uncertainty"),
        }
    }

    /// The paths in the order of [`OutputLayout::files`].
    pub fn ordered(&self) -> [&Path; 3] {
        [&self.classes, &self.probabilities, &self.uncertainty]
    }
}

/// Mosaic every part in `parts_dir` into `out_dir` (`classes.tif`,
/// `probabilities.tif`, `uncertainty.tif`). Fails, naming the first missing
/// tile, unless every shard has finished. The result is identical, bit for
/// bit, to a single-process [`predict_raster`](crate::predict_raster).
pub fn mosaic(parts_dir: &Path, out_dir: &Path, on_tile: impl FnMut()) -> Result<usize> {
    std::fs::create_dir_all(out_dir).map_err(|e| PredictError::io(out_dir, e))?;
    mosaic_to(parts_dir, &MosaicTargets::in_dir(out_dir), on_tile).map(|(n, _)| n)
}

/// Mosaic every part in `parts_dir` into `targets`; returns the tile count and the
/// layout the shards recorded. Each file appears atomically when complete.
pub fn mosaic_to(parts_dir: &Path, targets: &MosaicTargets, mut on_tile: impl FnMut()) -> Result<(usize, OutputLayout)> {
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
    let mut writers = layout
        .files(Path::new(""))
        .into_iter()
        .zip(targets.ordered())
        .map(|((_, spec, opts), path)| TiledGeoTiffWriter::create(path, spec, &opts))
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
    Ok((grid.len(), layout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names() {
        let t = MosaicTargets::beside(Path::new("/out/scene.tif"));
        assert_eq!(t.probabilities, PathBuf::from("/out/scene.probabilities.tif"));
        assert_eq!(t.uncertainty, PathBuf::from("/out/scene.uncertainty.tif"));
        assert_eq!(MosaicTargets::in_dir(Path::new("d")).classes, PathBuf::from("d/classes.tif"));
    }
}
