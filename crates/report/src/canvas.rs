//! An RGBA pixel buffer with the few drawing primitives figures need:
//! rectangles, thick lines, dashed lines, text and alpha blending.

use crate::color::Rgba;
use crate::font;

/// Horizontal text alignment relative to the anchor x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text starts at the anchor.
    Left,
    /// Text is centred on the anchor.
    Center,
    /// Text ends at the anchor.
    Right,
}

/// An RGBA image, row-major, 4 bytes per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    /// A canvas filled with `background`.
    pub fn new(width: usize, height: usize, background: Rgba) -> Self {
        let mut pixels = Vec::with_capacity(width * height * 4);
        for _ in 0..width * height {
            pixels.extend_from_slice(&background.0);
        }
        Canvas { width, height, pixels }
    }
    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }
    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }
    /// Raw RGBA bytes, row-major.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
    /// The colour at (`x`, `y`), `None` outside the canvas.
    pub fn get(&self, x: usize, y: usize) -> Option<Rgba> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y * self.width + x) * 4;
        Some(Rgba([self.pixels[i], self.pixels[i + 1], self.pixels[i + 2], self.pixels[i + 3]]))
    }
    /// Overwrite a pixel (ignored outside the canvas).
    pub fn put(&mut self, x: i64, y: i64, c: Rgba) {
        if x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let i = (y as usize * self.width + x as usize) * 4;
        self.pixels[i..i + 4].copy_from_slice(&c.0);
    }
    /// Alpha-blend a pixel over what is there ("source over").
    pub fn blend(&mut self, x: i64, y: i64, c: Rgba) {
        if c.0[3] == 255 {
            return self.put(x, y, c);
        }
        if c.0[3] == 0 || x < 0 || y < 0 || x as usize >= self.width || y as usize >= self.height {
            return;
        }
        let i = (y as usize * self.width + x as usize) * 4;
        let sa = c.0[3] as f32 / 255.0;
        let da = self.pixels[i + 3] as f32 / 255.0;
        let oa = sa + da * (1.0 - sa);
        for k in 0..3 {
            let s = c.0[k] as f32;
            let d = self.pixels[i + k] as f32;
            self.pixels[i + k] = ((s * sa + d * da * (1.0 - sa)) / oa).round() as u8;
        }
        self.pixels[i + 3] = (oa * 255.0).round() as u8;
    }
    /// Fill an axis-aligned rectangle (clipped), blending if `c` is translucent.
    pub fn fill_rect(&mut self, x: i64, y: i64, w: i64, h: i64, c: Rgba) {
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = (x + w).min(self.width as i64);
        let y1 = (y + h).min(self.height as i64);
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.blend(xx, yy, c);
            }
        }
    }
    /// Outline of a rectangle with the given line thickness (drawn inside).
    pub fn stroke_rect(&mut self, x: i64, y: i64, w: i64, h: i64, thickness: i64, c: Rgba) {
        let t = thickness.max(1).min(w.max(1)).min(h.max(1));
        self.fill_rect(x, y, w, t, c);
        self.fill_rect(x, y + h - t, w, t, c);
        self.fill_rect(x, y + t, t, h - 2 * t, c);
        self.fill_rect(x + w - t, y + t, t, h - 2 * t, c);
    }
    /// A straight line of the given thickness (square pen).
    pub fn line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, thickness: f64, c: Rgba) {
        self.dashed_line(x0, y0, x1, y1, thickness, 0.0, c);
    }
    /// A line drawn in dashes of `dash` px (solid when `dash` <= 0).
    #[allow(clippy::too_many_arguments)]
    pub fn dashed_line(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, thickness: f64, dash: f64, c: Rgba) {
        if ![x0, y0, x1, y1].iter().all(|v| v.is_finite()) {
            return;
        }
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let steps = (len * 2.0).ceil().max(1.0) as usize;
        let half = (thickness.max(1.0) - 1.0) / 2.0;
        let r0 = -half.floor() as i64;
        let r1 = half.ceil() as i64;
        let mut last = (i64::MIN, i64::MIN);
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            if dash > 0.0 && ((t * len / dash) as i64) % 2 == 1 {
                continue;
            }
            let x = (x0 + (x1 - x0) * t).round() as i64;
            let y = (y0 + (y1 - y0) * t).round() as i64;
            if (x, y) == last {
                continue;
            }
            last = (x, y);
            for dy in r0..=r1 {
                for dx in r0..=r1 {
                    self.blend(x + dx, y + dy, c);
                }
            }
        }
    }
    /// Draw `text` with its top edge at `y`, aligned at `x`; returns its width.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: usize, align: Align, c: Rgba) -> usize {
        let scale = scale.max(1);
        let w = font::text_width(text, scale) as i64;
        let start = match align {
            Align::Left => x,
            Align::Center => x - w / 2,
            Align::Right => x - w,
        };
        for (i, ch) in text.chars().enumerate() {
            let g = font::glyph(ch);
            let gx = start + (i * font::CELL_W * scale) as i64;
            for col in 0..5 {
                for row in 0..7 {
                    if font::glyph_pixel(&g, col, row) {
                        self.fill_rect(gx + (col * scale) as i64, y + (row * scale) as i64, scale as i64, scale as i64, c);
                    }
                }
            }
        }
        w as usize
    }
    /// Draw `text` rotated 90° counter-clockwise (reading bottom to top),
    /// centred vertically on `cy`, with its left edge (the glyph tops) at `x`.
    pub fn text_vertical(&mut self, x: i64, cy: i64, text: &str, scale: usize, c: Rgba) {
        let scale = scale.max(1);
        let w = font::text_width(text, scale) as i64;
        let bottom = cy + w / 2;
        for (i, ch) in text.chars().enumerate() {
            let g = font::glyph(ch);
            let gy = bottom - (i * font::CELL_W * scale) as i64;
            for col in 0..5 {
                for row in 0..7 {
                    if font::glyph_pixel(&g, col, row) {
                        // glyph (col, row) -> canvas (x + row, gy - col)
                        self.fill_rect(
                            x + (row * scale) as i64,
                            gy - ((col + 1) * scale) as i64,
                            scale as i64,
                            scale as i64,
                            c,
                        );
                    }
                }
            }
        }
    }
    /// Copy another canvas onto this one at (`x`, `y`), blending its alpha.
    pub fn draw_canvas(&mut self, x: i64, y: i64, other: &Canvas) {
        for oy in 0..other.height {
            for ox in 0..other.width {
                let i = (oy * other.width + ox) * 4;
                let c = Rgba([other.pixels[i], other.pixels[i + 1], other.pixels[i + 2], other.pixels[i + 3]]);
                self.blend(x + ox as i64, y + oy as i64, c);
            }
        }
    }
    /// Number of distinct colours (capped at `cap`), a cheap "is it blank?" check.
    pub fn distinct_colors(&self, cap: usize) -> usize {
        let mut seen = std::collections::HashSet::new();
        for px in self.pixels.chunks_exact(4) {
            seen.insert([px[0], px[1], px[2], px[3]]);
            if seen.len() >= cap {
                break;
            }
        }
        seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rect_line_and_clipping() {
        let mut c = Canvas::new(10, 8, Rgba::WHITE);
        c.fill_rect(-5, -5, 7, 7, Rgba::BLACK);
        assert_eq!(c.get(1, 1), Some(Rgba::BLACK));
        assert_eq!(c.get(2, 2), Some(Rgba::WHITE));
        c.line(0.0, 7.0, 9.0, 7.0, 1.0, Rgba::rgb(255, 0, 0));
        assert!((0..10).all(|x| c.get(x, 7) == Some(Rgba::rgb(255, 0, 0))));
        assert_eq!(c.get(10, 0), None);
        c.put(100, 100, Rgba::BLACK); // no panic outside
        c.line(f64::NAN, 0.0, 1.0, 1.0, 1.0, Rgba::BLACK); // ignored
    }

    #[test]
    fn blending_half_alpha() {
        let mut c = Canvas::new(1, 1, Rgba::WHITE);
        c.blend(0, 0, Rgba([0, 0, 0, 128]));
        let v = c.get(0, 0).unwrap();
        assert!((126..=128).contains(&v.0[0]), "{v:?}");
        assert_eq!(v.0[3], 255);
    }

    #[test]
    fn text_draws_ink_within_its_box() {
        let mut c = Canvas::new(40, 20, Rgba::WHITE);
        let w = c.text(2, 2, "Hi", 2, Align::Left, Rgba::BLACK);
        assert_eq!(w, 22);
        let mut ink = 0;
        for y in 0..20 {
            for x in 0..40 {
                if c.get(x, y) == Some(Rgba::BLACK) {
                    ink += 1;
                    assert!((2..24).contains(&x) && (2..16).contains(&y));
                }
            }
        }
        assert!(ink > 20);
        let mut v = Canvas::new(20, 40, Rgba::WHITE);
        v.text_vertical(2, 20, "Hi", 2, Rgba::BLACK);
        assert!(v.distinct_colors(10) == 2);
    }
}
