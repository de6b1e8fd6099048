//! A pixel classifier trained on standardised bands (the lulc pixel methods) as a
//! [`BlockPredictor`].

use super::patch::standardised_stack;
use super::pixel::{classifying, entropy_margin, UNCERTAINTY_BANDS};
use terradl_data::NormStats;
use terradl_geo::{Raster, Window};
use terradl_predict::{BlockOutput, BlockPredictor, PredictError};
use terradl_train::pixel::PixelClassifier;

/// A pixel classifier of a lulc run (trained on standardised bands) as a [`BlockPredictor`].
pub struct StandardisedPixelBlock<'a> {
    /// The trained classifier.
    pub model: &'a dyn PixelClassifier,
    /// Per-band statistics the training bands were standardised with.
    pub stats: &'a NormStats,
    /// Number of classes the model outputs.
    pub n_classes: usize,
}

impl BlockPredictor for StandardisedPixelBlock<'_> {
    fn n_classes(&self) -> usize {
        self.n_classes
    }
    fn n_bands(&self) -> usize {
        self.stats.mean.len()
    }
    fn halo(&self) -> usize {
        0
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        UNCERTAINTY_BANDS.iter().map(|s| s.to_string()).collect()
    }
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let stack = standardised_stack(block, self.stats)?;
        let n = core.rows * core.cols;
        let (mut x, mut at) = (Vec::new(), Vec::new());
        for r in 0..core.rows {
            for c in 0..core.cols {
                if valid[r * core.cols + c] {
                    stack.pixel_into((core.row + r) * block.cols + core.col + c, &mut x);
                    at.push(r * core.cols + c);
                }
            }
        }
        let mut probabilities = vec![0f32; self.n_classes * n];
        let mut uncertainty = vec![0f32; UNCERTAINTY_BANDS.len() * n];
        if !at.is_empty() {
            let p = self.model.predict_proba(&x, stack.bands).map_err(classifying)?;
            if p.n_classes != self.n_classes {
                return Err(PredictError::Invalid(format!("model predicts {} classes, expected {}", p.n_classes, self.n_classes)));
            }
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
