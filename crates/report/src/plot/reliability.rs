//! Reliability diagram: observed accuracy per confidence bin against the
//! perfect-calibration diagonal, with the ECE in the title.

use super::axes::{Axis, PlotArea, draw_title};
use super::legend::{LegendEntry, draw_legend, sample_polyline};
use crate::canvas::Canvas;
use crate::color::Rgba;
use crate::error::{ReportError, Result};
use crate::numfmt;
use crate::run_files::ReliabilityCurve;

/// Bar colour of the accuracy bars.
pub(super) const BAR_COLOR: Rgba = Rgba::rgb(31, 119, 180);
/// Colour of the mean-confidence markers.
pub(super) const CONFIDENCE_COLOR: Rgba = Rgba::rgb(214, 39, 40);

/// Render a reliability diagram. Returns the canvas and the plot area (for tests
/// and overlays). Empty bins (count 0) are not drawn.
pub fn reliability_diagram(curve: &ReliabilityCurve, width: usize, height: usize) -> Result<(Canvas, PlotArea)> {
    if curve.bins.is_empty() {
        return Err(ReportError::Invalid("reliability curve has no bins".into()));
    }
    let base = match curve.temperature {
        Some(t) => format!("After temperature scaling (T = {})", numfmt::trim_fixed(t, 2)),
        None => "Reliability diagram".to_string(),
    };
    let title = match curve.ece {
        Some(e) => format!("{base} (ECE = {})", numfmt::trim_fixed(e, 3)),
        None => base,
    };
    let mut c = Canvas::new(width, height, Rgba::WHITE);
    let mut obstacles = Vec::new();
    let area = PlotArea::layout(0, 0, width, height, Axis::fixed(0.0, 1.0, 0.2), Axis::fixed(0.0, 1.0, 0.2), true);
    draw_title(&mut c, 0, 0, width, &title);
    area.draw_frame(&mut c, "confidence", "accuracy");
    for b in curve.bins.iter().filter(|b| b.count > 0) {
        let vals = [b.lower, b.upper, b.accuracy, b.mean_confidence];
        if !vals.iter().all(|v| v.is_finite()) {
            continue;
        }
        let x0 = area.px(b.lower.clamp(0.0, 1.0)).round() as i64 + 1;
        let x1 = area.px(b.upper.clamp(0.0, 1.0)).round() as i64 - 1;
        let y = area.py(b.accuracy.clamp(0.0, 1.0)).round() as i64;
        let bottom = area.py(0.0).round() as i64;
        c.fill_rect(x0, y, (x1 - x0).max(1), bottom - y, BAR_COLOR.with_alpha(210));
        for yy in (y..bottom).step_by(4) {
            obstacles.extend((x0..x1).step_by(4).map(|xx| (xx as f64, yy as f64)));
        }
        c.stroke_rect(x0, y, (x1 - x0).max(1), (bottom - y).max(1), 1, BAR_COLOR);
        // mean confidence of the bin: short red tick at (confidence, confidence)
        let cx = area.px(b.mean_confidence.clamp(0.0, 1.0));
        let cy = area.py(b.mean_confidence.clamp(0.0, 1.0));
        c.line(cx - 6.0, cy, cx + 6.0, cy, 3.0, CONFIDENCE_COLOR);
    }
    c.dashed_line(area.px(0.0), area.py(0.0), area.px(1.0), area.py(1.0), 2.0, 6.0, Rgba::rgb(90, 90, 90));
    obstacles.extend(sample_polyline(&[(area.px(0.0), area.py(0.0)), (area.px(1.0), area.py(1.0))]));
    draw_legend(
        &mut c,
        &area,
        &[
            LegendEntry { label: "accuracy".into(), color: BAR_COLOR },
            LegendEntry { label: "mean conf.".into(), color: CONFIDENCE_COLOR },
            LegendEntry { label: "perfect".into(), color: Rgba::rgb(90, 90, 90) },
        ],
        &obstacles,
    );
    Ok((c, area))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_files::ReliabilityBin;

    #[test]
    fn bars_reach_their_accuracy() {
        let bins = (0..10)
            .map(|i| {
                let lo = i as f64 / 10.0;
                ReliabilityBin { lower: lo, upper: lo + 0.1, mean_confidence: lo + 0.05, accuracy: lo, count: if i == 3 { 0 } else { 10 } }
            })
            .collect();
        let curve = ReliabilityCurve { bins, ece: Some(0.05), temperature: None };
        let (c, a) = reliability_diagram(&curve, 600, 500).unwrap();
        assert_eq!((c.width(), c.height()), (600, 500));
        let bar_px = |acc_frac: f64, bin: f64| {
            let x = a.px(bin + 0.05).round() as usize + 3;
            let y = a.py(acc_frac).round() as usize;
            c.get(x, y).unwrap()
        };
        // inside the bar of bin 9 (accuracy 0.9) at height 0.5: bar colour
        let inside = bar_px(0.5, 0.9);
        assert!(inside.0[2] > inside.0[0] + 50, "{inside:?}");
        // above the bar of bin 5 (accuracy 0.5) at 0.8: background
        assert_ne!(bar_px(0.8, 0.5), inside);
        // empty bin 3 draws no bar
        assert_ne!(bar_px(0.1, 0.3), inside);
        assert!(reliability_diagram(&ReliabilityCurve::default(), 600, 500).is_err());
    }
}
