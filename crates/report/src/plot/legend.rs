//! Series legend drawn in the plot-area corner that hides the least data.

use super::axes::{PlotArea, TEXT_SCALE};
use crate::canvas::{Align, Canvas};
use crate::color::Rgba;
use crate::font;

/// One legend line: a colour sample and a label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// Text after the colour sample.
    pub label: String,
    /// Colour of the sample.
    pub color: Rgba,
}

/// Draw a boxed legend inside `area`, in whichever corner (top-right,
/// top-left, bottom-right, bottom-left, in that order of preference) covers
/// the fewest `obstacles` (canvas-pixel positions of plotted data).
/// Returns the legend rectangle `(x, y, w, h)`.
pub(super) fn draw_legend(c: &mut Canvas, area: &PlotArea, entries: &[LegendEntry], obstacles: &[(f64, f64)]) -> Option<(i64, i64, i64, i64)> {
    if entries.is_empty() {
        return None;
    }
    let th = font::text_height(TEXT_SCALE);
    let row = th + 8;
    let text_w = entries.iter().map(|e| font::text_width(&e.label, TEXT_SCALE)).max().unwrap_or(0);
    let (w, h) = ((8 + 20 + 6 + text_w + 8) as i64, (6 + entries.len() * row) as i64);
    let (ax, ay, aw, ah) = (area.x as i64, area.y as i64, area.width as i64, area.height as i64);
    let corners = [(ax + aw - w - 6, ay + 6), (ax + 6, ay + 6), (ax + aw - w - 6, ay + ah - h - 6), (ax + 6, ay + ah - h - 6)];
    let covered = |&(x, y): &(i64, i64)| {
        obstacles
            .iter()
            .filter(|(px, py)| *px >= (x - 4) as f64 && *px <= (x + w + 4) as f64 && *py >= (y - 4) as f64 && *py <= (y + h + 4) as f64)
            .count()
    };
    let (x, y) = corners.iter().copied().min_by_key(|c| covered(c)).unwrap_or(corners[0]);
    c.fill_rect(x, y, w, h, Rgba::WHITE.with_alpha(235));
    c.stroke_rect(x, y, w, h, 1, Rgba::rgb(180, 180, 180));
    for (i, e) in entries.iter().enumerate() {
        let ry = y + 6 + (i * row) as i64;
        c.fill_rect(x + 8, ry + th as i64 / 2 - 1, 20, 3, e.color);
        c.text(x + 34, ry, &e.label, TEXT_SCALE, Align::Left, Rgba::INK);
    }
    Some((x, y, w, h))
}

/// Points every few pixels along a polyline (for [`draw_legend`] obstacles).
pub(super) fn sample_polyline(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for w in points.windows(2) {
        let (a, b) = (w[0], w[1]);
        let len = ((b.0 - a.0).powi(2) + (b.1 - a.1).powi(2)).sqrt();
        let n = (len / 4.0).ceil().clamp(1.0, 10_000.0) as usize;
        out.extend((0..n).map(|i| {
            let t = i as f64 / n as f64;
            (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
        }));
    }
    out.extend(points.last().copied());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::Axis;

    #[test]
    fn legend_avoids_data() {
        let area = PlotArea::layout(0, 0, 400, 300, Axis::nice(0.0, 1.0, 5), Axis::nice(0.0, 1.0, 5), false);
        let mut c = Canvas::new(400, 300, Rgba::WHITE);
        let e = [LegendEntry { label: "a".into(), color: Rgba::BLACK }];
        // data along the top edge: legend goes to the bottom
        let top: Vec<(f64, f64)> = sample_polyline(&[(area.px(0.0), area.py(0.95)), (area.px(1.0), area.py(0.95))]);
        let (_, y, _, _) = draw_legend(&mut c, &area, &e, &top).unwrap();
        assert!(y as f64 > area.py(0.5));
        let (x, y, _, _) = draw_legend(&mut c, &area, &e, &[]).unwrap();
        assert!(x as f64 > area.px(0.5) && (y as f64) < area.py(0.5), "top-right by default");
    }
}
