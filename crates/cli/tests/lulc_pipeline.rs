//! `terradl train` on a `kind = "lulc"` pipeline and `terradl predict` with the models it
//! saved, end to end on the real museotoolbox historical map (17 labelled polygons, 5
//! land-cover classes; needs `terradl fetch-data`). Small CNNs and few epochs keep it short;
//! the accuracy thresholds sit well below what was measured (docs/notes/issue-4-landcover.md)
//! and well above the majority-class baseline of the held-out polygons.

mod common;

use common::{fresh_dir, output_text as text, read_json as json, s, terradl_quiet as terradl};
use std::path::Path;
use std::time::Instant;
use terradl_geo::geotiff::{read_geotiff, write_geotiff, GeoTiffReader, WriteOptions};
use terradl_samples::sample_path;
use terradl_geo::{Raster, Window};

/// Small, fast CNN settings (8 and 16 filters, 10 epochs). A `train` table must list every
/// field of `TrainConfig` (burn's `Config` derive has no per-field serde defaults).
const CNN: &str = "filters = [8, 16]\n";
/// OCNN of the small CNN: 12-pixel patches for compact objects, 8 along elongated ones.
const OCNN: &str = "[methods.ocnn]\nsamples_per_object = 6\n[methods.ocnn.placement]\nlarge_patch = 12\nsmall_patch = 8\n";
const CNN_TRAIN: &str = "epochs = 10\npatience = 3\nbatch_size = 64\nlearning_rate = 0.001\nweight_decay = 0.0001\nseed = 42\nclass_weights = \"Uniform\"\nlr_schedule = \"Constant\"\n";

