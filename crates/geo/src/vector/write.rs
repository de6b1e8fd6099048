//! Write a [`VectorLayer`] as GeoJSON, atomically.
//!
//! The output is a FeatureCollection with every feature's properties and, when
//! the layer's EPSG code is known, a legacy `crs` member
//! (`urn:ogc:def:crs:EPSG::<code>`), which GDAL and QGIS read, so detections
//! written in a projected CRS open in the right place. Polygon rings are
//! written in RFC 7946 orientation (exterior counter-clockwise, holes clockwise).

use super::feature::{AttrValue, VectorLayer};
use super::validate::ring_signed_area2;
use crate::{GeoError, Result};
use geo_types::{Geometry, LineString, Polygon};
use geojson::{JsonObject, JsonValue};
use std::io::Write;
use std::path::Path;

/// Write `layer` to `path` as GeoJSON. The file is written to a temporary
/// name in the same directory and renamed into place, so readers never see
/// a half-written file.
pub fn write_geojson(path: impl AsRef<Path>, layer: &VectorLayer) -> Result<()> {
    let path = path.as_ref();
    let text = to_geojson_string(layer)?;
    write_atomic(path, text.as_bytes())
}

/// The GeoJSON text [`write_geojson`] writes.
pub fn to_geojson_string(layer: &VectorLayer) -> Result<String> {
    let features = layer
        .features
        .iter()
        .map(|f| {
            let geometry = geojson::Geometry::new(geojson::GeometryValue::from(&rfc7946_orientation(&f.geometry)));
            let properties: JsonObject = f.properties.iter().map(|(k, v)| (k.clone(), attr_to_json(v))).collect();
            geojson::Feature { geometry: Some(geometry), properties: Some(properties), ..Default::default() }
        })
        .collect::<Vec<_>>();
    let mut fc = geojson::FeatureCollection { bbox: None, features, foreign_members: None };
    if let Some(code) = layer.crs.as_ref().and_then(|c| c.epsg) {
        let crs = serde_json::json!({"type": "name", "properties": {"name": format!("urn:ogc:def:crs:EPSG::{code}")}});
        fc.foreign_members = Some(JsonObject::from_iter([("crs".to_owned(), crs)]));
    }
    serde_json::to_string(&fc).map_err(GeoError::GeoJsonEncode)
}

/// Write bytes to `path` via a temporary sibling file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| GeoError::Invalid(format!("output path {} has no file name", path.display())))?;
    let tmp = path.with_file_name(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        GeoError::io(path, e)
    })
}

fn attr_to_json(v: &AttrValue) -> JsonValue {
    match v {
        AttrValue::Null => JsonValue::Null,
        AttrValue::Bool(b) => JsonValue::Bool(*b),
        AttrValue::Text(s) => JsonValue::String(s.clone()),
        AttrValue::Number(x) => match v.as_integer() {
            Some(i) => JsonValue::from(i),
            None => serde_json::Number::from_f64(*x).map(JsonValue::Number).unwrap_or(JsonValue::Null),
        },
    }
}

fn oriented(ring: &LineString<f64>, ccw: bool) -> LineString<f64> {
    let mut r = ring.clone();
    if (ring_signed_area2(&r) > 0.0) != ccw {
        r.0.reverse();
    }
    r
}

fn orient_polygon(p: &Polygon<f64>) -> Polygon<f64> {
    Polygon::new(oriented(p.exterior(), true), p.interiors().iter().map(|h| oriented(h, false)).collect())
}

fn rfc7946_orientation(g: &Geometry<f64>) -> Geometry<f64> {
    match g {
        Geometry::Polygon(p) => Geometry::Polygon(orient_polygon(p)),
        Geometry::MultiPolygon(mp) => Geometry::MultiPolygon(mp.0.iter().map(orient_polygon).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::{Feature, parse_geojson};
    use crate::Crs;
    use geo_types::polygon;

    #[test]
    fn output_parses_back_with_crs_and_integer_properties() {
        let cw = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.0, y: 1.0), (x: 1.0, y: 0.0)];
        let layer = VectorLayer {
            features: vec![Feature::new(cw).with("id", 3i64).with("score", 0.25).with("label", "tree")],
            crs: Some(Crs::projected(32617)),
        };
        let text = to_geojson_string(&layer).unwrap();
        assert!(text.contains("urn:ogc:def:crs:EPSG::32617"), "{text}");
        assert!(text.contains("\"id\":3,") || text.contains("\"id\":3}"), "{text}");
        let back = parse_geojson(&text, Path::new("mem")).unwrap();
        assert_eq!(back.crs.unwrap().epsg, Some(32617));
        assert_eq!(back.features[0].properties, layer.features[0].properties);
        let Geometry::Polygon(p) = &back.features[0].geometry else { panic!("not a polygon") };
        assert!(ring_signed_area2(p.exterior()) > 0.0, "exterior must be counter-clockwise");
    }
}
