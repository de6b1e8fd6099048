//! PNG figures of the sample-design and assessment commands, drawn with the
//! report crate's charts: learning curve (mean ± sd over seeds), random vs
//! blocked CV accuracy per fold, and the reliability diagram of `assess`.

use super::learning_curve::{CurvePoint, CvFold};
use terradl_pipeline::run_files::reliability_curve;
use anyhow::Context;
use std::path::Path;
use terradl_assess::MapAssessment;
use terradl_report::plot::{reliability_diagram, BarChart, LineChart, Series};

fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 { v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
    (m, var.sqrt())
}

/// Mean and sample standard deviation per training size, in size order.
pub(super) fn curve_summary(curve: &[CurvePoint]) -> Vec<(usize, usize, f64, f64)> {
    let mut sizes: Vec<usize> = curve.iter().map(|p| p.n_per_class).collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes
        .into_iter()
        .map(|n| {
            let pts: Vec<&CurvePoint> = curve.iter().filter(|p| p.n_per_class == n).collect();
            let (m, sd) = mean_sd(&pts.iter().map(|p| p.accuracy).collect::<Vec<_>>());
            (n, pts[0].n_train, m, sd)
        })
        .collect()
}

/// Mean and sd of the fold accuracies of one CV design.
pub(super) fn cv_summary(cv: &[CvFold], design: &str) -> (f64, f64) {
    mean_sd(&cv.iter().filter(|f| f.design == design).map(|f| f.accuracy).collect::<Vec<_>>())
}

/// `learning_curve.png`: held-out accuracy against training samples per class.
pub(super) fn write_learning_curve(path: &Path, curve: &[CurvePoint], what: &str) -> anyhow::Result<()> {
    let s = curve_summary(curve);
    let line = |f: &dyn Fn(f64, f64) -> f64| s.iter().map(|&(n, _, m, sd)| (n as f64, f(m, sd))).collect::<Vec<_>>();
    let mut lo = Series::new("mean - sd", line(&|m, sd| m - sd));
    lo.dashed = true;
    let mut hi = Series::new("mean + sd", line(&|m, sd| m + sd));
    hi.dashed = true;
    let chart = LineChart {
        title: format!("Learning curve: {}", what.split(':').next().unwrap_or(what)),
        x_label: "training samples per class".into(),
        y_label: "held-out overall accuracy".into(),
        series: vec![Series::new("mean over seeds", line(&|m, _| m)), lo, hi],
        y_range: None,
    };
    chart.render(720, 440)?.write_png(path).with_context(|| format!("writing {}", path.display()))
}

/// `cv_compare.png`: accuracy of every fold, random then blocked.
pub(super) fn write_cv_compare(path: &Path, cv: &[CvFold]) -> anyhow::Result<()> {
    let labels = cv.iter().map(|f| format!("{} {}", f.design, f.fold)).collect();
    let values = cv.iter().map(|f| f.accuracy).collect();
    let mut chart = BarChart::new("Random vs spatially blocked CV (per fold)", labels, values, "overall accuracy");
    let min = cv.iter().map(|f| f.accuracy).fold(1.0, f64::min);
    chart.y_range = Some(((min - 0.05).max(0.0), 1.0));
    let (canvas, _) = chart.render(720, 440)?;
    canvas.write_png(path).with_context(|| format!("writing {}", path.display()))
}

/// `reliability.png` of an assessment with probabilities (nothing without).
pub(super) fn write_reliability(path: &Path, a: &MapAssessment) -> anyhow::Result<()> {
    let Some(cal) = &a.calibration else { return Ok(()) };
    let (canvas, _) = reliability_diagram(&reliability_curve(&cal.bins, cal.ece), 560, 480)?;
    canvas.write_png(path).with_context(|| format!("writing {}", path.display()))
}
