//! The time-series (crop-type) pipeline: dated rasters + labelled field polygons -> per-pixel
//! series (nodata / cloud masking, linear interpolation in time) -> a hold-out **by field** ->
//! TempCNN / LSTM / L-TAE / random forest trained on pixels -> pixel- and field-level accuracy
//! (field = mean of its pixels' probabilities) -> per-date permutation importance -> optional
//! OSVM-OCNN fusion of a deep model with an object-based classifier on field mean series.

use super::config::TimeSeriesPipeline;
use super::series::{apply_cloud_mask, clean_series};
use crate::model_store::{self, ModelManifest, RunKind};
use crate::run_writer::RunWriter;
use crate::score::{most_accurate, summary_line, Accuracy, MethodScore, FIELD, PIXEL};
use crate::spec::PipelineRun;
use crate::RunOutcome;
use crate::error::{Context, Result, ensure};
use serde::Serialize;
use std::time::Instant;
use terradl_assess::ConfusionMatrix;
use terradl_data::{aggregate_probabilities, field_mean_series, stack_dates};
use terradl_data::sampling::{object_split, sample_per_object};
use terradl_data::{LabelledImage, TimeSeriesDataset, UNLABELLED};
use terradl_geo::read_raster;
use terradl_geo::Raster;
use terradl_report::run_files::RunInfo;
use terradl_train::fusion::{choose_threshold, fuse};
use terradl_train::importance::{date_groups, permutation_importance, GroupImportance};
use terradl_train::pixel::PixelClassifier;
use terradl_train::ClassProbabilities;

/// OSVM-OCNN fusion figures.
#[derive(Debug, Clone, Serialize)]
pub struct FusionReport {
    /// Name of the deep model that was fused.
    pub deep_model: String,
    /// Name of the object-based classifier.
    pub object_model: String,
    /// Threshold chosen on the validation fields.
    pub threshold: terradl_train::fusion::FusionThreshold,
    /// Test fields: deep model alone, object classifier alone, fused.
    pub test_deep: Accuracy,
    /// Object-based classifier alone on the test fields.
    pub test_object: Accuracy,
    /// Fused prediction on the test fields.
    pub test_fused: Accuracy,
}

/// The labelled series of one side of the split.
struct Side {
    ts: TimeSeriesDataset,
    /// Field id of each sample.
    fields: Vec<u32>,
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

fn side(
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
        let x = keep.iter().flat_map(|&s| ts.x[s * per..(s + 1) * per].iter().copied()).collect();
        ts.y = keep.iter().map(|&s| ts.y[s]).collect();
        ts.pixel = keep.iter().map(|&s| ts.pixel[s]).collect();
        ts.x = x;
        ts.n_samples = keep.len();
    }
    ensure!(ts.n_samples > 0, "no {what} pixel has a usable series (all observations missing)");
    Ok(Side { ts, fields })
}

