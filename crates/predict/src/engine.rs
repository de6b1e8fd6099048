//! Streaming tiled prediction over a raster (GeoTIFF or JPEG 2000): read a tile (core + halo),
//! predict its core, write the core into tiled output GeoTIFFs. Peak memory
//! is a few tiles, whatever the raster size.

use crate::block::valid_mask;
use crate::outputs::{OutputLayout, TileOutputs, OUTPUT_TILE};
use crate::source::TileSource;
use crate::{BlockPredictor, PredictError, Result};
use rayon::prelude::*;
use std::path::Path;
use terradl_geo::geotiff::{EncodedTile, TiledGeoTiffWriter};
use terradl_geo::{RasterReader, Tile, TileGrid};

/// Class names and colours for the class map.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassLegend {
    /// Class names, index = class id.
    pub names: Vec<String>,
    /// Colour `[r, g, b]` of each class.
    pub colors: Vec<[u8; 3]>,
}

/// Counts of a finished run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictSummary {
    /// Tiles of the run (this shard's tiles for a shard).
    pub tiles: usize,
    /// Tiles whose part already existed and were not predicted again.
    pub tiles_skipped: usize,
    /// Pixels covered by those tiles.
    pub pixels: usize,
}

/// Output layout of a prediction of `reader`'s raster with `model`.
pub(crate) fn layout_for(reader: &dyn TileSource, model: &dyn BlockPredictor, legend: &ClassLegend) -> Result<OutputLayout> {
    let info = reader.info();
    if info.bands != model.n_bands() {
        return Err(PredictError::BandMismatch { expected: model.n_bands(), found: info.bands });
    }
    if legend.names.len() != model.n_classes() {
        return Err(PredictError::Invalid(format!(
            "legend names {} classes, the model predicts {}",
            legend.names.len(),
            model.n_classes()
        )));
    }
    Ok(OutputLayout {
        cols: info.cols,
        rows: info.rows,
        transform: info.transform,
        crs: info.crs.clone(),
        tile: OUTPUT_TILE,
        halo: model.halo(),
        class_names: legend.names.clone(),
        colors: legend.colors.clone(),
        uncertainty_bands: model.uncertainty_bands(),
    })
}

/// The tile grid of a layout (prediction tiles = output GeoTIFF tiles).
pub(crate) fn grid_of(layout: &OutputLayout) -> Result<TileGrid> {
    Ok(TileGrid::new(layout.cols, layout.rows, layout.tile, layout.halo)?)
}

/// Predict one tile: read core + halo, run the model, mask nodata.
pub(crate) fn predict_tile(
    reader: &dyn TileSource,
    model: &dyn BlockPredictor,
    layout: &OutputLayout,
    tile: &Tile,
) -> Result<TileOutputs> {
    let block = reader.read_window(tile.outer)?;
    let core = tile.core_in_outer();
    let valid = valid_mask(&block, core);
    let out = model
        .predict_block(&block, core, &valid)
        .map_err(|e| PredictError::Model { tile: tile.index, source: Box::new(e) })?;
    TileOutputs::from_block(out, &valid, layout.n_classes(), layout.uncertainty_bands.len())
}

/// Predict a whole raster in one process, writing `classes.tif`,
/// `probabilities.tif` (and `uncertainty.tif`) into `out_dir`. Tiles are
/// predicted a few at a time in parallel and written in order; each output
/// file appears atomically when complete.
pub fn predict_raster(
    input: &Path,
    model: &dyn BlockPredictor,
    legend: &ClassLegend,
    out_dir: &Path,
    on_tile: impl FnMut(),
) -> Result<PredictSummary> {
    predict_source(&RasterReader::open(input)?, model, legend, out_dir, on_tile)
}

/// [`predict_raster`] over any [`TileSource`] (e.g. a virtual stack of dated GeoTIFFs).
pub fn predict_source(
    reader: &dyn TileSource,
    model: &dyn BlockPredictor,
    legend: &ClassLegend,
    out_dir: &Path,
    mut on_tile: impl FnMut(),
) -> Result<PredictSummary> {
    let layout = layout_for(reader, model, legend)?;
    std::fs::create_dir_all(out_dir).map_err(|e| PredictError::io(out_dir, e))?;
    let grid = grid_of(&layout)?;
    let mut writers = layout
        .files(out_dir)
        .into_iter()
        .map(|(path, spec, opts)| TiledGeoTiffWriter::create(path, spec, &opts))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let tiles: Vec<Tile> = grid.tiles().collect();
    let batch = rayon::current_num_threads().max(1) * 2;
    for chunk in tiles.chunks(batch) {
        // Predict and compress in the worker threads; only the appends are serial.
        let encode = |t: &Tile, out: TileOutputs| -> Result<Vec<EncodedTile>> {
            let files = writers.iter().zip(out.per_file());
            Ok(files.map(|(w, data)| w.encode_tile(t.col, t.row, data)).collect::<std::result::Result<_, _>>()?)
        };
        let predict = |t: &Tile| predict_tile(reader, model, &layout, t);
        let outs: Vec<Result<Vec<EncodedTile>>> = if model.parallel_tiles() {
            chunk.par_iter().map(|t| encode(t, predict(t)?)).collect()
        } else {
            // The model parallelises inside a tile; compression still can.
            let predicted: Vec<Result<TileOutputs>> = chunk.iter().map(predict).collect();
            predicted.into_par_iter().zip(chunk.par_iter()).map(|(out, t)| encode(t, out?)).collect()
        };
        for out in outs {
            for (w, tile) in writers.iter_mut().zip(out?) {
                w.write_encoded(tile)?;
            }
            on_tile();
        }
    }
    for w in writers {
        w.finish()?;
    }
    Ok(PredictSummary { tiles: tiles.len(), tiles_skipped: 0, pixels: layout.cols * layout.rows })
}
