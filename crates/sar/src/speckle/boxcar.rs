//! Boxcar (moving average) filter.

use crate::grid::{half_window, local_moments};
use crate::{GridShape, Result};

/// Mean of the finite samples in an odd `window x window` neighbourhood.
///
/// NaN pixels stay NaN and are excluded from their neighbours' means.
///
/// ```
/// use terradl_sar::{speckle::boxcar, GridShape};
/// let out = boxcar(&[0.0, 3.0, 6.0, 9.0], GridShape::new(2, 2), 3).unwrap();
/// assert_eq!(out, vec![4.5; 4]);
/// ```
pub fn boxcar(data: &[f32], shape: GridShape, window: usize) -> Result<Vec<f32>> {
    shape.check("input grid", data.len())?;
    let half = half_window(window)?;
    let (mean, _, _) = local_moments(data, shape, half);
    Ok(data.iter().zip(mean).map(|(&x, m)| if x.is_nan() { f32::NAN } else { m as f32 }).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SarError;

    #[test]
    fn interior_pixel_is_window_mean() {
        // 3x3 grid 1..9: centre mean = 45/9 = 5; corner (0,0) mean of {1,2,4,5} = 3.
        let data: Vec<f32> = (1..=9).map(|v| v as f32).collect();
        let out = boxcar(&data, GridShape::new(3, 3), 3).unwrap();
        assert_eq!(out[4], 5.0);
        assert_eq!(out[0], 3.0);
    }

    #[test]
    fn nan_is_kept_and_skipped() {
        let out = boxcar(&[1.0, f32::NAN, 5.0], GridShape::new(1, 3), 3).unwrap();
        assert_eq!(out[0], 1.0);
        assert!(out[1].is_nan());
        assert_eq!(out[2], 5.0);
    }

    #[test]
    fn wrong_shape_is_an_error() {
        let err = boxcar(&[1.0; 5], GridShape::new(2, 3), 3).unwrap_err();
        assert!(matches!(err, SarError::ShapeMismatch { found: 5, expected: 6, .. }));
    }
}