/// Field reference labels and aggregated probabilities of `proba` over `side`'s fields.
fn field_level(side: &Side, proba: &ClassProbabilities) -> Result<(Vec<u32>, ClassProbabilities, Vec<u32>)> {
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

impl PipelineRun for TimeSeriesPipeline {
    fn paths_mut(&mut self) -> Vec<&mut std::path::PathBuf> {
        TimeSeriesPipeline::paths_mut(self)
    }
    fn validate(&self) -> Result<()> {
        TimeSeriesPipeline::validate(self)
    }
    fn run(&self, config_toml: &str) -> Result<RunOutcome> {
        run(self, config_toml)
    }
}

/// Run the pipeline; `config_toml` is stored with the run.
fn run(p: &TimeSeriesPipeline, config_toml: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
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
    let layer = terradl_geo::vector::read_vector(&p.labels).with_context(|| format!("reading labels {}", p.labels.display()))?;
    ensure!(!layer.features.is_empty(), "no field polygons in {}", p.labels.display());
    let stack_band_names =
        dates.iter().flat_map(|d| p.band_names.iter().map(move |b| format!("{d}_{b}"))).collect::<Vec<_>>();
    let img = LabelledImage::from_layer(stack, &layer, &p.class_attribute, stack_band_names)
        .with_context(|| format!("burning {} onto the imagery", p.labels.display()))?;
    let k = img.n_classes();
    ensure!(k >= 2, "the labels hold {k} class(es); classification needs at least 2");
    ensure!(img.labelled_pixels().len() > 0, "no field polygon covers a pixel of the imagery");

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
    let series_seconds = t0.elapsed().as_secs_f64();

    let mut out = RunWriter::create(&p.output, config_toml)?;
    out.timing("series", series_seconds);
    let (nt, nb) = (train.ts.n_dates, train.ts.n_bands);
    let nf = nt * nb;
    let days: Vec<f32> = train.ts.day_of_year().iter().map(|&d| d as f32).collect();
    let date_names: Vec<String> = dates.iter().map(|d| d.to_string()).collect();
    let mut scores = Vec::new();
    let mut names = Vec::new();
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
        let n_train = train.ts.n_samples;
        scores.push(MethodScore::new(&name, i, PIXEL, &pixel_cm, n_train, fit_seconds));
        scores.push(MethodScore::new(&name, i, FIELD, &field_cm, n_train, fit_seconds));
        out.timing(format!("train {name}"), fit_seconds);
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
            out.timing(format!("importance {name}"), t.elapsed().as_secs_f64());
            importance.push((name.clone(), imp));
        }
        if let (Some(f), Some(v)) = (&p.fusion, &val) {
            if f.deep == i {
                let (_, val_fields, _) = field_level(v, &model.predict_proba(&v.ts.x, nf)?)?;
                deep_probs = Some((val_fields, field_proba.clone()));
            }
        }
        field_cms.push(field_cm);
        names.push(name);
        trained.push(model);
    }
    out.scores(&scores)?;
    if !importance.is_empty() {
        let json: Vec<_> = importance.iter().map(|(m, imp)| serde_json::json!({"model": m, "dates": imp})).collect();
        out.json("importance.json", &json)?;
        terradl_report::write_atomic(&out.dir().join("importance.csv"), importance_csv(&importance).as_bytes())
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
            deep_model: names[f.deep].clone(),
            object_model: object.name().to_string(),
            test_deep: Accuracy::of(&cm(&test_deep.argmax())?),
            test_object: Accuracy::of(&cm(&obj_test)?),
            test_fused: Accuracy::of(&cm(&fused)?),
            threshold,
        };
        tracing::info!(threshold = report.threshold.threshold, fused_oa = report.test_fused.overall_accuracy, "OSVM-OCNN fusion");
        out.json("fusion.json", &report)?;
        fusion = Some(report);
    }

    // Report files for the best model at field level.
    let best = most_accurate(&scores, FIELD).map_or(0, |s| s.position);
    let cm = &field_cms[best];
    // weights with the per-band normalisation learnt on the training series, for `terradl predict`
    let manifest = ModelManifest::new(RunKind::TimeSeries, img.band_names.clone(), img.class_names.clone(), img.image.crs.clone())
        .with_best(best);
    let field_oa = |i: usize| scores.iter().find(|s| s.position == i && s.target == FIELD).map_or(f64::NAN, |s| s.overall_accuracy());
    let saved: Vec<(String, &dyn PixelClassifier, f64)> =
        trained.iter().enumerate().map(|(i, m)| (names[i].clone(), m.as_ref(), field_oa(i))).collect();
    out.save_models(manifest, |dir| model_store::save_pixel_models(dir, &saved))?;
    out.accuracy(cm, &img.class_names, None, &[])?;
    let mut notes = vec![
        format!(
            "Held out by field: {} training, {} test fields ({} / {} pixels used). Field labels are the \
             mean of the field's pixel probabilities.",
            outer.train_objects.len(),
            outer.test_objects.len(),
            train.ts.n_samples,
            test.ts.n_samples
        ),
        summary_line(&scores),
        format!("The accuracy tables show {} at field level.", names[best]),
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
        ..RunInfo::default()
    };
    let report = out.finish(run_info, format!("{} dates + {}", dates.len(), p.labels.display()))?;
    let mut details = Vec::new();
    if let Some(f) = &fusion {
        details.push(format!(
            "OSVM-OCNN ({} + {}): threshold {:.3}, test field OA fused {:.4} / deep {:.4} / object {:.4}",
            f.deep_model,
            f.object_model,
            f.threshold.threshold,
            f.test_fused.overall_accuracy,
            f.test_deep.overall_accuracy,
            f.test_object.overall_accuracy
        ));
    }
    details.push(format!("classes:       {}", img.class_names.join(", ")));
    Ok(RunOutcome { dir: p.output.clone(), report, scores, details })
}
