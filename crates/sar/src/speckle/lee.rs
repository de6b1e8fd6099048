//! Lee (1980) local-statistics speckle filter.

use crate::grid::{half_window, local_moments};
use crate::{GridShape, Result, SarError};
use serde::{Deserialize, Serialize};

/// Parameters of the Lee filter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LeeConfig {
    /// Odd window size (pixels).
    pub window: usize,
    /// Equivalent number of looks of the intensity data.
    pub enl: f64,
}

impl Default for LeeConfig {
    fn default() -> Self {
        LeeConfig { window: 7, enl: 1.0 }
    }
}

/// Squared noise coefficient of variation `1 / ENL`, checking the ENL.
pub(crate) fn noise_cv2(enl: f64) -> Result<f64> {
    if !(enl.is_finite() && enl > 0.0) {
        return Err(SarError::InvalidEnl(enl));
    }
    Ok(1.0 / enl)
}

/// Lee MMSE estimate of the centre pixel from the local mean and variance.
///
/// With the multiplicative model `y = x v`, `E[v] = 1`, `Var[v] = Cu^2`:
/// `Var[x] = (Var[y] - mean^2 Cu^2) / (1 + Cu^2)` and the weight is
/// `k = Var[x] / Var[y]`, clamped to `[0, 1]`; the estimate is
/// `mean + k (y - mean)`.
pub(crate) fn lee_estimate(y: f64, mean: f64, var: f64, cu2: f64) -> f64 {
    if var.is_nan() || var <= 0.0 || !mean.is_finite() {
        return if mean.is_finite() { mean } else { y };
    }
    let var_x = (var - mean * mean * cu2) / (1.0 + cu2);
    let k = (var_x / var).clamp(0.0, 1.0);
    mean + k * (y - mean)
}

/// Lee filter over a square window.
///
/// In homogeneous areas (local variation explained by speckle) the output is
/// the local mean; at strong structure it keeps the pixel value.
///
/// ```
/// use terradl_sar::{speckle::{lee, LeeConfig}, GridShape};
/// // A flat field is left unchanged.
/// let out = lee(&[2.0; 25], GridShape::new(5, 5), &LeeConfig { window: 3, enl: 4.0 }).unwrap();
/// assert!(out.iter().all(|&v| (v - 2.0).abs() < 1e-6));
/// ```
pub fn lee(data: &[f32], shape: GridShape, cfg: &LeeConfig) -> Result<Vec<f32>> {
    shape.check("input grid", data.len())?;
    let half = half_window(cfg.window)?;
    let cu2 = noise_cv2(cfg.enl)?;
    let (mean, var, _) = local_moments(data, shape, half);
    Ok(data
        .iter()
        .enumerate()
        .map(|(i, &y)| if y.is_nan() { f32::NAN } else { lee_estimate(y as f64, mean[i], var[i], cu2) as f32 })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_limits() {
        // Variance exactly equal to speckle variance (Ci^2 = Cu^2): k = 0, output = mean.
        let (mean, cu2) = (4.0, 0.25);
        assert_eq!(lee_estimate(9.0, mean, mean * mean * cu2, cu2), mean);
        // Huge variance: k -> 1 / (1 + Cu^2) (Lopes et al. 1990 form), here 0.8 for Cu^2 = 0.25.
        let k = (lee_estimate(9.0, mean, 1e12, cu2) - mean) / (9.0 - mean);
        assert!((k - 0.8).abs() < 1e-6, "{k}");
    }

    #[test]
    fn invalid_enl_is_an_error() {
        let cfg = LeeConfig { window: 3, enl: 0.0 };
        assert_eq!(lee(&[1.0], GridShape::new(1, 1), &cfg), Err(SarError::InvalidEnl(0.0)));
    }
}
