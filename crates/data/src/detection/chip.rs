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
}

impl Default for Augmentation {
    fn default() -> Self {
        Augmentation { flips: true, rotations: true, brightness: 0.2 }
    }
}

impl Augmentation {
    /// No augmentation.
    pub fn none() -> Self {
        Augmentation { flips: false, rotations: false, brightness: 0.0 }
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

    /// Apply a random augmentation.
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
        let col = rng.random_range(0..=img.raster.cols.saturating_sub(s));
        let row = rng.random_range(0..=img.raster.rows.saturating_sub(s));
        let mut chip = extract_chip(img, col, row, s, self.config.min_visible);
        if let Some(masks) = &self.masks {
            chip.mask = extract_mask(&masks[i], img.raster.rows, img.raster.cols, col, row, s);
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
