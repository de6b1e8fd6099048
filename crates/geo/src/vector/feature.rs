//! In-memory vector data: [`VectorLayer`], [`Feature`] and typed attribute values.

use crate::{Crs, GeoError, Result};
use geo_types::{Geometry, MultiPolygon, Point};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One typed attribute value, as read from GeoJSON properties or a `.dbf` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttrValue {
    /// Any numeric value (integers are stored exactly up to 2^53).
    Number(f64),
    /// Text; dates and nested JSON values are stored as text too.
    Text(String),
    /// A boolean (GeoJSON `true`/`false`, dBase logical field).
    Bool(bool),
    /// Missing value (JSON `null`, empty dBase field).
    Null,
}

impl AttrValue {
    /// The value as an `i64` when it is a number with no fractional part.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            AttrValue::Number(v) if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 => {
                Some(*v as i64)
            }
            _ => None,
        }
    }
    /// The value as text, when it is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            AttrValue::Text(s) => Some(s),
            _ => None,
        }
    }
    /// Short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::Number(_) => "number",
            AttrValue::Text(_) => "text",
            AttrValue::Bool(_) => "boolean",
            AttrValue::Null => "null",
        }
    }
}

impl From<f64> for AttrValue {
    fn from(v: f64) -> Self {
        AttrValue::Number(v)
    }
}
impl From<i64> for AttrValue {
    fn from(v: i64) -> Self {
        AttrValue::Number(v as f64)
    }
}
impl From<&str> for AttrValue {
    fn from(v: &str) -> Self {
        AttrValue::Text(v.to_owned())
    }
}
impl From<String> for AttrValue {
    fn from(v: String) -> Self {
        AttrValue::Text(v)
    }
}
impl From<bool> for AttrValue {
    fn from(v: bool) -> Self {
        AttrValue::Bool(v)
    }
}

/// A geometry with its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Geometry in the layer's CRS.
    pub geometry: Geometry<f64>,
    /// Attributes by name (sorted, so output is deterministic).
    pub properties: BTreeMap<String, AttrValue>,
}

impl Feature {
    /// A feature with no attributes.
    pub fn new(geometry: impl Into<Geometry<f64>>) -> Self {
        Feature { geometry: geometry.into(), properties: BTreeMap::new() }
    }
    /// Builder-style: set one attribute.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<AttrValue>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }
}

/// Name of a geometry's type, as GeoJSON spells it.
pub fn geometry_type_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "Point",
        Geometry::Line(_) => "Line",
        Geometry::LineString(_) => "LineString",
        Geometry::Polygon(_) => "Polygon",
        Geometry::MultiPoint(_) => "MultiPoint",
        Geometry::MultiLineString(_) => "MultiLineString",
        Geometry::MultiPolygon(_) => "MultiPolygon",
        Geometry::GeometryCollection(_) => "GeometryCollection",
        Geometry::Rect(_) => "Rect",
        Geometry::Triangle(_) => "Triangle",
    }
}

/// A set of features sharing one CRS.
///
/// ```
/// use terradl_geo::vector::{Feature, VectorLayer};
/// use geo_types::{polygon, point};
/// let layer = VectorLayer {
///     features: vec![
///         Feature::new(polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0)]).with("class", "water"),
///         Feature::new(point!(x: 2.0, y: 3.0)).with("class", "forest"),
///     ],
///     crs: None,
/// };
/// // The point is feature 1: the error names it.
/// let err = layer.polygons().unwrap_err().to_string();
/// assert!(err.contains("feature 1") && err.contains("Point"), "{err}");
/// let classes = layer.attribute_as_class("class").unwrap();
/// assert_eq!(classes.classes.labels, vec!["forest", "water"]);
/// assert_eq!(classes.ids, vec![1, 0]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VectorLayer {
    /// The features, in file order.
    pub features: Vec<Feature>,
    /// CRS of the coordinates; `None` when the source did not say.
    pub crs: Option<Crs>,
}

impl VectorLayer {
    /// Number of features.
    pub fn len(&self) -> usize {
        self.features.len()
    }
    /// Whether the layer has no features.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Every feature's geometry as a multipolygon (a `Polygon` becomes a
    /// one-part `MultiPolygon`), in feature order. Errors on the first
    /// feature that is not polygonal, naming its index and geometry type.
    pub fn polygons(&self) -> Result<Vec<MultiPolygon<f64>>> {
        self.features
            .iter()
            .enumerate()
            .map(|(i, f)| match &f.geometry {
                Geometry::Polygon(p) => Ok(MultiPolygon(vec![p.clone()])),
                Geometry::MultiPolygon(mp) => Ok(mp.clone()),
                Geometry::Rect(r) => Ok(MultiPolygon(vec![r.to_polygon()])),
                Geometry::Triangle(t) => Ok(MultiPolygon(vec![t.to_polygon()])),
                other => Err(wrong_type(i, "a polygon", other)),
            })
            .collect()
    }

