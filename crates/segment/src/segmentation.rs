//! The [`Segmentation`] type: a partition of an image into 4-connected objects.

use crate::error::{check_shape, Result, SegmentError};

/// A partition of a `rows x cols` image into objects.
///
/// Invariants (checked by [`Segmentation::check_invariants`]):
/// - `labels` is row-major with one label per pixel, every label `< n_objects`;
/// - ids are dense: every id in `0..n_objects` labels at least one pixel;
/// - every object is 4-connected.
///
/// `nodata_objects[id]` is true for objects made of nodata pixels (segmenters
/// put each 4-connected nodata region in an object of its own).
///
/// ```
/// use terradl_segment::Segmentation;
/// // 7 1 7
/// // 7 1 1   label 7 appears in two separate places: it becomes two objects.
/// let seg = Segmentation::from_labels(vec![7, 1, 7, 7, 1, 1], 2, 3).unwrap();
/// assert_eq!(seg.n_objects, 3);
/// assert_eq!(seg.labels, vec![0, 1, 2, 0, 1, 1]);
/// seg.check_invariants().unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmentation {
    /// Row-major object id per pixel, each `< n_objects`.
    pub labels: Vec<u32>,
    /// Rows of the image.
    pub rows: usize,
    /// Columns of the image.
    pub cols: usize,
    /// Number of objects (ids are `0..n_objects`).
    pub n_objects: usize,
    /// Per object id: true when the object is made of nodata pixels.
    pub nodata_objects: Vec<bool>,
}

impl Segmentation {
    /// Build from arbitrary labels: each 4-connected region of equal labels
    /// becomes one object, ids assigned in raster order of first pixel.
    pub fn from_labels(labels: Vec<u32>, rows: usize, cols: usize) -> Result<Self> {
        check_shape("label map", labels.len(), 1, rows, cols)?;
        let mut seg = Segmentation { labels, rows, cols, n_objects: 0, nodata_objects: Vec::new() };
        seg.relabel_connected();
        Ok(seg)
    }

    /// Like [`Segmentation::from_labels`], also marking which objects are nodata
    /// (`nodata[pixel]` true for nodata pixels; such pixels should carry labels
    /// of their own, distinct from valid pixels).
    pub fn from_labels_with_nodata(labels: Vec<u32>, nodata: &[bool], rows: usize, cols: usize) -> Result<Self> {
        check_shape("nodata mask", nodata.len(), 1, rows, cols)?;
        let mut seg = Self::from_labels(labels, rows, cols)?;
        for (p, &nd) in nodata.iter().enumerate() {
            if nd {
                seg.nodata_objects[seg.labels[p] as usize] = true;
            }
        }
        Ok(seg)
    }

    /// Split every object into its 4-connected components and renumber densely
    /// (raster order of first pixel). Nodata flags follow the pixels.
    pub fn relabel_connected(&mut self) {
        let (new, n) = connected_components(&self.labels, self.rows, self.cols);
        let mut flags = vec![false; n];
        if !self.nodata_objects.is_empty() {
            for (p, &l) in new.iter().enumerate() {
                if self.nodata_objects.get(self.labels[p] as usize).copied().unwrap_or(false) {
                    flags[l as usize] = true;
                }
            }
        }
        self.labels = new;
        self.n_objects = n;
        self.nodata_objects = flags;
    }

    /// Verify every invariant listed on the type, with a clear error.
    pub fn check_invariants(&self) -> Result<()> {
        check_shape("label map", self.labels.len(), 1, self.rows, self.cols)?;
        if self.nodata_objects.len() != self.n_objects {
            return Err(SegmentError::Invariant(format!(
                "{} nodata flags for {} objects",
                self.nodata_objects.len(),
                self.n_objects
            )));
        }
        let mut used = vec![false; self.n_objects];
        for (p, &l) in self.labels.iter().enumerate() {
            match used.get_mut(l as usize) {
                Some(u) => *u = true,
                None => {
                    return Err(SegmentError::Invariant(format!(
                        "pixel {p} has label {l} >= n_objects {}",
                        self.n_objects
                    )));
                }
            }
        }
        if let Some(id) = used.iter().position(|u| !u) {
            return Err(SegmentError::Invariant(format!("object id {id} labels no pixel (ids not dense)")));
        }
        let (_, components) = connected_components(&self.labels, self.rows, self.cols);
        if components != self.n_objects {
            return Err(SegmentError::Invariant(format!(
                "{} objects but {components} 4-connected regions: some object is not connected",
                self.n_objects
            )));
        }
        Ok(())
    }

