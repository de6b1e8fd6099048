//! Writing a run directory's JSON files (read back by `terradl report`).

use anyhow::Context;
use serde::Serialize;
use std::path::Path;
use terradl_assess::calibration::ReliabilityBin;
use terradl_assess::ConfusionMatrix;
use terradl_report::run_files::{self, ConfusionData, MatrixRows, ReliabilityCurve};

/// Serialise `value` as pretty JSON to `dir/name`, atomically.
pub fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
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
    }
}
