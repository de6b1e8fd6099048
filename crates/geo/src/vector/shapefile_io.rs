//! Read an ESRI Shapefile (`.shp` + `.dbf`, optional `.prj`) into a [`VectorLayer`].
//!
//! Geometry comes from the `shapefile` crate; polygon rings are grouped here:
//! every outer (clockwise) ring becomes a polygon and every inner ring is
//! attached to the smallest outer ring that contains it, as GDAL does, so a
//! file whose holes are not stored right after their shell still reads
//! correctly. The CRS comes from the `.prj` WKT (see [`super::crs_text`] for
//! which WKTs yield an EPSG code); without a `.prj` the CRS is unknown.

use super::crs_text::crs_from_wkt;
use super::feature::{AttrValue, Feature, VectorLayer};
use super::validate::{ring_signed_area2, validate_geometry};
use crate::{Crs, GeoError, Result};
use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use shapefile::dbase::FieldValue;
use shapefile::{PolygonRing, Shape};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Read a shapefile given the path of its `.shp`.
pub fn read_shapefile(path: impl AsRef<Path>) -> Result<VectorLayer> {
    let path = path.as_ref();
    if !path.is_file() {
        return Err(GeoError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "shapefile not found")));
    }
    let dbf = sidecar(path, "dbf").ok_or_else(|| GeoError::InvalidVector {
        path: path.to_owned(),
        reason: format!("its attribute table {} is missing (a shapefile needs its .dbf)", path.with_extension("dbf").display()),
    })?;
    let invalid = |what: String, e: shapefile::Error| GeoError::VectorDecode { path: path.to_owned(), what, source: e.into() };
    let shapes = shapefile::ShapeReader::from_path(path).map_err(|e| invalid("cannot read shapes".into(), e))?;
    let dbf_file = std::fs::File::open(&dbf).map_err(|e| GeoError::io(&dbf, e))?;
    let table = shapefile::dbase::Reader::new(std::io::BufReader::new(dbf_file))
        .map_err(|e| invalid(format!("cannot read {}", dbf.display()), e.into()))?;
    let mut reader = shapefile::Reader::new(shapes, table);
    let mut features = Vec::new();
    for (index, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| invalid(format!("record {index}"), e))?;
        let geometry = convert_shape(index, shape)?;
        validate_geometry(index, &geometry)?;
        let properties: BTreeMap<String, AttrValue> =
            record.into_iter().map(|(name, value)| (name, field_to_attr(value))).collect();
        features.push(Feature { geometry, properties });
    }
    if features.is_empty() {
        return Err(GeoError::EmptyVector { path: path.to_owned() });
    }
    Ok(VectorLayer { features, crs: read_prj(path)? })
}

/// `path` with extension `ext`, trying lower then upper case.
fn sidecar(path: &Path, ext: &str) -> Option<PathBuf> {
    [ext.to_owned(), ext.to_ascii_uppercase()].into_iter().map(|e| path.with_extension(e)).find(|p| p.is_file())
}

/// CRS from the `.prj` next to `shp`, `None` when there is none.
fn read_prj(shp: &Path) -> Result<Option<Crs>> {
    let Some(prj) = sidecar(shp, "prj") else {
        tracing::warn!(path = %shp.display(), "shapefile has no .prj: CRS unknown");
        return Ok(None);
    };
    let wkt = std::fs::read_to_string(&prj).map_err(|e| GeoError::io(&prj, e))?;
    let crs = crs_from_wkt(&wkt);
    match &crs {
        None => tracing::warn!(path = %prj.display(), "cannot parse .prj WKT: CRS unknown"),
        Some(c) if c.epsg.is_none() => tracing::warn!(path = %prj.display(), name = %c.label(), "no EPSG code recognised in .prj"),
        _ => {}
    }
    Ok(crs)
}

fn field_to_attr(v: FieldValue) -> AttrValue {
    match v {
        FieldValue::Character(s) => s.map(AttrValue::Text).unwrap_or(AttrValue::Null),
        FieldValue::Memo(s) => AttrValue::Text(s),
        FieldValue::Numeric(x) => x.map(AttrValue::Number).unwrap_or(AttrValue::Null),
        FieldValue::Float(x) => x.map(|x| AttrValue::Number(x as f64)).unwrap_or(AttrValue::Null),
        FieldValue::Integer(x) => AttrValue::Number(x as f64),
        FieldValue::Currency(x) | FieldValue::Double(x) => AttrValue::Number(x),
        FieldValue::Logical(b) => b.map(AttrValue::Bool).unwrap_or(AttrValue::Null),
        FieldValue::Date(d) => d
            .map(|d| AttrValue::Text(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())))
            .unwrap_or(AttrValue::Null),
        FieldValue::DateTime(dt) => {
            let d = dt.date();
            let t = dt.time();
            AttrValue::Text(format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year(),
                d.month(),
                d.day(),
                t.hours(),
                t.minutes(),
                t.seconds()
            ))
        }
    }
}