    /// Number of pixels of every object.
    pub fn object_sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0; self.n_objects];
        for &l in &self.labels {
            sizes[l as usize] += 1;
        }
        sizes
    }

    /// Object id at a pixel.
    pub fn label_at(&self, row: usize, col: usize) -> u32 {
        self.labels[row * self.cols + col]
    }
}

/// Label the 4-connected regions of equal value in a row-major `rows x cols`
/// map: returns (labels `0..n` in raster order of first pixel, n).
pub fn connected_components(values: &[u32], rows: usize, cols: usize) -> (Vec<u32>, usize) {
    const UNSET: u32 = u32::MAX;
    let mut out = vec![UNSET; values.len()];
    let mut stack = Vec::new();
    let mut n = 0u32;
    for start in 0..values.len() {
        if out[start] != UNSET {
            continue;
        }
        let v = values[start];
        out[start] = n;
        stack.push(start);
        while let Some(p) = stack.pop() {
            let (r, c) = (p / cols, p % cols);
            for q in neighbours4(r, c, rows, cols) {
                if out[q] == UNSET && values[q] == v {
                    out[q] = n;
                    stack.push(q);
                }
            }
        }
        n += 1;
    }
    (out, n as usize)
}

/// Row-major indices of the (up to four) 4-neighbours of `(r, c)`.
#[inline]
pub(crate) fn neighbours4(r: usize, c: usize, rows: usize, cols: usize) -> impl Iterator<Item = usize> {
    let p = r * cols + c;
    [
        (r > 0).then(|| p - cols),
        (r + 1 < rows).then(|| p + cols),
        (c > 0).then(|| p - 1),
        (c + 1 < cols).then(|| p + 1),
    ]
    .into_iter()
    .flatten()
}

/// Row-major indices of the (up to eight) 8-neighbours of `(r, c)`.
#[inline]
pub(crate) fn neighbours8(r: usize, c: usize, rows: usize, cols: usize) -> impl Iterator<Item = usize> {
    (-1i64..=1)
        .flat_map(|dr| (-1i64..=1).map(move |dc| (dr, dc)))
        .filter(|&d| d != (0, 0))
        .filter_map(move |(dr, dc)| {
            let (nr, nc) = (r as i64 + dr, c as i64 + dc);
            (nr >= 0 && nc >= 0 && (nr as usize) < rows && (nc as usize) < cols)
                .then(|| nr as usize * cols + nc as usize)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_pixels_are_separate_objects() {
        // 1 0
        // 0 1  -> the two 1s touch only diagonally: 4 objects.
        let seg = Segmentation::from_labels(vec![1, 0, 0, 1], 2, 2).unwrap();
        assert_eq!(seg.n_objects, 4);
        seg.check_invariants().unwrap();
    }

    #[test]
    fn check_invariants_catches_disconnected_and_sparse_ids() {
        let bad = Segmentation { labels: vec![0, 1, 0], rows: 1, cols: 3, n_objects: 2, nodata_objects: vec![false; 2] };
        assert!(bad.check_invariants().is_err());
        let sparse = Segmentation { labels: vec![0, 0, 2], rows: 1, cols: 3, n_objects: 3, nodata_objects: vec![false; 3] };
        assert!(sparse.check_invariants().is_err());
        let out_of_range = Segmentation { labels: vec![0, 5], rows: 1, cols: 2, n_objects: 2, nodata_objects: vec![false; 2] };
        assert!(out_of_range.check_invariants().is_err());
    }

    #[test]
    fn nodata_flags_follow_pixels() {
        let seg = Segmentation::from_labels_with_nodata(vec![9, 9, 3, 3], &[true, true, false, false], 1, 4).unwrap();
        assert_eq!(seg.nodata_objects, vec![true, false]);
    }

    #[test]
    fn wrong_shape_is_an_error() {
        assert!(Segmentation::from_labels(vec![0; 5], 2, 3).is_err());
        assert!(Segmentation::from_labels(vec![], 0, 3).is_err());
    }

    #[test]
    fn neighbour_counts_at_corner_and_centre() {
        assert_eq!(neighbours4(0, 0, 3, 3).count(), 2);
        assert_eq!(neighbours8(0, 0, 3, 3).count(), 3);
        assert_eq!(neighbours8(1, 1, 3, 3).count(), 8);
    }
}
