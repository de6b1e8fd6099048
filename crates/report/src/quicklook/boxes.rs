//! Detection boxes (e.g. tree crowns) drawn over a quick-look.

use super::Quicklook;
use crate::canvas::Align;
use crate::color::Rgba;
use serde::{Deserialize, Serialize};
use terradl_geo::GeoTransform;

/// An axis-aligned box in raster pixel coordinates (columns/rows, fractional
/// allowed; `min` is the top-left corner).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionBox {
    pub min_col: f64,
    pub min_row: f64,
    pub max_col: f64,
    pub max_row: f64,
    /// Optional confidence drawn next to the box.
    #[serde(default)]
    pub score: Option<f32>,
    /// Optional label drawn next to the box.
    #[serde(default)]
    pub label: Option<String>,
}

impl DetectionBox {
    /// A box from world-coordinate bounds (in the raster's CRS); `None` when
    /// the transform cannot be inverted.
    pub fn from_world(min_x: f64, min_y: f64, max_x: f64, max_y: f64, transform: &GeoTransform) -> Option<Self> {
        let (c0, r0) = transform.world_to_pixel(min_x, max_y)?;
        let (c1, r1) = transform.world_to_pixel(max_x, min_y)?;
        Some(DetectionBox {
            min_col: c0.min(c1),
            min_row: r0.min(r1),
            max_col: c0.max(c1),
            max_row: r0.max(r1),
            score: None,
            label: None,
        })
    }
}

/// How boxes are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStyle {
    pub color: Rgba,
    /// Outline thickness in image pixels.
    pub thickness: usize,
    /// Draw label and/or score above each box.
    pub show_labels: bool,
}

impl Default for BoxStyle {
    fn default() -> Self {
        BoxStyle { color: Rgba::rgb(255, 220, 0), thickness: 2, show_labels: false }
    }
}

impl Quicklook {
    /// Draw box outlines over the map; returns how many boxes were drawn
    /// (boxes entirely outside the map or with non-finite corners are skipped).
    pub fn draw_boxes(&mut self, boxes: &[DetectionBox], style: &BoxStyle) -> usize {
        let m = self.map;
        let mut drawn = 0;
        for b in boxes {
            let corners = [b.min_col, b.min_row, b.max_col, b.max_row];
            if !corners.iter().all(|v| v.is_finite())
                || b.max_col < 0.0
                || b.max_row < 0.0
                || b.min_col > m.src_cols as f64
                || b.min_row > m.src_rows as f64
            {
                continue;
            }
            let clamp_c = |c: f64| c.clamp(0.0, m.src_cols as f64);
            let clamp_r = |r: f64| r.clamp(0.0, m.src_rows as f64);
            let (x0, y0) = m.to_image(clamp_c(b.min_col), clamp_r(b.min_row));
            let (x1, y1) = m.to_image(clamp_c(b.max_col), clamp_r(b.max_row));
            let (x0, y0) = (x0.floor() as i64, y0.floor() as i64);
            let w = ((x1.ceil() as i64) - x0).max(1);
            let h = ((y1.ceil() as i64) - y0).max(1);
            self.image.stroke_rect(x0, y0, w, h, style.thickness as i64, style.color);
            if style.show_labels {
                let text = match (&b.label, b.score) {
                    (Some(l), Some(s)) => format!("{l} {s:.2}"),
                    (Some(l), None) => l.clone(),
                    (None, Some(s)) => format!("{s:.2}"),
                    (None, None) => String::new(),
                };
                if !text.is_empty() {
                    self.image.text(x0, (y0 - 9).max(0), &text, 1, Align::Left, style.color);
                }
            }
            drawn += 1;
        }
        drawn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quicklook::{QuicklookOptions, Stretch, rgb_composite};
    use terradl_geo::{DType, Raster};

    #[test]
    fn boxes_are_drawn_at_scaled_positions() {
        let r = Raster::new(3, 50, 50, DType::U8); // displayed at 5x: 250 px
        let mut q = rgb_composite(&r, [0, 1, 2], Stretch::default(), &QuicklookOptions::default()).unwrap();
        assert_eq!(q.map.width, 250);
        let boxes = vec![
            DetectionBox { min_col: 10.0, min_row: 10.0, max_col: 20.0, max_row: 30.0, score: Some(0.9), label: None },
            DetectionBox { min_col: 100.0, min_row: 0.0, max_col: 120.0, max_row: 5.0, score: None, label: None },
        ];
        let style = BoxStyle { color: Rgba::rgb(255, 0, 0), thickness: 2, show_labels: true };
        assert_eq!(q.draw_boxes(&boxes, &style), 1);
        let (x, y) = (q.map.x + 50, q.map.y + 50);
        assert_eq!(q.image.get(x, y + 10), Some(Rgba::rgb(255, 0, 0)), "left edge");
        assert_eq!(q.image.get(x + 49, y + 10), Some(Rgba::rgb(255, 0, 0)), "right edge");
        assert_eq!(q.image.get(x + 10, y + 99), Some(Rgba::rgb(255, 0, 0)), "bottom edge");
        assert_ne!(q.image.get(x + 25, y + 50), Some(Rgba::rgb(255, 0, 0)), "inside stays");
    }

    #[test]
    fn from_world_inverts_the_transform() {
        let gt = GeoTransform::north_up(1000.0, 2000.0, 10.0, 10.0);
        let b = DetectionBox::from_world(1020.0, 1900.0, 1050.0, 1980.0, &gt).unwrap();
        assert_eq!((b.min_col, b.min_row, b.max_col, b.max_row), (2.0, 2.0, 5.0, 10.0));
    }
}