    /// Every feature's geometry as points, in feature order (a `MultiPoint`
    /// contributes all its points). Errors on the first non-point feature.
    pub fn points(&self) -> Result<Vec<Point<f64>>> {
        let mut out = Vec::with_capacity(self.features.len());
        for (i, f) in self.features.iter().enumerate() {
            match &f.geometry {
                Geometry::Point(p) => out.push(*p),
                Geometry::MultiPoint(mp) => out.extend(mp.0.iter().copied()),
                other => return Err(wrong_type(i, "a point", other)),
            }
        }
        Ok(out)
    }

    /// Check that the layer's CRS agrees with `expected` (typically the CRS of
    /// the raster the labels are burnt onto). A layer or raster whose CRS is
    /// unknown cannot be checked and passes with a warning.
    pub fn ensure_crs(&self, expected: &Crs) -> Result<()> {
        match &self.crs {
            Some(crs) if crs.conflicts_with(expected) => Err(GeoError::CrsMismatch {
                what: "vector layer".into(),
                found: crs.label(),
                expected: expected.label(),
            }),
            Some(crs) if crs.epsg.is_some() && expected.epsg.is_some() => Ok(()),
            _ => {
                tracing::warn!(
                    layer = %self.crs.as_ref().map(Crs::label).unwrap_or_else(|| "unknown".into()),
                    expected = %expected.label(),
                    "cannot verify the vector layer's CRS; assuming it matches"
                );
                Ok(())
            }
        }
    }

    /// Values of one attribute, in feature order; errors naming the first
    /// feature that lacks it.
    pub fn attribute(&self, name: &str) -> Result<Vec<&AttrValue>> {
        self.features
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.properties.get(name).ok_or_else(|| {
                    GeoError::Invalid(format!("feature {i} has no attribute {name:?}"))
                })
            })
            .collect()
    }
}

pub(crate) fn wrong_type(index: usize, wanted: &str, found: &Geometry<f64>) -> GeoError {
    GeoError::InvalidGeometry {
        index,
        reason: format!("expected {wanted}, found a {}", geometry_type_name(found)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point, polygon, MultiPoint};

    fn square() -> geo_types::Polygon<f64> {
        polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]
    }

    #[test]
    fn polygons_accepts_polygon_and_multipolygon() {
        let layer = VectorLayer {
            features: vec![Feature::new(square()), Feature::new(MultiPolygon(vec![square(), square()]))],
            crs: None,
        };
        let polys = layer.polygons().unwrap();
        assert_eq!(polys.len(), 2);
        assert_eq!(polys[0].0.len(), 1);
        assert_eq!(polys[1].0.len(), 2);
    }

    #[test]
    fn polygons_names_offending_feature() {
        let layer = VectorLayer {
            features: vec![
                Feature::new(square()),
                Feature::new(square()),
                Feature::new(line_string![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0)]),
            ],
            crs: None,
        };
        match layer.polygons() {
            Err(GeoError::InvalidGeometry { index, reason }) => {
                assert_eq!(index, 2);
                assert!(reason.contains("LineString"), "{reason}");
            }
            other => panic!("expected InvalidGeometry, got {other:?}"),
        }
    }

    #[test]
    fn points_flattens_multipoints_and_rejects_polygons() {
        let layer = VectorLayer {
            features: vec![
                Feature::new(point!(x: 1.0, y: 2.0)),
                Feature::new(MultiPoint(vec![point!(x: 3.0, y: 4.0), point!(x: 5.0, y: 6.0)])),
            ],
            crs: None,
        };
        let pts = layer.points().unwrap();
        assert_eq!(pts, vec![point!(x: 1.0, y: 2.0), point!(x: 3.0, y: 4.0), point!(x: 5.0, y: 6.0)]);
        let bad = VectorLayer { features: vec![Feature::new(square())], crs: None };
        assert!(bad.points().unwrap_err().to_string().contains("Polygon"));
    }

    #[test]
    fn ensure_crs_detects_mismatch() {
        let layer = VectorLayer { features: vec![], crs: Some(Crs::geographic(4326)) };
        let err = layer.ensure_crs(&Crs::projected(32613)).unwrap_err().to_string();
        assert!(err.contains("EPSG:4326") && err.contains("EPSG:32613"), "{err}");
        assert!(layer.ensure_crs(&Crs::geographic(4326)).is_ok());
        let unknown = VectorLayer { features: vec![], crs: None };
        assert!(unknown.ensure_crs(&Crs::projected(32613)).is_ok());
    }

    #[test]
    fn attr_value_integer_conversion() {
        assert_eq!(AttrValue::Number(3.0).as_integer(), Some(3));
        assert_eq!(AttrValue::Number(3.5).as_integer(), None);
        assert_eq!(AttrValue::Text("3".into()).as_integer(), None);
        assert_eq!(AttrValue::Number(f64::NAN).as_integer(), None);
    }

    #[test]
    fn attribute_missing_names_feature() {
        let layer = VectorLayer {
            features: vec![Feature::new(square()).with("a", 1i64), Feature::new(square())],
            crs: None,
        };
        let err = layer.attribute("a").unwrap_err().to_string();
        assert!(err.contains("feature 1"), "{err}");
    }
}
