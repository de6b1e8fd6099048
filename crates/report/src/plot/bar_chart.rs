//! Bar chart of one value per category (per-class F1, feature importance per date).

use super::axes::{Axis, PlotArea, TEXT_SCALE, draw_title};
use crate::canvas::{Align, Canvas};
use crate::color::Rgba;
use crate::error::{ReportError, Result};
use crate::{font, numfmt};

/// A bar chart description.
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Chart title.
    pub title: String,
    /// One label per bar, under the x axis.
    pub labels: Vec<String>,
    /// Bar heights, same length as `labels`.
    pub values: Vec<f64>,
    /// Title of the y axis.
    pub y_label: String,
    /// Fixed y range (e.g. 0..1 for F1); `None` fits 0 and the data.
    pub y_range: Option<(f64, f64)>,
    /// Bar colour.
    pub color: Rgba,
}

impl BarChart {
    /// A chart with the default bar colour and a fitted y range.
    pub fn new(title: impl Into<String>, labels: Vec<String>, values: Vec<f64>, y_label: impl Into<String>) -> Self {
        BarChart { title: title.into(), labels, values, y_label: y_label.into(), y_range: None, color: Rgba::rgb(31, 119, 180) }
    }

    /// Render into a `width` x `height` canvas; also returns the plot area.
    /// Category labels are drawn vertically when they do not fit under a bar.
    pub fn render(&self, width: usize, height: usize) -> Result<(Canvas, PlotArea)> {
        let n = self.labels.len();
        if n == 0 || self.values.len() != n {
            return Err(ReportError::Invalid(format!(
                "bar chart '{}': {} labels, {} values",
                self.title,
                n,
                self.values.len()
            )));
        }
        let finite: Vec<f64> = self.values.iter().copied().filter(|v| v.is_finite()).collect();
        let lo = finite.iter().copied().fold(0.0, f64::min);
        let hi = finite.iter().copied().fold(0.0, f64::max);
        let y_axis = match self.y_range {
            Some((a, b)) => Axis::nice(a.min(lo), b.max(hi), 5),
            None => Axis::nice(lo, if hi > lo { hi } else { lo + 1.0 }, 5),
        };
        // Headroom for the value labels above the tallest bar.
        let y_axis = if y_axis.max > 0.0 && hi > y_axis.max - 0.08 * (y_axis.max - y_axis.min) {
            Axis::nice(y_axis.min, hi + 0.1 * (y_axis.max - y_axis.min), 5)
        } else {
            y_axis
        };
        let label_w = self.labels.iter().map(|l| font::text_width(l, TEXT_SCALE)).max().unwrap_or(0);
        let th = font::text_height(TEXT_SCALE);
        // First lay out to learn the bar width, then reserve room for vertical labels.
        let probe = PlotArea::layout(0, 0, width, height, Axis::fixed(0.0, n as f64, 1.0), y_axis.clone(), true);
        let slot = probe.width as f64 / n as f64;
        let vertical = label_w as f64 + 4.0 > slot;
        let extra = if vertical { label_w.saturating_sub(th) } else { 0 };
        let mut area = PlotArea::layout(0, 0, width, height.saturating_sub(extra), Axis::fixed(0.0, n as f64, 1.0), y_axis, true);
        area.x_axis.ticks.clear();
        let mut c = Canvas::new(width, height, Rgba::WHITE);
        draw_title(&mut c, 0, 0, width, &self.title);
        area.draw_frame_with(&mut c, "", &self.y_label, false);
        let zero = area.py(0.0);
        let slot = area.width as f64 / n as f64;
        for (i, (label, &v)) in self.labels.iter().zip(&self.values).enumerate() {
            let x0 = area.px(i as f64) + slot * 0.15;
            let w = (slot * 0.7).max(1.0);
            let axis_bottom = (area.y + area.height) as i64;
            if v.is_finite() {
                let y = area.py(v);
                let (top, bottom) = if y < zero { (y, zero) } else { (zero, y) };
                c.fill_rect(x0.round() as i64, top.round() as i64, w.round() as i64, (bottom - top).round().max(1.0) as i64, self.color);
                let ty = if v >= 0.0 { top - th as f64 - 4.0 } else { bottom + 4.0 };
                let text = numfmt::compact(v);
                if font::text_width(&text, 1) as f64 <= slot {
                    let scale = if font::text_width(&text, 2) as f64 <= slot { 2 } else { 1 };
                    c.text((x0 + w / 2.0) as i64, ty as i64, &text, scale, Align::Center, Rgba::INK);
                }
            }
            let cx = (x0 + w / 2.0) as i64;
            if vertical {
                let lw = font::text_width(label, TEXT_SCALE) as i64;
                c.text_vertical(cx - th as i64 / 2, axis_bottom + 8 + lw / 2, label, TEXT_SCALE, Rgba::INK);
            } else {
                c.text(cx, axis_bottom + 8, label, TEXT_SCALE, Align::Center, Rgba::INK);
            }
        }
        Ok((c, area))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_heights_follow_values() {
        let chart = BarChart { y_range: Some((0.0, 1.0)), ..BarChart::new("F1", vec!["a".into(), "b".into()], vec![0.2, 0.9], "F1") };
        let (c, a) = chart.render(500, 400).unwrap();
        let col = chart.color;
        let x_a = a.px(0.5).round() as usize;
        let x_b = a.px(1.5).round() as usize;
        assert_eq!(c.get(x_a, a.py(0.1).round() as usize), Some(col));
        assert_ne!(c.get(x_a, a.py(0.5).round() as usize), Some(col));
        assert_eq!(c.get(x_b, a.py(0.85).round() as usize), Some(col));
        assert!(BarChart::new("x", vec!["a".into()], vec![], "y").render(100, 100).is_err());
    }

    #[test]
    fn many_long_labels_go_vertical_and_fit() {
        let labels: Vec<String> = (0..24).map(|i| format!("2024-{:02}-{:02}", i / 2 + 1, 1 + 14 * (i % 2))).collect();
        let values = (0..24).map(|i| (i as f64 * 0.37).sin().abs()).collect();
        let (c, a) = BarChart::new("Importance per date", labels, values, "importance").render(800, 450).unwrap();
        assert!(a.y + a.height + 8 + font::text_width("2024-01-01", TEXT_SCALE) <= c.height());
    }
}
