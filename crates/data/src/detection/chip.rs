//! Square training chips cut from detection images, with geometric and
//! radiometric augmentation that keeps boxes consistent with pixels.

use super::annotation::BoxAnnotation;
use super::dataset::{DetectionImage, boxes_in_window, window_box};
use super::error::{DetectionDataError, Result};
use rand::Rng;
use terradl_geo::{PixelBox, Window};

/// A square RGB chip (band-sequential, `3 x size x size`, values 0–255) and its
/// boxes in chip pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionChip {
    /// Chip side in pixels.
    pub size: usize,
    /// Band-sequential RGB values, `3 x size x size`.
    pub pixels: Vec<f32>,
    /// Boxes in chip pixel coordinates.
    pub boxes: Vec<BoxAnnotation>,
    /// Per-pixel target (`size x size`, row-major) cut from the image's mask when
    /// the sampler has masks ([`ChipSampler::with_masks`]); empty otherwise.
    /// Flips and rotations move it with the pixels; brightness leaves it alone.
    pub mask: Vec<u8>,
}

/// Which augmentations to apply to sampled chips.
#[derive(Debug, Clone, PartialEq)]
pub struct Augmentation {
    /// Random horizontal and vertical flips.
    pub flips: bool,
    /// Random rotation by a multiple of 90 degrees.
    pub rotations: bool,
    /// Maximum relative brightness change: pixels are scaled by a factor drawn
    /// uniformly from `[1 - b, 1 + b]` (0 disables).
    pub brightness: f32,
    /// Maximum relative change of each band's own gain, on top of `brightness`: a colour
    /// cast (illumination, sensor and season differ between sites; 0 disables).
    pub colour: f32,
    /// Maximum relative contrast change around the chip's mean (0 disables).
    pub contrast: f32,
    /// Range `(min, max)` of the zoom factor, drawn log-uniformly per chip: a chip at factor
    /// `f` shows `size / f` image pixels resampled (bilinear) to `size`, with its boxes
    /// scaled by `f`, so crowns appear `f` times their size. `(1, 1)` disables.
    pub scale: (f32, f32),
}

impl Default for Augmentation {
    fn default() -> Self {
        Augmentation { flips: true, rotations: true, brightness: 0.2, colour: 0.0, contrast: 0.0, scale: (1.0, 1.0) }
    }
}

impl Augmentation {
    /// No augmentation.
    pub fn none() -> Self {
        Augmentation { flips: false, rotations: false, brightness: 0.0, colour: 0.0, contrast: 0.0, scale: (1.0, 1.0) }
    }

    /// Checks the ranges: non-negative finite jitters, `0 < min <= max` zoom.
    pub fn validate(&self) -> Result<()> {
        let finite_non_negative = |v: f32| v.is_finite() && v >= 0.0;
        if ![self.brightness, self.colour, self.contrast].into_iter().all(finite_non_negative) {
            return Err(DetectionDataError::Invalid(format!(
                "brightness {}, colour {} and contrast {} jitter must be finite and >= 0",
                self.brightness, self.colour, self.contrast
            )));
        }
        let (lo, hi) = self.scale;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi) {
            return Err(DetectionDataError::Invalid(format!("scale jitter range {lo}..{hi} must satisfy 0 < min <= max")));
        }
        Ok(())
    }

    /// Whether chips are zoomed (a scale range other than `(1, 1)`).
    pub fn zooms(&self) -> bool {
        self.scale != (1.0, 1.0)
    }
}

/// Cut a `size x size` chip with top-left corner (`col`, `row`); parts outside the
/// image are zero. Boxes keep at least `min_visible` of their area or are dropped.
pub fn extract_chip(image: &DetectionImage, col: usize, row: usize, size: usize, min_visible: f32) -> DetectionChip {
    let r = &image.raster;
    let mut pixels = vec![0f32; 3 * size * size];
    let rows = size.min(r.rows.saturating_sub(row));
    let cols = size.min(r.cols.saturating_sub(col));
    for b in 0..3 {
        for y in 0..rows {
            let src = r.index(b, row + y, col);
            let dst = (b * size + y) * size;
            pixels[dst..dst + cols].copy_from_slice(&r.data[src..src + cols]);
        }
    }
    let boxes = boxes_in_window(&image.boxes, &window_box(Window::new(col, row, cols, rows)), min_visible);
    DetectionChip { size, pixels, boxes, mask: Vec::new() }
}

