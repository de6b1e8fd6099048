//! The time-series (crop-type) pipeline: labelled series from dated rasters + field polygons
//! (nodata / cloud masking, linear interpolation in time, a hold-out **by field**) or from
//! sample tables -> TempCNN / LSTM / L-TAE / random forest, and optionally their deep
//! ensemble -> sample- and field-level accuracy (field = mean of its samples' probabilities)
//! -> per-date permutation importance -> calibration (temperature scaling on the validation
//! samples) and entropy of wrong vs right predictions -> optional OSVM-OCNN fusion of a deep
//! model with an object-based classifier on field mean series.

use super::calibration::out_of_fold;
use super::config::{ImportanceModels, TimeSeriesPipeline};
use super::diagnostics::{write_diagnostics, Diagnostics};
use super::sources::{from_imagery, from_tables, LabelledSeries, Side};
use crate::model_store::{self, ModelManifest, RunKind};
use crate::run_writer::RunWriter;
use crate::score::{most_accurate, summary_line, Accuracy, MethodScore, FIELD, PIXEL, SAMPLE};
use crate::spec::PipelineRun;
use crate::RunOutcome;
use crate::error::{bail, Context, Result};
use serde::Serialize;
use std::time::Instant;
use terradl_assess::ConfusionMatrix;
use terradl_data::sampling::stratified_folds;
use terradl_data::{aggregate_probabilities, field_mean_series};
use terradl_report::run_files::{BarChartData, RunInfo};
use terradl_train::distill::transfer_set;
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
    fn output(&self) -> &std::path::Path {
        &self.output
    }
    fn run(&self, config_toml: &str) -> Result<RunOutcome> {
        run(self, config_toml)
    }
}

/// Mean of several models' probabilities (same samples, same classes).
fn mean_probabilities(probas: &[&ClassProbabilities]) -> ClassProbabilities {
    let n = probas.len().max(1) as f32;
    let mut values = vec![0f32; probas.first().map_or(0, |p| p.values.len())];
    for p in probas {
        for (v, q) in values.iter_mut().zip(&p.values) {
            *v += q / n;
        }
    }
    ClassProbabilities { n_classes: probas.first().map_or(0, |p| p.n_classes), values }
}

/// Test (and validation) probabilities of one scored method.
struct Scored {
    name: String,
    test: ClassProbabilities,
    val: Option<ClassProbabilities>,
    /// Confusion matrix at the reporting level (field, or sample without fields).
    cm: ConfusionMatrix,
}

/// Score `proba` on the test side: sample level, and field level when there are fields.
fn score(
    data: &LabelledSeries,
    name: &str,
    position: usize,
    proba: &ClassProbabilities,
    fit_seconds: f64,
    n_train: usize,
    scores: &mut Vec<MethodScore>,
) -> Result<ConfusionMatrix> {
    let k = data.class_names.len();
    let test = &data.test;
    let sample_cm = ConfusionMatrix::from_labels(&test.ts.y, &proba.argmax(), k, None)?;
    if !data.has_fields {
        scores.push(MethodScore::new(name, position, SAMPLE, &sample_cm, n_train, fit_seconds));
        return Ok(sample_cm);
    }
    let (_, field_proba, field_y) = field_level(test, proba)?;
    let field_cm = ConfusionMatrix::from_labels(&field_y, &field_proba.argmax(), k, None)?;
    scores.push(MethodScore::new(name, position, PIXEL, &sample_cm, n_train, fit_seconds));
    scores.push(MethodScore::new(name, position, FIELD, &field_cm, n_train, fit_seconds));
    Ok(field_cm)
}

/// A trained single model to score.
struct Method<'a> {
    name: String,
    position: usize,
    model: &'a dyn PixelClassifier,
    fit_seconds: f64,
    /// Series it learnt from.
    n_train: usize,
    /// Whether it learnt from the validation series too (then it has no held-out ones).
    saw_validation: bool,
}

