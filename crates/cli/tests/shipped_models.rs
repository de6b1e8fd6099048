//! The models shipped with terradl (models/crowns, models/plants), as a new user meets
//! them: `terradl detect` and `terradl segment-plants` without `--model` on the held-out
//! NEON tile OSBS_029 (never seen in training; figures in each PROVENANCE.md), fine-tuning
//! with `--init shipped`, and clear errors for a corrupt or mismatched model.
//! Skipped with a message when the sample data is not cached.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fresh_dir, s};
use terradl_geo::vector::read_vector;
use terradl_samples::sample_path;

/// F1 at IoU 0.4 the shipped detector must reach on the held-out OSBS_029 at its default
/// threshold (measured 0.335, models/crowns/PROVENANCE.md; the goal is 0.70).
const DETECTOR_MIN_F1: f64 = 0.30;
/// Per-plant F1 at IoU 0.4 the shipped segmenter must reach on SOAP_061, a site it was not
/// trained on (measured 0.165, models/plants/PROVENANCE.md; on OSBS_029 it finds almost
/// nothing, F1 0.031, so that tile is only checked for georeferencing).
const SEGMENTER_MIN_F1: f64 = 0.13;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn terradl(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "terradl {args:?} failed:\n{}", text(&out));
    text(&out)
}

fn sample(name: &str) -> Option<PathBuf> {
    match sample_path("deepforest", name) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

/// F1 at IoU 0.4 of `pred` against `truth`, from `terradl evaluate-detections`.
fn f1_at_04(pred: &Path, truth: &Path) -> f64 {
    let json = pred.with_extension("metrics.json");
    terradl(&["evaluate-detections", s(pred), s(truth), "--iou", "0.4", "--json", s(&json)]);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let at = v["thresholds"].as_array().and_then(|a| a.first()).cloned().unwrap_or_default();
    at["f1"].as_f64().unwrap_or_else(|| panic!("no F1 in {v}"))
}

/// The features of `path` lie inside OSBS_029's footprint (UTM 17N metres: x 404211.9 ..
/// 404251.9, y 3285102.9 .. 3285142.9; 2 m of slack for plant outlines grown from their
/// cores at the tile's edge), so they are georeferenced, not pixel boxes.
fn assert_in_osbs_footprint(path: &Path) -> usize {
    let layer = read_vector(path).unwrap();
    assert_eq!(layer.crs.as_ref().and_then(|c| c.epsg), Some(32617), "{}", path.display());
    for f in &layer.features {
        let geo_types::Geometry::Polygon(p) = &f.geometry else { panic!("not a polygon: {:?}", f.geometry) };
        for c in p.exterior().coords() {
            assert!((404_209.9..404_253.9).contains(&c.x) && (3_285_100.9..3_285_144.9).contains(&c.y), "{c:?}");
        }
    }
    layer.features.len()
}

#[test]
fn shipped_detector_finds_crowns_on_the_held_out_tile() {
    let (Some(tif), Some(xml)) = (sample("OSBS_029.tif"), sample("OSBS_029.xml")) else { return };
    let dir = fresh_dir("shipped-detector");
    let out = dir.join("crowns.geojson");
    let log = terradl(&["detect", s(&tif), "-o", s(&out)]);
    assert!(log.contains("model: shipped crown detector"), "does not say which model it used:\n{log}");
    let n = assert_in_osbs_footprint(&out);
    assert!(n > 10, "{n} crowns on a tile with 61");
    let f1 = f1_at_04(&out, &xml);
    eprintln!("shipped detector on OSBS_029: {n} crowns, F1@0.4 {f1:.3}");
    assert!(f1 >= DETECTOR_MIN_F1, "F1@0.4 {f1:.3} < {DETECTOR_MIN_F1}");
}

#[test]
fn shipped_segmenter_separates_plants_on_the_held_out_tile() {
    let Some(tif) = sample("OSBS_029.tif") else { return };
    let dir = fresh_dir("shipped-segmenter");
    let out = dir.join("plants.geojson");
    let log = terradl(&["segment-plants", s(&tif), "-o", s(&out)]);
    assert!(log.contains("model: shipped plant segmenter"), "does not say which model it used:\n{log}");
    let n = assert_in_osbs_footprint(&out);
    assert!(n > 10, "{n} plants on a tile with 61 crowns");
    let (Some(png), Some(xml)) = (sample("SOAP_061.png"), sample("SOAP_061.xml")) else { return };
    let out = dir.join("soap.geojson");
    terradl(&["segment-plants", s(&png), "-o", s(&out)]);
    let f1 = f1_at_04(&out, &xml);
    eprintln!("shipped segmenter on SOAP_061: F1@0.4 {f1:.3}");
    assert!(f1 >= SEGMENTER_MIN_F1, "F1@0.4 {f1:.3} < {SEGMENTER_MIN_F1}");
}

#[test]
fn fine_tuning_starts_from_the_shipped_detector() {
    let Some(xml) = sample("SOAP_061.xml") else { return };
    let dir = fresh_dir("shipped-finetune");
    let out = dir.join("model");
    // --widths differs from the shipped model's: fine-tuning keeps the shipped architecture.
    let log = terradl(&[
        "train-detector", "--train", s(&xml), "--out", s(&out), "--init", "shipped", "--steps", "3", "--chip", "64",
        "--batch", "2", "--widths", "8,8,8,8",
    ]);
    assert!(log.contains("fine-tuning the shipped crown detector"), "{log}");
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("model.json")).unwrap()).unwrap();
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../../../models/crowns/model.json")).unwrap();
    let widths = |v: &serde_json::Value| v["config"]["widths"].clone();
    assert_eq!(widths(&saved), widths(&shipped), "{saved}");
    assert_ne!(widths(&saved), serde_json::json!([8, 8, 8, 8]));
    // The fine-tuned model is a working detector.
    let tif = sample("OSBS_029.tif").unwrap();
    terradl(&["detect", "--model", s(&out), s(&tif), "-o", s(&dir.join("c.geojson")), "--score", "0.05"]);
}

#[test]
fn corrupt_or_mismatched_models_are_named_in_the_error() {
    let (Some(tif), Some(xml)) = (sample("OSBS_029.tif"), sample("SOAP_061.xml")) else { return };
    let dir = fresh_dir("shipped-corrupt");
    // A copy of the shipped detector with its weights cut short.
    let bad = dir.join("cut");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/crowns/model.json"), bad.join("model.json")).unwrap();
    let weights = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/crowns/detector.bpk")).unwrap();
    std::fs::write(bad.join("detector.bpk"), &weights[..weights.len() / 2]).unwrap();
    let out = run(&["detect", "--model", s(&bad), s(&tif), "-o", s(&dir.join("x.geojson"))]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains(s(&bad)) && !msg.contains("panicked"), "{msg}");
    // The shipped plant segmenter is not a detector: refused by name and kind.
    let plants = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/plants");
    let out = run(&["detect", "--model", s(&plants), s(&tif), "-o", s(&dir.join("y.geojson"))]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("plants") && !msg.contains("panicked"), "{msg}");
    // Nor can a detector be fine-tuned from it.
    let out = run(&["train-detector", "--train", s(&xml), "--out", s(&dir.join("m")), "--init", s(&plants), "--steps", "2"]);
    let msg = text(&out);
    assert!(!out.status.success() && msg.contains("plants") && !msg.contains("panicked"), "{msg}");
    assert!(!dir.join("x.geojson").exists() && !dir.join("y.geojson").exists());
}
