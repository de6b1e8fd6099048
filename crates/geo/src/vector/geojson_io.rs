//! Read GeoJSON (RFC 7946 and the 2008 spec's `crs` member) into a [`VectorLayer`].
//!
//! CRS rule: a legacy `crs` member (`{"type":"name","properties":{"name":
//! "urn:ogc:def:crs:EPSG::32613"}}`, or the older `{"type":"EPSG",
//! "properties":{"code":32613}}`) is honoured, because GDAL and QGIS still
//! write it for projected data. Without one, RFC 7946 says coordinates are
//! WGS 84 lon/lat, so the layer gets EPSG:4326 — unless some coordinate lies
//! outside lon/lat range, in which case the file cannot be WGS 84 and the CRS
//! is left unknown (with a warning) rather than asserted wrongly.

use super::crs_text::crs_from_name;
use super::feature::{AttrValue, Feature, VectorLayer};
use super::coords::for_each_coord;
use super::validate::validate_geometry;
use crate::{Crs, GeoError, Result};
use geojson::{GeoJson, JsonObject, JsonValue};
use std::collections::BTreeMap;
use std::path::Path;

/// Read a GeoJSON file: a FeatureCollection, a single Feature or a bare Geometry.
pub fn read_geojson(path: impl AsRef<Path>) -> Result<VectorLayer> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| GeoError::io(path, e))?;
    parse_geojson(&text, path)
}

/// Parse GeoJSON text; `path` is only used in error messages.
pub fn parse_geojson(text: &str, path: &Path) -> Result<VectorLayer> {
    let invalid = |reason: String| GeoError::InvalidVector { path: path.to_owned(), reason };
    let gj: GeoJson = text.parse().map_err(|e: geojson::Error| GeoError::VectorDecode { path: path.to_owned(), what: "not valid GeoJSON".into(), source: e.into() })?;
    let (features, crs_member) = match gj {
        GeoJson::FeatureCollection(fc) => (fc.features, fc.foreign_members.and_then(|m| m.get("crs").cloned())),
        GeoJson::Feature(f) => {
            let crs = f.foreign_members.as_ref().and_then(|m| m.get("crs").cloned());
            (vec![f], crs)
        }
        GeoJson::Geometry(g) => {
            let crs = g.foreign_members.as_ref().and_then(|m| m.get("crs").cloned());
            (vec![geojson::Feature { geometry: Some(g), ..Default::default() }], crs)
        }
    };
    if features.is_empty() {
        return Err(GeoError::EmptyVector { path: path.to_owned() });
    }
    let features = features
        .into_iter()
        .enumerate()
        .map(|(i, f)| convert_feature(i, f))
        .collect::<Result<Vec<_>>>()?;
    let crs = match crs_member {
        Some(member) => Some(crs_from_member(&member).ok_or_else(|| {
            invalid(format!("unrecognised \"crs\" member {member}; expected an EPSG name such as urn:ogc:def:crs:EPSG::32613"))
        })?),
        None => default_crs(&features, path),
    };
    Ok(VectorLayer { features, crs })
}

fn convert_feature(index: usize, f: geojson::Feature) -> Result<Feature> {
    let geometry = f.geometry.ok_or_else(|| GeoError::InvalidGeometry { index, reason: "feature has no geometry (null)".into() })?;
    let type_name = geometry.value.type_name();
    // The geojson crate's conversion indexes x and y without checking (found by fuzzing).
    if let Some(n) = short_position(&geometry.value) {
        return Err(GeoError::InvalidGeometry { index, reason: format!("a {type_name} position has {n} coordinate(s), needs x and y") });
    }
    let geometry = geo_types::Geometry::<f64>::try_from(geometry)
        .map_err(|e| GeoError::GeometryConversion { index, type_name: type_name.to_string(), source: e.into() })?;
    validate_geometry(index, &geometry)?;
    let properties = f.properties.map(convert_properties).unwrap_or_default();
    Ok(Feature { geometry, properties })
}

/// Number of coordinates of the first position with fewer than two, if any.
fn short_position(v: &geojson::GeometryValue) -> Option<usize> {
    use geojson::GeometryValue as G;
    let short = |p: &geojson::Position| (p.as_slice().len() < 2).then_some(p.as_slice().len());
    let line = |l: &[geojson::Position]| l.iter().find_map(short);
    let poly = |r: &[Vec<geojson::Position>]| r.iter().find_map(|l| line(l));
    match v {
        G::Point { coordinates } => short(coordinates),
        G::MultiPoint { coordinates } | G::LineString { coordinates } => line(coordinates),
        G::MultiLineString { coordinates } | G::Polygon { coordinates } => poly(coordinates),
        G::MultiPolygon { coordinates } => coordinates.iter().find_map(|p| poly(p)),
        G::GeometryCollection { geometries } => geometries.iter().find_map(|g| short_position(&g.value)),
    }
}

fn convert_properties(props: JsonObject) -> BTreeMap<String, AttrValue> {
    props.into_iter().map(|(k, v)| (k, json_to_attr(v))).collect()
}

