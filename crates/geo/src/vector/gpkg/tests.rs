//! `read_gpkg` on small GeoPackages written here with SQLite.

use super::*;
use crate::Crs;
use geo_types::{Geometry, Point};
use rusqlite::params;

/// A GeoPackage geometry blob (little-endian, no envelope) around WKB.
fn gp(wkb: &[u8]) -> Vec<u8> {
    let mut b = vec![b'G', b'P', 0, 1];
    b.extend_from_slice(&0i32.to_le_bytes());
    b.extend_from_slice(wkb);
    b
}

fn point(x: f64, y: f64) -> Vec<u8> {
    let mut v = vec![1u8];
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&x.to_le_bytes());
    v.extend_from_slice(&y.to_le_bytes());
    gp(&v)
}

fn square(x0: f64) -> Vec<u8> {
    let mut v = vec![1u8];
    v.extend_from_slice(&3u32.to_le_bytes());
    v.extend_from_slice(&1u32.to_le_bytes());
    v.extend_from_slice(&5u32.to_le_bytes());
    for (x, y) in [(x0, 0.0), (x0 + 1.0, 0.0), (x0 + 1.0, 1.0), (x0, 1.0), (x0, 0.0)] {
        v.extend_from_slice(&f64::to_le_bytes(x));
        v.extend_from_slice(&f64::to_le_bytes(y));
    }
    gp(&v)
}

/// The catalogue tables, a point layer `sites` (EPSG:32621) and a polygon
/// layer `Fields` (EPSG:4326), in that order.
fn write_sample(path: &Path) {
    let db = Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
             organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
             description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 / UTM zone 21N', 32621, 'EPSG', 32621, 'PROJCS[\"x\"]', NULL),
             ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\"]', NULL);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
             geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL);
         INSERT INTO gpkg_geometry_columns VALUES ('sites', 'geom', 'POINT', 32621, 0, 0),
             ('Fields', 'shape', 'POLYGON', 4326, 0, 0);
         CREATE TABLE sites (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, name TEXT, height REAL,
             code INTEGER, raw BLOB);
         CREATE TABLE \"Fields\" (\"fid\" INTEGER PRIMARY KEY, \"shape\" POLYGON, \"crop type\" TEXT);",
    )
    .unwrap();
    let mut site = db.prepare("INSERT INTO sites (geom, name, height, code, raw) VALUES (?1, ?2, ?3, ?4, ?5)").unwrap();
    site.execute(params![point(741522.3135, -2811204.6979), "water", 1.5, 3, vec![1u8, 2]]).unwrap();
    site.execute(params![Option::<Vec<u8>>::None, "no geometry", 0.0, 0, None::<Vec<u8>>]).unwrap();
    let mut empty = point(f64::NAN, f64::NAN);
    empty[3] |= 0b0001_0000;
    site.execute(params![empty, "empty", 0.0, 0, None::<Vec<u8>>]).unwrap();
    site.execute(params![point(2.0, 3.0), None::<String>, None::<f64>, -7, None::<Vec<u8>>]).unwrap();
    let mut field = db.prepare("INSERT INTO \"Fields\" (shape, \"crop type\") VALUES (?1, ?2)").unwrap();
    field.execute(params![square(0.0), "wheat"]).unwrap();
    field.execute(params![square(5.0), "maize"]).unwrap();
}

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("labels.gpkg");
    write_sample(&path);
    (dir, path)
}

#[test]
fn first_layer_by_default_with_typed_attributes_and_crs() {
    let (_dir, path) = sample();
    let layer = read_gpkg(&path, None).unwrap();
    assert_eq!(layer.crs, Some(Crs::projected(32621)));
    // The rows without geometry (NULL, empty flag) are skipped.
    assert_eq!(layer.len(), 2);
    let first = &layer.features[0];
    assert_eq!(first.geometry, Geometry::Point(Point::new(741522.3135, -2811204.6979)));
    assert_eq!(first.properties["fid"], AttrValue::Number(1.0));
    assert_eq!(first.properties["name"], AttrValue::Text("water".into()));
    assert_eq!(first.properties["height"], AttrValue::Number(1.5));
    assert_eq!(first.properties["code"], AttrValue::Number(3.0));
    assert_eq!(first.properties["raw"], AttrValue::Null);
    assert!(!first.properties.contains_key("geom"));
    let last = &layer.features[1];
    assert_eq!(last.properties["fid"], AttrValue::Number(4.0));
    assert_eq!((&last.properties["name"], &last.properties["height"]), (&AttrValue::Null, &AttrValue::Null));
    assert_eq!(last.properties["code"], AttrValue::Number(-7.0));
}