/// A `size x size` chip showing the `window x window` image pixels with top-left corner
/// (`col`, `row`), resampled bilinearly (zoom factor `size / window`); parts outside the
/// image are zero. Boxes keep at least `min_visible` of their area and are scaled with the
/// pixels.
pub fn extract_scaled_chip(image: &DetectionImage, col: usize, row: usize, window: usize, size: usize, min_visible: f32) -> DetectionChip {
    let r = &image.raster;
    let step = window as f64 / size as f64;
    // Source coordinate of each output column / row: the pixel pair to blend and the weight
    // of the second, or None outside the image.
    let taps = |start: usize, n: usize| -> Vec<Option<(usize, usize, f32)>> {
        (0..size)
            .map(|i| {
                let centre = start as f64 + (i as f64 + 0.5) * step;
                if centre >= n as f64 {
                    return None;
                }
                let p = (centre - 0.5).clamp(0.0, (n - 1) as f64);
                let p0 = p.floor() as usize;
                Some((p0, (p0 + 1).min(n - 1), (p - p0 as f64) as f32))
            })
            .collect()
    };
    let (xs, ys) = (taps(col, r.cols), taps(row, r.rows));
    let mut pixels = vec![0f32; 3 * size * size];
    for b in 0..3 {
        let band = r.band(b);
        for (y, ty) in ys.iter().enumerate() {
            let Some((y0, y1, wy)) = *ty else { continue };
            let out = &mut pixels[(b * size + y) * size..(b * size + y + 1) * size];
            for (o, tx) in out.iter_mut().zip(&xs) {
                let Some((x0, x1, wx)) = *tx else { continue };
                let top = band[y0 * r.cols + x0] * (1.0 - wx) + band[y0 * r.cols + x1] * wx;
                let bottom = band[y1 * r.cols + x0] * (1.0 - wx) + band[y1 * r.cols + x1] * wx;
                *o = top * (1.0 - wy) + bottom * wy;
            }
        }
    }
    let (w, h) = (window.min(r.cols.saturating_sub(col)), window.min(r.rows.saturating_sub(row)));
    let zoom = size as f64 / window as f64;
    let boxes = boxes_in_window(&image.boxes, &window_box(Window::new(col, row, w, h)), min_visible)
        .into_iter()
        .map(|b| {
            let o = b.bbox;
            BoxAnnotation::new(PixelBox::new(o.xmin * zoom, o.ymin * zoom, o.xmax * zoom, o.ymax * zoom), b.label)
        })
        .collect();
    DetectionChip { size, pixels, boxes, mask: Vec::new() }
}

/// [`extract_mask`] of a `window x window` region resampled (nearest) to `size x size`,
/// matching [`extract_scaled_chip`].
pub fn extract_scaled_mask(mask: &[u8], rows: usize, cols: usize, col: usize, row: usize, window: usize, size: usize) -> Vec<u8> {
    let step = window as f64 / size as f64;
    let src = |start: usize, i: usize| (start as f64 + (i as f64 + 0.5) * step).floor() as usize;
    let mut out = vec![0u8; size * size];
    for y in 0..size {
        let sy = src(row, y);
        if sy >= rows {
            continue;
        }
        for x in 0..size {
            let sx = src(col, x);
            if sx < cols {
                out[y * size + x] = mask[sy * cols + sx];
            }
        }
    }
    out
}

/// The `size x size` window of a `rows x cols` row-major mask with top-left
/// corner (`col`, `row`); parts outside are 0.
pub fn extract_mask(mask: &[u8], rows: usize, cols: usize, col: usize, row: usize, size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size * size];
    let h = size.min(rows.saturating_sub(row));
    let w = size.min(cols.saturating_sub(col));
    for y in 0..h {
        let src = (row + y) * cols + col;
        out[y * size..y * size + w].copy_from_slice(&mask[src..src + w]);
    }
    out
}

