//! Where a time-series run's labelled series come from: dated imagery + field polygons, or
//! sample tables (CSV / TSV). Both end as the same [`LabelledSeries`]: training, test and
//! optional validation sides, each sample with its field.

use super::config::TimeSeriesPipeline;
use super::series::{apply_cloud_mask, clean_series};
use crate::error::{bail, ensure, Context, Result};
use std::collections::{BTreeMap, HashMap};
use terradl_data::stack_dates;
use terradl_data::sample_table::{read_sample_table, SampleTable};
use terradl_data::sampling::{object_split, sample_per_object};
use terradl_data::{DataError, LabelledImage, TimeSeriesDataset, UNLABELLED};
use terradl_geo::read_raster;
use terradl_geo::{Crs, Raster};

/// The labelled series of one side of the split.
pub(super) struct Side {
    pub(super) ts: TimeSeriesDataset,
    /// Field id of each sample (its own index when the source has no fields).
    pub(super) fields: Vec<u32>,
}

/// A run's labelled series, split.
pub(super) struct LabelledSeries {
    pub(super) train: Side,
    pub(super) test: Side,
    /// Validation fields (fusion threshold, temperature scaling), when `split.val_fraction > 0`.
    pub(super) val: Option<Side>,
    pub(super) class_names: Vec<String>,
    /// Name of each time step (dates, or `t01`.. for steps of unknown dates).
    pub(super) date_names: Vec<String>,
    /// `<date>_<band>` name of each flattened feature (date-major).
    pub(super) feature_names: Vec<String>,
    pub(super) crs: Crs,
    /// Whether samples are grouped in fields (imagery polygons, a table's field column).
    pub(super) has_fields: bool,
    /// One sentence on how the split was made, for the report.
    pub(super) split_note: String,
    /// What the data is, for `run.json`.
    pub(super) dataset: String,
}

fn read_stack(p: &TimeSeriesPipeline) -> Result<Raster> {
    if let Some(stack) = &p.stack {
        return read_raster(stack).with_context(|| format!("reading stack {}", stack.display()));
    }
    let mut rasters = Vec::with_capacity(p.rasters.len());
    for r in &p.rasters {
        let mut img = read_raster(&r.path).with_context(|| format!("reading {}", r.path.display()))?;
        crate::spec::ensure_band_names(&r.path, img.bands, &p.band_names)?;
        if let Some(m) = &r.cloud_mask {
            let mask = read_raster(m).with_context(|| format!("reading cloud mask {}", m.display()))?;
            ensure!(
                (mask.rows, mask.cols) == (img.rows, img.cols) && mask.transform == img.transform,
                "cloud mask {} is not on the grid of {}",
                m.display(),
                r.path.display()
            );
            apply_cloud_mask(&mut img, &mask);
        }
        rasters.push(img);
    }
    Ok(stack_dates(&rasters)?)
}

fn imagery_side(
    p: &TimeSeriesPipeline,
    img: &LabelledImage,
    dates: &[terradl_data::Date],
    pixels: &[usize],
    what: &str,
) -> Result<Side> {
    let ts = TimeSeriesDataset::from_stack(&img.image, dates.to_vec(), p.band_names.clone(), pixels)?;
    let y = pixels.iter().map(|&i| img.labels[i]).collect();
    let mut ts = ts.with_labels(y, img.class_names.clone())?;
    let (gaps, out_of_range) = clean_series(&mut ts, p.nodata, p.valid_range);
    // Samples with a band missing on every date cannot be filled: drop them.
    let per = ts.n_dates * ts.n_bands;
    let keep: Vec<usize> = (0..ts.n_samples).filter(|&s| ts.x[s * per..(s + 1) * per].iter().all(|v| v.is_finite())).collect();
    tracing::info!(what, samples = ts.n_samples, filled = gaps.filled, out_of_range, dropped = ts.n_samples - keep.len(), "series");
    let fields: Vec<u32> = keep.iter().map(|&s| img.objects[pixels[s]]).collect();
    if keep.len() < ts.n_samples {
        ts = ts.subset(&keep);
    }
    ensure!(ts.n_samples > 0, "no {what} pixel has a usable series (all observations missing)");
    Ok(Side { ts, fields })
}

