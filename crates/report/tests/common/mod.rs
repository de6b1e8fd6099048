//! A synthetic but realistic run directory shared by the end-to-end tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use terradl_geo::{DType, Raster};
use terradl_report::run_files::*;
use terradl_report::{ColorTable, RunMetadata};

pub(crate) const CLASS_NAMES: [&str; 5] = ["Water", "Forest", "Cropland", "Grassland", "Built-up"];
pub(crate) const CLASS_COLORS: [[u8; 3]; 5] = [[30, 100, 200], [20, 110, 40], [230, 200, 60], [150, 210, 110], [200, 40, 40]];

/// Nodata value of the class map.
pub(crate) const CLASS_NODATA: f32 = 255.0;

pub(crate) fn color_table() -> ColorTable {
    CLASS_NAMES.iter().zip(CLASS_COLORS).enumerate().fold(ColorTable::new(), |t, (i, (n, c))| t.with(i as u8 + 1, *n, c))
}

/// A 240 x 320 class map with smooth regions and a nodata corner, plus an
/// uncertainty (entropy-like) map that peaks near class boundaries.
pub(crate) fn rasters() -> HashMap<String, Raster> {
    let (rows, cols) = (240, 320);
    let mut map = Raster::new(1, rows, cols, DType::U8);
    map.nodata = Some(CLASS_NODATA as f64);
    let mut unc = Raster::new(1, rows, cols, DType::F32);
    unc.nodata = Some(-1.0);
    let mut rgb = Raster::new(3, rows, cols, DType::U16);
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (c as f32 / cols as f32, r as f32 / rows as f32);
            let f = (x * 9.0).sin() + (y * 7.0).cos() + 0.6 * ((x + y) * 13.0).sin();
            let class = ((f + 2.6) / 5.2 * 5.0).clamp(0.0, 4.999) as u8 + 1;
            let frac = ((f + 2.6) / 5.2 * 5.0).fract();
            let corner = r < 40 && c < 60;
            map.set(0, r, c, if corner { CLASS_NODATA } else { class as f32 });
            let e = 1.0 - (2.0 * frac - 1.0).abs();
            unc.set(0, r, c, if corner { -1.0 } else { e * e * 1.6 });
            let base = CLASS_COLORS[class as usize - 1];
            for b in 0..3 {
                rgb.set(b, r, c, base[b] as f32 * 40.0 + ((r * 7 + c * 3) % 50) as f32 * 20.0);
            }
        }
    }
    HashMap::from([("map.tif".to_string(), map), ("uncertainty.tif".to_string(), unc), ("image.tif".to_string(), rgb)])
}

