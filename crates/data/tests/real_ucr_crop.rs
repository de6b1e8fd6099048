//! The UCR "Crop" loader on the real files (needs `terradl fetch-data`).

use terradl_data::sources::ucr_crop::{ucr_crop, CLASSES, STEPS, TEST_SAMPLES, TRAIN_SAMPLES};

#[test]
fn standard_split_counts_classes_and_steps() {
    let (train, test) = ucr_crop().expect("run `terradl fetch-data` first");
    for (t, n, per_class) in [(&train, TRAIN_SAMPLES, 300), (&test, TEST_SAMPLES, 700)] {
        let s = &t.series;
        assert_eq!((s.n_samples, s.n_dates, s.n_bands), (n, STEPS, 1));
        assert_eq!(s.class_names.len(), CLASSES);
        assert_eq!(s.class_names[0], "class 1");
        assert_eq!(s.class_names[23], "class 24");
        let mut counts = vec![0; CLASSES];
        for &y in &s.y {
            counts[y as usize] += 1;
        }
        assert!(counts.iter().all(|&c| c == per_class), "{counts:?}");
        assert!(s.x.iter().all(|v| v.is_finite() && (-1.5..=1.5).contains(v)), "NDVI-like values");
        assert_eq!(t.time_labels.len(), STEPS);
        assert_eq!(t.filled, 0);
    }
    assert_eq!(train.series.class_names, test.series.class_names);
    // first training row of the file: label 1, 0.24 0.257 ...
    assert_eq!(train.series.y[0], 0);
    assert_eq!(&train.series.series(0)[..2], &[0.24, 0.257]);
}
