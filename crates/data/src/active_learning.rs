//! Uncertainty-guided active learning: propose the most uncertain unlabelled
//! pixels for labelling, spread out in space.
//!
//! Greedy selection: candidates are visited from the most to the least
//! uncertain (ties: lower pixel index first) and accepted when no accepted
//! pixel lies within `min_distance` pixels (Euclidean, pixel centres). A hash
//! grid of `min_distance`-sized cells makes each check O(1), so a whole scene
//! is ranked in O(n log n). The result is deterministic.

use crate::error::{DataError, Result};
use std::collections::HashMap;

/// A proposed location.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proposal {
    /// Row of the pixel.
    pub row: usize,
    /// Column of the pixel.
    pub col: usize,
    /// Its score (higher = more worth labelling).
    pub score: f32,
}

/// Up to `n` pixels of a `rows x cols` grid with the highest `score`, pairwise at
/// least `min_distance` pixels apart. Pixels where `eligible` is false or the
/// score is not finite are never chosen (labelled pixels, nodata).
///
/// ```
/// use terradl_data::select_spread;
/// // 1 x 5 strip: the two top scores are neighbours; with distance 2 the
/// // second pick skips the neighbour.
/// let score = [0.1, 0.9, 0.8, 0.2, 0.7];
/// let p = select_spread(&score, 1, 5, &[true; 5], 2, 2.0).unwrap();
/// assert_eq!(p.iter().map(|p| p.col).collect::<Vec<_>>(), vec![1, 4]);
/// ```
pub fn select_spread(score: &[f32], rows: usize, cols: usize, eligible: &[bool], n: usize, min_distance: f64) -> Result<Vec<Proposal>> {
    if score.len() != rows * cols || eligible.len() != score.len() {
        return Err(DataError::Invalid(format!(
            "{} scores and {} eligibility flags for a {rows}x{cols} grid",
            score.len(),
            eligible.len()
        )));
    }
    if !(min_distance >= 0.0 && min_distance.is_finite()) {
        return Err(DataError::Invalid(format!("minimum distance {min_distance} must be finite and >= 0")));
    }
    let mut order: Vec<usize> = (0..score.len()).filter(|&i| eligible[i] && score[i].is_finite()).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
    let cell = min_distance.max(1.0);
    let key = |r: usize, c: usize| ((r as f64 / cell) as i64, (c as f64 / cell) as i64);
    let mut grid: HashMap<(i64, i64), Vec<(usize, usize)>> = HashMap::new();
    let d2 = min_distance * min_distance;
    let mut out = Vec::with_capacity(n);
    for i in order {
        if out.len() >= n {
            break;
        }
        let (r, c) = (i / cols, i % cols);
        let (kr, kc) = key(r, c);
        let close = (-1..=1).any(|dr| {
            (-1..=1).any(|dc| {
                grid.get(&(kr + dr, kc + dc)).is_some_and(|v| {
                    v.iter().any(|&(r2, c2)| {
                        let (a, b) = (r as f64 - r2 as f64, c as f64 - c2 as f64);
                        a * a + b * b < d2
                    })
                })
            })
        });
        if close {
            continue;
        }
        grid.entry((kr, kc)).or_default().push((r, c));
        out.push(Proposal { row: r, col: c, score: score[i] });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_are_spread_ranked_and_skip_ineligible() {
        // 20 x 20 grid, score rising towards the bottom-right corner.
        let (rows, cols) = (20, 20);
        let score: Vec<f32> = (0..rows * cols).map(|i| ((i / cols) + (i % cols)) as f32).collect();
        let mut eligible = vec![true; rows * cols];
        eligible[rows * cols - 1] = false; // the best pixel is labelled already
        let p = select_spread(&score, rows, cols, &eligible, 5, 4.0).unwrap();
        assert_eq!(p.len(), 5);
        assert!(!(p[0].row == 19 && p[0].col == 19));
        assert!(p.windows(2).all(|w| w[0].score >= w[1].score));
        for (i, a) in p.iter().enumerate() {
            for b in &p[i + 1..] {
                let d = ((a.row as f64 - b.row as f64).powi(2) + (a.col as f64 - b.col as f64).powi(2)).sqrt();
                assert!(d >= 4.0, "{a:?} {b:?}");
            }
        }
        // Brute force agrees with the hash grid.
        let mut brute: Vec<Proposal> = Vec::new();
        let mut order: Vec<usize> = (0..rows * cols).filter(|&i| eligible[i]).collect();
        order.sort_by(|&a, &b| score[b].total_cmp(&score[a]).then(a.cmp(&b)));
        for i in order {
            let (r, c) = (i / cols, i % cols);
            if brute.len() < 5
                && brute.iter().all(|q| ((q.row as f64 - r as f64).powi(2) + (q.col as f64 - c as f64).powi(2)) >= 16.0)
            {
                brute.push(Proposal { row: r, col: c, score: score[i] });
            }
        }
        assert_eq!(p, brute);
    }

    #[test]
    fn nan_and_bad_input() {
        let p = select_spread(&[f32::NAN, 1.0], 1, 2, &[true, true], 5, 0.0).unwrap();
        assert_eq!(p.len(), 1);
        assert!(select_spread(&[1.0], 1, 2, &[true], 1, 0.0).is_err());
        assert!(select_spread(&[1.0], 1, 1, &[true], 1, -1.0).is_err());
    }
}
