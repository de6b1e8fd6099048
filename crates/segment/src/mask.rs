//! A binary mask of one object, cropped to its bounding box.

use terradl_geo::PixelBox;

/// The pixels of one object inside its bounding box, in image coordinates.
///
/// ```
/// use terradl_segment::ObjectMask;
/// // Object 0 is the upper-left staircase; (0, 2) is not in it, and its
/// // nearest object pixel is (0, 1).
/// let labels = [0, 0, 1,
///               0, 1, 1,
///               1, 1, 1];
/// let m = ObjectMask::from_labels(&labels, 3, 3, 0).unwrap();
/// assert!(m.contains(0, 0) && !m.contains(2, 2));
/// assert_eq!(m.area(), 3);
/// assert_eq!(m.nearest_pixel(0.0, 2.0), (0, 1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMask {
    /// Image row of the mask's first pixel.
    pub row0: usize,
    /// Image column of the mask's first pixel.
    pub col0: usize,
    /// Rows of the mask.
    pub rows: usize,
    /// Columns of the mask.
    pub cols: usize,
    /// Row-major, `rows x cols`.
    pub mask: Vec<bool>,
}

impl ObjectMask {
    /// The mask of the pixels labelled `id` in a row-major label map, or
    /// `None` when no pixel carries `id`.
    pub fn from_labels(labels: &[u32], rows: usize, cols: usize, id: u32) -> Option<Self> {
        let mut bbox: Option<PixelBox> = None;
        for (p, _) in labels.iter().enumerate().filter(|&(_, &l)| l == id) {
            let pixel = PixelBox::of_pixel(p / cols, p % cols);
            bbox = Some(bbox.map_or(pixel, |b| b.union(&pixel)));
        }
        debug_assert!(labels.len() == rows * cols);
        bbox.map(|b| Self::from_labels_in(labels, cols, id, b))
    }

    /// The mask of the pixels labelled `id` inside a known bounding box
    /// (for example [`crate::ObjectStats::bbox`]; the pixels it overlaps).
    pub fn from_labels_in(labels: &[u32], cols: usize, id: u32, bbox: PixelBox) -> Self {
        let (row_range, col_range) = (bbox.row_range(), bbox.col_range());
        let (row0, col0, h, w) = (row_range.start, col_range.start, row_range.len(), col_range.len());
        let mask = (0..h * w).map(|i| labels[(row0 + i / w) * cols + col0 + i % w] == id).collect();
        ObjectMask { row0, col0, rows: h, cols: w, mask }
    }

    /// Whether image pixel `(row, col)` belongs to the object.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        row >= self.row0
            && col >= self.col0
            && row - self.row0 < self.rows
            && col - self.col0 < self.cols
            && self.mask[(row - self.row0) * self.cols + col - self.col0]
    }

    /// Number of object pixels.
    pub fn area(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }

    /// Image coordinates of every object pixel, in raster order.
    pub fn pixels(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.mask
            .iter()
            .enumerate()
            .filter(|&(_, &m)| m)
            .map(|(i, _)| (self.row0 + i / self.cols, self.col0 + i % self.cols))
    }

    /// The object pixel closest (Euclidean, first in raster order on ties) to
    /// the point `(row, col)`. Panics never: an empty mask returns the mask origin.
    pub fn nearest_pixel(&self, row: f64, col: f64) -> (usize, usize) {
        self.pixels()
            .min_by(|a, b| {
                let d = |p: &(usize, usize)| (p.0 as f64 - row).powi(2) + (p.1 as f64 - col).powi(2);
                d(a).total_cmp(&d(b))
            })
            .unwrap_or((self.row0, self.col0))
    }
}
