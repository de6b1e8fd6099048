//! Boxcar multilook of per-pixel C3/T3 matrices.

use super::matrix::Hermitian3;
use crate::grid::{box_sums, half_window};
use crate::{GridShape, Result};
use num_complex::Complex64;

/// Average C3 or T3 matrices over an odd `window x window` neighbourhood
/// (clipped at the border). Pixels whose matrix is not finite are nodata:
/// they are skipped in the average and come back as all-NaN matrices.
///
/// ```
/// use terradl_sar::{polsar::{multilook, Hermitian3}, GridShape};
/// let m = vec![Hermitian3::from_real_diagonal([1.0, 0.0, 0.0]), Hermitian3::from_real_diagonal([0.0, 1.0, 0.0])];
/// let out = multilook(&m, GridShape::new(1, 2), 3).unwrap();
/// assert_eq!(out[0], Hermitian3::from_real_diagonal([0.5, 0.5, 0.0]));
/// ```
pub fn multilook(matrices: &[Hermitian3], shape: GridShape, window: usize) -> Result<Vec<Hermitian3>> {
    shape.check("matrix grid", matrices.len())?;
    let half = half_window(window)?;
    // 18 real channels (all 9 complex elements) plus a validity count.
    let mut channels: Vec<Vec<f64>> = (0..19).map(|_| Vec::with_capacity(matrices.len())).collect();
    for m in matrices {
        let ok = m.is_finite();
        for (k, z) in m.m.iter().flatten().enumerate() {
            channels[2 * k].push(if ok { z.re } else { 0.0 });
            channels[2 * k + 1].push(if ok { z.im } else { 0.0 });
        }
        channels[18].push(if ok { 1.0 } else { 0.0 });
    }
    let sums = box_sums(&channels, shape, half);
    let nan = Hermitian3 { m: [[Complex64::new(f64::NAN, f64::NAN); 3]; 3] };
    Ok((0..matrices.len())
        .map(|i| {
            let n = sums[18][i];
            if !matrices[i].is_finite() || n == 0.0 {
                return nan;
            }
            let mut out = Hermitian3::zero();
            for (k, z) in out.m.iter_mut().flatten().enumerate() {
                *z = Complex64::new(sums[2 * k][i] / n, sums[2 * k + 1][i] / n);
            }
            out
        })
        .collect())
}
