//! Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012,
//! "Distance transforms of sampled functions"): two passes of the 1-D
//! squared distance transform via the lower envelope of parabolas.

use crate::error::{check_shape, Result};

/// Squared Euclidean distance from every pixel to the nearest `false` pixel
/// of a row-major mask (0 on `false` pixels). Pixels outside the image do not
/// count as background; with no `false` pixel at all every value is infinite.
///
/// ```
/// use terradl_segment::squared_edt;
/// // 1 x 5: background only at the left end.
/// let d = squared_edt(&[false, true, true, true, true], 1, 5).unwrap();
/// assert_eq!(d, vec![0.0, 1.0, 4.0, 9.0, 16.0]);
/// ```
pub fn squared_edt(mask: &[bool], rows: usize, cols: usize) -> Result<Vec<f64>> {
    check_shape("mask", mask.len(), 1, rows, cols)?;
    let mut grid: Vec<f64> = mask.iter().map(|&m| if m { f64::INFINITY } else { 0.0 }).collect();
    let n = rows.max(cols);
    let (mut f, mut d) = (vec![0.0; n], vec![0.0; n]);
    let mut envelope = Envelope::new(n);
    for c in 0..cols {
        for r in 0..rows {
            f[r] = grid[r * cols + c];
        }
        envelope.transform(&f[..rows], &mut d[..rows]);
        for r in 0..rows {
            grid[r * cols + c] = d[r];
        }
    }
    for r in 0..rows {
        let row = &mut grid[r * cols..(r + 1) * cols];
        f[..cols].copy_from_slice(row);
        envelope.transform(&f[..cols], &mut d[..cols]);
        row.copy_from_slice(&d[..cols]);
    }
    Ok(grid)
}

/// Euclidean distance (square root of [`squared_edt`]).
pub fn edt(mask: &[bool], rows: usize, cols: usize) -> Result<Vec<f64>> {
    Ok(squared_edt(mask, rows, cols)?.into_iter().map(f64::sqrt).collect())
}

/// Work buffers of the 1-D transform.
struct Envelope {
    /// Sites of the parabolas in the lower envelope.
    v: Vec<usize>,
    /// Boundaries between envelope parabolas.
    z: Vec<f64>,
}

impl Envelope {
    fn new(n: usize) -> Self {
        Envelope { v: vec![0; n], z: vec![0.0; n + 1] }
    }

    /// `d[q] = min_p (q - p)² + f[p]` over sites with finite `f[p]`.
    fn transform(&mut self, f: &[f64], d: &mut [f64]) {
        let mut sites = (0..f.len()).filter(|&q| f[q].is_finite());
        let Some(first) = sites.next() else {
            d.fill(f64::INFINITY);
            return;
        };
        let (v, z) = (&mut self.v, &mut self.z);
        let mut k = 0;
        v[0] = first;
        z[0] = f64::NEG_INFINITY;
        z[1] = f64::INFINITY;
        let intersect = |q: usize, p: usize| {
            let (qf, pf) = (q as f64, p as f64);
            ((f[q] + qf * qf) - (f[p] + pf * pf)) / (2.0 * qf - 2.0 * pf)
        };
        for q in sites {
            let mut s = intersect(q, v[k]);
            while s <= z[k] {
                k -= 1;
                s = intersect(q, v[k]);
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
        }
        k = 0;
        for (q, out) in d.iter_mut().enumerate() {
            while z[k + 1] < q as f64 {
                k += 1;
            }
            let dq = q as f64 - v[k] as f64;
            *out = dq * dq + f[v[k]];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_force(mask: &[bool], rows: usize, cols: usize) -> Vec<f64> {
        (0..rows * cols)
            .map(|p| {
                (0..rows * cols)
                    .filter(|&q| !mask[q])
                    .map(|q| {
                        let dr = (p / cols) as f64 - (q / cols) as f64;
                        let dc = (p % cols) as f64 - (q % cols) as f64;
                        dr * dr + dc * dc
                    })
                    .fold(f64::INFINITY, f64::min)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn matches_brute_force(rows in 1usize..14, cols in 1usize..14, density in 0.0f64..1.0, seed in any::<u64>()) {
            // A cheap deterministic pseudo-random mask from the seed.
            let mut state = seed | 1;
            let mask: Vec<bool> = (0..rows * cols).map(|_| {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                (state % 1000) as f64 / 1000.0 < density
            }).collect();
            let fast = squared_edt(&mask, rows, cols).unwrap();
            prop_assert_eq!(fast, brute_force(&mask, rows, cols));
        }
    }

    #[test]
    fn all_foreground_is_infinite_and_shape_is_checked() {
        assert!(squared_edt(&[true; 6], 2, 3).unwrap().iter().all(|d| d.is_infinite()));
        assert!(squared_edt(&[true; 5], 2, 3).is_err());
    }

    #[test]
    fn distance_inside_a_square_is_to_its_nearest_edge() {
        // 7 x 7 foreground inside a 9 x 9 image with a background frame.
        let mask: Vec<bool> = (0..81).map(|p| (1..8).contains(&(p / 9)) && (1..8).contains(&(p % 9))).collect();
        let d = edt(&mask, 9, 9).unwrap();
        assert_eq!(d[4 * 9 + 4], 4.0);
        assert_eq!(d[9 + 1], 1.0);
    }
}
