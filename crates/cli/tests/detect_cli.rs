//! End-to-end crown detection through the CLI on the real NEON tile OSBS_029:
//! `train-detector` (a small model, short budget, on OSBS_029 itself: these tests
//! check coordinates and seams, not generalisation — held-out accuracy is tested
//! in crates/train/tests/detection_training.rs), `detect` on the georeferenced
//! GeoTIFF and on the PNG of the same pixels, and `evaluate-detections`.
//! Skipped with a message when the sample data is not cached.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{fresh_dir, s};
use terradl_samples::sample_path;
use terradl_geo::vector::{AttrValue, read_vector};
use terradl_geo::{BBox, GeoTransform, Pixel, PixelBox, World, WorldBox};

/// Training steps of the shared model (a step budget, not seconds, so the model does
/// not depend on machine load).
const STEPS: &str = "60";
/// Decode threshold: briefly trained CenterNet peaks stay below 0.2.
const SCORE: &str = "0.1";

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
            let d = fresh_dir("detect-cli").join("model");
            let log = terradl(&[
                "train-detector", "--train", s(&xml), "--out", s(&d), "--steps", STEPS, "--seconds", "100000",
                "--chip", "128", "--batch", "8", "--seed", "7",
            ]);
            eprintln!("{log}");
            Some(d)
        })
        .as_ref()
}

fn detect(model: &Path, image: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["detect", "--model", s(model), s(image), "--output", s(out), "--score", SCORE];
    args.extend_from_slice(extra);
    terradl(&args);
}

/// Figures at IoU 0.4 from `evaluate-detections --json`: (true positives, recall).
fn evaluate(pred: &Path, truth: &Path, extra: &[&str]) -> (u64, f64) {
    let json = pred.with_extension("eval.json");
    let mut args = vec!["evaluate-detections", s(pred), s(truth), "--json", s(&json)];
    args.extend_from_slice(extra);
    eprintln!("{}", terradl(&args));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let t = v["thresholds"].as_array().unwrap().iter().find(|t| (t["iou"].as_f64().unwrap() - 0.4).abs() < 1e-9).unwrap();
    (t["true_positives"].as_u64().unwrap(), t["recall"].as_f64().unwrap())
}

/// The bounding boxes and scores of a detections file, in the space its coordinates
/// are in (`Pixel` for a PNG run, `World` for a GeoTIFF run).
fn boxes<S>(path: &Path) -> Vec<(BBox<S>, f64)> {
    let layer = read_vector(path).unwrap();
    layer
        .features
        .iter()
        .map(|f| {
            let mut b = BBox::empty();
            terradl_geo::vector::coords::for_each_coord(&f.geometry, &mut |c| {
                b = b.union(&BBox::new(c.x, c.y, c.x, c.y));
            });
            let score = match f.properties.get("score") {
                Some(AttrValue::Number(x)) => *x,
                _ => panic!("feature without score"),
            };
            (b, score)
        })
        .collect()
}

/// Best IoU, in world coordinates, of a known crown (pixel box) with any detection.
fn best_world_iou(world: &[(WorldBox, f64)], gt: &GeoTransform, crown_px: &PixelBox) -> f64 {
    let a = crown_px.to_world(gt);
    world.iter().map(|(b, _)| a.iou(b)).fold(0.0, f64::max)
}

