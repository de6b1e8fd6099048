//! Reliability of the reported method's test probabilities: the reliability diagram before and
//! after temperature scaling (the temperature fitted on the validation samples only), and the
//! entropy of wrong vs right predictions (`uncertainty_outcome.json` and a figure).

use crate::error::{Context, Result};
use crate::run_writer::RunWriter;
use serde::Serialize;
use terradl_assess::calibration::TemperatureScaling;
use terradl_assess::{split_by_outcome, OutcomeSplit};
use terradl_predict::uncertainty::entropy;
use terradl_report::plot::{LineChart, Series};
use terradl_train::ClassProbabilities;

/// File of the entropy of wrong vs right test predictions.
pub(super) const OUTCOME_FILE: &str = "uncertainty_outcome.json";
/// Bins of the entropy histograms.
const ENTROPY_BINS: usize = 20;

/// What to diagnose.
pub(super) struct Diagnostics<'a> {
    /// Method name.
    pub(super) method: &'a str,
    /// Test probabilities and classes.
    pub(super) test: &'a ClassProbabilities,
    pub(super) test_y: &'a [u32],
    /// Held-out probabilities and classes to fit the temperature on (validation samples, or
    /// out-of-fold probabilities of the training samples), when the run has them.
    pub(super) val: Option<(&'a ClassProbabilities, &'a [u32])>,
    /// What `val` is, for the report ("the validation samples").
    pub(super) fitted_on: &'a str,
}

/// The figures written.
#[derive(Debug, Clone, Serialize)]
pub(super) struct DiagnosticsSummary {
    method: String,
    ece: f64,
    /// Temperature fitted on held-out probabilities and the test ECE after scaling.
    temperature: Option<f64>,
    /// What the temperature was fitted on.
    temperature_fitted_on: Option<String>,
    ece_calibrated: Option<f64>,
    entropy: OutcomeSplit,
}

impl DiagnosticsSummary {
    /// Report notes.
    pub(super) fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "{}: test ECE {:.3}{}.",
            self.method,
            self.ece,
            match (self.temperature, self.ece_calibrated, &self.temperature_fitted_on) {
                (Some(t), Some(e), Some(on)) => format!(", {e:.3} after temperature scaling (T = {t:.2}, fitted on {on})"),
                _ => " (no held-out samples for temperature scaling: set split.val_fraction, or [calibration] without it)".to_string(),
            }
        )];
        let e = &self.entropy;
        notes.push(format!(
            "Entropy of the {} wrong vs {} right test predictions: mean {:.3} vs {:.3} nats; AUROC of entropy as an error detector {}.",
            e.n_wrong,
            e.n_correct,
            e.mean_wrong,
            e.mean_correct,
            e.auroc.map_or("n/a".into(), |a| format!("{a:.3}"))
        ));
        notes
    }
}

fn to_f64(p: &ClassProbabilities) -> Vec<f64> {
    p.values.iter().map(|&v| v as f64).collect()
}

/// Log-probabilities as logits: softmax(log p / T) is temperature scaling of the logits.
fn log_probabilities(p: &ClassProbabilities) -> Vec<f32> {
    p.values.iter().map(|&v| v.max(1e-12).ln()).collect()
}

/// Normalised histogram of `values` over `[0, max]` as (bin centre, share) points.
fn histogram(values: &[f64], max: f64) -> Vec<(f64, f64)> {
    let mut counts = vec![0usize; ENTROPY_BINS];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let b = ((v / max) * ENTROPY_BINS as f64).floor().clamp(0.0, (ENTROPY_BINS - 1) as f64) as usize;
        counts[b] += 1;
    }
    let n = values.len().max(1) as f64;
    counts.iter().enumerate().map(|(b, &c)| ((b as f64 + 0.5) * max / ENTROPY_BINS as f64, c as f64 / n)).collect()
}

/// Write `reliability.json`, `reliability_calibrated.json` (with validation samples),
/// `uncertainty_outcome.json` and `figures/entropy_wrong_vs_right.png`.
pub(super) fn write_diagnostics(out: &RunWriter, d: &Diagnostics<'_>) -> Result<DiagnosticsSummary> {
    let k = d.test.n_classes;
    let test = to_f64(d.test);
    out.reliability(&test, k, d.test_y)?;
    let ece = {
        let (conf, correct) = terradl_assess::calibration::top_label_confidence(&test, k, d.test_y)?;
        terradl_assess::calibration::expected_calibration_error(&conf, &correct, 10)?
    };
    let (mut temperature, mut ece_calibrated) = (None, None);
    if let Some((val, val_y)) = d.val {
        let t = TemperatureScaling::fit(&log_probabilities(val), k, val_y)?;
        let scaled = t.apply(&log_probabilities(d.test), k);
        ece_calibrated = Some(out.reliability_calibrated(&scaled, k, d.test_y, t.temperature)?);
        temperature = Some(t.temperature);
    }
    let predicted = d.test.argmax();
    let correct: Vec<bool> = predicted.iter().zip(d.test_y).map(|(p, y)| p == y).collect();
    let h: Vec<f64> = test.chunks_exact(k.max(1)).map(entropy).collect();
    let split = split_by_outcome("entropy", &h, &correct)?;
    out.json(OUTCOME_FILE, &split)?;
    let max = (k.max(2) as f64).ln();
    let pick = |want: bool| h.iter().zip(&correct).filter(|&(_, &c)| c == want).map(|(&v, _)| v).collect::<Vec<_>>();
    let chart = LineChart {
        title: format!("Entropy of right vs wrong test predictions ({})", d.method),
        x_label: "entropy (nats)".into(),
        y_label: "share of the group".into(),
        series: vec![
            Series::new(format!("right ({})", split.n_correct), histogram(&pick(true), max)),
            Series::new(format!("wrong ({})", split.n_wrong), histogram(&pick(false), max)),
        ],
        y_range: None,
    };
    let png = chart.render(900, 420)?.to_png()?;
    let fig_dir = out.dir().join("figures");
    std::fs::create_dir_all(&fig_dir).with_context(|| format!("creating {}", fig_dir.display()))?;
    terradl_report::write_atomic(&fig_dir.join("entropy_wrong_vs_right.png"), &png)?;
    let temperature_fitted_on = temperature.map(|_| d.fitted_on.to_string());
    Ok(DiagnosticsSummary { method: d.method.to_string(), ece, temperature, temperature_fitted_on, ece_calibrated, entropy: split })
}
