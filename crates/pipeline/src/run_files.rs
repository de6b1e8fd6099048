//! The JSON files of a run directory (read back by `terradl report`), from assessment results.

use crate::error::{Context, Result};
use serde::Serialize;
use std::path::Path;
use terradl_assess::calibration::ReliabilityBin;
use terradl_assess::ConfusionMatrix;
use terradl_predict::ClassLegend;
use terradl_report::ColorTable;
use terradl_report::run_files::{self, AccuracyMetrics, AreaEstimate, ClassAccuracy, ConfusionData, MatrixRows, ReliabilityCurve};

/// Serialise `value` as pretty JSON to `dir/name`, atomically.
pub fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value).with_context(|| format!("encoding {name}"))?;
    terradl_report::write_atomic(&dir.join(name), &bytes).with_context(|| format!("writing {name}"))
}

/// `confusion.json` (rows = reference classes).
pub fn confusion_data(cm: &ConfusionMatrix, classes: &[String]) -> ConfusionData {
    let k = cm.n_classes();
    ConfusionData {
        classes: classes.to_vec(),
        matrix: (0..k).map(|r| (0..k).map(|m| cm.get(r, m)).collect()).collect(),
        rows: MatrixRows::Reference,
    }
}

/// `reliability.json`, leaving out empty bins.
pub fn reliability_curve(bins: &[ReliabilityBin], ece: f64) -> ReliabilityCurve {
    ReliabilityCurve {
        bins: bins
            .iter()
            .filter(|b| b.count > 0)
            .map(|b| run_files::ReliabilityBin {
                lower: b.lower,
                upper: b.upper,
                mean_confidence: b.mean_confidence,
                accuracy: b.accuracy,
                count: b.count as u64,
            })
            .collect(),
        ece: Some(ece),
        temperature: None,
    }
}

/// `metrics.json`: OA, kappa and per-class accuracies of `cm`; `areas` (one per class, or
/// empty) and `oa_ci95` come from an area-adjusted estimate when the pipeline has one.
pub fn accuracy_metrics(
    cm: &ConfusionMatrix,
    classes: &[String],
    oa_ci95: Option<f64>,
    areas: &[Option<AreaEstimate>],
) -> AccuracyMetrics {
    AccuracyMetrics {
        overall_accuracy: cm.overall_accuracy(),
        overall_accuracy_ci95: oa_ci95,
        kappa: cm.kappa(),
        n_samples: Some(cm.total()),
        per_class: (0..cm.n_classes())
            .map(|c| ClassAccuracy {
                class: classes[c].clone(),
                producers_accuracy: cm.producers_accuracy(c),
                users_accuracy: cm.users_accuracy(c),
                f1: cm.f1(c),
                support: Some(cm.reference_totals()[c]),
                area: areas.get(c).cloned().flatten(),
            })
            .collect(),
    }
}


/// The legend of a map of `names`: the classes with their [`ColorTable`] colours.
pub(crate) fn class_legend(names: &[String]) -> ClassLegend {
    ClassLegend { names: names.to_vec(), colors: ColorTable::from_names(names).classes.iter().map(|c| c.color).collect() }
}
