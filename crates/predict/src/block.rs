//! The interface a model offers to tiled raster prediction.

use crate::Result;
use terradl_geo::{Raster, Window};

/// A model that turns an input block (a tile's core plus halo) into class
/// probabilities for the block's core pixels. Implemented by the pixel, patch
/// and object classifiers; the tiled engine never sees the model type.
pub trait BlockPredictor: Sync {
    /// Number of classes (probability bands).
    fn n_classes(&self) -> usize;
    /// Input bands the model expects.
    fn n_bands(&self) -> usize;
    /// Context in pixels the model needs around each output pixel.
    fn halo(&self) -> usize;
    /// Names of the extra per-pixel uncertainty bands this predictor returns
    /// (empty when it returns none).
    fn uncertainty_bands(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether tiles may be predicted concurrently. `false` for models that draw from a
    /// shared random generator (MC dropout reseeded per tile): the engine then runs tiles
    /// one after another so the output does not depend on thread timing.
    fn parallel_tiles(&self) -> bool {
        true
    }
    /// Predict the `core` pixels (a window relative to `block`'s origin).
    /// `valid[i]` tells whether core pixel `i` (row-major) has data in every band.
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> Result<BlockOutput>;
}

/// What a [`BlockPredictor`] returns for one block's core.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockOutput {
    /// `n_classes x rows x cols`, band-sequential; ignored where invalid.
    pub probabilities: Vec<f32>,
    /// `n_uncertainty x rows x cols`, band-sequential (may be empty).
    pub uncertainty: Vec<f32>,
}

/// Per-pixel validity of a block's core: false where any band is nodata/NaN.
pub(crate) fn valid_mask(block: &Raster, core: Window) -> Vec<bool> {
    let mut valid = vec![true; core.rows * core.cols];
    for b in 0..block.bands {
        for r in 0..core.rows {
            for c in 0..core.cols {
                if block.is_nodata(block.get(b, core.row + r, core.col + c)) {
                    valid[r * core.cols + c] = false;
                }
            }
        }
    }
    valid
}
