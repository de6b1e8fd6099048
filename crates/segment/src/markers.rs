//! Markers for watershed: regional maxima of a surface after h-maxima
//! filtering, thinned by a minimum distance.

use crate::error::{check_shape, Result, SegmentError};
use crate::segmentation::neighbours8;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Parameters of [`maxima_markers`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarkerConfig {
    /// Only maxima that rise more than `h` above the saddle to any higher
    /// maximum are kept (h-maxima transform); 0 keeps every regional maximum.
    pub h: f64,
    /// Of two maxima closer than this (pixels), the lower one is dropped.
    pub min_distance: f64,
}

impl Default for MarkerConfig {
    fn default() -> Self {
        MarkerConfig { h: 1.0, min_distance: 3.0 }
    }
}

/// An `f64` ordered by `total_cmp`, for binary heaps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ordered(pub f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Label map of markers (0 = none, `1..=n`) on the maxima of `values` inside
/// `mask` (8-connectivity): regional maxima of the h-maxima transform
/// (morphological reconstruction by dilation of `values - h` under `values`),
/// then, strongest first, markers whose peak lies within `min_distance` of a
/// kept marker's peak are dropped. Returns the map and the marker count.
///
/// ```
/// use terradl_segment::{maxima_markers, MarkerConfig};
/// // Peaks 3 and 5 separated by a dip to 2: the 3 rises 1 above the saddle.
/// // With h = 0.5 both count (strongest first), with h = 2 only the 5.
/// let v = [0.0, 3.0, 2.0, 5.0, 0.0];
/// let mask = [true; 5];
/// let (m, n) = maxima_markers(&v, &mask, 1, 5, &MarkerConfig { h: 0.5, min_distance: 0.0 }).unwrap();
/// assert_eq!((n, m), (2, vec![0, 2, 0, 1, 0]));
/// let (_, n) = maxima_markers(&v, &mask, 1, 5, &MarkerConfig { h: 2.0, min_distance: 0.0 }).unwrap();
/// assert_eq!(n, 1);
/// ```
pub fn maxima_markers(values: &[f64], mask: &[bool], rows: usize, cols: usize, config: &MarkerConfig) -> Result<(Vec<u32>, usize)> {
    check_shape("values", values.len(), 1, rows, cols)?;
    check_shape("mask", mask.len(), 1, rows, cols)?;
    if !(config.h >= 0.0 && config.h.is_finite() && config.min_distance >= 0.0) {
        return Err(SegmentError::InvalidConfig(format!(
            "marker h and min_distance must be finite and >= 0 (got {}, {})",
            config.h, config.min_distance
        )));
    }
    let rec = reconstruct_by_dilation(values, mask, config.h, rows, cols);

    // Regional maxima of `rec`: 8-connected plateaus with no higher neighbour.
    let mut visited = vec![false; values.len()];
    let mut plateaus: Vec<(f64, usize, Vec<usize>)> = Vec::new(); // (peak value, peak pixel, pixels)
    let mut stack = Vec::new();
    for start in 0..values.len() {
        if !mask[start] || visited[start] {
            continue;
        }
        let level = rec[start];
        let (mut pixels, mut is_max) = (Vec::new(), true);
        visited[start] = true;
        stack.push(start);
        while let Some(p) = stack.pop() {
            pixels.push(p);
            for q in neighbours8(p / cols, p % cols, rows, cols) {
                if !mask[q] {
                    continue;
                }
                if rec[q] > level {
                    is_max = false;
                } else if rec[q] == level && !visited[q] {
                    visited[q] = true;
                    stack.push(q);
                }
            }
        }
        if is_max {
            let peak = *pixels.iter().max_by(|&&a, &&b| values[a].total_cmp(&values[b]).then(b.cmp(&a))).unwrap_or(&start);
            plateaus.push((values[peak], peak, pixels));
        }
    }

    // Strongest first (ties: raster order of the peak), suppress close peaks.
    plateaus.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut kept: Vec<usize> = Vec::new();
    let mut markers = vec![0u32; values.len()];
    let min_d2 = config.min_distance * config.min_distance;
    for (_, peak, pixels) in &plateaus {
        let (pr, pc) = ((peak / cols) as f64, (peak % cols) as f64);
        let close = kept.iter().any(|&k| {
            let (kr, kc) = ((k / cols) as f64, (k % cols) as f64);
            (kr - pr).powi(2) + (kc - pc).powi(2) < min_d2
        });
        if close {
            continue;
        }
        kept.push(*peak);
        for &p in pixels {
            markers[p] = kept.len() as u32;
        }
    }
    Ok((markers, kept.len()))
}

/// Morphological reconstruction by dilation of `values - h` under `values`
/// within `mask` (8-connectivity), by priority flooding from the highest level.
fn reconstruct_by_dilation(values: &[f64], mask: &[bool], h: f64, rows: usize, cols: usize) -> Vec<f64> {
    let mut rec: Vec<f64> = values.iter().map(|v| v - h).collect();
    if h == 0.0 {
        return rec;
    }
    let mut heap: BinaryHeap<(Ordered, usize)> =
        (0..values.len()).filter(|&p| mask[p]).map(|p| (Ordered(rec[p]), p)).collect();
    while let Some((Ordered(level), p)) = heap.pop() {
        if level < rec[p] {
            continue;
        }
        for q in neighbours8(p / cols, p % cols, rows, cols) {
            if !mask[q] {
                continue;
            }
            let v = level.min(values[q]);
            if v > rec[q] {
                rec[q] = v;
                heap.push((Ordered(v), q));
            }
        }
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_distance_keeps_the_higher_of_two_close_peaks() {
        let v = [0.0, 4.0, 1.0, 5.0, 0.0, 0.0, 0.0, 3.0, 0.0];
        let mask = [true; 9];
        let (m, n) = maxima_markers(&v, &mask, 1, 9, &MarkerConfig { h: 0.5, min_distance: 3.0 }).unwrap();
        // Peaks at 1 (4.0), 3 (5.0), 7 (3.0): 1 is within 3 of 3 and lower -> dropped.
        assert_eq!(n, 2);
        assert_eq!(m[3], 1);
        assert_eq!(m[7], 2);
        assert_eq!(m[1], 0);
    }

    #[test]
    fn plateau_maximum_is_one_marker_and_mask_limits_it() {
        let v = [1.0, 2.0, 2.0, 2.0, 1.0, 9.0];
        let mask = [true, true, true, true, true, false];
        let (m, n) = maxima_markers(&v, &mask, 1, 6, &MarkerConfig { h: 0.0, min_distance: 0.0 }).unwrap();
        assert_eq!((n, m), (1, vec![0, 1, 1, 1, 0, 0]));
    }

    #[test]
    fn negative_h_is_an_error() {
        assert!(maxima_markers(&[0.0], &[true], 1, 1, &MarkerConfig { h: -1.0, min_distance: 0.0 }).is_err());
    }
}
