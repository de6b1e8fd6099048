//! The axis-aligned box type and its geometry: area, intersection, IoU.

use super::space::{Pixel, World};
use serde::{Deserialize, Serialize};
use std::marker::PhantomData;

/// An axis-aligned box `[xmin, xmax] x [ymin, ymax]` in coordinate space `S`
/// (continuous coordinates; a valid box has `xmin < xmax`, `ymin < ymax`).
///
/// Boxes of different spaces do not mix; converting takes a
/// [`GeoTransform`](crate::GeoTransform) (see [`PixelBox::to_world`]).
#[derive(Serialize, Deserialize)]
pub struct BBox<S> {
    /// Smallest x (column in pixel space).
    pub xmin: f64,
    /// Smallest y (row in pixel space, southern edge in a north-up CRS).
    pub ymin: f64,
    /// Largest x.
    pub xmax: f64,
    /// Largest y.
    pub ymax: f64,
    #[serde(skip)]
    space: PhantomData<S>,
}

/// A box in raster pixel coordinates (x = column, y = row).
pub type PixelBox = BBox<Pixel>;
/// A box in a raster's CRS.
pub type WorldBox = BBox<World>;

// Written out so that no bound falls on the marker type `S`.
impl<S> Clone for BBox<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for BBox<S> {}

impl<S> PartialEq for BBox<S> {
    fn eq(&self, o: &Self) -> bool {
        (self.xmin, self.ymin, self.xmax, self.ymax) == (o.xmin, o.ymin, o.xmax, o.ymax)
    }
}

impl<S> std::fmt::Debug for BBox<S> {
    /// `BBox<Pixel>(xmin, ymin, xmax, ymax)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let space = std::any::type_name::<S>().rsplit("::").next().unwrap_or("?");
        write!(f, "BBox<{space}>({}, {}, {}, {})", self.xmin, self.ymin, self.xmax, self.ymax)
    }
}

impl<S> BBox<S> {
    /// The box with corners (`xmin`, `ymin`) and (`xmax`, `ymax`).
    pub const fn new(xmin: f64, ymin: f64, xmax: f64, ymax: f64) -> Self {
        BBox { xmin, ymin, xmax, ymax, space: PhantomData }
    }

    /// The box holding nothing (inverted and infinite): the identity of [`union`](Self::union).
    pub const fn empty() -> Self {
        Self::new(f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY)
    }

    /// `xmax - xmin` (negative for an inverted box).
    pub fn width(&self) -> f64 {
        self.xmax - self.xmin
    }

    /// `ymax - ymin` (negative for an inverted box).
    pub fn height(&self) -> f64 {
        self.ymax - self.ymin
    }

    /// Area; zero for degenerate or inverted boxes.
    pub fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// Centre `(x, y)`.
    pub fn center(&self) -> (f64, f64) {
        ((self.xmin + self.xmax) * 0.5, (self.ymin + self.ymax) * 0.5)
    }

    /// Whether all four coordinates are finite.
    pub fn is_finite(&self) -> bool {
        [self.xmin, self.ymin, self.xmax, self.ymax].iter().all(|v| v.is_finite())
    }

    /// Whether the box is finite with positive width and height.
    pub fn is_valid(&self) -> bool {
        self.is_finite() && self.xmax > self.xmin && self.ymax > self.ymin
    }

    /// Area of the intersection with another box.
    pub fn intersection_area(&self, other: &Self) -> f64 {
        self.clipped_to(other).area()
    }

    /// Intersection over union, in [0, 1]; 0 when both boxes are empty.
    pub fn iou(&self, other: &Self) -> f64 {
        let inter = self.intersection_area(other);
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }

    /// The part of the box inside `other` (inverted when they do not overlap).
    pub fn clipped_to(&self, other: &Self) -> Self {
        Self::new(self.xmin.max(other.xmin), self.ymin.max(other.ymin), self.xmax.min(other.xmax), self.ymax.min(other.ymax))
    }

    /// The smallest box holding both.
    pub fn union(&self, other: &Self) -> Self {
        Self::new(self.xmin.min(other.xmin), self.ymin.min(other.ymin), self.xmax.max(other.xmax), self.ymax.max(other.ymax))
    }

    /// The box moved by (`dx`, `dy`).
    pub fn translated(&self, dx: f64, dy: f64) -> Self {
        Self::new(self.xmin + dx, self.ymin + dy, self.xmax + dx, self.ymax + dy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_closed_forms() {
        let a = PixelBox::new(0.0, 0.0, 4.0, 4.0);
        assert_eq!(a.iou(&a), 1.0);
        // Contained 2x2 in 4x4: 4 / 16.
        assert_eq!(a.iou(&PixelBox::new(1.0, 1.0, 3.0, 3.0)), 0.25);
        // Disjoint and touching boxes do not overlap.
        assert_eq!(a.iou(&PixelBox::new(4.0, 0.0, 8.0, 4.0)), 0.0);
        // Half-shifted: intersection 2x4 = 8, union 16 + 16 - 8 = 24.
        assert!((a.iou(&PixelBox::new(2.0, 0.0, 6.0, 4.0)) - 1.0 / 3.0).abs() < 1e-12);
        // Empty boxes.
        let e = PixelBox::new(1.0, 1.0, 1.0, 1.0);
        assert_eq!(e.iou(&e), 0.0);
    }

    #[test]
    fn clip_union_translate_and_validity() {
        let a = WorldBox::new(0.0, 0.0, 4.0, 2.0);
        let b = WorldBox::new(3.0, 1.0, 6.0, 5.0);
        assert_eq!(a.clipped_to(&b), WorldBox::new(3.0, 1.0, 4.0, 2.0));
        assert_eq!(a.intersection_area(&b), 1.0);
        assert_eq!(a.union(&b), WorldBox::new(0.0, 0.0, 6.0, 5.0));
        assert_eq!(WorldBox::empty().union(&a), a);
        assert_eq!(a.translated(1.0, -1.0), WorldBox::new(1.0, -1.0, 5.0, 1.0));
        assert_eq!((a.width(), a.height(), a.area(), a.center()), (4.0, 2.0, 8.0, (2.0, 1.0)));
        assert!(a.is_valid() && !WorldBox::new(2.0, 0.0, 1.0, 1.0).is_valid() && !WorldBox::empty().is_valid());
        assert_eq!(WorldBox::new(5.0, 0.0, 1.0, 1.0).area(), 0.0);
        assert_eq!(format!("{a:?}"), "BBox<World>(0, 0, 4, 2)");
    }

    #[test]
    fn serializes_as_four_corners() {
        let json = serde_json::to_string(&PixelBox::new(1.0, 2.0, 3.0, 4.0)).unwrap();
        assert_eq!(json, r#"{"xmin":1.0,"ymin":2.0,"xmax":3.0,"ymax":4.0}"#);
        let back: PixelBox = serde_json::from_str(&json).unwrap();
        assert_eq!(back, PixelBox::new(1.0, 2.0, 3.0, 4.0));
    }
}