fn feature_names(date_names: &[String], band_names: &[String]) -> Vec<String> {
    date_names.iter().flat_map(|d| band_names.iter().map(move |b| format!("{d}_{b}"))).collect()
}

/// Dated imagery and labelled field polygons, split by field.
pub(super) fn from_imagery(p: &TimeSeriesPipeline) -> Result<LabelledSeries> {
    let (Some(labels), Some(class_attribute)) = (&p.labels, &p.class_attribute) else {
        bail!("an imagery pipeline needs `labels` and `class_attribute`");
    };
    let dates = p.parsed_dates()?;
    let stack = read_stack(p)?;
    ensure!(
        stack.bands == dates.len() * p.band_names.len(),
        "the imagery has {} bands but {} dates x {} band_names need {}",
        stack.bands,
        dates.len(),
        p.band_names.len(),
        dates.len() * p.band_names.len()
    );
    let layer = terradl_geo::vector::read_vector_in(labels, &stack.crs)
        .with_context(|| format!("reading labels {}", labels.display()))?;
    ensure!(!layer.features.is_empty(), "no field polygons in {}", labels.display());
    let date_names: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let names = feature_names(&date_names, &p.band_names);
    let img = LabelledImage::from_layer(stack, &layer, class_attribute, names.clone())
        .with_context(|| format!("burning {} onto the imagery", labels.display()))?;
    let k = img.n_classes();
    ensure!(k >= 2, "the labels hold {k} class(es); classification needs at least 2");
    ensure!(!img.labelled_pixels().is_empty(), "no field polygon covers a pixel of the imagery");

    // Hold-out by field, then validation fields out of the training fields.
    let s = &p.split;
    let outer = object_split(&img.objects, &img.labels, s.test_fraction, s.seed)?;
    let mut train_objects = img.objects.clone();
    for &i in &outer.test {
        train_objects[i] = UNLABELLED;
    }
    let (fit_px, val_px) = if s.val_fraction > 0.0 {
        let inner = object_split(&train_objects, &img.labels, s.val_fraction, s.seed.wrapping_add(1))?;
        (inner.train, inner.test)
    } else {
        (outer.train.clone(), Vec::new())
    };
    let cap = |px: &[usize], seed: u64| {
        if s.max_pixels_per_field == 0 { px.to_vec() } else { sample_per_object(&img.objects, px, s.max_pixels_per_field, seed) }
    };
    let train = imagery_side(p, &img, &dates, &cap(&fit_px, s.seed), "training")?;
    let test = imagery_side(p, &img, &dates, &cap(&outer.test, s.seed + 2), "test")?;
    let val = if val_px.is_empty() { None } else { Some(imagery_side(p, &img, &dates, &cap(&val_px, s.seed + 3), "validation")?) };
    tracing::info!(
        train_fields = outer.train_objects.len(),
        test_fields = outer.test_objects.len(),
        train = train.ts.n_samples,
        test = test.ts.n_samples,
        "split by field"
    );
    let split_note = format!(
        "Held out by field: {} training, {} test fields ({} / {} pixels used). Field labels are the \
         mean of the field's pixel probabilities.",
        outer.train_objects.len(),
        outer.test_objects.len(),
        train.ts.n_samples,
        test.ts.n_samples
    );
    Ok(LabelledSeries {
        train,
        test,
        val,
        class_names: img.class_names.clone(),
        date_names,
        feature_names: names,
        crs: img.image.crs.clone(),
        has_fields: true,
        split_note,
        dataset: format!("{} dates + {}", dates.len(), labels.display()),
    })
}

/// Field index of each sample of `table`: its field column's ids numbered in order of first
/// appearance, or each sample its own field.
fn field_ids(table: &SampleTable, index: &mut HashMap<String, u32>) -> Vec<u32> {
    match &table.fields {
        Some(names) => names
            .iter()
            .map(|f| {
                let next = index.len() as u32;
                *index.entry(f.clone()).or_insert(next)
            })
            .collect(),
        None => (0..table.series.n_samples as u32).map(|i| i + index.len() as u32).collect(),
    }
}

