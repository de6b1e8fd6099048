//! Axis scaling with "nice" ticks, and the frame (grid, ticks, labels) shared
//! by all x/y charts.

use crate::canvas::{Align, Canvas};
use crate::color::Rgba;
use crate::font;
use crate::numfmt;

/// Text scale used in plots.
pub const TEXT_SCALE: usize = 2;
/// Outer margin of plots in pixels.
pub const MARGIN: usize = 12;

/// A linear axis: visible range and tick positions.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Lower end of the visible range.
    pub min: f64,
    /// Upper end of the visible range.
    pub max: f64,
    /// Distance between ticks.
    pub step: f64,
    /// Tick values, from `min` in steps of `step`.
    pub ticks: Vec<f64>,
}

impl Axis {
    /// An axis covering `[lo, hi]` rounded outwards to about `target` nice ticks
    /// (steps of 1, 2, 2.5 or 5 times a power of ten).
    pub fn nice(lo: f64, hi: f64, target: usize) -> Axis {
        let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() { (lo.min(hi), lo.max(hi)) } else { (0.0, 1.0) };
        if hi - lo < 1e-12 {
            let pad = if lo.abs() > 1e-12 { lo.abs() * 0.1 } else { 1.0 };
            lo -= pad;
            hi += pad;
        }
        let raw = (hi - lo) / target.max(1) as f64;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
        let min = (lo / step).floor() * step;
        let max = (hi / step).ceil() * step;
        Axis::fixed(min, max, step)
    }
    /// An axis with exactly this range and tick step (ticks from `min`).
    pub fn fixed(min: f64, max: f64, step: f64) -> Axis {
        let n = ((max - min) / step).round().max(0.0) as usize;
        let ticks = (0..=n.min(1000)).map(|i| min + i as f64 * step).collect();
        Axis { min, max, step, ticks }
    }
    /// Position of `v` as a fraction of the axis length.
    pub fn frac(&self, v: f64) -> f64 {
        if self.max > self.min { (v - self.min) / (self.max - self.min) } else { 0.5 }
    }
    /// Tick label text.
    pub fn label(&self, v: f64) -> String {
        numfmt::tick_label(v, self.step)
    }
}

/// The plotting rectangle of a chart and its two axes.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotArea {
    /// Left edge of the plotting rectangle in canvas pixels.
    pub x: usize,
    /// Top edge of the plotting rectangle in canvas pixels.
    pub y: usize,
    /// Width of the plotting rectangle in pixels.
    pub width: usize,
    /// Height of the plotting rectangle in pixels.
    pub height: usize,
    /// Horizontal axis.
    pub x_axis: Axis,
    /// Vertical axis.
    pub y_axis: Axis,
    /// Canvas x of the (vertical) y-axis title.
    pub y_label_x: usize,
}

impl PlotArea {
    /// Lay out a plot area inside a `width` x `height` region at (`ox`, `oy`),
    /// leaving room for a title, axis labels and tick labels.
    pub fn layout(ox: usize, oy: usize, width: usize, height: usize, x_axis: Axis, y_axis: Axis, has_title: bool) -> PlotArea {
        let th = font::text_height(TEXT_SCALE);
        let ytick_w = y_axis.ticks.iter().map(|t| font::text_width(&y_axis.label(*t), TEXT_SCALE)).max().unwrap_or(0);
        let left = MARGIN + th + 10 + ytick_w + 8;
        let top = MARGIN + if has_title { th + 14 } else { th / 2 };
        let bottom = 8 + th + 10 + th + MARGIN;
        let right = MARGIN + font::text_width("00", TEXT_SCALE);
        PlotArea {
            x: ox + left,
            y: oy + top,
            width: width.saturating_sub(left + right).max(10),
            height: height.saturating_sub(top + bottom).max(10),
            x_axis,
            y_axis,
            y_label_x: ox + MARGIN,
        }
    }
    /// Canvas x of data value `v`.
    pub fn px(&self, v: f64) -> f64 {
        self.x as f64 + self.x_axis.frac(v) * self.width as f64
    }
    /// Canvas y of data value `v` (up is larger).
    pub fn py(&self, v: f64) -> f64 {
        self.y as f64 + (1.0 - self.y_axis.frac(v)) * self.height as f64
    }
    /// Draw background grid, axis lines, ticks, tick labels and axis titles.
    pub fn draw_frame(&self, c: &mut Canvas, x_label: &str, y_label: &str) {
        self.draw_frame_with(c, x_label, y_label, true);
    }
    /// Like [`PlotArea::draw_frame`]; `x_tick_labels = false` leaves the x tick labels out
    /// (charts with categorical x axes draw their own).
    pub fn draw_frame_with(&self, c: &mut Canvas, x_label: &str, y_label: &str, x_tick_labels: bool) {
        let th = font::text_height(TEXT_SCALE) as i64;
        let (x0, y0, w, h) = (self.x as i64, self.y as i64, self.width as i64, self.height as i64);
        for &t in &self.y_axis.ticks {
            let y = self.py(t).round() as i64;
            c.fill_rect(x0, y, w, 1, Rgba::GRID);
            c.fill_rect(x0 - 5, y, 5, 1, Rgba::INK);
            c.text(x0 - 8, y - th / 2, &self.y_axis.label(t), TEXT_SCALE, Align::Right, Rgba::INK);
        }
        if x_tick_labels {
            for &t in &self.x_axis.ticks {
                let x = self.px(t).round() as i64;
                c.fill_rect(x, y0, 1, h, Rgba::GRID);
                c.fill_rect(x, y0 + h, 1, 5, Rgba::INK);
                c.text(x, y0 + h + 8, &self.x_axis.label(t), TEXT_SCALE, Align::Center, Rgba::INK);
            }
        }
        c.fill_rect(x0, y0, 1, h + 1, Rgba::INK);
        c.fill_rect(x0, y0 + h, w + 1, 1, Rgba::INK);
        c.text(x0 + w / 2, y0 + h + 8 + th + 10, x_label, TEXT_SCALE, Align::Center, Rgba::INK);
        // Shrink a y title longer than the plot height to the small font.
        let scale = if font::text_width(y_label, TEXT_SCALE) as i64 <= h + 2 * th { TEXT_SCALE } else { 1 };
        let x = self.y_label_x as i64 + (th - font::text_height(scale) as i64) / 2;
        c.text_vertical(x, y0 + h / 2, y_label, scale, Rgba::INK);
    }
}

/// Draw a chart title centred over a region of width `width` starting at `ox`.
pub fn draw_title(c: &mut Canvas, ox: usize, oy: usize, width: usize, title: &str) {
    c.text((ox + width / 2) as i64, (oy + MARGIN) as i64, title, TEXT_SCALE, Align::Center, Rgba::INK);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ticks() {
        let a = Axis::nice(0.0, 1.0, 5);
        assert_eq!(a.step, 0.2);
        assert_eq!(a.ticks.len(), 6);
        assert_eq!((a.min, a.max), (0.0, 1.0));
        let a = Axis::nice(0.13, 2.71, 5);
        assert_eq!(a.step, 1.0);
        assert_eq!((a.min, a.max), (0.0, 3.0));
        let a = Axis::nice(3.0, 3.0, 5);
        assert!(a.min < 3.0 && a.max > 3.0);
        let a = Axis::nice(f64::NAN, 1.0, 5);
        assert_eq!((a.min, a.max), (0.0, 1.0));
        assert_eq!(a.frac(0.5), 0.5);
        assert_eq!(Axis::nice(1.0, 20.0, 5).step, 5.0);
    }
}