impl DetectionChip {
    /// Mirror left-right.
    pub fn flip_horizontal(&mut self) {
        let s = self.size;
        for line in self.pixels.chunks_exact_mut(s) {
            line.reverse();
        }
        for line in self.mask.chunks_exact_mut(s) {
            line.reverse();
        }
        let sf = s as f64;
        for b in &mut self.boxes {
            let o = b.bbox;
            b.bbox = PixelBox::new(sf - o.xmax, o.ymin, sf - o.xmin, o.ymax);
        }
    }

    /// Mirror top-bottom.
    pub fn flip_vertical(&mut self) {
        let s = self.size;
        flip_planes_vertical(&mut self.pixels, s);
        flip_planes_vertical(&mut self.mask, s);
        let sf = s as f64;
        for b in &mut self.boxes {
            let o = b.bbox;
            b.bbox = PixelBox::new(o.xmin, sf - o.ymax, o.xmax, sf - o.ymin);
        }
    }

    /// Rotate 90 degrees clockwise: point (x, y) moves to (size - y, x).
    pub fn rotate_clockwise(&mut self) {
        let s = self.size;
        self.pixels = rotate_planes_clockwise(&self.pixels, s);
        self.mask = rotate_planes_clockwise(&self.mask, s);
        let sf = s as f64;
        for b in &mut self.boxes {
            let o = b.bbox;
            b.bbox = PixelBox::new(sf - o.ymax, o.xmin, sf - o.ymin, o.xmax);
        }
    }

    /// Scale brightness by `factor`, clamping to 0–255.
    pub fn scale_brightness(&mut self, factor: f32) {
        for v in &mut self.pixels {
            *v = (*v * factor).clamp(0.0, 255.0);
        }
    }

    /// Multiply band `b` by `gains[b]`, clamping to 0–255.
    pub fn scale_bands(&mut self, gains: [f32; 3]) {
        let plane = self.size * self.size;
        for (band, g) in self.pixels.chunks_exact_mut(plane).zip(gains) {
            band.iter_mut().for_each(|v| *v = (*v * g).clamp(0.0, 255.0));
        }
    }

    /// Stretch (`factor > 1`) or flatten the values around the chip's mean, clamping to 0–255.
    pub fn scale_contrast(&mut self, factor: f32) {
        let mean = self.pixels.iter().map(|&v| v as f64).sum::<f64>() as f32 / self.pixels.len().max(1) as f32;
        self.pixels.iter_mut().for_each(|v| *v = (mean + (*v - mean) * factor).clamp(0.0, 255.0));
    }

    /// Apply a random augmentation (the zoom of [`Augmentation::scale`] is applied when the
    /// chip is cut, by [`ChipSampler`]).
    pub fn augment(&mut self, aug: &Augmentation, rng: &mut impl Rng) {
        if aug.flips {
            if rng.random_bool(0.5) {
                self.flip_horizontal();
            }
            if rng.random_bool(0.5) {
                self.flip_vertical();
            }
        }
        if aug.rotations {
            for _ in 0..rng.random_range(0..4) {
                self.rotate_clockwise();
            }
        }
        if aug.brightness > 0.0 {
            let f = rng.random_range(1.0 - aug.brightness..=1.0 + aug.brightness);
            self.scale_brightness(f);
        }
        if aug.colour > 0.0 {
            let c = aug.colour;
            let gains = [(); 3].map(|_| rng.random_range(1.0 - c..=1.0 + c).max(0.0));
            self.scale_bands(gains);
        }
        if aug.contrast > 0.0 {
            let f = rng.random_range(1.0 - aug.contrast..=1.0 + aug.contrast).max(0.0);
            self.scale_contrast(f);
        }
    }
}

