//! Everything `terradl assess` reports about a class map against reference
//! labels, in one serialisable value: confusion matrix, OA, kappa,
//! producer's/user's accuracy and F1, Olofsson et al. (2014) area-adjusted
//! accuracy and area estimates, and (given class probabilities) the expected
//! calibration error with its reliability curve. CSV renderings of the tables
//! sit beside it.

use crate::calibration::{ReliabilityBin, expected_calibration_error, reliability_curve, top_label_confidence};
use crate::uncertainty_error::{OutcomeSplit, split_by_outcome};
use crate::{AccuracySummary, AreaAdjusted, AssessError, ConfusionMatrix, Result};
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Inputs of [`MapAssessment::compute`]; all per-sample slices are aligned.
#[derive(Debug, Clone)]
pub struct MapAssessmentInput<'a> {
    /// Class names; class id `k` is `class_names[k]` in both map and reference.
    pub class_names: &'a [String],
    /// Reference class of each sample unit (pixel).
    pub reference: &'a [u32],
    /// Map class of each sample unit.
    pub map: &'a [u32],
    /// Mapped area of every class over the whole map (the strata sizes).
    pub mapped_area: &'a [f64],
    /// Unit of `mapped_area` (e.g. "ha").
    pub area_unit: &'a str,
    /// Class probabilities of each sample, row-major `n x n_classes`.
    pub probabilities: Option<&'a [f64]>,
    /// Named per-sample uncertainty values (e.g. entropy) to compare between
    /// correct and wrong samples.
    pub uncertainty: &'a [(String, Vec<f64>)],
    /// Bins of the reliability curve.
    pub n_bins: usize,
}

/// Calibration of the map's top-label probabilities on the reference samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationSummary {
    /// Expected calibration error over `n_bins` equal-width bins.
    pub ece: f64,
    /// Number of equal-width bins of the ECE and the reliability curve.
    pub n_bins: usize,
    /// Mean top-label confidence.
    pub mean_confidence: f64,
    /// Fraction of samples whose most probable class is the reference class.
    pub accuracy: f64,
    /// Non-empty bins.
    pub bins: Vec<ReliabilityBin>,
}

/// Per-class accuracy row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassRow {
    /// Class name.
    pub class: String,
    /// Reference samples of the class.
    pub support: u64,
    /// Samples mapped as the class.
    pub mapped_samples: u64,
    /// Correct / reference samples of the class.
    pub producers_accuracy: Option<f64>,
    /// Correct / samples mapped as the class.
    pub users_accuracy: Option<f64>,
    /// Harmonic mean of producer's and user's accuracy.
    pub f1: Option<f64>,
}

/// The full assessment of a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapAssessment {
    /// Class names, index = class id.
    pub class_names: Vec<String>,
    /// Number of reference samples.
    pub n_samples: u64,
    /// Fraction of samples mapped as their reference class.
    pub overall_accuracy: Option<f64>,
    /// Cohen's kappa.
    pub kappa: Option<f64>,
    /// Mean of the per-class F1 scores.
    pub macro_f1: Option<f64>,
    /// One row per class.
    pub classes: Vec<ClassRow>,
    /// Rows = reference class, columns = map class.
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Unit of the areas (e.g. "ha"), as given by the caller.
    pub area_unit: String,
    /// Olofsson et al. (2014) estimates, strata = map classes.
    pub area_adjusted: Option<AreaAdjusted>,
    /// Why `area_adjusted` is missing (e.g. a stratum with fewer than 2 samples).
    pub area_adjusted_error: Option<String>,
    /// Calibration of the top-label probabilities, when probabilities were given.
    pub calibration: Option<CalibrationSummary>,
    /// Uncertainty of correctly vs wrongly mapped samples.
    pub uncertainty_vs_error: Vec<OutcomeSplit>,
}

