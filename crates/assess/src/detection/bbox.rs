//! Axis-aligned boxes and intersection over union.

use serde::{Deserialize, Serialize};

/// An axis-aligned box, `xmin <= xmax`, `ymin <= ymax` (continuous coordinates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub xmin: f64,
    pub ymin: f64,
    pub xmax: f64,
    pub ymax: f64,
}

impl BBox {
    pub fn new(xmin: f64, ymin: f64, xmax: f64, ymax: f64) -> Self {
        BBox { xmin, ymin, xmax, ymax }
    }

    /// Area; zero for degenerate or inverted boxes.
    pub fn area(&self) -> f64 {
        (self.xmax - self.xmin).max(0.0) * (self.ymax - self.ymin).max(0.0)
    }

    /// Area of the intersection with another box.
    pub fn intersection(&self, o: &BBox) -> f64 {
        let w = (self.xmax.min(o.xmax) - self.xmin.max(o.xmin)).max(0.0);
        let h = (self.ymax.min(o.ymax) - self.ymin.max(o.ymin)).max(0.0);
        w * h
    }

    /// Intersection over union, in [0, 1]; 0 when both boxes are empty.
    ///
    /// ```
    /// use terradl_assess::detection::BBox;
    /// let a = BBox::new(0.0, 0.0, 2.0, 2.0);
    /// let b = BBox::new(1.0, 1.0, 3.0, 3.0);
    /// assert!((a.iou(&b) - 1.0 / 7.0).abs() < 1e-12);
    /// ```
    pub fn iou(&self, o: &BBox) -> f64 {
        let inter = self.intersection(o);
        let union = self.area() + o.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

/// A predicted box with its confidence score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoredBox {
    pub bbox: BBox,
    pub score: f64,
}

impl ScoredBox {
    pub fn new(bbox: BBox, score: f64) -> Self {
        ScoredBox { bbox, score }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_closed_forms() {
        let a = BBox::new(0.0, 0.0, 4.0, 4.0);
        assert_eq!(a.iou(&a), 1.0);
        // Contained 2x2 in 4x4: 4 / 16.
        assert_eq!(a.iou(&BBox::new(1.0, 1.0, 3.0, 3.0)), 0.25);
        // Disjoint and touching boxes do not overlap.
        assert_eq!(a.iou(&BBox::new(4.0, 0.0, 8.0, 4.0)), 0.0);
        // Half-shifted: intersection 2x4 = 8, union 16 + 16 - 8 = 24.
        assert!((a.iou(&BBox::new(2.0, 0.0, 6.0, 4.0)) - 1.0 / 3.0).abs() < 1e-12);
        // Empty boxes.
        let e = BBox::new(1.0, 1.0, 1.0, 1.0);
        assert_eq!(e.iou(&e), 0.0);
    }
}