#[test]
fn geotiff_detections_are_in_world_coordinates() {
    let Some(model) = model() else { return };
    let tif = sample_path("deepforest", "OSBS_029.tif").unwrap();
    let png = sample_path("deepforest", "OSBS_029.png").unwrap();
    let xml = sample_path("deepforest", "OSBS_029.xml").unwrap();
    let dir = model.parent().unwrap();
    let mut raster = terradl_geo::geotiff::read_geotiff(&tif).unwrap();
    let gt = raster.transform;
    assert_eq!(raster.crs.epsg, Some(32617), "OSBS_029.tif is in UTM 17N");
    assert!((gt.0[0] - 404_211.9).abs() < 0.05 && (gt.0[3] - 3_285_142.9).abs() < 0.05, "{gt:?}");
    // The real tile declares nodata 255 (its all-white pixels are filled with the mean
    // before detection); for a pixel-for-pixel comparison with the PNG, a copy without it.
    assert_eq!(raster.nodata, Some(255.0));
    raster.nodata = None;
    let plain = dir.join("osbs029-no-nodata.tif");
    terradl_geo::geotiff::write_geotiff(&plain, &raster, &Default::default()).unwrap();

    let (out_tif, out_plain, out_png) = (dir.join("tif.geojson"), dir.join("plain.geojson"), dir.join("png.geojson"));
    detect(model, &tif, &out_tif, &[]);
    detect(model, &plain, &out_plain, &[]);
    detect(model, &png, &out_png, &[]);
    let (w, wp, p) = (boxes::<World>(&out_tif), boxes::<World>(&out_plain), boxes::<Pixel>(&out_png));
    assert!(!p.is_empty(), "no crowns found");
    // Same pixels: each world box is the transform of the pixel box, same scores.
    assert_eq!(wp.len(), p.len());
    for ((wb, ws), (pb, ps)) in wp.iter().zip(&p) {
        let e = pb.to_world(&gt);
        let corners = |b: &WorldBox| [b.xmin, b.ymin, b.xmax, b.ymax];
        assert!(corners(wb).iter().zip(corners(&e)).all(|(a, b)| (a - b).abs() < 1e-6), "{wb:?} vs {e:?}");
        assert_eq!(ws, ps);
    }
    // World coordinates really are UTM metres inside the tile's 40 m x 40 m footprint.
    for (b, _) in &w {
        assert!(b.xmin >= 404_211.8 && b.xmax <= 404_252.0 && b.ymin >= 3_285_102.8 && b.ymax <= 3_285_143.0, "{b:?}");
    }
    // Every annotated crown, mapped to world coordinates through the tile's transform,
    // meets the detections best when the transform is taken as it is: moving it by one
    // metre (10 px, a fifth of a crown) in any direction lowers the mean best IoU. This
    // checks georeferencing against the annotation, whatever the short-trained model's
    // exact boxes are (measured: 0.53 in place, 0.39-0.48 moved).
    let crowns: Vec<PixelBox> = terradl_data::detection::read_voc(&xml).unwrap().boxes.iter().map(|b| b.bbox).collect();
    let mean_best = |dx: f64, dy: f64| {
        let mut g = gt;
        g.0[0] += dx;
        g.0[3] += dy;
        crowns.iter().map(|c| best_world_iou(&w, &g, c)).sum::<f64>() / crowns.len() as f64
    };
    let at_zero = mean_best(0.0, 0.0);
    eprintln!("{} crowns (real tif), {} (PNG); mean best world IoU over {} annotations {at_zero:.3}", w.len(), p.len(), crowns.len());
    for (dx, dy) in [(-1.0, 0.0), (1.0, 0.0), (0.0, -1.0), (0.0, 1.0), (-1.0, -1.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0)] {
        let shifted = mean_best(dx, dy);
        eprintln!("  transform moved by ({dx}, {dy}) m: mean best IoU {shifted:.3}");
        assert!(shifted < at_zero - 0.02, "moving the transform by ({dx}, {dy}) m matches better: {shifted:.3} vs {at_zero:.3}");
    }
    assert!(at_zero >= 0.4, "mean best world-coordinate IoU with the annotated crowns is {at_zero:.3}");
    // The evaluation reads world-coordinate files back to pixels through the raster:
    // the same matches as the pixel-coordinate PNG run, and crowns found on the tile the
    // model was trained on.
    let (tp_w, r_w) = evaluate(&out_plain, &xml, &["--raster", s(&plain)]);
    let (tp_p, r_p) = evaluate(&out_png, &xml, &[]);
    assert_eq!((tp_w, r_w), (tp_p, r_p), "world vs pixel evaluation");
    let (_, r_real) = evaluate(&out_tif, &xml, &["--raster", s(&tif)]);
    assert!(r_real >= 0.3 && r_p >= 0.3, "recall@0.4 on the training tile {r_real} (tif) {r_p} (png)");
}

#[test]
fn crowns_on_tile_seams_are_reported_once() {
    let Some(model) = model() else { return };
    let png = sample_path("deepforest", "OSBS_029.png").unwrap();
    let dir = model.parent().unwrap();
    let (whole, tiled) = (dir.join("whole.geojson"), dir.join("tiled.geojson"));
    detect(model, &png, &whole, &["--tile", "512"]);
    detect(model, &png, &tiled, &["--tile", "96", "--overlap", "64"]);
    let (w, t) = (boxes::<Pixel>(&whole), boxes::<Pixel>(&tiled));
    let seams = [96.0, 192.0, 288.0, 384.0];
    let straddles = |b: &PixelBox| seams.iter().any(|&s| (b.xmin < s && b.xmax > s) || (b.ymin < s && b.ymax > s));
    let (mut checked, mut found) = (0, 0);
    for (b, _) in w.iter().filter(|(b, _)| straddles(b)) {
        let copies = t.iter().filter(|(c, _)| b.iou(c) > 0.5).count();
        assert!(copies <= 1, "crown {b:?} on a seam appears {copies} times");
        checked += 1;
        found += copies;
    }
    eprintln!("{} whole-image and {} tiled crowns; {found} of {checked} seam crowns found once", w.len(), t.len());
    assert!(checked >= 5, "only {checked} crowns straddle a seam");
    // ... and not lost either: tiles with 64 px of context see (nearly) what the whole image does.
    assert!(found as f64 >= 0.8 * checked as f64, "{found} of {checked} seam crowns found in the tiled run");
    // No two tiled detections overlap enough to be duplicates.
    for (i, (a, _)) in t.iter().enumerate() {
        for (b, _) in &t[i + 1..] {
            assert!(a.iou(b) <= 0.4 + 1e-9, "duplicates {a:?} {b:?}");
        }
    }
}

/// Colour, contrast and zoom jitter: bad ranges are refused with the flag's meaning named,
/// good ones train a model.
#[test]
fn augmentation_flags_are_checked_and_used() {
    let Ok(xml) = sample_path("deepforest", "OSBS_029.xml") else {
        eprintln!("skipping: sample data not cached");
        return;
    };
    let dir = fresh_dir("detect-cli-augment");
    let run = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args = vec!["train-detector", "--train", s(&xml), "--out", s(&out), "--steps", "4", "--chip", "64", "--batch", "2"];
        args.extend_from_slice(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_terradl")).args(&args).output().expect("run terradl");
        (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)), out)
    };
    for (extra, needle) in [
        (&["--scale-jitter", "2,1"][..], "scale jitter range"),
        (&["--scale-jitter", "0,1"][..], "scale jitter range"),
        (&["--scale-jitter", "1.5"][..], "two numbers"),
        (&["--colour=-0.2"][..], "must be finite and >= 0"),
    ] {
        let (ok, text, _) = run("bad", extra);
        assert!(!ok && text.contains(needle), "{extra:?}: {text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    let (ok, text, out) = run("good", &["--colour", "0.3", "--contrast", "0.3", "--brightness", "0.3", "--scale-jitter", "0.7,1.4"]);
    assert!(ok, "{text}");
    assert!(out.join("model.json").is_file() && text.contains("4 steps"), "{text}");
}
