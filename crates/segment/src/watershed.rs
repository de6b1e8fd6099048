//! Marker-controlled watershed by priority flooding (Meyer's algorithm).

use crate::error::{check_shape, Result};
use crate::markers::Ordered;
use crate::segmentation::neighbours4;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Flood `elevation` from `markers` (0 = none) inside `mask`: pixels are
/// taken lowest elevation first (ties: first come, first served) and join the
/// label of the 4-neighbour that reached them. Pixels outside `mask` get 0;
/// mask pixels no marker reaches get new labels, one per 4-connected region,
/// after the marker labels. Returns the labels and the largest label.
///
/// ```
/// use terradl_segment::watershed;
/// // A ridge at index 3 between two basins seeded at 1 and 5.
/// let elevation = [1.0, 0.0, 1.0, 3.0, 1.0, 0.0, 1.0];
/// let markers = [0, 1, 0, 0, 0, 2, 0];
/// let (labels, n) = watershed(&elevation, &markers, &[true; 7], 1, 7).unwrap();
/// assert_eq!(n, 2);
/// assert_eq!(&labels[..3], &[1, 1, 1]);
/// assert_eq!(&labels[4..], &[2, 2, 2]);
/// ```
pub fn watershed(elevation: &[f64], markers: &[u32], mask: &[bool], rows: usize, cols: usize) -> Result<(Vec<u32>, u32)> {
    check_shape("elevation", elevation.len(), 1, rows, cols)?;
    check_shape("markers", markers.len(), 1, rows, cols)?;
    check_shape("mask", mask.len(), 1, rows, cols)?;
    let mut labels: Vec<u32> = (0..markers.len()).map(|p| if mask[p] { markers[p] } else { 0 }).collect();
    let mut heap = BinaryHeap::new();
    let mut order = 0u64;
    for p in 0..labels.len() {
        if labels[p] != 0 {
            heap.push(Reverse((Ordered(elevation[p]), order, p)));
            order += 1;
        }
    }
    while let Some(Reverse((_, _, p))) = heap.pop() {
        for q in neighbours4(p / cols, p % cols, rows, cols) {
            if mask[q] && labels[q] == 0 {
                labels[q] = labels[p];
                heap.push(Reverse((Ordered(elevation[q]), order, q)));
                order += 1;
            }
        }
    }
    let mut next = labels.iter().copied().max().unwrap_or(0);
    let mut stack = Vec::new();
    for start in 0..labels.len() {
        if mask[start] && labels[start] == 0 {
            next += 1;
            labels[start] = next;
            stack.push(start);
            while let Some(p) = stack.pop() {
                for q in neighbours4(p / cols, p % cols, rows, cols) {
                    if mask[q] && labels[q] == 0 {
                        labels[q] = next;
                        stack.push(q);
                    }
                }
            }
        }
    }
    Ok((labels, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreached_mask_region_gets_its_own_label() {
        // Mask: [x x . x x]; only the left part has a marker.
        let (labels, n) = watershed(&[0.0; 5], &[1, 0, 0, 0, 0], &[true, true, false, true, true], 1, 5).unwrap();
        assert_eq!(labels, vec![1, 1, 0, 2, 2]);
        assert_eq!(n, 2);
    }

    #[test]
    fn markers_outside_the_mask_are_ignored() {
        let (labels, n) = watershed(&[0.0; 3], &[0, 0, 5], &[true, true, false], 1, 3).unwrap();
        assert_eq!(labels, vec![1, 1, 0]);
        assert_eq!(n, 1);
    }
}
