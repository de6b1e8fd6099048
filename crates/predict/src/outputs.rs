//! The GeoTIFFs a prediction run writes, and how a block's output is split
//! into them.

use crate::{BlockOutput, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_geo::geotiff::{ColorMap, Compression, Predictor, RasterSpec, WriteOptions};
use terradl_geo::{DType, GeoTransform, Crs};

/// Nodata value of the class map.
pub const CLASS_NODATA: f32 = 255.0;

/// Output tile size (also the prediction tile size, so every prediction tile
/// is exactly one GeoTIFF tile).
pub const OUTPUT_TILE: usize = 256;

/// Description of a prediction run's outputs; stored as `manifest.json` so
/// shards and `mosaic` agree on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputLayout {
    /// Width of the input raster in pixels.
    pub cols: usize,
    /// Height of the input raster in pixels.
    pub rows: usize,
    /// Georeferencing of the input (and every output).
    pub transform: GeoTransform,
    /// Coordinate reference system of the input.
    pub crs: Crs,
    /// Side of a prediction tile in pixels.
    pub tile: usize,
    /// Context pixels read around each tile for the model.
    pub halo: usize,
    /// Class names, index = class id.
    pub class_names: Vec<String>,
    /// Colour `[r, g, b]` of each class.
    pub colors: Vec<[u8; 3]>,
    /// Names of the uncertainty bands.
    pub uncertainty_bands: Vec<String>,
}

impl OutputLayout {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }
    /// Bands per pixel in a tile part: class id, probabilities, uncertainty.
    pub fn bands_per_pixel(&self) -> usize {
        1 + self.n_classes() + self.uncertainty_bands.len()
    }
    /// `classes.tif` in `dir`.
    pub fn classes_path(dir: &Path) -> PathBuf {
        dir.join("classes.tif")
    }
    /// `probabilities.tif` in `dir`.
    pub fn probabilities_path(dir: &Path) -> PathBuf {
        dir.join("probabilities.tif")
    }
    /// `uncertainty.tif` in `dir`.
    pub fn uncertainty_path(dir: &Path) -> PathBuf {
        dir.join("uncertainty.tif")
    }
    fn spec(&self, bands: usize, dtype: DType, nodata: f64) -> RasterSpec {
        RasterSpec {
            cols: self.cols,
            rows: self.rows,
            bands,
            dtype,
            transform: self.transform,
            crs: self.crs.clone(),
            nodata: Some(nodata),
        }
    }
    /// (path, spec, options) of each output file.
    pub fn files(&self, dir: &Path) -> Vec<(PathBuf, RasterSpec, WriteOptions)> {
        let tiled = |predictor, colormap| WriteOptions {
            compression: Compression::Deflate,
            predictor,
            tile_size: Some(self.tile as u32),
            colormap,
            ..WriteOptions::default()
        };
        let mut v = vec![
            (
                Self::classes_path(dir),
                self.spec(1, DType::U8, CLASS_NODATA as f64),
                tiled(Predictor::None, ColorMap::new(self.colors.clone())),
            ),
            (
                Self::probabilities_path(dir),
                self.spec(self.n_classes(), DType::F32, f64::NAN),
                tiled(Predictor::None, None),
            ),
        ];
        if !self.uncertainty_bands.is_empty() {
            v.push((
                Self::uncertainty_path(dir),
                self.spec(self.uncertainty_bands.len(), DType::F32, f64::NAN),
                tiled(Predictor::None, None),
            ));
        }
        v
    }
}

/// One tile's outputs, band-sequential per file: class ids (as f32, 255 =
/// nodata), probabilities (NaN = nodata), uncertainty (NaN = nodata).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TileOutputs {
    /// Class id per pixel.
    pub classes: Vec<f32>,
    /// Probabilities, one band per class.
    pub probabilities: Vec<f32>,
    /// Uncertainty, one band per measure.
    pub uncertainty: Vec<f32>,
}

impl TileOutputs {
    /// Argmax class map plus nodata masking of a block's output.
    pub(crate) fn from_block(out: BlockOutput, valid: &[bool], n_classes: usize, n_unc: usize) -> Result<Self> {
        let n = valid.len();
        if out.probabilities.len() != n_classes * n || out.uncertainty.len() != n_unc * n {
            return Err(crate::PredictError::Invalid(format!(
                "model returned {} probabilities and {} uncertainty values for {n} pixels, expected {} and {}",
                out.probabilities.len(),
                out.uncertainty.len(),
                n_classes * n,
                n_unc * n
            )));
        }
        let (mut probabilities, mut uncertainty) = (out.probabilities, out.uncertainty);
        let mut classes = vec![CLASS_NODATA; n];
        for (i, ok) in valid.iter().enumerate() {
            if !ok {
                (0..n_classes).for_each(|k| probabilities[k * n + i] = f32::NAN);
                (0..n_unc).for_each(|k| uncertainty[k * n + i] = f32::NAN);
                continue;
            }
            let mut best = 0;
            for k in 1..n_classes {
                if probabilities[k * n + i] > probabilities[best * n + i] {
                    best = k;
                }
            }
            classes[i] = best as f32;
        }
        Ok(TileOutputs { classes, probabilities, uncertainty })
    }

    /// The per-file sample vectors, in the order of [`OutputLayout::files`].
    pub(crate) fn per_file(&self) -> Vec<&[f32]> {
        let mut v: Vec<&[f32]> = vec![&self.classes, &self.probabilities];
        if !self.uncertainty.is_empty() {
            v.push(&self.uncertainty);
        }
        v
    }
}
