//! Grid shape and windowed (boxcar) sums shared by the filters.

use crate::{Result, SarError};

/// Shape of a single-band, row-major grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridShape {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
}

impl GridShape {
    /// A `rows x cols` grid.
    pub fn new(rows: usize, cols: usize) -> Self {
        GridShape { rows, cols }
    }
    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }
    /// True when the grid has no pixels.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Check that `data` has exactly `rows x cols` samples.
    pub fn check(&self, what: &'static str, found: usize) -> Result<()> {
        if found != self.len() {
            return Err(SarError::ShapeMismatch { what, found, expected: self.len(), rows: self.rows, cols: self.cols });
        }
        Ok(())
    }
}

/// Check a window size (odd, >= 1) and return its half width.
pub(crate) fn half_window(size: usize) -> Result<usize> {
    if size == 0 || size.is_multiple_of(2) {
        return Err(SarError::InvalidWindow(size));
    }
    Ok(size / 2)
}

/// Windowed sums of several channels at once, clipped at the grid border.
///
/// `channels[c][i]` is channel `c` at pixel `i`; the result has the same layout
/// and holds, for every pixel, the sum over the `(2 half + 1)^2` window centred
/// on it (only pixels inside the grid). Uses summed-area tables, so the cost
/// does not depend on the window size.
pub(crate) fn box_sums(channels: &[Vec<f64>], shape: GridShape, half: usize) -> Vec<Vec<f64>> {
    let (rows, cols) = (shape.rows, shape.cols);
    let w = cols + 1;
    channels
        .iter()
        .map(|ch| {
            let mut sat = vec![0.0f64; (rows + 1) * w];
            for r in 0..rows {
                let mut run = 0.0;
                for c in 0..cols {
                    run += ch[r * cols + c];
                    sat[(r + 1) * w + c + 1] = sat[r * w + c + 1] + run;
                }
            }
            let mut out = vec![0.0f64; rows * cols];
            for r in 0..rows {
                let r0 = r.saturating_sub(half);
                let r1 = (r + half + 1).min(rows);
                for c in 0..cols {
                    let c0 = c.saturating_sub(half);
                    let c1 = (c + half + 1).min(cols);
                    out[r * cols + c] = sat[r1 * w + c1] - sat[r0 * w + c1] - sat[r1 * w + c0] + sat[r0 * w + c0];
                }
            }
            out
        })
        .collect()
}

/// Local mean and variance of the finite samples in each window.
///
/// Returns `(mean, variance, count)` per pixel; NaN mean/variance where the
/// window holds no finite sample. Variance is the population variance.
pub(crate) fn local_moments(data: &[f32], shape: GridShape, half: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut v = Vec::with_capacity(data.len());
    let mut v2 = Vec::with_capacity(data.len());
    let mut n = Vec::with_capacity(data.len());
    for &x in data {
        if x.is_finite() {
            let x = x as f64;
            v.push(x);
            v2.push(x * x);
            n.push(1.0);
        } else {
            v.push(0.0);
            v2.push(0.0);
            n.push(0.0);
        }
    }
    let sums = box_sums(&[v, v2, n], shape, half);
    let (s, s2, cnt) = (&sums[0], &sums[1], &sums[2]);
    let mut mean = vec![f64::NAN; data.len()];
    let mut var = vec![f64::NAN; data.len()];
    for i in 0..data.len() {
        if cnt[i] > 0.0 {
            let m = s[i] / cnt[i];
            mean[i] = m;
            var[i] = (s2[i] / cnt[i] - m * m).max(0.0);
        }
    }
    (mean, var, sums[2].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_sums_clip_at_border() {
        // 3x3 grid of ones: a 3x3 window holds 4 pixels at a corner, 6 on an
        // edge and 9 in the centre.
        let shape = GridShape::new(3, 3);
        let s = box_sums(&[vec![1.0; 9]], shape, 1);
        assert_eq!(s[0], vec![4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0]);
    }

    #[test]
    fn moments_skip_nan() {
        let shape = GridShape::new(1, 3);
        let (m, v, n) = local_moments(&[1.0, f32::NAN, 3.0], shape, 1);
        assert_eq!(n, vec![1.0, 2.0, 1.0]);
        assert_eq!(m, vec![1.0, 2.0, 3.0]);
        assert_eq!(v[1], 1.0); // population variance of {1, 3}
    }

    #[test]
    fn even_window_is_rejected() {
        assert_eq!(half_window(4), Err(SarError::InvalidWindow(4)));
        assert_eq!(half_window(0), Err(SarError::InvalidWindow(0)));
        assert_eq!(half_window(7), Ok(3));
    }
}
