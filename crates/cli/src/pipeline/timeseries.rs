//! The time-series (crop-type) pipeline: dated rasters + labelled field polygons -> per-pixel
//! series (nodata / cloud masking, linear interpolation in time) -> a hold-out **by field** ->
//! TempCNN / LSTM / L-TAE / random forest trained on pixels -> pixel- and field-level accuracy
//! (field = mean of its pixels' probabilities) -> per-date permutation importance -> optional
//! OSVM-OCNN fusion of a deep model with an object-based classifier on field mean series.

use super::model_store::{self, ModelManifest};
use super::run_dir::{accuracy_metrics, confusion_data, write_json};
use super::timeseries_config::TimeSeriesPipeline;
use anyhow::Context;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use terradl_assess::ConfusionMatrix;
use terradl_data::field_series::{aggregate_probabilities, field_mean_series, mask_outside, stack_dates};
use terradl_data::gap_fill::{fill_gaps, mask_invalid, GapReport};
use terradl_data::sampling::{object_split, sample_per_object};
use terradl_data::{LabelledImage, TimeSeriesDataset, UNLABELLED};
use terradl_geo::geotiff::read_geotiff;
use terradl_geo::Raster;
use terradl_report::run_files::{RunInfo, Timing};
use terradl_report::{ColorTable, RunMetadata};
use terradl_train::fusion::{choose_threshold, fuse};
use terradl_train::importance::{date_groups, permutation_importance, GroupImportance};
use terradl_train::pixel::PixelClassifier;
use terradl_train::ClassProbabilities;

/// Accuracy figures of one set of predictions.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    pub overall_accuracy: f64,
    pub kappa: f64,
    pub macro_f1: f64,
    /// F1 of each class (NaN where undefined).
    pub f1: Vec<f64>,
    pub n: u64,
}

impl Scores {
    fn of(cm: &ConfusionMatrix) -> Scores {
        Scores {
            overall_accuracy: cm.overall_accuracy().unwrap_or(f64::NAN),
            kappa: cm.kappa().unwrap_or(f64::NAN),
            macro_f1: cm.macro_f1().unwrap_or(f64::NAN),
            f1: (0..cm.n_classes()).map(|c| cm.f1(c).unwrap_or(f64::NAN)).collect(),
            n: cm.total(),
        }
    }
}

/// Test figures of one model, per pixel and per field.
#[derive(Debug, Clone, Serialize)]
pub struct TemporalScore {
    pub model: String,
    pub pixel: Scores,
    pub field: Scores,
    pub fit_seconds: f64,
    pub n_train: usize,
}

/// OSVM-OCNN fusion figures.
#[derive(Debug, Clone, Serialize)]
pub struct FusionReport {
    pub deep_model: String,
    pub object_model: String,
    pub threshold: terradl_train::fusion::FusionThreshold,
    /// Test fields: deep model alone, object classifier alone, fused.
    pub test_deep: Scores,
    pub test_object: Scores,
    pub test_fused: Scores,
}

/// What a finished run produced.
pub struct TimeSeriesRun {
    pub dir: PathBuf,
    pub class_names: Vec<String>,
    pub scores: Vec<TemporalScore>,
    pub fusion: Option<FusionReport>,
    pub report: PathBuf,
}

/// The labelled series of one side of the split.
struct Side {
    ts: TimeSeriesDataset,
    /// Field id of each sample.
    fields: Vec<u32>,
}

