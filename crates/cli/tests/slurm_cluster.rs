//! Sharded prediction on a real Slurm engine, not a simulation: `scripts/slurm-e2e.sh`
//! starts a one-node Slurm on this machine (Debian `slurm-wlm` + `munge`, installed when
//! missing), submits deploy/slurm/predict-array.sbatch as a 4-task array, cancels one task
//! while it runs (`scancel`), resubmits it alone as the sbatch header documents, and runs
//! deploy/slurm/mosaic.sbatch after it. Here the mosaic must equal the single-process
//! `terradl predict` bit for bit. Skipped, with the script's reason, where it cannot run
//! (not root, no apt-get, packages not installable).

mod common;

use common::{fresh_dir, s};
use std::process::Command;
use terradl_geo::geotiff::read_geotiff;

#[test]
fn slurm_array_with_a_cancelled_task_mosaics_to_the_single_process_map() {
    let dir = fresh_dir("slurm-cluster");
    let work = dir.join("work");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/slurm-e2e.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg(s(&work))
        .arg(env!("CARGO_BIN_EXE_terradl"))
        .output()
        .expect("run scripts/slurm-e2e.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(77) {
        eprintln!("skipping: {}", stdout.trim());
        return;
    }
    assert!(out.status.success(), "slurm-e2e.sh failed:\n{stdout}\n{stderr}");
    eprintln!("{stdout}");
    let jobs = std::fs::read_to_string(work.join("jobs.log")).unwrap();
    eprintln!("{jobs}");
    // The cancelled task's rerun finished its shard (tiles written before the cancel are kept).
    assert!(stdout.contains("cancelled task"), "{stdout}");
    assert!(jobs.contains("CANCELLED") || stdout.contains("state was finished"), "{jobs}");
    let rerun = jobs.lines().filter(|l| l.starts_with("shard 1/4: 16 tiles")).last().expect("the rerun of shard 1/4 logged");
    assert!(rerun.contains("already done"), "{rerun}");
    for shard in ["shard 0/4: 16 tiles", "shard 2/4: 16 tiles", "shard 3/4: 16 tiles"] {
        assert!(jobs.contains(shard), "{shard} missing:\n{jobs}");
    }
    // The mosaic (COG) equals the single-process maps bit for bit.
    for (cog, single) in [
        ("map.tif", "classes.tif"),
        ("map.probabilities.tif", "probabilities.tif"),
        ("map.uncertainty.tif", "uncertainty.tif"),
    ] {
        let a = read_geotiff(work.join("mosaic").join(cog)).unwrap();
        let b = read_geotiff(work.join("single").join(single)).unwrap();
        assert_eq!((a.bands, a.rows, a.cols), (b.bands, b.rows, b.cols), "{cog}");
        assert!(a.data.iter().zip(&b.data).all(|(x, y)| x.to_bits() == y.to_bits()), "{cog} differs from {single}");
        assert_eq!((a.transform, a.crs.clone()), (b.transform, b.crs.clone()), "{cog}");
    }
}
