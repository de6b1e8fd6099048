//! A trained patch CNN as a [`BlockPredictor`]: every core pixel of a tile is classified
//! from the window centred on it, so tiles are read with a halo of half a patch.

use super::pixel::{classifying, entropy_margin, UNCERTAINTY_BANDS};
use terradl_data::NormStats;
use terradl_geo::{Raster, Window};
use terradl_predict::{BlockOutput, BlockPredictor, PredictError};
use terradl_train::lulc::{ImageStack, PatchClassifier};

/// A trained patch CNN applied block by block (one patch per core pixel).
pub struct PatchBlockPredictor<'a> {
    /// The trained patch classifier.
    pub model: &'a PatchClassifier,
    /// Per-band statistics the model's training image was standardised with.
    pub stats: &'a NormStats,
    /// Number of classes the model outputs.
    pub n_classes: usize,
}

/// A raster as an [`ImageStack`] (nodata -> NaN).
pub fn raw_stack(r: &Raster) -> terradl_predict::Result<ImageStack> {
    let data = r.data.iter().map(|&v| if r.is_nodata(v) { f32::NAN } else { v }).collect();
    ImageStack::new(data, r.bands, r.rows, r.cols).map_err(|e| PredictError::predictor("stacking the block's bands", e))
}

/// A raster as an [`ImageStack`] standardised with `stats` (nodata -> band mean, 0).
pub fn standardised_stack(r: &Raster, stats: &NormStats) -> terradl_predict::Result<ImageStack> {
    let mut stack = raw_stack(r)?;
    stack.standardise(stats).map_err(|e| PredictError::predictor("standardising the block", e))?;
    Ok(stack)
}

impl BlockPredictor for PatchBlockPredictor<'_> {
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn n_bands(&self) -> usize {
        self.stats.mean.len()
    }
    fn halo(&self) -> usize {
        self.model.settings().patch / 2 + 1
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        UNCERTAINTY_BANDS.iter().map(|s| s.to_string()).collect()
    }
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let stack = standardised_stack(block, self.stats)?;
        let n = core.rows * core.cols;
        let (mut centres, mut at) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for r in 0..core.rows {
            for c in 0..core.cols {
                if valid[r * core.cols + c] {
                    centres.push((core.row + r, core.col + c));
                    at.push(r * core.cols + c);
                }
            }
        }
        let mut probabilities = vec![0f32; self.n_classes * n];
        let mut uncertainty = vec![0f32; UNCERTAINTY_BANDS.len() * n];
        if !centres.is_empty() {
            let p = self.model.predict_proba(&stack, &centres).map_err(classifying)?;
            for (j, &i) in at.iter().enumerate() {
                for (k, &v) in p.row(j).iter().enumerate() {
                    probabilities[k * n + i] = v;
                }
                (uncertainty[i], uncertainty[n + i]) = entropy_margin(p.row(j));
            }
        }
        Ok(BlockOutput { probabilities, uncertainty })
    }
}
