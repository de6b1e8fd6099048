//! Move geometries between pixel space (col, row; corners at integers) and
//! world coordinates through a [`GeoTransform`]. Detections (tree crowns,
//! objects) are found in pixel space and written in the raster's CRS this way.

use crate::{GeoError, GeoTransform, PixelBox, Result};
use super::coords::{for_each_coord, map_coords};
use geo_types::{Coord, Geometry, LineString, Polygon};

impl PixelBox {
    /// The world-space polygon of the box (pixel-corner coordinates, so the box of pixel
    /// (c, r) is `c, r, c + 1, r + 1`): its four corners mapped through `gt`, exactly
    /// (a rotated transform gives a rotated polygon, unlike [`PixelBox::to_world`]).
    ///
    /// ```
    /// use terradl_geo::{GeoTransform, PixelBox};
    /// let gt = GeoTransform::north_up(500_000.0, 4_200_000.0, 0.1, 0.1);
    /// let poly = PixelBox::new(10.0, 20.0, 30.0, 25.0).to_world_polygon(&gt);
    /// let xs: Vec<f64> = poly.exterior().0.iter().map(|c| c.x).collect();
    /// assert!((xs.iter().cloned().fold(f64::MAX, f64::min) - 500_001.0).abs() < 1e-6);
    /// ```
    pub fn to_world_polygon(&self, gt: &GeoTransform) -> Polygon<f64> {
        let (xmin, ymin, xmax, ymax) = (self.xmin, self.ymin, self.xmax, self.ymax);
        let ring = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax), (xmin, ymin)]
            .into_iter()
            .map(|(c, r)| {
                let (x, y) = gt.pixel_to_world(c, r);
                Coord { x, y }
            })
            .collect::<Vec<_>>();
        Polygon::new(LineString(ring), vec![])
    }

    /// The pixel box bounding the world geometry `g` mapped through `gt` (fractional pixel
    /// coordinates; e.g. a reference crown polygon, to compare with predicted boxes). Errors when the transform cannot be inverted or
    /// the geometry has no coordinates.
    pub fn bounding_geometry(gt: &GeoTransform, g: &Geometry<f64>) -> Result<PixelBox> {
        let px = world_to_pixel_geometry(gt, g)?;
        let mut b = PixelBox::empty();
        for_each_coord(&px, &mut |c| b = b.union(&PixelBox::new(c.x, c.y, c.x, c.y)));
        if !b.is_finite() {
            return Err(GeoError::Invalid("geometry has no coordinates".into()));
        }
        Ok(b)
    }
}

/// Any pixel-space geometry mapped to world coordinates.
pub fn pixel_to_world_geometry(gt: &GeoTransform, g: &Geometry<f64>) -> Geometry<f64> {
    map_coords(g, &|c| {
        let (x, y) = gt.pixel_to_world(c.x, c.y);
        Coord { x, y }
    })
}

/// Any world geometry mapped to pixel space (col, row as fractional pixel
/// coordinates). Errors when the transform cannot be inverted.
pub fn world_to_pixel_geometry(gt: &GeoTransform, g: &Geometry<f64>) -> Result<Geometry<f64>> {
    if gt.world_to_pixel(0.0, 0.0).is_none() {
        return Err(GeoError::Invalid(format!("geotransform {:?} is not invertible", gt.0)));
    }
    Ok(map_coords(g, &|c| {
        let (col, row) = gt.world_to_pixel(c.x, c.y).expect("checked invertible");
        Coord { x: col, y: row }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::point;

    #[test]
    fn box_round_trips_through_rotated_transform() {
        let gt = GeoTransform([1000.0, 2.0, 0.5, 5000.0, 0.25, -2.0]);
        let poly = PixelBox::new(3.0, 4.0, 7.0, 9.0).to_world_polygon(&gt);
        let b = PixelBox::bounding_geometry(&gt, &poly.into()).unwrap();
        for (got, want) in [b.xmin, b.ymin, b.xmax, b.ymax].iter().zip([3.0, 4.0, 7.0, 9.0]) {
            assert!((got - want).abs() < 1e-9, "{b:?}");
        }
    }

    #[test]
    fn point_maps_to_pixel_corner_convention() {
        let gt = GeoTransform::north_up(100.0, 200.0, 10.0, 10.0);
        let g = pixel_to_world_geometry(&gt, &point!(x: 1.5, y: 2.0).into());
        assert_eq!(g, point!(x: 115.0, y: 180.0).into());
        assert!(world_to_pixel_geometry(&GeoTransform([0.0; 6]), &g).is_err());
    }
}