/// Mirror each `s x s` plane of `planes` top-bottom.
fn flip_planes_vertical<T>(planes: &mut [T], s: usize) {
    for band in planes.chunks_exact_mut(s * s) {
        for y in 0..s / 2 {
            let (top, bottom) = band.split_at_mut((s - 1 - y) * s);
            top[y * s..(y + 1) * s].swap_with_slice(&mut bottom[..s]);
        }
    }
}

/// Each `s x s` plane of `planes` rotated 90 degrees clockwise.
fn rotate_planes_clockwise<T: Copy + Default>(planes: &[T], s: usize) -> Vec<T> {
    let mut out = vec![T::default(); planes.len()];
    for (band, dst) in planes.chunks_exact(s * s).zip(out.chunks_exact_mut(s * s)) {
        for r in 0..s {
            for c in 0..s {
                dst[r * s + c] = band[(s - 1 - c) * s + r];
            }
        }
    }
    out
}

/// Settings of [`ChipSampler`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChipSamplerConfig {
    /// Chip side in pixels.
    pub size: usize,
    /// Fraction of a box's area that must be inside the chip to keep it.
    pub min_visible: f32,
    /// Random flips, rotations and brightness changes applied to each chip.
    pub augmentation: Augmentation,
}

impl Default for ChipSamplerConfig {
    fn default() -> Self {
        ChipSamplerConfig { size: 256, min_visible: 0.5, augmentation: Augmentation::default() }
    }
}

/// Draws random augmented chips from a set of images, each image chosen with
/// probability proportional to its area (so every pixel is equally likely).
#[derive(Debug, Clone)]
pub struct ChipSampler {
    images: Vec<DetectionImage>,
    cumulative_area: Vec<f64>,
    config: ChipSamplerConfig,
    masks: Option<Vec<Vec<u8>>>,
}

impl ChipSampler {
    /// A sampler over `images`; fails when there are none or the chip size is 0.
    pub fn new(images: Vec<DetectionImage>, config: ChipSamplerConfig) -> Result<Self> {
        if images.is_empty() || config.size == 0 {
            return Err(DetectionDataError::Invalid("chip sampler needs at least one image and a chip size > 0".into()));
        }
        config.augmentation.validate()?;
        let mut acc = 0.0;
        let cumulative_area = images
            .iter()
            .map(|i| {
                acc += (i.raster.rows * i.raster.cols) as f64;
                acc
            })
            .collect();
        Ok(ChipSampler { images, cumulative_area, config, masks: None })
    }

    /// Attach one row-major `rows x cols` mask per image (e.g.
    /// [`super::mask::core_ellipse_mask`] of its boxes): sampled chips then carry
    /// the matching, identically augmented [`DetectionChip::mask`].
    pub fn with_masks(mut self, masks: Vec<Vec<u8>>) -> Result<Self> {
        if masks.len() != self.images.len() {
            return Err(DetectionDataError::Invalid(format!("{} masks for {} images", masks.len(), self.images.len())));
        }
        for (m, img) in masks.iter().zip(&self.images) {
            if m.len() != img.raster.rows * img.raster.cols {
                return Err(DetectionDataError::Invalid(format!(
                    "mask of {} has {} pixels, the image {}",
                    img.name,
                    m.len(),
                    img.raster.rows * img.raster.cols
                )));
            }
        }
        self.masks = Some(masks);
        Ok(self)
    }

    /// The images sampled from.
    pub fn images(&self) -> &[DetectionImage] {
        &self.images
    }

    /// The sampler's settings.
    pub fn config(&self) -> &ChipSamplerConfig {
        &self.config
    }