impl MapAssessment {
    /// Assess; errors on empty or inconsistent input, never on a degenerate
    /// but valid sample (missing statistics become `None`).
    pub fn compute(input: &MapAssessmentInput) -> Result<Self> {
        let k = input.class_names.len();
        if input.reference.is_empty() {
            return Err(AssessError::Empty);
        }
        let cm = ConfusionMatrix::from_labels(input.reference, input.map, k, None)?;
        let s: AccuracySummary = cm.summary();
        let (ref_tot, map_tot) = (cm.reference_totals(), cm.map_totals());
        let classes = (0..k)
            .map(|c| ClassRow {
                class: input.class_names[c].clone(),
                support: ref_tot[c],
                mapped_samples: map_tot[c],
                producers_accuracy: s.producers_accuracy[c],
                users_accuracy: s.users_accuracy[c],
                f1: s.f1[c],
            })
            .collect();
        let (area_adjusted, area_adjusted_error) = match AreaAdjusted::estimate(&cm, input.mapped_area) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e.to_string())),
        };
        let mut calibration = None;
        let correct: Vec<bool> = input.reference.iter().zip(input.map).map(|(r, m)| r == m).collect();
        if let Some(p) = input.probabilities {
            let (conf, ok) = top_label_confidence(p, k, input.reference)?;
            let bins = reliability_curve(&conf, &ok, input.n_bins)?;
            let n = conf.len() as f64;
            calibration = Some(CalibrationSummary {
                ece: expected_calibration_error(&conf, &ok, input.n_bins)?,
                n_bins: input.n_bins,
                mean_confidence: conf.iter().sum::<f64>() / n,
                accuracy: ok.iter().filter(|&&o| o).count() as f64 / n,
                bins: bins.into_iter().filter(|b| b.count > 0).collect(),
            });
        }
        let uncertainty_vs_error = input
            .uncertainty
            .iter()
            .map(|(name, v)| split_by_outcome(name, v, &correct))
            .collect::<Result<Vec<_>>>()?;
        Ok(MapAssessment {
            class_names: input.class_names.to_vec(),
            n_samples: cm.total(),
            overall_accuracy: s.overall_accuracy,
            kappa: s.kappa,
            macro_f1: s.macro_f1,
            classes,
            confusion_matrix: (0..k).map(|r| (0..k).map(|m| cm.get(r, m)).collect()).collect(),
            area_unit: input.area_unit.to_string(),
            area_adjusted,
            area_adjusted_error,
            calibration,
            uncertainty_vs_error,
        })
    }

    /// `confusion.csv`: header `reference\map,<classes>`, one row per reference class.
    pub fn confusion_csv(&self) -> String {
        let mut out = String::from("reference\\map");
        for c in &self.class_names {
            let _ = write!(out, ",{}", csv_field(c));
        }
        out.push('\n');
        for (c, row) in self.class_names.iter().zip(&self.confusion_matrix) {
            out.push_str(&csv_field(c));
            for v in row {
                let _ = write!(out, ",{v}");
            }
            out.push('\n');
        }
        out
    }

    /// `classes.csv`: per-class accuracy and, when available, the
    /// area-adjusted estimates with 95% confidence half-widths.
    pub fn classes_csv(&self) -> String {
        let mut out = String::from(
            "class,support,mapped_samples,producers_accuracy,users_accuracy,f1,mapped_area,\
             adjusted_area,adjusted_area_ci95,adjusted_users_accuracy,adjusted_users_accuracy_ci95,\
             adjusted_producers_accuracy,adjusted_producers_accuracy_ci95,area_unit\n",
        );
        for (i, c) in self.classes.iter().enumerate() {
            let a = self.area_adjusted.as_ref().map(|a| &a.classes[i]);
            let est = |e: Option<crate::Estimate>| match e {
                Some(e) => format!("{},{}", num(Some(e.value)), num(Some(e.ci95_half_width()))),
                None => ",".into(),
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                csv_field(&c.class),
                c.support,
                c.mapped_samples,
                num(c.producers_accuracy),
                num(c.users_accuracy),
                num(c.f1),
                num(a.map(|a| a.mapped_area)),
                est(a.map(|a| a.area)),
                est(a.and_then(|a| a.users_accuracy)),
                est(a.and_then(|a| a.producers_accuracy)),
                csv_field(&self.area_unit),
            );
        }
        out
    }

    /// `reliability.csv`: the non-empty bins of the reliability curve, or
    /// `None` without probabilities.
    pub fn reliability_csv(&self) -> Option<String> {
        let cal = self.calibration.as_ref()?;
        let mut out = String::from("lower,upper,count,mean_confidence,accuracy\n");
        for b in &cal.bins {
            let _ = writeln!(out, "{},{},{},{},{}", b.lower, b.upper, b.count, b.mean_confidence, b.accuracy);
        }
        Some(out)
    }
}

fn num(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map(|x| format!("{x}")).unwrap_or_default()
}