#[test]
fn layer_chosen_by_name_case_insensitively() {
    let (_dir, path) = sample();
    let layer = read_gpkg(&path, Some("fields")).unwrap();
    assert_eq!(layer.crs, Some(Crs::geographic(4326)));
    let crops: Vec<_> = layer.features.iter().map(|f| f.properties["crop type"].as_text().unwrap()).collect();
    assert_eq!(crops, ["wheat", "maize"]);
    assert_eq!(layer.polygons().unwrap()[1].0[0].exterior().0[0].x, 5.0);
    let err = read_gpkg(&path, Some("rivers")).unwrap_err();
    assert!(matches!(err, GeoError::InvalidVector { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("\"rivers\"") && msg.contains("sites, Fields") && msg.contains("labels.gpkg"), "{msg}");
}

#[test]
fn missing_catalogue_table_or_srs_row_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.gpkg");
    Connection::open(&plain).unwrap().execute_batch("CREATE TABLE t (a INTEGER);").unwrap();
    let err = read_gpkg(&plain, None).unwrap_err();
    assert!(matches!(err, GeoError::GeoPackage { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("plain.gpkg") && msg.contains("no such table: gpkg_geometry_columns"), "{msg}");
    assert!(std::error::Error::source(&err).is_some(), "the SQLite error is kept as the cause");

    let (_dir, path) = sample();
    Connection::open(&path).unwrap().execute("DELETE FROM gpkg_spatial_ref_sys WHERE srs_id = 32621", []).unwrap();
    let msg = read_gpkg(&path, None).unwrap_err().to_string();
    assert!(msg.contains("srs_id 32621") && msg.contains("gpkg_spatial_ref_sys"), "{msg}");

    let (_dir, path) = sample();
    Connection::open(&path).unwrap().execute("DELETE FROM gpkg_geometry_columns", []).unwrap();
    let msg = read_gpkg(&path, None).unwrap_err().to_string();
    assert!(msg.contains("no feature layer"), "{msg}");
}

#[test]
fn corrupt_geometry_names_layer_and_row() {
    let (_dir, path) = sample();
    Connection::open(&path).unwrap().execute("UPDATE sites SET geom = x'4750000102' WHERE fid = 4", []).unwrap();
    let err = read_gpkg(&path, None).unwrap_err();
    let GeoError::GeoPackageGeometry { ref layer, row, .. } = err else { panic!("{err}") };
    assert_eq!((layer.as_str(), row), ("sites", 3));
    assert!(err.to_string().contains("shorter than the 8-byte"), "{err}");
}

#[test]
fn missing_and_non_sqlite_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.gpkg");
    assert!(matches!(read_gpkg(&missing, None).unwrap_err(), GeoError::Io { .. }));
    let text = dir.path().join("notes.gpkg");
    std::fs::write(&text, "these are not the labels you are looking for\n".repeat(20)).unwrap();
    let err = read_gpkg(&text, None).unwrap_err();
    assert!(matches!(err, GeoError::GeoPackage { .. }), "{err}");
    assert!(err.to_string().contains("notes.gpkg") && err.to_string().contains("not a database"), "{err}");
}

/// Regression (cargo-fuzz): a column name that is not UTF-8 made rusqlite panic; the name is
/// now decoded lossily and the layer read.
#[test]
fn column_names_that_are_not_utf8_are_read_lossily() {
    let (_dir, path) = sample();
    // "height" -> "h\xFFight" inside the stored CREATE TABLE text (same length).
    let mut bytes = std::fs::read(&path).unwrap();
    let at = bytes.windows(6).position(|w| w == b"height").expect("schema text");
    bytes[at + 1] = 0xFF;
    std::fs::write(&path, &bytes).unwrap();
    let layer = read_gpkg(&path, Some("sites")).unwrap();
    let names: Vec<&String> = layer.features[0].properties.keys().collect();
    assert!(names.iter().any(|n| n.starts_with('h') && n.ends_with("ight") && n.contains('\u{FFFD}')), "{names:?}");
}
