//! `terradl train-detector` checkpoints and resumes (real NEON crops from the DeepForest
//! package, `terradl fetch-data`): a run killed with SIGKILL after a checkpoint, or stopped
//! with SIGTERM (which writes a checkpoint and exits with an error saying so), continues with
//! `--resume` to the same detector weights, byte for byte, as an uninterrupted run with the
//! same seed and step budget; the saved model is never half-written. Runs use one thread:
//! with several, float reductions in a different order make even two uninterrupted runs
//! differ in the last bits, so bit-equality is only defined single-threaded.

mod common;

use common::{fresh_dir, output_text, probe_input, s, single_threaded, wait_for_checkpoint, with_resume};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use terradl_samples::sample_path;

fn args(train: &Path, out: &Path, resume: bool) -> Vec<String> {
    let args = [
        "train-detector", "--train", s(train), "--out", s(out), "--steps", "60", "--seconds", "100000", "--chip", "64",
        "--batch", "4", "--widths", "8,8,16,16", "--head", "8", "--checkpoint-every", "4", "--seed", "5",
    ];
    with_resume(&args, resume)
}


/// The saved detector's outputs on a fixed 64 x 64 input: equal outputs, equal weights
/// (the .bpk files also hold random parameter ids, so their bytes differ between runs).
fn weights(out: &Path) -> Vec<f32> {
    let device = burn::tensor::Device::default();
    let (model, _) = terradl_models::detection::load_detector(out, &device).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let o = model.forward(probe_input(&device));
    [o.heatmap, o.size, o.offset].into_iter().flat_map(|t| t.into_data().try_to_vec::<f32>().unwrap()).collect()
}


#[test]
fn killed_or_stopped_detector_training_resumes_to_the_same_weights() {
    let Ok(train) = sample_path("deepforest", "2019_YELL_2_541000_4977000_image_crop.xml") else {
        return eprintln!("skipping: run terradl fetch-data");
    };
    let dir = fresh_dir("detector-resume");
    let whole = dir.join("whole");
    let out = single_threaded(&args(&train, &whole, false)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let reference = weights(&whole);
    // Training itself is deterministic.
    let whole2 = dir.join("whole2");
    let out = single_threaded(&args(&train, &whole2, false)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let again = weights(&whole2);
    let max = again.iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(again == reference, "two uninterrupted runs differ (max {max})");

    // SIGKILL after the first checkpoint, then --resume.
    let killed: PathBuf = dir.join("killed");
    let mut child = single_threaded(&args(&train, &killed, false)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    assert!(wait_for_checkpoint(&killed, &mut child), "no checkpoint before the run ended");
    std::thread::sleep(Duration::from_millis(150));
    let was_running = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    assert!(was_running, "the run finished before the kill; lengthen it");
    // Not written yet, or written in full (weights before header).
    if killed.join("model.json").exists() {
        weights(&killed);
    }
    let out = single_threaded(&args(&train, &killed, true)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(weights(&killed) == reference, "resumed weights differ from the uninterrupted run's");

    // SIGTERM: a checkpoint is written and the run says how to continue.
    let stopped = dir.join("stopped");
    let mut child = single_threaded(&args(&train, &stopped, false)).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    assert!(wait_for_checkpoint(&stopped, &mut child), "no checkpoint before the run ended");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let text = output_text(&out);
    assert!(!out.status.success() && text.contains("interrupted at step") && text.contains("--resume"), "{text}");
    assert!(!stopped.join("detector.bpk").exists(), "no model is saved by an interrupted run");
    let out = single_threaded(&args(&train, &stopped, true)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(weights(&stopped) == reference, "weights after SIGTERM + resume differ");

    // Other settings than the checkpoint's are refused.
    let mut other = args(&train, &stopped, true);
    let lr = other.iter().position(|a| a == "--seed").unwrap();
    other[lr + 1] = "6".into();
    let out = single_threaded(&other).output().unwrap();
    assert!(!out.status.success() && output_text(&out).contains("other training settings"), "{}", output_text(&out));
}
