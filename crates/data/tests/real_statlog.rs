//! Statlog (Landsat Satellite) read from the Debian r-cran-mlbench package
//! through our own R data reader. Needs `terradl fetch-data`.

use terradl_data::sources::statlog::{statlog_landsat, to_band_major, TRAIN_ROWS};

#[test]
fn statlog_shape_classes_and_first_row() {
    let s = statlog_landsat().expect("run `terradl fetch-data` first");
    assert_eq!((s.n_samples, s.n_features), (6435, 36));
    assert_eq!(
        s.class_names,
        vec!["red soil", "cotton crop", "grey soil", "damp grey soil", "vegetation stubble", "very damp grey soil"]
    );
    // UCI's documented class distribution.
    assert_eq!(s.class_counts(), vec![1533, 703, 1358, 626, 707, 1508]);
    // First row as R (and the `rdata` Python package) read it.
    assert_eq!(&s.row(0)[..6], &[92.0, 115.0, 120.0, 94.0, 84.0, 102.0]);
    assert_eq!(s.row(0)[35], 87.0);
    assert_eq!(s.y[0], 2, "grey soil");
    assert!(s.x.iter().all(|v| (0.0..=255.0).contains(v)));
    assert_eq!(to_band_major(s.row(0))[0], 92.0);
}

/// A 1-nearest-neighbour classifier on the original train/test split is far
/// above chance (largest class 24%); Python gives 0.8945 on the same split.
#[test]
fn statlog_one_nn_is_well_above_chance() {
    let s = statlog_landsat().expect("run `terradl fetch-data` first");
    let train: Vec<usize> = (0..TRAIN_ROWS).collect();
    let (tr, te) = (s.subset(&train), s.subset(&(TRAIN_ROWS..s.n_samples).collect::<Vec<_>>()));
    let mut correct = 0;
    for i in 0..te.n_samples {
        let q = te.row(i);
        let best = (0..tr.n_samples)
            .min_by(|&a, &b| {
                let d = |k: usize| tr.row(k).iter().zip(q).map(|(x, y)| (x - y) * (x - y)).sum::<f32>();
                d(a).total_cmp(&d(b))
            })
            .unwrap();
        correct += (tr.y[best] == te.y[i]) as usize;
    }
    let acc = correct as f64 / te.n_samples as f64;
    assert!((acc - 0.8945).abs() < 0.005, "1-NN accuracy {acc}");
}
