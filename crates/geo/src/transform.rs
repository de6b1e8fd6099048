//! Affine pixel <-> world transform, in GDAL's six-coefficient convention.

use serde::{Deserialize, Serialize};

/// GDAL-style affine geotransform:
/// `x = c[0] + col * c[1] + row * c[2]`, `y = c[3] + col * c[4] + row * c[5]`,
/// where (col, row) are pixel-corner coordinates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoTransform(pub [f64; 6]);

impl Default for GeoTransform {
    /// Identity: world coordinates equal pixel coordinates (y grows downward).
    fn default() -> Self {
        GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0])
    }
}

impl GeoTransform {
    /// North-up transform with the top-left corner at (`x0`, `y0`) and pixel size
    /// `dx` x `dy` (both positive).
    pub fn north_up(x0: f64, y0: f64, dx: f64, dy: f64) -> Self {
        GeoTransform([x0, dx, 0.0, y0, 0.0, -dy])
    }
    /// World coordinates of pixel-space point (col, row).
    pub fn pixel_to_world(&self, col: f64, row: f64) -> (f64, f64) {
        let c = &self.0;
        (c[0] + col * c[1] + row * c[2], c[3] + col * c[4] + row * c[5])
    }
    /// Pixel-space coordinates of world point (x, y); `None` if the transform is singular.
    pub fn world_to_pixel(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let c = &self.0;
        let det = c[1] * c[5] - c[2] * c[4];
        if det.abs() < f64::EPSILON * 1e-6 || !det.is_finite() {
            return None;
        }
        let dx = x - c[0];
        let dy = y - c[3];
        Some(((c[5] * dx - c[2] * dy) / det, (-c[4] * dx + c[1] * dy) / det))
    }
    /// Transform of a sub-window starting at pixel (col_off, row_off).
    pub fn window(&self, col_off: usize, row_off: usize) -> Self {
        let (x, y) = self.pixel_to_world(col_off as f64, row_off as f64);
        let c = self.0;
        GeoTransform([x, c[1], c[2], y, c[4], c[5]])
    }
    /// True when the transform has no rotation/shear terms.
    pub fn is_north_up(&self) -> bool {
        self.0[2] == 0.0 && self.0[4] == 0.0
    }
    /// Pixel area in squared world units.
    pub fn pixel_area(&self) -> f64 {
        (self.0[1] * self.0[5] - self.0[2] * self.0[4]).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotated() {
        let gt = GeoTransform([100.0, 2.0, 0.5, 200.0, 0.3, -2.0]);
        let (x, y) = gt.pixel_to_world(13.0, 7.0);
        let (c, r) = gt.world_to_pixel(x, y).unwrap();
        assert!((c - 13.0).abs() < 1e-9 && (r - 7.0).abs() < 1e-9);
    }

    #[test]
    fn window_shifts_origin() {
        let gt = GeoTransform::north_up(10.0, 50.0, 0.5, 0.5);
        let w = gt.window(4, 2);
        assert_eq!(w.0, [12.0, 0.5, 0.0, 49.0, 0.0, -0.5]);
        assert!(GeoTransform([0.0; 6]).world_to_pixel(1.0, 1.0).is_none());
    }
}
