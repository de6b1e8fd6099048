//! Series legend drawn in the top-right corner of a plot area.

use super::axes::{PlotArea, TEXT_SCALE};
use crate::canvas::{Align, Canvas};
use crate::color::Rgba;
use crate::font;

/// One legend line: a colour sample and a label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub color: Rgba,
}

/// Draw a boxed legend inside the top-right corner of `area`.
pub fn draw_legend(c: &mut Canvas, area: &PlotArea, entries: &[LegendEntry]) {
    if entries.is_empty() {
        return;
    }
    let th = font::text_height(TEXT_SCALE);
    let row = th + 8;
    let text_w = entries.iter().map(|e| font::text_width(&e.label, TEXT_SCALE)).max().unwrap_or(0);
    let w = 8 + 20 + 6 + text_w + 8;
    let h = 6 + entries.len() * row;
    let x = (area.x + area.width).saturating_sub(w + 6) as i64;
    let y = area.y as i64 + 6;
    c.fill_rect(x, y, w as i64, h as i64, Rgba::WHITE.with_alpha(230));
    c.stroke_rect(x, y, w as i64, h as i64, 1, Rgba::rgb(180, 180, 180));
    for (i, e) in entries.iter().enumerate() {
        let ry = y + 6 + (i * row) as i64;
        c.fill_rect(x + 8, ry + th as i64 / 2 - 1, 20, 3, e.color);
        c.text(x + 34, ry, &e.label, TEXT_SCALE, Align::Left, Rgba::INK);
    }
}
