//! Line charts (several series against a shared x axis) and training curves.

use super::axes::{Axis, PlotArea, draw_title};
use super::legend::{LegendEntry, draw_legend, sample_polyline};
use crate::canvas::Canvas;
use crate::color::{QUALITATIVE, Rgba};
use crate::error::{ReportError, Result};
use crate::run_files::TrainingHistory;

/// One line of a chart. Points with a non-finite coordinate break the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// `(x, y)` points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Line colour; `None` picks the next qualitative colour.
    pub color: Option<Rgba>,
    /// Draw the line dashed.
    pub dashed: bool,
}

impl Series {
    /// A solid series with an automatic colour.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series { name: name.into(), points, color: None, dashed: false }
    }
}

/// A line chart description.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineChart {
    /// Chart title.
    pub title: String,
    /// Title of the x axis.
    pub x_label: String,
    /// Title of the y axis.
    pub y_label: String,
    /// The lines, drawn in order.
    pub series: Vec<Series>,
    /// Fixed y range (e.g. 0..1 for accuracy); `None` fits the data.
    pub y_range: Option<(f64, f64)>,
}

/// Colour of series `i` when it has none of its own.
pub(crate) fn series_color(s: &Series, i: usize) -> Rgba {
    s.color.unwrap_or_else(|| {
        let c = QUALITATIVE[i % 10];
        Rgba::rgb(c[0], c[1], c[2])
    })
}

impl LineChart {
    /// Render into a new `width` x `height` canvas.
    pub fn render(&self, width: usize, height: usize) -> Result<Canvas> {
        let mut c = Canvas::new(width, height, Rgba::WHITE);
        self.render_into(&mut c, 0, 0, width, height)?;
        Ok(c)
    }

    /// Render into a region of an existing canvas.
    pub fn render_into(&self, c: &mut Canvas, ox: usize, oy: usize, width: usize, height: usize) -> Result<()> {
        let finite = || self.series.iter().flat_map(|s| s.points.iter()).filter(|(x, y)| x.is_finite() && y.is_finite());
        if finite().next().is_none() {
            return Err(ReportError::Invalid(format!("line chart '{}' has no finite points", self.title)));
        }
        let (mut xmin, mut xmax, mut ymin, mut ymax) = (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
        for &(x, y) in finite() {
            xmin = xmin.min(x);
            xmax = xmax.max(x);
            ymin = ymin.min(y);
            ymax = ymax.max(y);
        }
        let x_axis = Axis::nice(xmin, xmax, 6);
        let y_axis = match self.y_range {
            Some((lo, hi)) => Axis::nice(lo.min(ymin), hi.max(ymax), 5),
            None => Axis::nice(ymin, ymax, 5),
        };
        let area = PlotArea::layout(ox, oy, width, height, x_axis, y_axis, !self.title.is_empty());
        draw_title(c, ox, oy, width, &self.title);
        area.draw_frame(c, &self.x_label, &self.y_label);
        let mut legend = Vec::new();
        let mut obstacles = Vec::new();
        for (i, s) in self.series.iter().enumerate() {
            let col = series_color(s, i);
            let dash = if s.dashed { 8.0 } else { 0.0 };
            let mut prev: Option<(f64, f64)> = None;
            let pixels: Vec<(f64, f64)> =
                s.points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()).map(|&(x, y)| (area.px(x), area.py(y))).collect();
            obstacles.extend(sample_polyline(&pixels));
            let n_finite = s.points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()).count();
            for &(x, y) in &s.points {
                if !(x.is_finite() && y.is_finite()) {
                    prev = None;
                    continue;
                }
                let p = (area.px(x), area.py(y));
                if let Some(q) = prev {
                    c.dashed_line(q.0, q.1, p.0, p.1, 2.0, dash, col);
                }
                if n_finite <= 40 {
                    c.fill_rect(p.0.round() as i64 - 2, p.1.round() as i64 - 2, 5, 5, col);
                }
                prev = Some(p);
            }
            legend.push(LegendEntry { label: s.name.clone(), color: col });
        }
        draw_legend(c, &area, &legend, &obstacles);
        Ok(())
    }
}

