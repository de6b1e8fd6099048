//! The coordinate spaces a [`BBox`](super::BBox) can live in (marker types), and the
//! conversions between them through a [`GeoTransform`].

use super::bbox::{PixelBox, WorldBox};
use crate::GeoTransform;

/// Raster pixel space: x = column, y = row (growing downward), pixel corners at
/// integers (pixel `(row, col)` covers `[col, col + 1) x [row, row + 1)`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Pixel;

/// World space: coordinates in a raster's CRS (map units).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct World;

/// Bounds of four points.
fn bounds_of(points: [(f64, f64); 4]) -> (f64, f64, f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in points {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    (x0, y0, x1, y1)
}

impl PixelBox {
    /// The unit square of pixel `(row, col)`.
    pub fn of_pixel(row: usize, col: usize) -> Self {
        PixelBox::new(col as f64, row as f64, (col + 1) as f64, (row + 1) as f64)
    }

    /// Rows of the pixels the box overlaps (`floor(ymin)..ceil(ymax)`, from 0).
    pub fn row_range(&self) -> std::ops::Range<usize> {
        self.ymin.floor().max(0.0) as usize..self.ymax.ceil().max(0.0) as usize
    }

    /// Columns of the pixels the box overlaps (`floor(xmin)..ceil(xmax)`, from 0).
    pub fn col_range(&self) -> std::ops::Range<usize> {
        self.xmin.floor().max(0.0) as usize..self.xmax.ceil().max(0.0) as usize
    }

    /// Whether pixel `(row, col)` lies in [`row_range`](Self::row_range) x [`col_range`](Self::col_range).
    pub fn contains_pixel(&self, row: usize, col: usize) -> bool {
        self.row_range().contains(&row) && self.col_range().contains(&col)
    }

    /// The world box bounding the four mapped corners (the box itself for a
    /// north-up transform; its bounding box under rotation).
    pub fn to_world(&self, transform: &GeoTransform) -> WorldBox {
        let corners = [(self.xmin, self.ymin), (self.xmax, self.ymin), (self.xmin, self.ymax), (self.xmax, self.ymax)]
            .map(|(c, r)| transform.pixel_to_world(c, r));
        let (x0, y0, x1, y1) = bounds_of(corners);
        WorldBox::new(x0, y0, x1, y1)
    }
}

impl WorldBox {
    /// The pixel box bounding the four corners mapped back to pixels; `None`
    /// when the transform cannot be inverted.
    pub fn to_pixel(&self, transform: &GeoTransform) -> Option<PixelBox> {
        let corners = [(self.xmin, self.ymax), (self.xmax, self.ymax), (self.xmin, self.ymin), (self.xmax, self.ymin)];
        let mut mapped = [(0.0, 0.0); 4];
        for (m, (x, y)) in mapped.iter_mut().zip(corners) {
            *m = transform.world_to_pixel(x, y)?;
        }
        let (c0, r0, c1, r1) = bounds_of(mapped);
        Some(PixelBox::new(c0, r0, c1, r1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_boxes_follow_the_transform() {
        let gt = GeoTransform::north_up(500_000.0, 4_000_000.0, 0.1, 0.1);
        let w = PixelBox::new(10.0, 20.0, 30.0, 50.0).to_world(&gt);
        let expect = [500_001.0, 3_999_995.0, 500_003.0, 3_999_998.0];
        for (a, e) in [w.xmin, w.ymin, w.xmax, w.ymax].iter().zip(expect) {
            assert!((a - e).abs() < 1e-6, "{w:?}");
        }
        let p = PixelBox::new(0.0, 1.5, 4.0, 3.0);
        assert_eq!(p.to_world(&GeoTransform::default()), WorldBox::new(0.0, 1.5, 4.0, 3.0));
    }

    #[test]
    fn to_pixel_inverts_the_transform() {
        let gt = GeoTransform::north_up(1000.0, 2000.0, 10.0, 10.0);
        let b = WorldBox::new(1020.0, 1900.0, 1050.0, 1980.0).to_pixel(&gt).unwrap();
        assert_eq!(b, PixelBox::new(2.0, 2.0, 5.0, 10.0));
        assert!(WorldBox::new(0.0, 0.0, 1.0, 1.0).to_pixel(&GeoTransform([0.0; 6])).is_none());
        // Under rotation the round trip bounds the original box.
        let rotated = GeoTransform([1000.0, 2.0, 0.5, 5000.0, 0.25, -2.0]);
        let p = PixelBox::new(3.0, 4.0, 7.0, 9.0);
        let back = p.to_world(&rotated).to_pixel(&rotated).unwrap();
        assert!(back.xmin <= 3.0 + 1e-9 && back.ymin <= 4.0 + 1e-9 && back.xmax >= 7.0 - 1e-9 && back.ymax >= 9.0 - 1e-9);
    }

    #[test]
    fn pixel_ranges_cover_partial_pixels() {
        let b = PixelBox::of_pixel(3, 5);
        assert_eq!((b.row_range(), b.col_range()), (3..4, 5..6));
        assert!(b.contains_pixel(3, 5) && !b.contains_pixel(3, 6));
        let b = PixelBox::new(-1.5, 0.5, 2.5, 2.0);
        assert_eq!((b.row_range(), b.col_range()), (0..2, 0..3));
    }
}