fn read_stack(p: &TimeSeriesPipeline) -> anyhow::Result<Raster> {
    if let Some(stack) = &p.stack {
        return read_geotiff(stack).with_context(|| format!("reading stack {}", stack.display()));
    }
    let mut rasters = Vec::with_capacity(p.rasters.len());
    for r in &p.rasters {
        let mut img = read_geotiff(&r.path).with_context(|| format!("reading {}", r.path.display()))?;
        anyhow::ensure!(
            img.bands == p.band_names.len(),
            "{} has {} bands but band_names lists {}",
            r.path.display(),
            img.bands,
            p.band_names.len()
        );
        if let Some(m) = &r.cloud_mask {
            let mask = read_geotiff(m).with_context(|| format!("reading cloud mask {}", m.display()))?;
            anyhow::ensure!(
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

/// Set every band of `img` to NaN where the single-band `mask` (same grid) is non-zero and
/// not nodata (a cloudy pixel).
pub(crate) fn apply_cloud_mask(img: &mut Raster, mask: &Raster) {
    let n = img.pixels();
    for (px, &c) in mask.band(0).iter().enumerate() {
        if c != 0.0 && !mask.is_nodata(c) {
            for b in 0..img.bands {
                img.data[b * n + px] = f32::NAN;
            }
        }
    }
}

/// Missing values of `ts` to NaN (the pipeline's extra `nodata`, values outside
/// `valid_range`), then linear interpolation in time; the same steps for training series and
/// for the maps of `terradl predict`. Returns the gap report and the out-of-range count.
pub(crate) fn clean_series(ts: &mut TimeSeriesDataset, nodata: Option<f32>, valid_range: Option<[f32; 2]>) -> (GapReport, usize) {
    mask_invalid(ts, nodata, None);
    let out_of_range = valid_range.map_or(0, |[lo, hi]| mask_outside(ts, lo, hi));
    (fill_gaps(ts), out_of_range)
}

fn side(
    p: &TimeSeriesPipeline,
    img: &LabelledImage,
    dates: &[terradl_data::Date],
    pixels: &[usize],
    what: &str,
) -> anyhow::Result<Side> {
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
        let x = keep.iter().flat_map(|&s| ts.x[s * per..(s + 1) * per].iter().copied()).collect();
        ts.y = keep.iter().map(|&s| ts.y[s]).collect();
        ts.pixel = keep.iter().map(|&s| ts.pixel[s]).collect();
        ts.x = x;
        ts.n_samples = keep.len();
    }
    anyhow::ensure!(ts.n_samples > 0, "no {what} pixel has a usable series (all observations missing)");
    Ok(Side { ts, fields })
}

/// Field reference labels and aggregated probabilities of `proba` over `side`'s fields.
fn field_level(side: &Side, proba: &ClassProbabilities) -> anyhow::Result<(Vec<u32>, ClassProbabilities, Vec<u32>)> {
    let (ids, agg) = aggregate_probabilities(&proba.values, proba.n_classes, &side.fields)?;
    let (ids2, _, y) = field_mean_series(&side.ts, &side.fields)?;
    debug_assert_eq!(ids, ids2);
    Ok((ids, ClassProbabilities { n_classes: proba.n_classes, values: agg }, y))
}

fn importance_csv(rows: &[(String, Vec<GroupImportance>)]) -> String {
    let mut s = String::from("model,date,baseline_accuracy,mean_drop,std_drop\n");
    for (model, imp) in rows {
        for g in imp {
            s += &format!("{model},{},{:.6},{:.6},{:.6}\n", g.group, g.baseline_accuracy, g.mean_drop, g.std_drop);
        }
    }
    s
}

/// Run the pipeline; `config_text` is stored in the report.
pub fn run(p: &TimeSeriesPipeline, config_text: &str) -> anyhow::Result<TimeSeriesRun> {
    let t0 = Instant::now();
    let mut timings = Vec::new();
    let dates = p.parsed_dates()?;
    let stack = read_stack(p)?;
    anyhow::ensure!(
        stack.bands == dates.len() * p.band_names.len(),
        "the imagery has {} bands but {} dates x {} band_names need {}",
        stack.bands,
        dates.len(),
        p.band_names.len(),
        dates.len() * p.band_names.len()
    );
    let layer = terradl_geo::vector::read_vector(&p.labels).with_context(|| format!("reading labels {}", p.labels.display()))?;
    anyhow::ensure!(!layer.features.is_empty(), "no field polygons in {}", p.labels.display());
    let stack_band_names =
        dates.iter().flat_map(|d| p.band_names.iter().map(move |b| format!("{d}_{b}"))).collect::<Vec<_>>();
    let img = LabelledImage::from_layer(stack, &layer, &p.class_attribute, stack_band_names)
        .with_context(|| format!("burning {} onto the imagery", p.labels.display()))?;
    let k = img.n_classes();
    anyhow::ensure!(k >= 2, "the labels hold {k} class(es); classification needs at least 2");
    anyhow::ensure!(img.labelled_pixels().len() > 0, "no field polygon covers a pixel of the imagery");

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
    let train = side(p, &img, &dates, &cap(&fit_px, s.seed), "training")?;
    let test = side(p, &img, &dates, &cap(&outer.test, s.seed + 2), "test")?;
    let val = if val_px.is_empty() { None } else { Some(side(p, &img, &dates, &cap(&val_px, s.seed + 3), "validation")?) };
    tracing::info!(
        train_fields = outer.train_objects.len(),
        test_fields = outer.test_objects.len(),
        train = train.ts.n_samples,
        test = test.ts.n_samples,
        "split by field"
    );
    timings.push(Timing { stage: "series".into(), seconds: t0.elapsed().as_secs_f64() });

    std::fs::create_dir_all(&p.output).with_context(|| format!("creating {}", p.output.display()))?;
    let (nt, nb) = (train.ts.n_dates, train.ts.n_bands);
    let nf = nt * nb;
    let days: Vec<f32> = train.ts.day_of_year().iter().map(|&d| d as f32).collect();
    let date_names: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let mut scores = Vec::new();
    let mut importance = Vec::new();
    let mut field_cms = Vec::new();
    let mut deep_probs: Option<(ClassProbabilities, ClassProbabilities)> = None;
    let mut trained = Vec::with_capacity(p.models.len());
    for (i, cfg) in p.models.iter().enumerate() {
        let mut model = cfg.build(nt, nb, &days)?;
        let name = format!("{}#{i}", model.name());
        let t = Instant::now();
        model.fit(&train.ts.x, nf, &train.ts.y).with_context(|| format!("training {name}"))?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let proba = model.predict_proba(&test.ts.x, nf)?;
        let pixel_cm = ConfusionMatrix::from_labels(&test.ts.y, &proba.argmax(), k, None)?;
        let (_, field_proba, field_y) = field_level(&test, &proba)?;
        let field_cm = ConfusionMatrix::from_labels(&field_y, &field_proba.argmax(), k, None)?;
        let score = TemporalScore {
            model: name.clone(),
            pixel: Scores::of(&pixel_cm),
            field: Scores::of(&field_cm),
            fit_seconds,
            n_train: train.ts.n_samples,
        };
        tracing::info!(model = %name, pixel_oa = score.pixel.overall_accuracy, field_oa = score.field.overall_accuracy, "test accuracy");
        timings.push(Timing { stage: format!("train {name}"), seconds: fit_seconds });
        if p.importance.repeats > 0 {
            let t = Instant::now();
            let imp = permutation_importance(
                model.as_ref(),
                &test.ts.x,
                nf,
                &test.ts.y,
                &date_groups(&date_names, nb),
                p.importance.repeats,
                p.importance.seed,
            )?;
            timings.push(Timing { stage: format!("importance {name}"), seconds: t.elapsed().as_secs_f64() });
            importance.push((name.clone(), imp));
        }
        if let (Some(f), Some(v)) = (&p.fusion, &val) {
            if f.deep == i {
                let (_, val_fields, _) = field_level(v, &model.predict_proba(&v.ts.x, nf)?)?;
                deep_probs = Some((val_fields, field_proba.clone()));
            }
        }
        field_cms.push(field_cm);
        scores.push(score);
        trained.push(model);
    }
    write_json(&p.output, "models.json", &scores)?;
    if !importance.is_empty() {
        let json: Vec<_> = importance.iter().map(|(m, imp)| serde_json::json!({"model": m, "dates": imp})).collect();
        write_json(&p.output, "importance.json", &json)?;
        terradl_report::write_atomic(&p.output.join("importance.csv"), importance_csv(&importance).as_bytes())
            .context("writing importance.csv")?;
    }

    // OSVM-OCNN: object-based classifier on field mean series; threshold on validation fields.
    let mut fusion = None;
    if let (Some(f), Some(v), Some((val_deep, test_deep))) = (&p.fusion, &val, deep_probs) {
        let (_, fx_train, fy_train) = field_mean_series(&train.ts, &train.fields)?;
        let (_, fx_val, fy_val) = field_mean_series(&v.ts, &v.fields)?;
        let (_, fx_test, fy_test) = field_mean_series(&test.ts, &test.fields)?;
        let mut object = f.object.build();
        object.fit(&fx_train, nf, &fy_train).context("training the object-based classifier")?;
        let obj_val = object.predict(&fx_val, nf)?;
        let obj_test = object.predict(&fx_test, nf)?;
        let threshold = choose_threshold(&val_deep, &obj_val, &fy_val)?;
        let fused = fuse(&test_deep, &obj_test, threshold.threshold)?;
        let cm = |pred: &[u32]| ConfusionMatrix::from_labels(&fy_test, pred, k, None);
        let report = FusionReport {
            deep_model: scores[f.deep].model.clone(),
            object_model: object.name().to_string(),
            test_deep: Scores::of(&cm(&test_deep.argmax())?),
            test_object: Scores::of(&cm(&obj_test)?),
            test_fused: Scores::of(&cm(&fused)?),
            threshold,
        };
        tracing::info!(threshold = report.threshold.threshold, fused_oa = report.test_fused.overall_accuracy, "OSVM-OCNN fusion");
        write_json(&p.output, "fusion.json", &report)?;
        fusion = Some(report);
    }

    // Report files for the best model at field level.
    let best = (0..scores.len())
        .max_by(|&a, &b| scores[a].field.overall_accuracy.total_cmp(&scores[b].field.overall_accuracy))
        .unwrap_or(0);
    let cm = &field_cms[best];
    let colors = ColorTable::from_names(&img.class_names);
    // weights with the per-band normalisation learnt on the training series, for `terradl predict`
    let manifest = ModelManifest {
        format: model_store::FORMAT,
        band_names: img.band_names.clone(),
        indices: Vec::new(),
        class_names: img.class_names.clone(),
        colors: colors.classes.iter().map(|c| c.color).collect(),
        crs: img.image.crs.clone(),
        best,
        models: Vec::new(),
        config_toml: config_text.to_string(),
    };
    let saved: Vec<(String, &dyn PixelClassifier, f64)> =
        trained.iter().zip(&scores).map(|(m, s)| (s.model.clone(), m.as_ref(), s.field.overall_accuracy)).collect();
    let model_dir = model_store::save_models(&p.output, manifest, &saved).context("saving the trained models")?;
    tracing::info!(dir = %model_dir.display(), "saved trained models");
    write_json(&p.output, terradl_report::run_files::CLASSES_FILE, &colors)?;
    write_json(&p.output, terradl_report::run_files::CONFUSION_FILE, &confusion_data(cm, &img.class_names))?;
    let metrics = accuracy_metrics(cm, &img.class_names, None, &[]);
    write_json(&p.output, terradl_report::run_files::METRICS_FILE, &metrics)?;
    let mut notes = vec![
        format!(
            "Held out by field: {} training, {} test fields ({} / {} pixels used). Field labels are the \
             mean of the field's pixel probabilities.",
            outer.train_objects.len(),
            outer.test_objects.len(),
            train.ts.n_samples,
            test.ts.n_samples
        ),
        scores
            .iter()
            .map(|s| format!("{}: pixel OA {:.3}, field OA {:.3} kappa {:.3}", s.model, s.pixel.overall_accuracy, s.field.overall_accuracy, s.field.kappa))
            .collect::<Vec<_>>()
            .join("; "),
        format!("The accuracy tables show {} at field level.", scores[best].model),
    ];
    if let Some(f) = &fusion {
        notes.push(format!(
            "OSVM-OCNN fusion ({} + {}), threshold {:.3} chosen on validation fields: test field OA {:.3} (deep {:.3}, object {:.3}).",
            f.deep_model, f.object_model, f.threshold.threshold, f.test_fused.overall_accuracy, f.test_deep.overall_accuracy, f.test_object.overall_accuracy
        ));
    }
    let run_info = RunInfo {
        title: Some(format!("terradl crop time series: {}", p.name)),
        notes,
        meta: RunMetadata {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            config_toml: config_text.to_string(),
            dataset: format!("{} dates + {}", dates.len(), p.labels.display()),
            timings,
            terradl_version: env!("CARGO_PKG_VERSION").into(),
            date: terradl_report::html::now_utc(),
        },
        ..RunInfo::default()
    };
    write_json(&p.output, terradl_report::run_files::RUN_FILE, &run_info)?;
    let report = crate::commands::report::write_report(&p.output)?;
    Ok(TimeSeriesRun { dir: p.output.clone(), class_names: img.class_names.clone(), scores, fusion, report })
}

/// Whether the pipeline TOML at `path` is a time-series pipeline.
pub fn is_time_series(path: &std::path::Path) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read pipeline {}: {e}", path.display()))?;
    Ok(super::config::pipeline_kind(&text)? == super::timeseries_config::KIND)
}

/// Load, run and print the scores of the time-series pipeline at `path`.
pub fn run_file(path: &std::path::Path) -> anyhow::Result<()> {
    let (p, text) = TimeSeriesPipeline::load(path)?;
    let out = run(&p, &text)?;
    println!(
        "{:<16} {:>8} {:>8} {:>9} {:>8} {:>8} {:>9} {:>9}",
        "model", "pixel OA", "kappa", "macro F1", "field OA", "kappa", "macro F1", "fit (s)"
    );
    for s in &out.scores {
        println!(
            "{:<16} {:>8.4} {:>8.4} {:>9.4} {:>8.4} {:>8.4} {:>9.4} {:>9.2}",
            s.model,
            s.pixel.overall_accuracy,
            s.pixel.kappa,
            s.pixel.macro_f1,
            s.field.overall_accuracy,
            s.field.kappa,
            s.field.macro_f1,
            s.fit_seconds
        );
    }
    if let Some(f) = &out.fusion {
        println!(
            "OSVM-OCNN ({} + {}): threshold {:.3}, test field OA fused {:.4} / deep {:.4} / object {:.4}",
            f.deep_model,
            f.object_model,
            f.threshold.threshold,
            f.test_fused.overall_accuracy,
            f.test_deep.overall_accuracy,
            f.test_object.overall_accuracy
        );
    }
    println!("classes:       {}", out.class_names.join(", "));
    println!("run directory: {}", out.dir.display());
    println!("report:        {}", out.report.display());
    Ok(())
}
