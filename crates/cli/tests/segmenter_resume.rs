//! `terradl train-segmenter` checkpoints and resumes (real NEON crop from the DeepForest
//! package, `terradl fetch-data`): a run killed with SIGKILL after a checkpoint, or stopped
//! with SIGTERM (which writes a checkpoint and exits saying so), continues with `--resume`
//! through the rest of its scale sequence to the same U-Net as an uninterrupted run with the
//! same seed and step budget. One thread, as in detector_resume.rs: only single-threaded
//! float reductions are bit-reproducible.

mod common;

use common::{fresh_dir, output_text, probe_input, s, single_threaded, wait_for_checkpoint, with_resume};
use std::path::Path;
use std::process::{Command, Stdio};
use terradl_samples::sample_path;

fn args(train: &Path, out: &Path, resume: bool) -> Vec<String> {
    let args = [
        "train-segmenter", "--train", s(train), "--out", s(out), "--steps", "20", "--scales", "32,64", "--batch", "2",
        "--widths", "4,8", "--checkpoint-every", "3", "--seed", "5",
    ];
    with_resume(&args, resume)
}


/// The saved U-Net's logits on a fixed 64 x 64 input.
fn outputs(out: &Path) -> Vec<f32> {
    let device = burn::tensor::Device::default();
    let (model, _) = terradl_models::load_unet(out, &device).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    model.forward(probe_input(&device)).into_data().try_to_vec::<f32>().unwrap()
}


#[test]
fn killed_or_stopped_segmenter_training_resumes_to_the_same_unet() {
    let train = sample_path("deepforest", "2019_YELL_2_541000_4977000_image_crop.xml").expect("run `terradl fetch-data` first");
    let dir = fresh_dir("segmenter-resume");
    let whole = dir.join("whole");
    let out = single_threaded(&args(&train, &whole, false)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let reference = outputs(&whole);

    // SIGKILL after the first checkpoint, then --resume.
    let killed = dir.join("killed");
    let mut child = single_threaded(&args(&train, &killed, false)).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    assert!(wait_for_checkpoint(&killed, &mut child), "no checkpoint before the run ended");
    let was_running = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    assert!(was_running, "the run finished before the kill; lengthen it");
    let out = single_threaded(&args(&train, &killed, true)).output().unwrap();
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(outputs(&killed) == reference, "resumed U-Net differs from the uninterrupted run's");

    // SIGTERM: a checkpoint is written, no model, and the error says how to continue.
    let stopped = dir.join("stopped");
    let mut child = single_threaded(&args(&train, &stopped, false)).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    assert!(wait_for_checkpoint(&stopped, &mut child), "no checkpoint before the run ended");
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let text = output_text(&out);
    assert!(!out.status.success() && text.contains("interrupted at step") && text.contains("--resume"), "{text}");
    assert!(!stopped.join(terradl_models::UNET_WEIGHTS_FILE).exists(), "no model is saved by an interrupted run");
    let out = single_threaded(&args(&train, &stopped, true)).output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert!(outputs(&stopped) == reference, "U-Net after SIGTERM + resume differs");

    // Other settings than the checkpoint's are refused.
    let mut other = args(&train, &stopped, true);
    let i = other.iter().position(|a| a == "--scales").unwrap();
    other[i + 1] = "32,96".into();
    let out = single_threaded(&other).output().unwrap();
    assert!(!out.status.success() && output_text(&out).contains("other training settings"), "{}", output_text(&out));
}