fn write_json<T: serde::Serialize>(dir: &Path, name: &str, v: &T) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// Write every JSON file of a run directory. Returns the number of figures
/// `load_run_dir_with` should produce with a raster reader:
/// class map, uncertainty, image, training curves, confusion, F1 bars,
/// reliability, feature importance, and one extra PNG from `figures/`.
pub(crate) fn write_run_dir(dir: &Path) -> usize {
    let info = RunInfo {
        title: Some("Crop map — test run".into()),
        meta: RunMetadata {
            command: "terradl train --config crops.toml".into(),
            config_toml: "[model]\nkind = \"tempcnn\"\nepochs = 30\n\n[data]\nbands = [\"B02\", \"B03\", \"B04\", \"B08\"]\n".into(),
            dataset: "Synthetic crops <test>".into(),
            timings: vec![Timing { stage: "train".into(), seconds: 81.25 }, Timing { stage: "predict".into(), seconds: 12.5 }],
            terradl_version: "0.1.0".into(),
            date: "2026-11-25T04:00:00Z".into(),
        },
        notes: vec!["Reference samples from a stratified random design.".into()],
        class_map: Some("map.tif".into()),
        uncertainty: Some("uncertainty.tif".into()),
        uncertainty_label: Some("entropy".into()),
        rgb_image: Some("image.tif".into()),
        rgb_bands: Some([0, 1, 2]),
    };
    write_json(dir, RUN_FILE, &info);
    write_json(dir, CLASSES_FILE, &color_table());
    let matrix: Vec<Vec<u64>> = (0..5)
        .map(|i| (0..5).map(|j| if i == j { 80 + 13 * i as u64 } else { ((i * 3 + j * 5) % 7) as u64 }).collect())
        .collect();
    write_json(dir, CONFUSION_FILE, &ConfusionData { classes: CLASS_NAMES.iter().map(|s| s.to_string()).collect(), matrix, rows: MatrixRows::Map });
    let per_class = CLASS_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| ClassAccuracy {
            class: n.to_string(),
            producers_accuracy: Some(0.80 + 0.03 * i as f64),
            users_accuracy: Some(0.92 - 0.02 * i as f64),
            f1: Some(0.85 + 0.01 * i as f64),
            support: Some(100 + 10 * i as u64),
            area: Some(AreaEstimate { estimate: 1200.0 + 350.0 * i as f64, ci95: 80.0 + 5.0 * i as f64, unit: "ha".into() }),
        })
        .collect();
    write_json(
        dir,
        METRICS_FILE,
        &AccuracyMetrics { overall_accuracy: Some(0.874), overall_accuracy_ci95: Some(0.021), kappa: Some(0.838), n_samples: Some(600), per_class },
    );
    let epochs = (1..=30)
        .map(|e| {
            let t = e as f64;
            EpochRecord {
                epoch: e,
                train_loss: Some(1.6 * (-t / 8.0).exp() + 0.15),
                val_loss: Some(1.5 * (-t / 9.0).exp() + 0.25 + 0.002 * t),
                train_accuracy: Some(0.95 - 0.6 * (-t / 7.0).exp()),
                val_accuracy: Some(0.9 - 0.55 * (-t / 8.0).exp()),
                learning_rate: Some(1e-3),
            }
        })
        .collect();
    write_json(dir, HISTORY_FILE, &TrainingHistory { epochs });
    let bins = (0..10)
        .map(|i| {
            let lo = i as f64 / 10.0;
            ReliabilityBin { lower: lo, upper: lo + 0.1, mean_confidence: lo + 0.05, accuracy: (lo + 0.05 - 0.04).max(0.0), count: if i < 2 { 0 } else { 10 * i as u64 } }
        })
        .collect();
    write_json(dir, RELIABILITY_FILE, &ReliabilityCurve { bins, ece: Some(0.041), temperature: None });
    write_json(
        dir,
        FEATURE_IMPORTANCE_FILE,
        &BarChartData {
            title: "Feature importance per date".into(),
            labels: (0..12).map(|m| format!("2024-{:02}-15", m + 1)).collect(),
            values: (0..12).map(|m| 0.02 + 0.1 * (-(((m as f64) - 6.0) / 2.5).powi(2)).exp()).collect(),
            y_label: "mean decrease in impurity".into(),
        },
    );
    std::fs::create_dir_all(dir.join("figures")).unwrap();
    let extra = terradl_report::Canvas::new(64, 32, terradl_report::Rgba::rgb(250, 120, 0)).to_png().unwrap();
    std::fs::write(dir.join("figures/extra_plot.png"), extra).unwrap();
    9
}

/// A raster reader serving the in-memory rasters by file name.
pub(crate) fn reader(rasters: HashMap<String, Raster>) -> impl Fn(&Path) -> Result<Raster, Box<dyn std::error::Error + Send + Sync>> {
    move |p: &Path| {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        rasters.get(name).cloned().ok_or_else(|| format!("no raster {name}").into())
    }
}

/// Base64 payloads of all `<img src="data:...">` in an HTML page.
pub(crate) fn data_uri_payloads(html: &str) -> Vec<String> {
    html.split("<img src=\"data:image/png;base64,").skip(1).map(|rest| rest.split('"').next().unwrap_or_default().to_string()).collect()
}