/// JSON value -> attribute; arrays and objects are kept as their JSON text.
pub(crate) fn json_to_attr(v: JsonValue) -> AttrValue {
    match v {
        JsonValue::Null => AttrValue::Null,
        JsonValue::Bool(b) => AttrValue::Bool(b),
        JsonValue::Number(n) => n.as_f64().map(AttrValue::Number).unwrap_or(AttrValue::Null),
        JsonValue::String(s) => AttrValue::Text(s),
        other => AttrValue::Text(other.to_string()),
    }
}

/// The 2008 GeoJSON spec's `crs` member: named, or the older `EPSG` type.
fn crs_from_member(member: &JsonValue) -> Option<Crs> {
    let props = member.get("properties")?;
    if let Some(name) = props.get("name").and_then(JsonValue::as_str) {
        return crs_from_name(name);
    }
    let code = props.get("code")?;
    let code = code.as_u64().or_else(|| code.as_str().and_then(|s| s.parse().ok()))?;
    crs_from_name(&format!("EPSG:{code}"))
}

fn default_crs(features: &[Feature], path: &Path) -> Option<Crs> {
    let mut lonlat = true;
    for f in features {
        for_each_coord(&f.geometry, &mut |c| lonlat &= c.x.abs() <= 180.0 && c.y.abs() <= 90.0);
    }
    if lonlat {
        Some(Crs::geographic(4326))
    } else {
        tracing::warn!(path = %path.display(), "GeoJSON has no \"crs\" member and coordinates outside lon/lat range: CRS unknown");
        None
    }
}

#[cfg(test)]
mod tests {

    /// Regression (cargo-fuzz): a position with one number made the geojson crate's
    /// conversion index out of bounds; it is now a clear error.
    #[test]
    fn positions_with_one_number_are_an_error() {
        for (geometry, expected) in [
            // The parser itself rejects a one-number Point.
            (r#"{"type":"Point","coordinates":[1.0]}"#, "not valid GeoJSON"),
            (r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1],[0,0]]]}"#, "Polygon position has 1 coordinate(s)"),
            (
                r#"{"type":"GeometryCollection","geometries":[{"type":"LineString","coordinates":[[0,0],[2]]}]}"#,
                "position has 1 coordinate(s)",
            ),
        ] {
            let text = format!(r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{}},"geometry":{geometry}}}]}}"#);
            let e = parse_geojson(&text, Path::new("short.geojson")).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }
    use super::*;

    fn parse(s: &str) -> Result<VectorLayer> {
        parse_geojson(s, Path::new("test.geojson"))
    }

    #[test]
    fn reads_features_properties_and_named_crs() {
        let layer = parse(
            r#"{"type":"FeatureCollection",
                "crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32613"}},
                "features":[{"type":"Feature","properties":{"class":"lake","id":4,"ok":true,"note":null},
                  "geometry":{"type":"Polygon","coordinates":[[[450000,4420000],[450100,4420000],[450100,4420100],[450000,4420000]]]}}]}"#,
        )
        .unwrap();
        assert_eq!(layer.crs, Some(Crs::projected(32613)));
        let p = &layer.features[0].properties;
        assert_eq!(p["class"], AttrValue::Text("lake".into()));
        assert_eq!(p["id"], AttrValue::Number(4.0));
        assert_eq!(p["ok"], AttrValue::Bool(true));
        assert_eq!(p["note"], AttrValue::Null);
    }

    #[test]
    fn default_crs_is_wgs84_only_for_lonlat_coordinates() {
        let lonlat = parse(r#"{"type":"Point","coordinates":[-105.6,40.3]}"#).unwrap();
        assert_eq!(lonlat.crs, Some(Crs::geographic(4326)));
        let projected = parse(r#"{"type":"Point","coordinates":[450000,4420000]}"#).unwrap();
        assert_eq!(projected.crs, None);
    }

    #[test]
    fn errors_are_specific() {
        let err = parse(r#"{"type":"FeatureCollection","features":[]}"#).unwrap_err();
        assert!(matches!(err, GeoError::EmptyVector { .. }), "{err}");
        let err = parse(r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}"#).unwrap_err();
        assert!(err.to_string().contains("feature 0") && err.to_string().contains("no geometry"), "{err}");
        let err = parse("{ not json").unwrap_err();
        assert!(err.to_string().contains("not valid GeoJSON"), "{err}");
        let err = parse(r#"{"type":"Polygon","coordinates":[]}"#).unwrap_err();
        assert!(matches!(err, GeoError::InvalidGeometry { index: 0, .. }), "{err}");
        let err = parse(r#"{"type":"Point","coordinates":[1,2],"crs":{"type":"name","properties":{"name":"my grid"}}}"#).unwrap_err();
        assert!(err.to_string().contains("my grid"), "{err}");
    }

    #[test]
    fn legacy_epsg_type_crs() {
        let layer = parse(r#"{"type":"Point","coordinates":[1,2],"crs":{"type":"EPSG","properties":{"code":26913}}}"#).unwrap();
        assert_eq!(layer.crs, Some(Crs::projected(26913)));
    }
}
