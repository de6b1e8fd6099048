//! Move geometries between pixel space (col, row; corners at integers) and
//! world coordinates through a [`GeoTransform`]. Detections (tree crowns,
//! objects) are found in pixel space and written in the raster's CRS this way.

use crate::{GeoError, GeoTransform, Result};
use super::coords::{for_each_coord, map_coords};
use geo_types::{Coord, Geometry, LineString, Polygon};

/// The world-space polygon of a pixel-space box spanning columns
/// `xmin..xmax` and rows `ymin..ymax` (pixel-corner coordinates, so the box
/// of pixel (c, r) is `c, r, c + 1, r + 1`).
///
/// ```
/// use terradl_geo::{GeoTransform, vector::pixel_box_to_world};
/// let gt = GeoTransform::north_up(500_000.0, 4_200_000.0, 0.1, 0.1);
/// let poly = pixel_box_to_world(&gt, 10.0, 20.0, 30.0, 25.0);
/// let xs: Vec<f64> = poly.exterior().0.iter().map(|c| c.x).collect();
/// assert!((xs.iter().cloned().fold(f64::MAX, f64::min) - 500_001.0).abs() < 1e-6);
/// ```
pub fn pixel_box_to_world(gt: &GeoTransform, xmin: f64, ymin: f64, xmax: f64, ymax: f64) -> Polygon<f64> {
    let ring = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax), (xmin, ymin)]
        .into_iter()
        .map(|(c, r)| {
            let (x, y) = gt.pixel_to_world(c, r);
            Coord { x, y }
        })
        .collect::<Vec<_>>();
    Polygon::new(LineString(ring), vec![])
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

/// Pixel-space bounding box `[col_min, row_min, col_max, row_max]` of a world
/// geometry (e.g. a reference crown polygon, to compare with predicted boxes).
pub fn pixel_bounds(gt: &GeoTransform, g: &Geometry<f64>) -> Result<[f64; 4]> {
    let px = world_to_pixel_geometry(gt, g)?;
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for_each_coord(&px, &mut |c| {
        b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
    });
    if !b.iter().all(|v| v.is_finite()) {
        return Err(GeoError::Invalid("geometry has no coordinates".into()));
    }
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::point;

    #[test]
    fn box_round_trips_through_rotated_transform() {
        let gt = GeoTransform([1000.0, 2.0, 0.5, 5000.0, 0.25, -2.0]);
        let poly = pixel_box_to_world(&gt, 3.0, 4.0, 7.0, 9.0);
        let b = pixel_bounds(&gt, &poly.into()).unwrap();
        for (got, want) in b.iter().zip([3.0, 4.0, 7.0, 9.0]) {
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