fn pipeline(dir: &Path) -> std::path::PathBuf {
    let image = sample_path("museotoolbox", "map_compress.tif").expect("run `terradl fetch-data` first");
    let labels = sample_path("museotoolbox", "train.gpkg").expect("run `terradl fetch-data` first");
    let text = format!(
        r#"kind = "lulc"
name = "etat-major-quick"
image = "{image}"
labels = "{labels}"
class_attribute = "Type"
band_names = ["red", "green", "blue"]
output = "run"
label_margin = 16

[split]
test_fraction = 0.3
seed = 3
max_pixels_per_class = 400
min_object_fraction = 0.5

[segmentation]
method = "slic"
grid = {{ region_size = 10 }}
compactness = 20.0

[land_use]
agricultural = ["Agriculture", "Soil"]
built = ["Buildings"]
natural = ["Forest", "Water"]

[[methods]]
kind = "random_forest"
n_trees = 40

[[methods]]
kind = "patch_cnn"
[methods.cnn]
patch = 8
{CNN}[methods.cnn.train]
{CNN_TRAIN}
[[methods]]
kind = "ocnn"
{OCNN}
[[methods]]
kind = "jdl"
max_iterations = 2
max_pixels_per_class = 400
[methods.mlp.train]
epochs = 20
patience = 5
batch_size = 64
learning_rate = 0.001
weight_decay = 0.0001
seed = 42
class_weights = "Uniform"
lr_schedule = "Constant"
{OCNN}"#,
        image = s(&image),
        labels = s(&labels),
        OCNN = format!("{OCNN}[methods.ocnn.cnn]\n{CNN}[methods.ocnn.cnn.train]\n{CNN_TRAIN}"),
    );
    let path = dir.join("lulc.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Share of pixels where two single-band rasters hold the same value.
fn agreement(a: &Raster, b: &Raster) -> f64 {
    assert_eq!((a.rows, a.cols), (b.rows, b.cols));
    a.data.iter().zip(&b.data).filter(|(x, y)| x == y).count() as f64 / a.data.len() as f64
}

/// `classes.tif` of `dir` is a georeferenced uint8 map like `input` with a colour table,
/// `probabilities.tif` has `k` bands and `uncertainty.tif` two.
fn check_outputs(dir: &Path, prefix: &str, input: &Path, k: usize) -> Raster {
    let inp = GeoTiffReader::open(input).unwrap();
    let cls = GeoTiffReader::open(dir.join(format!("{prefix}classes.tif"))).unwrap();
    let (a, b) = (inp.info(), cls.info());
    assert_eq!((b.cols, b.rows, b.bands), (a.cols, a.rows, 1), "{prefix}classes.tif shape");
    assert_eq!(b.transform, a.transform, "{prefix}classes.tif georeferenced like the input");
    assert_eq!(b.crs, a.crs);
    assert!(b.colormap.is_some(), "{prefix}classes.tif has a colour table");
    let probs = GeoTiffReader::open(dir.join(format!("{prefix}probabilities.tif"))).unwrap();
    assert_eq!(probs.info().bands, k);
    assert_eq!(GeoTiffReader::open(dir.join(format!("{prefix}uncertainty.tif"))).unwrap().info().bands, 2);
    let map = read_geotiff(dir.join(format!("{prefix}classes.tif"))).unwrap();
    assert!(map.data.iter().all(|&v| (v as usize) < k || v == 255.0), "class codes < {k}");
    map
}

#[test]
fn lulc_train_then_predict_with_saved_models() {
    let dir = fresh_dir("lulc-pipeline");
    let toml = pipeline(&dir);
    let t = Instant::now();
    let out = terradl(&["train", s(&toml)]);
    assert!(out.status.success(), "train failed:\n{}", text(&out));
    eprintln!("{}\ntrain: {:.1} s", String::from_utf8_lossy(&out.stdout), t.elapsed().as_secs_f64());
    let run = dir.join("run");
    for f in [
        "methods.json",
        "split.json",
        "normalisation.json",
        "image.tif",
        "report.html",
        "metrics.json",
        "model/manifest.json",
        "model/lulc.json",
        "3_jdl/iterations.json",
    ] {
        assert!(run.join(f).is_file(), "{f} missing");
    }

    // Held-out accuracy against the majority class of the test polygons.
    let cm = json(&run.join("0_random_forest/confusion_land_cover.json"));
    let rows: Vec<u64> = cm["matrix"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum()).collect();
    let majority = *rows.iter().max().unwrap() as f64 / rows.iter().sum::<u64>() as f64;
    let methods = json(&run.join("methods.json"));
    let oa = |m: &str, t: &str| {
        methods.as_array().unwrap().iter().find(|s| s["method"] == m && s["target"] == t).unwrap()["overall_accuracy"]
            .as_f64()
            .unwrap()
    };
    let figures = [
        ("random_forest", "land_cover", 0.75),
        ("patch_cnn", "land_cover", 0.75),
        ("ocnn", "land_cover", 0.72),
        ("jdl", "land_cover", 0.75),
        ("jdl", "land_use", 0.72),
    ];
    for (m, t, min) in figures {
        eprintln!("{m} {t}: OA {:.3} (threshold {min}, majority baseline {majority:.3})", oa(m, t));
        assert!(oa(m, t) >= min, "{m} {t} OA {} below {min} (majority baseline {majority:.3})", oa(m, t));
    }
    assert!(majority < 0.6, "baseline {majority}");
    let its = json(&run.join("3_jdl/iterations.json"));
    assert_eq!(its.as_array().unwrap().len(), 2, "JDL runs (and logs) both iterations: {its}");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("Test OA per method") && html.contains("jdl"), "report lists the methods");

    // The saved models reproduce the training run's maps on its image.
    let image = run.join("image.tif");
    let manifest = json(&run.join("model/manifest.json"));
    let kinds: Vec<&str> = manifest["models"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["random_forest", "patch_cnn", "ocnn", "jdl"]);
    // (The patch CNN, the slowest to map, is checked on a window below.)
    for (method, train_map, prefix) in [
        ("ocnn", "2_ocnn/classes.tif", ""),
        ("jdl", "3_jdl/land_cover_classes.tif", ""),
        ("random_forest", "0_random_forest/classes.tif", ""),
    ] {
        let pred = dir.join(format!("pred-{method}"));
        let t = Instant::now();
        let out = terradl(&["predict", "--model", &format!("{}:{method}", s(&run)), s(&image), "-o", s(&pred)]);
        assert!(out.status.success(), "predict {method} failed:\n{}", text(&out));
        eprintln!("predict {method}: {:.1} s", t.elapsed().as_secs_f64());
        let map = check_outputs(&pred, prefix, &image, 5);
        let trained = read_geotiff(run.join(train_map)).unwrap();
        let agree = agreement(&map, &trained);
        eprintln!("{method}: {:.5} of the pixels equal the training run's map", agree);
        assert!(agree > 0.9999, "{method}: predict agrees with the training map on only {agree}");
        if method == "jdl" {
            let lu = check_outputs(&pred, "land_use_", &image, 3);
            assert!(agreement(&lu, &read_geotiff(run.join("3_jdl/land_use_classes.tif")).unwrap()) > 0.9999);
        }
    }

    // A window of the image: georeferenced at the window, the patch CNN's map equal to the
    // training map away from the window's border (at the border the patch sees replicated
    // edge pixels instead of the neighbours).
    let full = read_geotiff(&image).unwrap();
    let w = Window::new(100, 60, 240, 200);
    let crop = dir.join("window.tif");
    write_geotiff(&crop, &full.window(w).unwrap(), &WriteOptions::default()).unwrap();
    let pred = dir.join("pred-window");
    let out = terradl(&["predict", "--model", &format!("{}:patch_cnn", s(&run)), s(&crop), "-o", s(&pred)]);
    assert!(out.status.success(), "predict window failed:\n{}", text(&out));
    let map = check_outputs(&pred, "", &crop, 5);
    let trained = read_geotiff(run.join("1_patch_cnn/classes.tif")).unwrap();
    let (mut same, mut n) = (0, 0);
    for r in 5..w.rows - 5 {
        for c in 5..w.cols - 5 {
            n += 1;
            same += (map.get(0, r, c) == trained.get(0, w.row + r, w.col + c)) as usize;
        }
    }
    assert_eq!(same, n, "window interior equals the full map");

    // Clear errors instead of silent misuse.
    let out = terradl(&["predict", "--model", &format!("{}:ocnn", s(&run)), s(&image), "-o", s(&dir.join("x")), "--shard", "0/2"]);
    assert!(!out.status.success() && text(&out).contains("without --shard"), "{}", text(&out));
    let out = terradl(&["predict", "--model", &format!("{}:patch_cnn", s(&run)), s(&image), "-o", s(&dir.join("y")), "--uncertainty", "votes"]);
    assert!(!out.status.success() && text(&out).contains("uncertainty"), "{}", text(&out));
}
