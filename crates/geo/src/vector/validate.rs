//! Geometry checks run on every feature read: empty or degenerate geometries
//! and non-finite coordinates are errors naming the feature.

use crate::{GeoError, Result};
use geo_types::{Coord, Geometry, LineString, Polygon};

/// Check one feature's geometry; `index` names the feature in errors.
pub fn validate_geometry(index: usize, g: &Geometry<f64>) -> Result<()> {
    let bad = |reason: String| Err(GeoError::InvalidGeometry { index, reason });
    match g {
        Geometry::Point(p) => finite(index, std::iter::once(p.0)),
        Geometry::MultiPoint(mp) => {
            if mp.0.is_empty() {
                return bad("empty MultiPoint".into());
            }
            finite(index, mp.0.iter().map(|p| p.0))
        }
        Geometry::Line(l) => finite(index, [l.start, l.end].into_iter()),
        Geometry::LineString(ls) => line(index, ls),
        Geometry::MultiLineString(mls) => {
            if mls.0.is_empty() {
                return bad("empty MultiLineString".into());
            }
            mls.0.iter().try_for_each(|ls| line(index, ls))
        }
        Geometry::Polygon(p) => polygon(index, p),
        Geometry::MultiPolygon(mp) => {
            if mp.0.is_empty() {
                return bad("empty MultiPolygon".into());
            }
            mp.0.iter().try_for_each(|p| polygon(index, p))
        }
        Geometry::GeometryCollection(gc) => {
            if gc.0.is_empty() {
                return bad("empty GeometryCollection".into());
            }
            gc.0.iter().try_for_each(|g| validate_geometry(index, g))
        }
        Geometry::Rect(r) => finite(index, [r.min(), r.max()].into_iter()),
        Geometry::Triangle(t) => finite(index, t.to_array().into_iter()),
    }
}

fn finite(index: usize, mut coords: impl Iterator<Item = Coord<f64>>) -> Result<()> {
    match coords.find(|c| !(c.x.is_finite() && c.y.is_finite())) {
        Some(c) => Err(GeoError::InvalidGeometry {
            index,
            reason: format!("non-finite coordinate ({}, {})", c.x, c.y),
        }),
        None => Ok(()),
    }
}

fn line(index: usize, ls: &LineString<f64>) -> Result<()> {
    if ls.0.len() < 2 {
        return Err(GeoError::InvalidGeometry { index, reason: format!("LineString with {} point(s)", ls.0.len()) });
    }
    finite(index, ls.0.iter().copied())
}

/// Twice the signed area of a ring (positive when counter-clockwise with y up).
pub(crate) fn ring_signed_area2(ring: &LineString<f64>) -> f64 {
    ring.0.windows(2).map(|w| w[0].x * w[1].y - w[1].x * w[0].y).sum()
}

fn polygon(index: usize, p: &Polygon<f64>) -> Result<()> {
    let ext = p.exterior();
    finite(index, ext.0.iter().copied())?;
    for ring in p.interiors() {
        finite(index, ring.0.iter().copied())?;
    }
    // geo-types closes rings, so a triangle has 4 coordinates.
    if ext.0.len() < 4 {
        return Err(GeoError::InvalidGeometry {
            index,
            reason: format!("polygon exterior ring has {} distinct point(s); at least 3 are needed", ext.0.len().saturating_sub(1)),
        });
    }
    if ring_signed_area2(ext) == 0.0 {
        return Err(GeoError::InvalidGeometry { index, reason: "polygon has zero area".into() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{point, polygon, MultiPolygon};

    #[test]
    fn accepts_valid_and_rejects_degenerate() {
        let tri: Geometry<f64> = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 0.0, y: 1.0)].into();
        assert!(validate_geometry(0, &tri).is_ok());
        let flat: Geometry<f64> = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 2.0, y: 0.0)].into();
        assert!(validate_geometry(3, &flat).unwrap_err().to_string().contains("feature 3"));
        let two: Geometry<f64> = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0)].into();
        assert!(validate_geometry(0, &two).unwrap_err().to_string().contains("at least 3"));
        let empty: Geometry<f64> = MultiPolygon::<f64>(vec![]).into();
        assert!(validate_geometry(0, &empty).unwrap_err().to_string().contains("empty"));
        let nan: Geometry<f64> = point!(x: f64::NAN, y: 0.0).into();
        assert!(validate_geometry(0, &nan).unwrap_err().to_string().contains("non-finite"));
    }

    #[test]
    fn signed_area_orientation() {
        let ccw = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 1.0)];
        assert_eq!(ring_signed_area2(ccw.exterior()), 4.0);
    }
}
