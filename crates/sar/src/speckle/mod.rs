//! Speckle filters for single-band linear intensity (power) grids.
//!
//! All filters take row-major `f32` samples, a [`GridShape`](crate::GridShape)
//! and return a new grid of the same shape. NaN input pixels are nodata: they
//! are ignored in window statistics and stay NaN in the output. Windows are
//! clipped at the grid border (boxcar, Lee) or replicate the border pixels
//! (refined Lee, whose 7x7 geometry must stay intact).
//!
//! The Lee filters assume multiplicative speckle on *intensity* with an
//! equivalent number of looks (ENL) `L`, i.e. a noise coefficient of variation
//! `Cu = 1 / sqrt(L)`.

mod boxcar;
mod lee;
mod refined_lee;

pub use boxcar::boxcar;
pub use lee::{LeeConfig, lee};
pub use refined_lee::{RefinedLeeConfig, refined_lee};

use crate::{GridShape, Result};
use serde::{Deserialize, Serialize};

/// A speckle filter chosen in a pipeline configuration.
///
/// ```
/// use terradl_sar::speckle::SpeckleFilter;
/// use terradl_sar::GridShape;
/// let f: SpeckleFilter = serde_json::from_str(r#"{"kind":"boxcar","window":3}"#).unwrap();
/// let out = f.apply(&[1.0, 2.0, 3.0], GridShape::new(1, 3)).unwrap();
/// assert_eq!(out, vec![1.5, 2.0, 2.5]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpeckleFilter {
    /// Moving average over an odd square window.
    Boxcar {
        /// Window side in pixels (odd).
        window: usize,
    },
    /// Lee (1980) local-statistics MMSE filter.
    Lee(LeeConfig),
    /// Lee (1981) refined filter with 8 edge-aligned windows.
    RefinedLee(RefinedLeeConfig),
}

impl SpeckleFilter {
    /// Filter one band.
    pub fn apply(&self, data: &[f32], shape: GridShape) -> Result<Vec<f32>> {
        match self {
            SpeckleFilter::Boxcar { window } => boxcar(data, shape, *window),
            SpeckleFilter::Lee(cfg) => lee(data, shape, cfg),
            SpeckleFilter::RefinedLee(cfg) => refined_lee(data, shape, cfg),
        }
    }
}