/// Quote a CSV field when it holds a comma, quote or newline.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["water".into(), "crop, dry".into()]
    }

    #[test]
    fn hand_computed_two_classes() {
        // Reference 0 0 0 1 1 1, map 0 0 1 1 1 1: OA 5/6.
        let n = names();
        let reference = [0, 0, 0, 1, 1, 1];
        let map = [0, 0, 1, 1, 1, 1];
        let probs = [0.9, 0.1, 0.8, 0.2, 0.4, 0.6, 0.3, 0.7, 0.1, 0.9, 0.2, 0.8];
        let entropy: Vec<f64> = probs.chunks(2).map(|p| -p.iter().map(|v| v * f64::ln(*v)).sum::<f64>()).collect();
        let unc = vec![("entropy".to_string(), entropy)];
        let a = MapAssessment::compute(&MapAssessmentInput {
            class_names: &n,
            reference: &reference,
            map: &map,
            mapped_area: &[30.0, 70.0],
            area_unit: "ha",
            probabilities: Some(&probs),
            uncertainty: &unc,
            n_bins: 10,
        })
        .unwrap();
        assert!((a.overall_accuracy.unwrap() - 5.0 / 6.0).abs() < 1e-12);
        assert_eq!(a.confusion_matrix, vec![vec![2, 1], vec![0, 3]]);
        assert_eq!(a.classes[0].producers_accuracy, Some(2.0 / 3.0));
        assert_eq!(a.classes[1].users_accuracy, Some(3.0 / 4.0));
        // Map class 0 (area 30): 2 of 2 samples reference 0; map class 1 (70): 1 of 4
        // is reference 0. p_.0 = 0.3 + 0.7/4 = 0.475.
        let area = a.area_adjusted.as_ref().unwrap();
        assert!((area.classes[0].area.value - 47.5).abs() < 1e-9);
        let cal = a.calibration.as_ref().unwrap();
        // Confidences 0.9 .8 .6 .7 .9 .8 and all argmax equal the map: 5 of 6 right.
        assert!((cal.mean_confidence - 4.7 / 6.0).abs() < 1e-12);
        assert!((cal.accuracy - 5.0 / 6.0).abs() < 1e-12);
        // The one wrong sample (p = 0.4/0.6) has the highest entropy.
        let u = &a.uncertainty_vs_error[0];
        assert_eq!((u.n_correct, u.n_wrong), (5, 1));
        assert!(u.mean_wrong > u.mean_correct);
        assert_eq!(u.auroc, Some(1.0));
        let csv = a.confusion_csv();
        assert_eq!(csv.lines().next().unwrap(), "reference\\map,water,\"crop, dry\"");
        assert_eq!(csv.lines().nth(1).unwrap(), "water,2,1");
        assert_eq!(a.classes_csv().lines().count(), 3);
        assert!(a.classes_csv().lines().nth(1).unwrap().starts_with("water,3,2,0.6666666666666666,1,0.8,30,47.5,"));
        assert_eq!(a.reliability_csv().unwrap().lines().count(), 1 + cal.bins.len());
    }

    #[test]
    fn degenerate_samples_give_reasons_not_errors() {
        let n = names();
        // One sample in stratum 1: no variance, so no area estimate, with the reason.
        let a = MapAssessment::compute(&MapAssessmentInput {
            class_names: &n,
            reference: &[0, 0, 1],
            map: &[0, 0, 1],
            mapped_area: &[1.0, 1.0],
            area_unit: "ha",
            probabilities: None,
            uncertainty: &[],
            n_bins: 10,
        })
        .unwrap();
        assert!(a.area_adjusted.is_none());
        assert!(a.area_adjusted_error.as_deref().unwrap().contains("at least 2"));
        assert!(a.reliability_csv().is_none());
        let empty = MapAssessmentInput { reference: &[], map: &[], ..base_input(&n) };
        assert_eq!(MapAssessment::compute(&empty), Err(AssessError::Empty));
        let bad = MapAssessmentInput { reference: &[0, 2], map: &[0, 1], ..base_input(&n) };
        assert!(matches!(MapAssessment::compute(&bad), Err(AssessError::LabelOutOfRange { label: 2, .. })));
    }

    fn base_input(n: &[String]) -> MapAssessmentInput<'_> {
        MapAssessmentInput {
            class_names: n,
            reference: &[0],
            map: &[0],
            mapped_area: &[1.0, 1.0],
            area_unit: "ha",
            probabilities: None,
            uncertainty: &[],
            n_bins: 10,
        }
    }
}
