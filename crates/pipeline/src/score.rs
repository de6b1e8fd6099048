//! Test-set figures of the fitted methods of a run: one [`MethodScore`] per method and
//! assessed target, written to [`SCORES_FILE`] and printed as a [`ScoreTable`].

use serde::Serialize;
use std::fmt;
use terradl_assess::ConfusionMatrix;

/// Score file of a run directory (an array of [`MethodScore`]).
pub const SCORES_FILE: &str = "methods.json";

/// [`MethodScore::target`] of land-cover classes (land-cover runs, lulc runs).
pub(crate) const LAND_COVER: &str = "land_cover";
/// [`MethodScore::target`] of land-use classes (lulc runs).
pub(crate) const LAND_USE: &str = "land_use";
/// [`MethodScore::target`] of per-pixel crop classes (time-series runs).
pub(crate) const PIXEL: &str = "pixel";
/// [`MethodScore::target`] of per-sample classes of a sample table without fields (time-series runs).
pub(crate) const SAMPLE: &str = "sample";
/// [`MethodScore::target`] of per-field crop classes (time-series runs).
pub(crate) const FIELD: &str = "field";

/// Accuracy figures of one set of test predictions.
#[derive(Debug, Clone, Serialize)]
pub struct Accuracy {
    /// Overall accuracy.
    pub overall_accuracy: f64,
    /// Cohen's kappa.
    pub kappa: f64,
    /// Mean of the per-class F1 scores.
    pub macro_f1: f64,
    /// F1 of each class (NaN where undefined).
    pub f1: Vec<f64>,
    /// Test samples assessed (pixels or fields).
    pub n_test: u64,
}

impl Accuracy {
    /// The figures of `cm` (NaN where undefined).
    pub fn of(cm: &ConfusionMatrix) -> Accuracy {
        Accuracy {
            overall_accuracy: cm.overall_accuracy().unwrap_or(f64::NAN),
            kappa: cm.kappa().unwrap_or(f64::NAN),
            macro_f1: cm.macro_f1().unwrap_or(f64::NAN),
            f1: (0..cm.n_classes()).map(|c| cm.f1(c).unwrap_or(f64::NAN)).collect(),
            n_test: cm.total(),
        }
    }
}

/// Test figures of one fitted method for one target.
#[derive(Debug, Clone, Serialize)]
pub struct MethodScore {
    /// Method name in tables and saved models (`mlp#1`, `jdl`, ...).
    pub method: String,
    /// What was assessed: [`LAND_COVER`], [`LAND_USE`], [`PIXEL`] or [`FIELD`].
    pub target: String,
    /// Accuracy on the test samples.
    #[serde(flatten)]
    pub accuracy: Accuracy,
    /// Training samples: pixels, patch centres or objects.
    pub n_train: usize,
    /// Training time in seconds.
    pub fit_seconds: f64,
    /// Per-object accuracy where the test samples come in labelled polygons: the share of
    /// test polygons whose pixels' majority predicted class is the polygon's class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub polygon_accuracy: Option<f64>,
    /// Position of the method in the pipeline.
    #[serde(skip)]
    pub position: usize,
}

impl MethodScore {
    /// The score of method `method` (at `position` in the pipeline) on `target`, from its
    /// test confusion matrix; logged.
    pub fn new(method: &str, position: usize, target: &str, cm: &ConfusionMatrix, n_train: usize, fit_seconds: f64) -> Self {
        let accuracy = Accuracy::of(cm);
        tracing::info!(method, target, oa = accuracy.overall_accuracy, kappa = accuracy.kappa, "test accuracy");
        MethodScore {
            method: method.to_string(),
            target: target.to_string(),
            accuracy,
            n_train,
            fit_seconds,
            polygon_accuracy: None,
            position,
        }
    }

    /// Test overall accuracy.
    pub fn overall_accuracy(&self) -> f64 {
        self.accuracy.overall_accuracy
    }
}

/// The most accurate score on `target` (the last of equals), if any.
pub(crate) fn most_accurate<'a>(scores: &'a [MethodScore], target: &str) -> Option<&'a MethodScore> {
    scores.iter().filter(|s| s.target == target).max_by(|a, b| a.overall_accuracy().total_cmp(&b.overall_accuracy()))
}

/// `method: OA …, kappa …` for every score, joined by `; ` (report notes).
pub(crate) fn summary_line(scores: &[MethodScore]) -> String {
    scores
        .iter()
        .map(|s| format!("{} ({}): OA {:.3}, kappa {:.3}", s.method, s.target, s.overall_accuracy(), s.accuracy.kappa))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The scores as a text table, one row per method and target.
pub struct ScoreTable<'a>(pub &'a [MethodScore]);

impl fmt::Display for ScoreTable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A polygon-level OA column where the test samples come in labelled polygons.
        let polygons = self.0.iter().any(|s| s.polygon_accuracy.is_some());
        let extra = if polygons { format!(" {:>9}", "poly. OA") } else { String::new() };
        writeln!(
            f,
            "{:<18} {:<11} {:>7} {:>7} {:>9} {:>9} {:>7} {:>7}{extra}",
            "method", "target", "OA", "kappa", "macro F1", "fit (s)", "train", "test"
        )?;
        for s in self.0 {
            let a = &s.accuracy;
            let extra = match (polygons, s.polygon_accuracy) {
                (true, Some(p)) => format!(" {p:>9.4}"),
                (true, None) => format!(" {:>9}", "-"),
                (false, _) => String::new(),
            };
            writeln!(
                f,
                "{:<18} {:<11} {:>7.4} {:>7.4} {:>9.4} {:>9.2} {:>7} {:>7}{extra}",
                s.method, s.target, a.overall_accuracy, a.kappa, a.macro_f1, s.fit_seconds, s.n_train, a.n_test
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(method: &str, position: usize, target: &str, right: u64) -> MethodScore {
        let y: Vec<u32> = (0..10).map(|i| i % 2).collect();
        let pred: Vec<u32> = y.iter().enumerate().map(|(i, &c)| if (i as u64) < right { c } else { 1 - c }).collect();
        let cm = ConfusionMatrix::from_labels(&y, &pred, 2, None).unwrap();
        MethodScore::new(method, position, target, &cm, 5, 0.5)
    }

    #[test]
    fn best_per_target_and_table() {
        let scores = [score("rf", 0, PIXEL, 7), score("rf", 0, FIELD, 9), score("mlp", 1, PIXEL, 8), score("mlp", 1, FIELD, 9)];
        assert_eq!(scores[0].overall_accuracy(), 0.7);
        assert_eq!(most_accurate(&scores, PIXEL).unwrap().position, 1);
        // equal field OA: the later method, as before the scores were shared
        assert_eq!(most_accurate(&scores, FIELD).unwrap().position, 1);
        assert!(most_accurate(&scores, LAND_USE).is_none());
        let table = ScoreTable(&scores).to_string();
        assert_eq!(table.lines().count(), 5);
        assert!(table.lines().nth(2).unwrap().starts_with("rf                 field        0.9000"), "{table}");
        let json = serde_json::to_value(&scores[0]).unwrap();
        assert_eq!(json["n_test"], 10);
        assert!(json.get("position").is_none());
    }
}