/// Training curves: loss (train/val) and accuracy (train/val) against epoch,
/// as two side-by-side panels (one panel when there is no accuracy).
pub fn training_curves(history: &TrainingHistory, width: usize, height: usize) -> Result<Canvas> {
    let series = |name: &str, f: &dyn Fn(&crate::run_files::EpochRecord) -> Option<f64>, color: [u8; 3], dashed: bool| {
        let points: Vec<(f64, f64)> =
            history.epochs.iter().map(|e| (e.epoch as f64, f(e).unwrap_or(f64::NAN))).collect();
        let any = points.iter().any(|p| p.1.is_finite());
        any.then(|| Series { name: name.into(), points, color: Some(Rgba::rgb(color[0], color[1], color[2])), dashed })
    };
    let blue = QUALITATIVE[0];
    let orange = QUALITATIVE[1];
    let loss: Vec<Series> = [series("train loss", &|e| e.train_loss, blue, false), series("val loss", &|e| e.val_loss, orange, false)]
        .into_iter()
        .flatten()
        .collect();
    let acc: Vec<Series> = [
        series("train acc", &|e| e.train_accuracy, blue, true),
        series("val acc", &|e| e.val_accuracy, orange, true),
    ]
    .into_iter()
    .flatten()
    .collect();
    if loss.is_empty() && acc.is_empty() {
        return Err(ReportError::Invalid("training history has no loss or accuracy values".into()));
    }
    let mut c = Canvas::new(width, height, Rgba::WHITE);
    let panels: Vec<LineChart> = [
        (!loss.is_empty()).then(|| LineChart {
            title: "Loss".into(),
            x_label: "epoch".into(),
            y_label: "loss".into(),
            series: loss,
            y_range: None,
        }),
        (!acc.is_empty()).then(|| LineChart {
            title: "Accuracy".into(),
            x_label: "epoch".into(),
            y_label: "accuracy".into(),
            series: acc,
            y_range: Some((0.0, 1.0)),
        }),
    ]
    .into_iter()
    .flatten()
    .collect();
    let pw = width / panels.len();
    for (i, p) in panels.iter().enumerate() {
        p.render_into(&mut c, i * pw, 0, pw, height)?;
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run_files::EpochRecord;

    #[test]
    fn line_chart_draws_series_colours() {
        let chart = LineChart {
            title: "t".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                name: "a".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0), (f64::NAN, 2.0), (2.0, 0.5)],
                color: Some(Rgba::rgb(200, 0, 0)),
                dashed: false,
            }],
            y_range: None,
        };
        let c = chart.render(400, 300).unwrap();
        assert_eq!((c.width(), c.height()), (400, 300));
        let red = (0..300).flat_map(|y| (0..400).map(move |x| (x, y))).filter(|&(x, y)| c.get(x, y) == Some(Rgba::rgb(200, 0, 0))).count();
        assert!(red > 100, "series drawn: {red}");
        let empty = LineChart { series: vec![Series::new("e", vec![(f64::NAN, 1.0)])], ..chart };
        assert!(empty.render(100, 100).is_err());
    }

    #[test]
    fn training_curves_panels() {
        let h = TrainingHistory {
            epochs: (1..=10)
                .map(|e| EpochRecord {
                    epoch: e,
                    train_loss: Some(1.0 / e as f64),
                    val_loss: Some(1.2 / e as f64),
                    val_accuracy: Some(0.5 + e as f64 * 0.04),
                    ..Default::default()
                })
                .collect(),
        };
        let c = training_curves(&h, 900, 350).unwrap();
        assert_eq!((c.width(), c.height()), (900, 350));
        let orange = Rgba::rgb(255, 127, 14);
        let left = (0..350).flat_map(|y| (0..450).map(move |x| (x, y))).filter(|&(x, y)| c.get(x, y) == Some(orange)).count();
        let right = (0..350).flat_map(|y| (450..900).map(move |x| (x, y))).filter(|&(x, y)| c.get(x, y) == Some(orange)).count();
        assert!(left > 50 && right > 50, "val curves in both panels: {left} {right}");
        assert!(training_curves(&TrainingHistory::default(), 900, 350).is_err());
    }
}
