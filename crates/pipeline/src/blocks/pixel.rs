//! A trained per-pixel classifier as a [`BlockPredictor`] for streaming
//! tiled prediction: features are the band values plus spectral indices, in
//! the same order as `terradl_data::pixel_features`.

use crate::error::{PipelineError, Result};
use terradl_data::{normalized_difference, NormalizedDifference};
use terradl_geo::{Raster, Window};
use terradl_predict::uncertainty::entropy;
use terradl_predict::{BlockOutput, BlockPredictor, PredictError};
use terradl_train::pixel::PixelClassifier;

/// The [`PredictError`] of a model that failed to classify a block.
pub(crate) fn classifying(e: terradl_train::TrainError) -> PredictError {
    PredictError::predictor("classifying the block", e)
}

/// Names of the uncertainty bands written next to the map.
pub const UNCERTAINTY_BANDS: [&str; 2] = ["entropy", "margin"];

/// The [`UNCERTAINTY_BANDS`] of one pixel's class probabilities: entropy (nats) and the
/// margin between the two most probable classes.
pub fn entropy_margin(row: &[f32]) -> (f32, f32) {
    let p64: Vec<f64> = row.iter().map(|&v| v as f64).collect();
    let mut sorted = row.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let top = sorted.first().copied().unwrap_or(0.0);
    (entropy(&p64) as f32, top - sorted.get(1).copied().unwrap_or(0.0))
}

/// A trained per-pixel classifier applied block by block on band values plus spectral indices.
pub struct PixelBlockPredictor<'a> {
    /// The trained classifier.
    pub model: &'a dyn PixelClassifier,
    /// Bands the input raster must have.
    pub n_bands: usize,
    /// Number of classes the model outputs.
    pub n_classes: usize,
    /// (band a, band b) of each normalised-difference index.
    pub indices: Vec<(usize, usize)>,
}

impl<'a> PixelBlockPredictor<'a> {
    /// Resolve index band names against `band_names`.
    pub fn new(
        model: &'a dyn PixelClassifier,
        band_names: &[String],
        indices: &[NormalizedDifference],
        n_classes: usize,
    ) -> Result<Self> {
        let find = |n: &str| {
            band_names.iter().position(|b| b == n).ok_or_else(|| PipelineError::Invalid(format!("no band named {n} in {band_names:?}")))
        };
        let indices = indices.iter().map(|nd| Ok((find(&nd.a)?, find(&nd.b)?))).collect::<Result<_>>()?;
        Ok(PixelBlockPredictor { model, n_bands: band_names.len(), n_classes, indices })
    }

    /// Features per pixel: the bands, then the indices.
    pub fn n_features(&self) -> usize {
        self.n_bands + self.indices.len()
    }

    /// Row-major features (`n_features` per row) of the valid core pixels of `block`, and
    /// the core index (row-major) of each row; invalid pixels are left out.
    pub fn features(&self, block: &Raster, core: Window, valid: &[bool]) -> (Vec<f32>, Vec<usize>) {
        let nf = self.n_features();
        let mut x = Vec::with_capacity(core.rows * core.cols * nf);
        let mut rows = Vec::with_capacity(core.rows * core.cols);
        for r in 0..core.rows {
            for c in 0..core.cols {
                let i = r * core.cols + c;
                if !valid[i] {
                    continue;
                }
                let v = |b: usize| block.get(b, core.row + r, core.col + c);
                x.extend((0..self.n_bands).map(v));
                x.extend(self.indices.iter().map(|&(a, b)| {
                    let nd = normalized_difference(v(a), v(b));
                    if nd.is_finite() { nd } else { 0.0 }
                }));
                rows.push(i);
            }
        }
        (x, rows)
    }
}

impl BlockPredictor for PixelBlockPredictor<'_> {
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn n_bands(&self) -> usize {
        self.n_bands
    }
    fn halo(&self) -> usize {
        0
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        UNCERTAINTY_BANDS.iter().map(|s| s.to_string()).collect()
    }
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let n = core.rows * core.cols;
        let (x, rows) = self.features(block, core, valid);
        let nf = self.n_features();
        let mut probabilities = vec![0f32; self.n_classes * n];
        let mut uncertainty = vec![0f32; UNCERTAINTY_BANDS.len() * n];
        if rows.is_empty() {
            return Ok(BlockOutput { probabilities, uncertainty });
        }
        let p = self.model.predict_proba(&x, nf).map_err(classifying)?;
        for (j, &i) in rows.iter().enumerate() {
            let row = p.row(j);
            for (k, &v) in row.iter().enumerate() {
                probabilities[k * n + i] = v;
            }
            (uncertainty[i], uncertainty[n + i]) = entropy_margin(row);
        }
        Ok(BlockOutput { probabilities, uncertainty })
    }
}