    /// One random, augmented chip.
    pub fn sample(&self, rng: &mut impl Rng) -> DetectionChip {
        let total = *self.cumulative_area.last().unwrap_or(&1.0);
        let u = rng.random_range(0.0..total);
        let i = self.cumulative_area.partition_point(|&a| a <= u).min(self.images.len() - 1);
        let img = &self.images[i];
        let s = self.config.size;
        let aug = &self.config.augmentation;
        // The image pixels the chip shows: `s / zoom` of them when zooming.
        let window = if aug.zooms() {
            let (lo, hi) = (aug.scale.0.ln(), aug.scale.1.ln());
            let zoom = if hi > lo { rng.random_range(lo..=hi).exp() } else { aug.scale.0 };
            ((s as f32 / zoom).round() as usize).max(1)
        } else {
            s
        };
        let col = rng.random_range(0..=img.raster.cols.saturating_sub(window));
        let row = rng.random_range(0..=img.raster.rows.saturating_sub(window));
        let (rows, cols) = (img.raster.rows, img.raster.cols);
        let mut chip = if window == s {
            extract_chip(img, col, row, s, self.config.min_visible)
        } else {
            extract_scaled_chip(img, col, row, window, s, self.config.min_visible)
        };
        if let Some(masks) = &self.masks {
            chip.mask = if window == s {
                extract_mask(&masks[i], rows, cols, col, row, s)
            } else {
                extract_scaled_mask(&masks[i], rows, cols, col, row, window, s)
            };
        }
        chip.augment(&self.config.augmentation, rng);
        chip
    }

