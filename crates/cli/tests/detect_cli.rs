//! End-to-end crown detection through the CLI on the real NEON tile OSBS_029:
//! `train-detector` (a small model, short budget, on OSBS_029 itself: these tests
//! check coordinates and seams, not generalisation — held-out accuracy is tested
//! in crates/train/tests/detection_training.rs), `detect` on the georeferenced
//! GeoTIFF and on the PNG of the same pixels, and `evaluate-detections`.
//! Skipped with a message when the sample data is not cached.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use terradl_geo::sample_data::sample_path;
use terradl_geo::vector::{AttrValue, read_vector};

fn terradl(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "terradl {args:?} failed:\n{text}");
    text
}

/// The model directory, trained once for all tests of this file.
fn model() -> Option<&'static PathBuf> {
    static MODEL: OnceLock<Option<PathBuf>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let xml = match sample_path("deepforest", "OSBS_029.xml") {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("skipping: {e}");
                    return None;
                }
            };
            let dir = std::env::temp_dir().join(format!("terradl-detect-cli-{}", std::process::id()));
            let d = dir.join("model");
            terradl(&[
                "train-detector", "--train", xml.to_str()?, "--out", d.to_str()?, "--seconds", "25",
                "--chip", "128", "--batch", "4", "--widths", "8,16,32,48", "--head", "16",
            ]);
            Some(d)
        })
        .as_ref()
}

fn boxes(path: &Path) -> Vec<([f64; 4], f64)> {
    let layer = read_vector(path).unwrap();
    layer
        .features
        .iter()
        .map(|f| {
            let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
            terradl_geo::vector::coords::for_each_coord(&f.geometry, &mut |c| {
                b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
            });
            let score = match f.properties.get("score") {
                Some(AttrValue::Number(x)) => *x,
                _ => panic!("feature without score"),
            };
            (b, score)
        })
        .collect()
}

#[test]
#[ignore = "not yet run to completion (shared target dir hit incremental link errors); run with --ignored"]
fn geotiff_detections_are_in_world_coordinates() {
    let Some(model) = model() else { return };
    let tif = sample_path("deepforest", "OSBS_029.tif").unwrap();
    let png = sample_path("deepforest", "OSBS_029.png").unwrap();
    let reader = terradl_geo::geotiff::GeoTiffReader::open(&tif).unwrap();
    let gt = reader.info().transform;
    let dir = model.parent().unwrap();
    let (out_tif, out_png) = (dir.join("tif.geojson"), dir.join("png.geojson"));
    terradl(&["detect", "--model", model.to_str().unwrap(), tif.to_str().unwrap(), "--output", out_tif.to_str().unwrap()]);
    terradl(&["detect", "--model", model.to_str().unwrap(), png.to_str().unwrap(), "--output", out_png.to_str().unwrap()]);
    let (w, p) = (boxes(&out_tif), boxes(&out_png));
    assert!(!p.is_empty(), "no crowns found");
    assert_eq!(w.len(), p.len());
    // Same pixels: each world box is the transform of the pixel box.
    for ((wb, _), (pb, _)) in w.iter().zip(&p) {
        let (x0, y0) = gt.pixel_to_world(pb[0], pb[1]);
        let (x1, y1) = gt.pixel_to_world(pb[2], pb[3]);
        let e = [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
        for k in 0..4 {
            assert!((wb[k] - e[k]).abs() < 1e-6, "{wb:?} vs {e:?}");
        }
    }
    // A known crown: annotation (166, 253, 225, 304) mapped through the transform must
    // match a detected world box within a pixel-scale tolerance.
    let (ax0, ay0) = gt.pixel_to_world(166.0, 253.0);
    let (ax1, ay1) = gt.pixel_to_world(225.0, 304.0);
    let a = [ax0.min(ax1), ay0.min(ay1), ax0.max(ax1), ay0.max(ay1)];
    let res = gt.0[1].abs();
    let best = w
        .iter()
        .map(|(b, _)| (0..4).map(|k| (b[k] - a[k]).abs()).fold(0.0, f64::max))
        .fold(f64::MAX, f64::min);
    assert!(best < 6.0 * res, "closest detection to the known crown is {:.2} px off", best / res);
    // And the evaluation command reads the world-coordinate file back to pixels.
    let xml = sample_path("deepforest", "OSBS_029.xml").unwrap();
    let text = terradl(&["evaluate-detections", out_tif.to_str().unwrap(), xml.to_str().unwrap(), "--raster", tif.to_str().unwrap()]);
    assert!(text.contains("mAP"), "{text}");
}

#[test]
#[ignore = "not yet run to completion (shared target dir hit incremental link errors); run with --ignored"]
fn crowns_on_tile_seams_are_reported_once() {
    let Some(model) = model() else { return };
    let png = sample_path("deepforest", "OSBS_029.png").unwrap();
    let dir = model.parent().unwrap();
    let (whole, tiled) = (dir.join("whole.geojson"), dir.join("tiled.geojson"));
    let m = model.to_str().unwrap();
    terradl(&["detect", "--model", m, png.to_str().unwrap(), "--output", whole.to_str().unwrap(), "--tile", "512"]);
    terradl(&["detect", "--model", m, png.to_str().unwrap(), "--output", tiled.to_str().unwrap(), "--tile", "96", "--overlap", "64"]);
    let (w, t) = (boxes(&whole), boxes(&tiled));
    let iou = |a: &[f64; 4], b: &[f64; 4]| {
        let iw = (a[2].min(b[2]) - a[0].max(b[0])).max(0.0);
        let ih = (a[3].min(b[3]) - a[1].max(b[1])).max(0.0);
        let i = iw * ih;
        i / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i)
    };
    let seams = [96.0, 192.0, 288.0, 384.0];
    let straddles = |b: &[f64; 4]| seams.iter().any(|&s| (b[0] < s && b[2] > s) || (b[1] < s && b[3] > s));
    let mut checked = 0;
    for (b, _) in w.iter().filter(|(b, _)| straddles(b)) {
        let copies = t.iter().filter(|(c, _)| iou(b, c) > 0.5).count();
        assert!(copies <= 1, "crown {b:?} on a seam appears {copies} times");
        checked += 1;
    }
    assert!(checked > 0, "no crown straddles a seam");
    // No two tiled detections overlap enough to be duplicates.
    for (i, (a, _)) in t.iter().enumerate() {
        for (b, _) in &t[i + 1..] {
            assert!(iou(a, b) <= 0.4 + 1e-9, "duplicates {a:?} {b:?}");
        }
    }
}
