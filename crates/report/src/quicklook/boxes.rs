//! Detection boxes (e.g. tree crowns) drawn over a quick-look.

use super::Quicklook;
use crate::canvas::Align;
use crate::color::Rgba;
use terradl_geo::{PixelBox, Scored};

/// How boxes are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStyle {
    /// Colour of the outline and the label text.
    pub color: Rgba,
    /// Outline thickness in image pixels.
    pub thickness: usize,
    /// Draw the class name (when known) and the score above each box.
    pub show_labels: bool,
}

impl Default for BoxStyle {
    fn default() -> Self {
        BoxStyle { color: Rgba::rgb(255, 220, 0), thickness: 2, show_labels: false }
    }
}

impl Quicklook {
    /// Draw the outlines of scored boxes (raster pixel coordinates; a world box
    /// is mapped with [`terradl_geo::WorldBox::to_pixel`] first) over the map;
    /// `class_names` names the boxes' classes in the labels. Returns how many
    /// boxes were drawn (boxes entirely outside the map or with non-finite
    /// corners are skipped).
    pub fn draw_boxes(&mut self, boxes: &[Scored<PixelBox>], class_names: &[String], style: &BoxStyle) -> usize {
        let m = self.map;
        let mut drawn = 0;
        for Scored { bbox: b, score, class } in boxes {
            if !b.is_finite() || b.xmax < 0.0 || b.ymax < 0.0 || b.xmin > m.src_cols as f64 || b.ymin > m.src_rows as f64 {
                continue;
            }
            let clamp_c = |c: f64| c.clamp(0.0, m.src_cols as f64);
            let clamp_r = |r: f64| r.clamp(0.0, m.src_rows as f64);
            let (x0, y0) = m.to_image(clamp_c(b.xmin), clamp_r(b.ymin));
            let (x1, y1) = m.to_image(clamp_c(b.xmax), clamp_r(b.ymax));
            let (x0, y0) = (x0.floor() as i64, y0.floor() as i64);
            let w = ((x1.ceil() as i64) - x0).max(1);
            let h = ((y1.ceil() as i64) - y0).max(1);
            self.image.stroke_rect(x0, y0, w, h, style.thickness as i64, style.color);
            if style.show_labels {
                let text = match class.and_then(|c| class_names.get(c)) {
                    Some(name) => format!("{name} {score:.2}"),
                    None => format!("{score:.2}"),
                };
                self.image.text(x0, (y0 - 9).max(0), &text, 1, Align::Left, style.color);
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
            Scored::new(PixelBox::new(10.0, 10.0, 20.0, 30.0), 0.9).with_class(0),
            Scored::new(PixelBox::new(100.0, 0.0, 120.0, 5.0), 0.5),
        ];
        let style = BoxStyle { color: Rgba::rgb(255, 0, 0), thickness: 2, show_labels: true };
        assert_eq!(q.draw_boxes(&boxes, &["Tree".to_string()], &style), 1);
        let (x, y) = (q.map.x + 50, q.map.y + 50);
        assert_eq!(q.image.get(x, y + 10), Some(Rgba::rgb(255, 0, 0)), "left edge");
        assert_eq!(q.image.get(x + 49, y + 10), Some(Rgba::rgb(255, 0, 0)), "right edge");
        assert_eq!(q.image.get(x + 10, y + 99), Some(Rgba::rgb(255, 0, 0)), "bottom edge");
        assert_ne!(q.image.get(x + 25, y + 50), Some(Rgba::rgb(255, 0, 0)), "inside stays");
    }
}