    /// A batch of `n` random chips.
    pub fn batch(&self, n: usize, rng: &mut impl Rng) -> Vec<DetectionChip> {
        (0..n).map(|_| self.sample(rng)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use terradl_geo::{DType, Raster};

    /// A 3-band image whose band b at (r, c) is 100*b + 10*r + c, one box.
    fn image(s: usize) -> DetectionImage {
        let mut r = Raster::new(3, s, s, DType::U8);
        for b in 0..3 {
            for y in 0..s {
                for x in 0..s {
                    r.set(b, y, x, (100 * b + 10 * y + x) as f32);
                }
            }
        }
        DetectionImage::new("t", r, vec![ann(1.0, 0.0, 3.0, 1.0)]).unwrap()
    }

    fn ann(x0: f64, y0: f64, x1: f64, y1: f64) -> BoxAnnotation {
        BoxAnnotation::new(PixelBox::new(x0, y0, x1, y1), "t")
    }

    fn px(c: &DetectionChip, b: usize, r: usize, col: usize) -> f32 {
        c.pixels[(b * c.size + r) * c.size + col]
    }

    /// Sum of band-0 pixels whose centres lie inside the first box: invariant
    /// under flips and rotations when boxes move with pixels.
    fn box_sum(c: &DetectionChip) -> f32 {
        let b = &c.boxes[0].bbox;
        let mut sum = 0.0;
        for r in 0..c.size {
            for col in 0..c.size {
                let (x, y) = (col as f64 + 0.5, r as f64 + 0.5);
                if x > b.xmin && x < b.xmax && y > b.ymin && y < b.ymax {
                    sum += px(c, 0, r, col);
                }
            }
        }
        sum
    }

    #[test]
    fn transforms_move_boxes_with_pixels() {
        let base = extract_chip(&image(4), 0, 0, 4, 0.5);
        let v = box_sum(&base);
        assert_eq!(v, 3.0);
        let mut c = base.clone();
        c.flip_horizontal();
        assert_eq!(c.boxes[0], ann(1.0, 0.0, 3.0, 1.0));
        assert_eq!(px(&c, 0, 0, 0), 3.0);
        let mut c = base.clone();
        c.flip_vertical();
        assert_eq!(c.boxes[0], ann(1.0, 3.0, 3.0, 4.0));
        assert_eq!(px(&c, 1, 3, 2), 102.0);
        let mut c = base.clone();
        c.rotate_clockwise();
        assert_eq!(c.boxes[0], ann(3.0, 1.0, 4.0, 3.0));
        assert_eq!(px(&c, 0, 1, 3), 1.0);
        // corner values: original top-left (0) goes to top-right
        assert_eq!(px(&c, 0, 0, 3), 0.0);
        assert_eq!(px(&c, 0, 3, 3), 3.0);
        for _ in 0..3 {
            c.rotate_clockwise();
        }
        assert_eq!(c, base);
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..20 {
            let mut c = base.clone();
            c.augment(&Augmentation { brightness: 0.0, ..Augmentation::default() }, &mut rng);
            assert_eq!(box_sum(&c), v);
        }
    }

    #[test]
    fn masks_move_with_pixels_and_ignore_brightness() {
        // Mask = 1 where band 0 is odd: without brightness, parity holds pixel by pixel
        // after any flip / rotation.
        let sampler = |brightness: f32| {
            let img = image(8);
            let mask: Vec<u8> = img.raster.band(0).iter().map(|&v| (v as u32 % 2) as u8).collect();
            let aug = Augmentation { brightness, ..Augmentation::default() };
            ChipSampler::new(vec![img], ChipSamplerConfig { size: 6, min_visible: 0.0, augmentation: aug })
                .unwrap()
                .with_masks(vec![mask])
                .unwrap()
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for c in sampler(0.0).batch(20, &mut rng) {
            assert_eq!(c.mask.len(), 36);
            assert!((0..36).all(|p| c.mask[p] == (c.pixels[p] as u32 % 2) as u8));
        }
        // Brightness (drawn last) changes pixels, never the mask.
        for seed in 0..10 {
            let a = sampler(0.0).sample(&mut rand::rngs::StdRng::seed_from_u64(seed));
            let b = sampler(0.5).sample(&mut rand::rngs::StdRng::seed_from_u64(seed));
            assert_eq!(a.mask, b.mask);
        }
        let img = image(8);
        let sampler = ChipSampler::new(vec![img], ChipSamplerConfig::default()).unwrap();
        assert!(sampler.clone().with_masks(vec![]).is_err());
        assert!(sampler.with_masks(vec![vec![0; 3]]).is_err());
        assert!(extract_chip(&image(4), 0, 0, 4, 0.5).mask.is_empty());
        assert_eq!(extract_mask(&[1, 2, 3, 4], 2, 2, 1, 1, 2), vec![4, 0, 0, 0]);
    }

    #[test]
    fn scaled_chips_resample_pixels_and_boxes() {
        let img = image(8);
        // Window == size: the plain chip, zero padding beyond the edge included.
        for (col, row) in [(0, 0), (2, 3), (6, 6)] {
            assert_eq!(extract_scaled_chip(&img, col, row, 4, 4, 0.5), extract_chip(&img, col, row, 4, 0.5));
        }
        // Zoom 2: 4x4 image pixels on 8x8, bilinear between pixel centres, box doubled.
        let c = extract_scaled_chip(&img, 0, 0, 4, 8, 0.5);
        assert_eq!(c.boxes, vec![ann(2.0, 0.0, 6.0, 2.0)]);
        assert!((px(&c, 0, 1, 1) - 2.75).abs() < 1e-5, "{}", px(&c, 0, 1, 1));
        assert_eq!(px(&c, 0, 0, 0), 0.0);
        // The last column blends in image pixel 4, beyond the window but inside the image.
        assert!((px(&c, 2, 7, 7) - 235.75).abs() < 1e-4, "{}", px(&c, 2, 7, 7));
        // Zoom 1/2: 8x8 pixels on 4x4, box halved; beyond the image is zero.
        let c = extract_scaled_chip(&img, 4, 0, 8, 4, 0.0);
        assert!((px(&c, 0, 0, 0) - 9.5).abs() < 1e-5, "{}", px(&c, 0, 0, 0));
        assert_eq!(px(&c, 0, 0, 2), 0.0);
        let c = extract_scaled_chip(&img, 0, 0, 8, 4, 0.5);
        assert_eq!(c.boxes, vec![ann(0.5, 0.0, 1.5, 0.5)]);
        // Masks follow the same geometry (nearest).
        let mask: Vec<u8> = (0..64).map(|i| i as u8).collect();
        assert_eq!(extract_scaled_mask(&mask, 8, 8, 0, 0, 4, 4), extract_mask(&mask, 8, 8, 0, 0, 4));
        assert_eq!(extract_scaled_mask(&mask, 8, 8, 0, 0, 2, 4)[..4], [0, 0, 1, 1]);
        assert_eq!(extract_scaled_mask(&mask, 8, 8, 4, 4, 8, 4), vec![45, 47, 0, 0, 61, 63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn sampler_zooms_boxes_within_the_range() {
        // One 2x1 box in a 16x16 image; chips that show it whole show it zoomed.
        let img = DetectionImage::new("z", Raster::new(3, 16, 16, DType::U8), vec![ann(7.0, 7.0, 9.0, 8.0)]).unwrap();
        let aug = Augmentation { scale: (0.5, 2.0), ..Augmentation::none() };
        let sampler = ChipSampler::new(vec![img], ChipSamplerConfig { size: 8, min_visible: 0.99, augmentation: aug }).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let widths: Vec<f64> = sampler.batch(200, &mut rng).iter().flat_map(|c| c.boxes.iter().map(|b| b.bbox.xmax - b.bbox.xmin)).collect();
        assert!(widths.len() > 20, "{}", widths.len());
        assert!(widths.iter().all(|&w| (0.9..=4.1).contains(&w)), "{widths:?}");
        assert!(widths.iter().any(|&w| w < 1.6) && widths.iter().any(|&w| w > 2.6), "{widths:?}");
        for bad in [(0.0, 1.0), (2.0, 1.0), (f32::NAN, 1.0)] {
            let aug = Augmentation { scale: bad, ..Augmentation::none() };
            assert!(ChipSampler::new(vec![image(8)], ChipSamplerConfig { size: 4, min_visible: 0.5, augmentation: aug }).is_err());
        }
        let aug = Augmentation { colour: -0.1, ..Augmentation::none() };
        assert!(ChipSampler::new(vec![image(8)], ChipSamplerConfig { size: 4, min_visible: 0.5, augmentation: aug }).is_err());
    }

    #[test]
    fn colour_and_contrast_change_pixels_not_boxes() {
        let base = extract_chip(&image(4), 0, 0, 4, 0.5);
        let mut c = base.clone();
        c.scale_bands([1.0, 0.5, 2.0]);
        assert_eq!((px(&c, 0, 1, 1), px(&c, 1, 1, 1), px(&c, 2, 0, 0)), (11.0, 55.5, 255.0));
        let mut c = base.clone();
        c.scale_contrast(0.0);
        let mean = base.pixels.iter().sum::<f32>() / 48.0;
        assert!(c.pixels.iter().all(|&v| (v - mean).abs() < 1e-3));
        let mut c = base.clone();
        c.scale_contrast(2.0);
        assert!((px(&c, 1, 1, 1) - (mean + (111.0 - mean) * 2.0)).abs() < 1e-3);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let aug = Augmentation { colour: 0.3, contrast: 0.3, ..Augmentation::none() };
        let mut changed = 0;
        for _ in 0..10 {
            let mut c = base.clone();
            c.augment(&aug, &mut rng);
            assert_eq!(c.boxes, base.boxes);
            changed += usize::from(c.pixels != base.pixels);
        }
        assert!(changed >= 9);
    }

    #[test]
    fn brightness_scales_and_clamps() {
        let mut c = extract_chip(&image(4), 0, 0, 4, 0.5);
        c.scale_brightness(2.0);
        assert_eq!(px(&c, 0, 1, 1), 22.0);
        assert_eq!(px(&c, 2, 3, 3), 255.0);
    }

    #[test]
    fn chips_beyond_the_edge_are_zero_padded() {
        let c = extract_chip(&image(4), 2, 2, 4, 0.5);
        assert_eq!(px(&c, 0, 0, 0), 22.0);
        assert_eq!(px(&c, 0, 3, 3), 0.0);
        assert!(c.boxes.is_empty());
    }

    #[test]
    fn sampler_draws_from_every_image() {
        let s = ChipSampler::new(vec![image(8), image(8)], ChipSamplerConfig { size: 4, ..Default::default() }).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let b = s.batch(10, &mut rng);
        assert_eq!(b.len(), 10);
        assert!(b.iter().all(|c| c.pixels.len() == 48));
        assert!(ChipSampler::new(vec![], ChipSamplerConfig::default()).is_err());
    }
}