fn convert_shape(index: usize, shape: Shape) -> Result<Geometry<f64>> {
    let rings = match shape {
        Shape::NullShape => return Err(GeoError::InvalidGeometry { index, reason: "null shape (no geometry)".into() }),
        Shape::Polygon(p) => p.rings().iter().map(|r| ring_of(r, |p| Coord { x: p.x, y: p.y })).collect(),
        Shape::PolygonM(p) => p.rings().iter().map(|r| ring_of(r, |p| Coord { x: p.x, y: p.y })).collect(),
        Shape::PolygonZ(p) => p.rings().iter().map(|r| ring_of(r, |p| Coord { x: p.x, y: p.y })).collect(),
        other => {
            let type_name = other.shapetype().to_string();
            return Geometry::<f64>::try_from(other)
                .map_err(|e| GeoError::GeometryConversion { index, type_name, source: e.into() });
        }
    };
    assemble_polygons(index, rings).map(Geometry::MultiPolygon)
}

/// (is_outer, ring) from a shapefile ring.
fn ring_of<P>(r: &PolygonRing<P>, coord: impl Fn(&P) -> Coord<f64>) -> (bool, LineString<f64>) {
    let pts = r.points().iter().map(coord).collect::<Vec<_>>();
    (matches!(r, PolygonRing::Outer(_)), LineString(pts))
}

/// Group rings into polygons: each inner ring goes to the smallest outer ring containing it.
fn assemble_polygons(index: usize, rings: Vec<(bool, LineString<f64>)>) -> Result<MultiPolygon<f64>> {
    let (outers, inners): (Vec<_>, Vec<_>) = rings.into_iter().partition(|(outer, _)| *outer);
    let mut polys: Vec<(f64, LineString<f64>, Vec<LineString<f64>>)> =
        outers.into_iter().map(|(_, r)| (ring_signed_area2(&r).abs(), r, Vec::new())).collect();
    if polys.is_empty() {
        return Err(GeoError::InvalidGeometry { index, reason: "polygon has no outer ring".into() });
    }
    for (_, hole) in inners {
        let probe = match hole.0.first() {
            Some(c) => *c,
            None => continue,
        };
        let owner = polys
            .iter()
            .enumerate()
            .filter(|(_, (_, shell, _))| ring_contains(shell, probe))
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
            .map(|(i, _)| i)
            .ok_or_else(|| GeoError::InvalidGeometry { index, reason: "polygon hole lies outside every outer ring".into() })?;
        polys[owner].2.push(hole);
    }
    Ok(MultiPolygon(polys.into_iter().map(|(_, shell, holes)| Polygon::new(shell, holes)).collect()))
}

/// Even-odd point-in-ring test.
pub(crate) fn ring_contains(ring: &LineString<f64>, p: Coord<f64>) -> bool {
    let mut inside = false;
    for w in ring.0.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::line_string;

    #[test]
    fn holes_go_to_the_containing_shell() {
        let big = line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 10.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 0.0)];
        let small = line_string![(x: 20.0, y: 0.0), (x: 20.0, y: 5.0), (x: 25.0, y: 5.0), (x: 25.0, y: 0.0), (x: 20.0, y: 0.0)];
        let hole = line_string![(x: 2.0, y: 2.0), (x: 4.0, y: 2.0), (x: 4.0, y: 4.0), (x: 2.0, y: 4.0), (x: 2.0, y: 2.0)];
        // The hole is stored after the *other* shell: it must still go to `big`.
        let mp = assemble_polygons(0, vec![(true, big.clone()), (true, small), (false, hole)]).unwrap();
        assert_eq!(mp.0.len(), 2);
        assert_eq!(mp.0[0].exterior(), &big);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert!(mp.0[1].interiors().is_empty());
    }

    #[test]
    fn orphan_hole_is_an_error() {
        let shell = line_string![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)];
        let hole = line_string![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0), (x: 5.0, y: 5.0)];
        let err = assemble_polygons(7, vec![(true, shell), (false, hole)]).unwrap_err();
        assert!(err.to_string().contains("feature 7"), "{err}");
    }
}