/// Each class needs at least `min` fields (samples when there are no fields) for the split.
fn check_class_sizes(series: &TimeSeriesDataset, fields: &[u32], min: usize, what: &str, file: &std::path::Path) -> Result<()> {
    let mut per_class: BTreeMap<u32, std::collections::BTreeSet<u32>> = BTreeMap::new();
    for (&y, &f) in series.y.iter().zip(fields) {
        per_class.entry(y).or_default().insert(f);
    }
    for (c, set) in &per_class {
        ensure!(
            set.len() >= min,
            "{}: class {:?} has {} {what}, but the split needs at least {min} per class (one each side)",
            file.display(),
            series.class_names[*c as usize],
            set.len()
        );
    }
    Ok(())
}

/// Sample tables: a training table and a test table, or one table split per `[split]`
/// (by field when the layout names a field column).
pub(super) fn from_tables(p: &TimeSeriesPipeline) -> Result<LabelledSeries> {
    let Some(samples) = &p.samples else { bail!("a sample-table pipeline needs `samples`") };
    let axis = p.table_axis()?;
    let table = read_sample_table(samples, &p.table, &axis, &p.band_names, None).map_err(DataError::from)?;
    let has_fields = table.fields.is_some();
    let mut index = HashMap::new();
    let fields = field_ids(&table, &mut index);
    let what = if has_fields { "fields" } else { "samples" };
    let class_names = table.series.class_names.clone();
    ensure!(class_names.len() >= 2, "{}: the labels hold {} class(es); classification needs at least 2", samples.display(), class_names.len());
    let s = &p.split;
    let (fit, test, val, split_note) = match &p.test_samples {
        Some(test_path) => {
            let test_table = read_sample_table(test_path, &p.table, &axis, &p.band_names, Some(&class_names)).map_err(DataError::from)?;
            ensure!(
                test_table.time_labels == table.time_labels,
                "{} and {} have different dates",
                samples.display(),
                test_path.display()
            );
            let test_fields = field_ids(&test_table, &mut index);
            let test = Side { ts: test_table.series, fields: test_fields };
            let all: Vec<usize> = (0..table.series.n_samples).collect();
            let (fit_idx, val_idx) = if s.val_fraction > 0.0 {
                check_class_sizes(&table.series, &fields, 2, what, samples)?;
                let inner = object_split(&fields, &table.series.y, s.val_fraction, s.seed.wrapping_add(1))?;
                (inner.train, inner.test)
            } else {
                (all, Vec::new())
            };
            let note = format!(
                "Standard split: {} training samples ({} for fitting, {} for validation) from {}, {} test samples from {}.",
                table.series.n_samples,
                fit_idx.len(),
                val_idx.len(),
                samples.display(),
                test.ts.n_samples,
                test_path.display()
            );
            (fit_idx, test, val_idx, note)
        }
        None => {
            check_class_sizes(&table.series, &fields, 2, what, samples)?;
            let outer = object_split(&fields, &table.series.y, s.test_fraction, s.seed)?;
            let (fit_idx, val_idx) = if s.val_fraction > 0.0 {
                let mut train_fields = fields.clone();
                for &i in &outer.test {
                    train_fields[i] = UNLABELLED;
                }
                let inner = object_split(&train_fields, &table.series.y, s.val_fraction, s.seed.wrapping_add(1))?;
                (inner.train, inner.test)
            } else {
                (outer.train.clone(), Vec::new())
            };
            let test = Side { ts: table.series.subset(&outer.test), fields: outer.test.iter().map(|&i| fields[i]).collect() };
            let note = format!(
                "Held out by {}: {} training, {} test {what} ({} / {} samples).",
                if has_fields { "field" } else { "sample (stratified)" },
                outer.train_objects.len(),
                outer.test_objects.len(),
                outer.train.len(),
                outer.test.len()
            );
            (fit_idx, test, val_idx, note)
        }
    };
    let side = |idx: &[usize]| Side { ts: table.series.subset(idx), fields: idx.iter().map(|&i| fields[i]).collect() };
    let train = side(&fit);
    let val = (!val.is_empty()).then(|| side(&val));
    tracing::info!(train = train.ts.n_samples, test = test.ts.n_samples, val = val.as_ref().map_or(0, |v| v.ts.n_samples), filled = table.filled, "sample tables");
    Ok(LabelledSeries {
        train,
        test,
        val,
        feature_names: feature_names(&table.time_labels, &p.band_names),
        date_names: table.time_labels,
        class_names,
        crs: Crs::default(),
        has_fields,
        split_note,
        dataset: format!("sample table {}", samples.display()),
    })
}
