//! Refined Lee filter (Lee 1981, "Refined filtering of image noise using local
//! statistics", CGIP 15:380–389; polarimetric form Lee et al. 1999, IEEE TGRS 37).
//!
//! A 7x7 window is split into nine overlapping 3x3 sub-windows (offsets 0, 2,
//! 4). Their means give four edge gradients (vertical, horizontal, two
//! diagonals); the strongest one picks the edge orientation, and the side
//! whose sub-window mean is closer to the centre sub-window picks one of eight
//! edge-aligned half windows (four rectangles of 4x7 and four triangles of 28
//! pixels, each including the centre line). The Lee MMSE estimate is then
//! computed from the statistics of that half window only, so pixels across an
//! edge do not blur into each other.

use super::lee::{lee_estimate, noise_cv2};
use crate::{GridShape, Result};
use serde::{Deserialize, Serialize};

/// Parameters of the refined Lee filter (the window is fixed at 7x7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RefinedLeeConfig {
    /// Equivalent number of looks of the intensity data.
    pub enl: f64,
}

impl Default for RefinedLeeConfig {
    fn default() -> Self {
        RefinedLeeConfig { enl: 1.0 }
    }
}

/// One of the eight edge-aligned half windows of the 7x7 neighbourhood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HalfWindow {
    Top,
    Bottom,
    Left,
    Right,
    /// Above the anti-diagonal (`dy + dx <= 6`).
    TopLeft,
    /// Below the anti-diagonal (`dy + dx >= 6`).
    BottomRight,
    /// Above the main diagonal (`dx >= dy`).
    TopRight,
    /// Below the main diagonal (`dx <= dy`).
    BottomLeft,
}

impl HalfWindow {
    fn contains(self, dy: usize, dx: usize) -> bool {
        match self {
            HalfWindow::Top => dy <= 3,
            HalfWindow::Bottom => dy >= 3,
            HalfWindow::Left => dx <= 3,
            HalfWindow::Right => dx >= 3,
            HalfWindow::TopLeft => dy + dx <= 6,
            HalfWindow::BottomRight => dy + dx >= 6,
            HalfWindow::TopRight => dx >= dy,
            HalfWindow::BottomLeft => dx <= dy,
        }
    }
}

