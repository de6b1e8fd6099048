//! Coordinate visitors over `geo_types::Geometry` (geo-types has none; the
//! `geo` crate's would be a large dependency for three functions).

use geo_types::{Coord, Geometry, LineString, Polygon};

/// Call `f` on every coordinate of a geometry.
pub fn for_each_coord(g: &Geometry<f64>, f: &mut impl FnMut(Coord<f64>)) {
    let ring = |ls: &LineString<f64>, f: &mut dyn FnMut(Coord<f64>)| ls.0.iter().for_each(|c| f(*c));
    match g {
        Geometry::Point(p) => f(p.0),
        Geometry::MultiPoint(mp) => mp.0.iter().for_each(|p| f(p.0)),
        Geometry::Line(l) => [l.start, l.end].into_iter().for_each(f),
        Geometry::LineString(ls) => ring(ls, f),
        Geometry::MultiLineString(mls) => mls.0.iter().for_each(|ls| ring(ls, f)),
        Geometry::Polygon(p) => std::iter::once(p.exterior()).chain(p.interiors()).for_each(|ls| ring(ls, f)),
        Geometry::MultiPolygon(mp) => {
            mp.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())).for_each(|ls| ring(ls, f))
        }
        Geometry::GeometryCollection(gc) => gc.0.iter().for_each(|g| for_each_coord(g, f)),
        Geometry::Rect(r) => [r.min(), r.max()].into_iter().for_each(f),
        Geometry::Triangle(t) => t.to_array().into_iter().for_each(f),
    }
}

/// A copy of `g` with every coordinate mapped through `f`.
pub fn map_coords(g: &Geometry<f64>, f: &impl Fn(Coord<f64>) -> Coord<f64>) -> Geometry<f64> {
    match try_map_coords(g, &mut |c| Ok::<_, std::convert::Infallible>(f(c))) {
        Ok(mapped) => mapped,
        Err(never) => match never {},
    }
}

/// A copy of `g` with every coordinate mapped through a fallible `f`
/// (e.g. a CRS transformation); stops at the first error. `Rect` and
/// `Triangle` become polygons: neither stays one under a general map.
pub fn try_map_coords<E>(
    g: &Geometry<f64>,
    f: &mut impl FnMut(Coord<f64>) -> Result<Coord<f64>, E>,
) -> Result<Geometry<f64>, E> {
    fn ls<E>(l: &LineString<f64>, f: &mut impl FnMut(Coord<f64>) -> Result<Coord<f64>, E>) -> Result<LineString<f64>, E> {
        l.0.iter().map(|c| f(*c)).collect::<Result<Vec<_>, E>>().map(LineString)
    }
    fn poly<E>(p: &Polygon<f64>, f: &mut impl FnMut(Coord<f64>) -> Result<Coord<f64>, E>) -> Result<Polygon<f64>, E> {
        let exterior = ls(p.exterior(), f)?;
        let interiors = p.interiors().iter().map(|r| ls(r, f)).collect::<Result<Vec<_>, E>>()?;
        Ok(Polygon::new(exterior, interiors))
    }
    Ok(match g {
        Geometry::Point(p) => Geometry::Point(geo_types::Point(f(p.0)?)),
        Geometry::MultiPoint(mp) => {
            Geometry::MultiPoint(geo_types::MultiPoint(mp.0.iter().map(|p| f(p.0).map(geo_types::Point)).collect::<Result<_, E>>()?))
        }
        Geometry::Line(l) => Geometry::Line(geo_types::Line::new(f(l.start)?, f(l.end)?)),
        Geometry::LineString(l) => Geometry::LineString(ls(l, f)?),
        Geometry::MultiLineString(m) => {
            Geometry::MultiLineString(geo_types::MultiLineString(m.0.iter().map(|l| ls(l, f)).collect::<Result<_, E>>()?))
        }
        Geometry::Polygon(p) => Geometry::Polygon(poly(p, f)?),
        Geometry::MultiPolygon(mp) => {
            Geometry::MultiPolygon(geo_types::MultiPolygon(mp.0.iter().map(|p| poly(p, f)).collect::<Result<_, E>>()?))
        }
        Geometry::GeometryCollection(gc) => Geometry::GeometryCollection(geo_types::GeometryCollection(
            gc.0.iter().map(|g| try_map_coords(g, f)).collect::<Result<_, E>>()?,
        )),
        Geometry::Rect(r) => Geometry::Polygon(poly(&r.to_polygon(), f)?),
        Geometry::Triangle(t) => Geometry::Polygon(poly(&t.to_polygon(), f)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{point, polygon};

    #[test]
    fn visits_and_maps_every_coordinate() {
        let g: Geometry<f64> = polygon!(
            exterior: [(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0)],
            interiors: [[(x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0)]],
        )
        .into();
        let mut n = 0;
        for_each_coord(&g, &mut |_| n += 1);
        assert_eq!(n, 8, "two closed rings of 4 coordinates");
        let shifted = map_coords(&g, &|c| Coord { x: c.x + 10.0, y: c.y });
        let mut min_x = f64::MAX;
        for_each_coord(&shifted, &mut |c| min_x = min_x.min(c.x));
        assert_eq!(min_x, 10.0);
        assert_eq!(map_coords(&point!(x: 1.0, y: 2.0).into(), &|c| Coord { x: c.y, y: c.x }), point!(x: 2.0, y: 1.0).into());
    }
}