/// Scores `m` on the test side (sample and field level) and returns its validation
/// probabilities (none when it learnt from the validation series).
fn evaluate(data: &LabelledSeries, m: &Method<'_>, out: &mut RunWriter, scores: &mut Vec<MethodScore>) -> Result<Scored> {
    let (test, nf) = (&data.test, data.train.ts.n_dates * data.train.ts.n_bands);
    let proba = m.model.predict_proba(&test.ts.x, nf)?;
    let cm = score(data, &m.name, m.position, &proba, m.fit_seconds, m.n_train, scores)?;
    out.timing(format!("train {}", m.name), m.fit_seconds);
    let val = data.val.as_ref().filter(|_| !m.saw_validation).map(|v| m.model.predict_proba(&v.ts.x, nf)).transpose()?;
    Ok(Scored { name: m.name.clone(), test: proba, val, cm })
}

/// Run the pipeline; `config_toml` is stored with the run.
fn run(p: &TimeSeriesPipeline, config_toml: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let data = if p.samples.is_some() { from_tables(p)? } else { from_imagery(p)? };
    let series_seconds = t0.elapsed().as_secs_f64();
    let (train, test, val) = (&data.train, &data.test, data.val.as_ref());
    let k = data.class_names.len();
    let target = if data.has_fields { FIELD } else { SAMPLE };

    let mut out = RunWriter::create(&p.output, config_toml)?;
    out.timing("series", series_seconds);
    let (nt, nb) = (train.ts.n_dates, train.ts.n_bands);
    let nf = nt * nb;
    let days: Vec<f32> = train.ts.day_of_year().iter().map(|&d| d as f32).collect();
    // Cross-fitted calibration: the folds are drawn (and every class checked) before training.
    let calibration = match (&p.calibration, val) {
        (Some(c), None) => Some((c, stratified_folds(&train.ts.y, c.folds, c.seed).context("[calibration]")?)),
        _ => None,
    };
    let mut scores = Vec::new();
    let mut scored: Vec<Scored> = Vec::new();
    let mut trained = Vec::with_capacity(p.models.len());
    for (i, cfg) in p.models.iter().enumerate() {
        let mut model = cfg.build(nt, nb, &days)?;
        let name = format!("{}#{i}", model.name());
        let t = Instant::now();
        model.fit(&train.ts.x, nf, &train.ts.y).with_context(|| format!("training {name}"))?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let method = Method { name, position: i, model: model.as_ref(), fit_seconds, n_train: train.ts.n_samples, saw_validation: false };
        scored.push(evaluate(&data, &method, &mut out, &mut scores)?);
        trained.push(model);
    }
    let deep: Vec<usize> = (0..p.models.len()).filter(|&i| p.models[i].is_network()).collect();
    // Distillation: one more single model, taught by the deep models' mean probabilities.
    if let Some(d) = &p.distill {
        let t = Instant::now();
        let teachers = d.teachers.as_ref().unwrap_or(&deep);
        // The student's series: the training series, and the validation series when asked.
        let with_val = val.filter(|_| d.include_validation);
        let (mut x, mut y) = (train.ts.x.clone(), train.ts.y.clone());
        if let Some(v) = with_val {
            x.extend_from_slice(&v.ts.x);
            y.extend_from_slice(&v.ts.y);
        }
        let n_real = y.len();
        if d.transfer_copies > 0 {
            let (tx, ty) = transfer_set(&x, nf, &y, d.transfer_copies, d.transfer_alpha, d.transfer_seed)?;
            x.extend(tx);
            y.extend(ty);
        }
        let teacher = teachers.iter().map(|&i| trained[i].predict_proba(&x, nf)).collect::<Result<Vec<_>, _>>()?;
        let mut teacher = mean_probabilities(&teacher.iter().collect::<Vec<_>>()).values;
        // Born-again generations (Furlanello et al. 2018): each later student is taught by the
        // student before it, on the same series.
        for generation in 1..=d.generations {
            let t = if generation == 1 { t } else { Instant::now() };
            let mut student = d.student.build_network(nt, nb, &days)?;
            let position = trained.len();
            let name = match generation {
                1 => format!("distilled-{}#{position}", student.name()),
                g => format!("born-again-{}-g{g}#{position}", student.name()),
            };
            student.fit_distilled(&x, nf, &y, &teacher, &d.settings()).with_context(|| format!("training {name}"))?;
            let method = Method { name, position, model: &student, fit_seconds: t.elapsed().as_secs_f64(), n_train: n_real, saw_validation: with_val.is_some() };
            scored.push(evaluate(&data, &method, &mut out, &mut scores)?);
            if generation < d.generations {
                teacher = student.predict_proba(&x, nf)?.values;
            }
            trained.push(Box::new(student));
        }
    }
    // The calibration folds train after every scored model, so a resumed run numbers the
    // scored models' checkpoints as a run without `[calibration]` does.
    let cross_fit = match calibration {
        Some((c, folds)) => {
            let t = Instant::now();
            let oof = out_of_fold(&p.models[c.model], c, &train.ts, &folds, &days)?;
            out.timing(format!("calibration folds of {}", scored[c.model].name), t.elapsed().as_secs_f64());
            Some((c, oof))
        }
        None => None,
    };
    if p.ensemble && deep.len() >= 2 {
        let name = format!("ensemble({})", deep.iter().map(|&i| scored[i].name.as_str()).collect::<Vec<_>>().join("+"));
        let proba = mean_probabilities(&deep.iter().map(|&i| &scored[i].test).collect::<Vec<_>>());
        let val_proba = val.map(|_| mean_probabilities(&deep.iter().filter_map(|&i| scored[i].val.as_ref()).collect::<Vec<_>>()));
        let fit_seconds = deep.iter().filter_map(|&i| scores.iter().find(|s| s.position == i)).map(|s| s.fit_seconds).sum();
        let cm = score(&data, &name, scored.len(), &proba, fit_seconds, train.ts.n_samples, &mut scores)?;
        scored.push(Scored { name, test: proba, val: val_proba, cm });
    }
    out.scores(&scores)?;
    let single_oa = |i: usize| scores.iter().find(|s| s.position == i && s.target == target).map_or(f64::NAN, |s| s.overall_accuracy());
    let best_single = (0..trained.len()).max_by(|&a, &b| single_oa(a).total_cmp(&single_oa(b))).unwrap_or(0);
    let mut importance = Vec::new();
    if p.importance.repeats > 0 {
        let chosen: Vec<usize> = match p.importance.models {
            ImportanceModels::Best => vec![best_single],
            ImportanceModels::All => (0..trained.len()).collect(),
        };
        for i in chosen {
            let t = Instant::now();
            let imp = permutation_importance(
                trained[i].as_ref(),
                &test.ts.x,
                nf,
                &test.ts.y,
                &date_groups(&data.date_names, nb),
                p.importance.repeats,
                p.importance.seed,
            )?;
            out.timing(format!("importance {}", scored[i].name), t.elapsed().as_secs_f64());
            importance.push((scored[i].name.clone(), imp));
        }
    }
    if !importance.is_empty() {
        let json: Vec<_> = importance.iter().map(|(m, imp)| serde_json::json!({"model": m, "dates": imp})).collect();
        out.json("importance.json", &json)?;
        terradl_report::write_atomic(&out.dir().join("importance.csv"), importance_csv(&importance).as_bytes())
            .context("writing importance.csv")?;
    }

    // OSVM-OCNN: object-based classifier on field mean series; threshold on validation fields.
    let mut fusion = None;
    if let (Some(f), Some(v)) = (&p.fusion, val) {
        let deep_test = field_level(test, &scored[f.deep].test)?.1;
        let deep_val = match &scored[f.deep].val {
            Some(vp) => field_level(v, vp)?.1,
            None => bail!("fusion needs validation probabilities"),
        };
        let (_, fx_train, fy_train) = field_mean_series(&train.ts, &train.fields)?;
        let (_, fx_val, fy_val) = field_mean_series(&v.ts, &v.fields)?;
        let (_, fx_test, fy_test) = field_mean_series(&test.ts, &test.fields)?;
        let mut object = f.object.build();
        object.fit(&fx_train, nf, &fy_train).context("training the object-based classifier")?;
        let obj_val = object.predict(&fx_val, nf)?;
        let obj_test = object.predict(&fx_test, nf)?;
        let threshold = choose_threshold(&deep_val, &obj_val, &fy_val)?;
        let fused = fuse(&deep_test, &obj_test, threshold.threshold)?;
        let cm = |pred: &[u32]| ConfusionMatrix::from_labels(&fy_test, pred, k, None);
        let report = FusionReport {
            deep_model: scored[f.deep].name.clone(),
            object_model: object.name().to_string(),
            test_deep: Accuracy::of(&cm(&deep_test.argmax())?),
            test_object: Accuracy::of(&cm(&obj_test)?),
            test_fused: Accuracy::of(&cm(&fused)?),
            threshold,
        };
        tracing::info!(threshold = report.threshold.threshold, fused_oa = report.test_fused.overall_accuracy, "OSVM-OCNN fusion");
        out.json("fusion.json", &report)?;
        fusion = Some(report);
    }

    // Report files for the most accurate method (the ensemble included) at the reporting level;
    // the manifest's `best` is the most accurate single model, which `terradl predict` uses.
    let reported = most_accurate(&scores, target).map_or(0, |s| s.position);
    let shown = &scored[reported];
    let manifest = ModelManifest::new(RunKind::TimeSeries, data.feature_names.clone(), data.class_names.clone(), data.crs.clone())
        .with_best(best_single);
    let saved: Vec<(String, &dyn PixelClassifier, f64)> =
        trained.iter().enumerate().map(|(i, m)| (scored[i].name.clone(), m.as_ref(), single_oa(i))).collect();
    out.save_models(manifest, |dir| model_store::save_pixel_models(dir, &saved))?;
    out.accuracy(&shown.cm, &data.class_names, None, &[])?;
    // Temperature scaling needs held-out probabilities. With validation series, a method that
    // learned from them (a student with `include_validation`) lacks them: the reliability
    // diagrams and entropies are then of the most accurate method that has them. Without
    // validation series, they are of the `[calibration]` model (out-of-fold probabilities).
    let (diagnosed, held_out, fitted_on) = match (val, &cross_fit) {
        (Some(v), _) => {
            let diagnosed = match shown.val {
                None => scores
                    .iter()
                    .filter(|s| s.target == target && scored[s.position].val.is_some())
                    .max_by(|a, b| a.overall_accuracy().total_cmp(&b.overall_accuracy()))
                    .map_or(reported, |s| s.position),
                Some(_) => reported,
            };
            (diagnosed, scored[diagnosed].val.as_ref().map(|p| (p, v.ts.y.as_slice())), "the validation samples".to_string())
        }
        (None, Some((c, oof))) => (
            c.model,
            Some((oof, train.ts.y.as_slice())),
            format!("out-of-fold probabilities of {} folds of the training series", c.folds),
        ),
        _ => (reported, None, String::new()),
    };
    let checked = &scored[diagnosed];
    let diagnostics = write_diagnostics(
        &out,
        &Diagnostics { method: &checked.name, test: &checked.test, test_y: &test.ts.y, val: held_out, fitted_on: &fitted_on },
    )?;
    if let Some((name, imp)) = importance.iter().find(|(n, _)| *n == scored[best_single].name) {
        let chart = BarChartData {
            title: format!("Per-date permutation importance ({name})"),
            labels: imp.iter().map(|g| g.group.clone()).collect(),
            values: imp.iter().map(|g| g.mean_drop).collect(),
            y_label: "accuracy drop".into(),
        };
        out.json(terradl_report::run_files::FEATURE_IMPORTANCE_FILE, &chart)?;
    }
    let mut notes = vec![
        data.split_note.clone(),
        summary_line(&scores),
        format!("The accuracy tables show {} at {target} level.", shown.name),
    ];
    if diagnosed != reported {
        notes.push(match val {
            Some(_) => format!(
                "{} learned from the validation series, so the reliability diagrams and entropies are of {}, the most accurate method with validation probabilities.",
                shown.name, checked.name
            ),
            None => format!("The reliability diagrams and entropies are of {}, the model with cross-fitted calibration.", checked.name),
        });
    }
    notes.extend(diagnostics.notes());
    if let Some(f) = &fusion {
        notes.push(format!(
            "OSVM-OCNN fusion ({} + {}), threshold {:.3} chosen on validation fields: test field OA {:.3} (deep {:.3}, object {:.3}).",
            f.deep_model, f.object_model, f.threshold.threshold, f.test_fused.overall_accuracy, f.test_deep.overall_accuracy, f.test_object.overall_accuracy
        ));
    }
    let run_info = RunInfo { title: Some(format!("terradl crop time series: {}", p.name)), notes, ..RunInfo::default() };
    let report = out.finish(run_info, data.dataset.clone())?;
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
    details.extend(diagnostics.notes());
    if data.class_names.len() <= 30 {
        details.push(format!("classes:       {}", data.class_names.join(", ")));
    }
    Ok(RunOutcome { dir: p.output.clone(), report, scores, details })
}