/// Mean of the finite values of a slice iterator (NaN when none).
fn finite_mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for v in values.filter(|v| v.is_finite()) {
        s += v;
        n += 1;
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// Choose the half window from the 3x3 grid of sub-window means.
fn choose_half_window(m: &[[f64; 3]; 3]) -> Option<HalfWindow> {
    let centre = m[1][1];
    // (gradient, side A mean, side B mean, half window A, half window B)
    let candidates = [
        (m[0][1], m[2][1], HalfWindow::Top, HalfWindow::Bottom),
        (m[1][0], m[1][2], HalfWindow::Left, HalfWindow::Right),
        (m[0][0], m[2][2], HalfWindow::TopLeft, HalfWindow::BottomRight),
        (m[0][2], m[2][0], HalfWindow::TopRight, HalfWindow::BottomLeft),
    ];
    let mut best: Option<(f64, HalfWindow)> = None;
    for (a, b, wa, wb) in candidates {
        let g = (a - b).abs();
        if !g.is_finite() {
            continue;
        }
        if best.is_none_or(|(bg, _)| g > bg) {
            let side = if (a - centre).abs() <= (b - centre).abs() { wa } else { wb };
            best = Some((g, side));
        }
    }
    best.map(|(_, w)| w)
}

/// Refined Lee filter of a single-band intensity grid.
///
/// ```
/// use terradl_sar::{speckle::{refined_lee, RefinedLeeConfig}, GridShape};
/// let out = refined_lee(&[3.0; 64], GridShape::new(8, 8), &RefinedLeeConfig { enl: 4.0 }).unwrap();
/// assert!(out.iter().all(|&v| (v - 3.0).abs() < 1e-6));
/// ```
pub fn refined_lee(data: &[f32], shape: GridShape, cfg: &RefinedLeeConfig) -> Result<Vec<f32>> {
    shape.check("input grid", data.len())?;
    let cu2 = noise_cv2(cfg.enl)?;
    let (rows, cols) = (shape.rows, shape.cols);
    let mut out = vec![f32::NAN; data.len()];
    let mut win = [[0f64; 7]; 7];
    for r in 0..rows {
        for c in 0..cols {
            let y = data[r * cols + c];
            if y.is_nan() {
                continue;
            }
            for (dy, row) in win.iter_mut().enumerate() {
                let rr = (r + dy).saturating_sub(3).min(rows - 1);
                for (dx, v) in row.iter_mut().enumerate() {
                    let cc = (c + dx).saturating_sub(3).min(cols - 1);
                    *v = data[rr * cols + cc] as f64;
                }
            }
            let mut means = [[0f64; 3]; 3];
            for (i, mrow) in means.iter_mut().enumerate() {
                for (j, m) in mrow.iter_mut().enumerate() {
                    *m = finite_mean((0..9).map(|k| win[2 * i + k / 3][2 * j + k % 3]));
                }
            }
            let Some(half) = choose_half_window(&means) else {
                out[r * cols + c] = y;
                continue;
            };
            let (mut s, mut s2, mut n) = (0.0, 0.0, 0usize);
            for (dy, row) in win.iter().enumerate() {
                for (dx, &v) in row.iter().enumerate() {
                    if v.is_finite() && half.contains(dy, dx) {
                        s += v;
                        s2 += v * v;
                        n += 1;
                    }
                }
            }
            let mean = s / n as f64;
            let var = (s2 / n as f64 - mean * mean).max(0.0);
            out[r * cols + c] = lee_estimate(y as f64, mean, var, cu2) as f32;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_half_window_has_28_pixels_and_the_centre() {
        use HalfWindow::*;
        for w in [Top, Bottom, Left, Right, TopLeft, BottomRight, TopRight, BottomLeft] {
            let n = (0..7).flat_map(|dy| (0..7).map(move |dx| (dy, dx))).filter(|&(dy, dx)| w.contains(dy, dx)).count();
            assert_eq!(n, 28, "{w:?}");
            assert!(w.contains(3, 3));
        }
    }

    #[test]
    fn vertical_edge_picks_the_side_of_the_centre() {
        // Left column of sub-windows dark, centre and right bright: strongest
        // gradient is horizontal (left vs right); centre matches the right.
        let m = [[1.0, 10.0, 10.0], [1.0, 10.0, 10.0], [1.0, 10.0, 10.0]];
        assert_eq!(choose_half_window(&m), Some(HalfWindow::Right));
        let m = [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [10.0, 10.0, 10.0]];
        assert_eq!(choose_half_window(&m), Some(HalfWindow::Top));
        // Bright bottom-right corner: gradients are |1-7| = 6 (vertical and
        // horizontal), |1-10| = 9 (diagonal), |3-3| = 0 (anti-diagonal); the
        // centre (2) is closer to the top-left sub-window (1).
        let m = [[1.0, 1.0, 3.0], [1.0, 2.0, 7.0], [3.0, 7.0, 10.0]];
        assert_eq!(choose_half_window(&m), Some(HalfWindow::TopLeft));
    }

    #[test]
    fn noise_free_step_edge_is_preserved_exactly() {
        // Without speckle, the half window on the centre's side is flat, so
        // the variance is 0 and the output is the side mean = the pixel value.
        let shape = GridShape::new(12, 12);
        let data: Vec<f32> = (0..144).map(|i| if i % 12 < 6 { 1.0 } else { 8.0 }).collect();
        let out = refined_lee(&data, shape, &RefinedLeeConfig { enl: 4.0 }).unwrap();
        for (o, d) in out.iter().zip(&data) {
            assert!((o - d).abs() < 1e-6, "{o} vs {d}");
        }
    }
}
