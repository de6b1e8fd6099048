//! CenterNet training targets: Gaussian centre heat-maps, log-size and offset
//! maps at the detector's stride, and the mask of cells that carry a box.

use terradl_data::detection::BoxAnnotation;
use terradl_models::detection::DETECTOR_STRIDE;

/// Dense targets for a batch (all `Vec`s are row-major `[B, C, h, w]`).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectionTargets {
    /// Chips in the batch.
    pub batch: usize,
    /// Detector classes.
    pub classes: usize,
    /// Output grid height (input side / stride).
    pub height: usize,
    /// Output grid width.
    pub width: usize,
    /// `[B, classes, h, w]`: 1 at box centres, Gaussian fall-off around them.
    pub heatmap: Vec<f32>,
    /// `[B, 2, h, w]`: ln(width / stride), ln(height / stride) at centre cells.
    pub size: Vec<f32>,
    /// `[B, 2, h, w]`: centre position inside its cell minus 0.5, in cells.
    pub offset: Vec<f32>,
    /// `[B, 1, h, w]`: 1 at centre cells.
    pub mask: Vec<f32>,
    /// Number of boxes encoded.
    pub num_objects: usize,
}

/// Gaussian spread relative to box size (TTFNet's alpha = 0.54: sigma = alpha * side / 6).
const GAUSSIAN_ALPHA: f32 = 0.54;
/// Lower bound on the Gaussian sigma, in cells, so tiny boxes still get a blob.
const MIN_SIGMA: f32 = 0.6;

/// Encode the boxes of `batch` chips of `height x width` input pixels. `class_of`
/// maps a label to a class index; boxes whose label maps to `None` are ignored.
pub fn encode_targets(
    boxes: &[&[BoxAnnotation]],
    height: usize,
    width: usize,
    classes: usize,
    class_of: impl Fn(&str) -> Option<usize>,
) -> DetectionTargets {
    let s = DETECTOR_STRIDE as f32;
    let (h, w) = (height / DETECTOR_STRIDE, width / DETECTOR_STRIDE);
    let b = boxes.len();
    let plane = h * w;
    let mut t = DetectionTargets {
        batch: b,
        classes,
        height: h,
        width: w,
        heatmap: vec![0.0; b * classes * plane],
        size: vec![0.0; b * 2 * plane],
        offset: vec![0.0; b * 2 * plane],
        mask: vec![0.0; b * plane],
        num_objects: 0,
    };
    if plane == 0 {
        return t;
    }
    for (i, chip_boxes) in boxes.iter().enumerate() {
        for ann in chip_boxes.iter().filter(|a| a.bbox.is_valid()) {
            let Some(c) = class_of(&ann.label).filter(|&c| c < classes) else { continue };
            // Single precision, as the annotation corners are read.
            let bx = ann.bbox;
            let (cx, cy) = (bx.center().0 as f32, bx.center().1 as f32);
            let (gx, gy) = (cx / s, cy / s);
            let ix = (gx.floor().max(0.0) as usize).min(w - 1);
            let iy = (gy.floor().max(0.0) as usize).min(h - 1);
            let (bw, bh) = (bx.width() as f32 / s, bx.height() as f32 / s);
            let sx = (GAUSSIAN_ALPHA * bw / 6.0).max(MIN_SIGMA);
            let sy = (GAUSSIAN_ALPHA * bh / 6.0).max(MIN_SIGMA);
            let heat = &mut t.heatmap[(i * classes + c) * plane..(i * classes + c + 1) * plane];
            let (rx, ry) = ((3.0 * sx).ceil() as isize, (3.0 * sy).ceil() as isize);
            for dy in -ry..=ry {
                let y = iy as isize + dy;
                if y < 0 || y >= h as isize {
                    continue;
                }
                for dx in -rx..=rx {
                    let x = ix as isize + dx;
                    if x < 0 || x >= w as isize {
                        continue;
                    }
                    let g = (-(dx * dx) as f32 / (2.0 * sx * sx) - (dy * dy) as f32 / (2.0 * sy * sy)).exp();
                    let cell = &mut heat[y as usize * w + x as usize];
                    *cell = cell.max(g);
                }
            }
            let p = iy * w + ix;
            t.size[(i * 2) * plane + p] = bw.max(1e-3).ln();
            t.size[(i * 2 + 1) * plane + p] = bh.max(1e-3).ln();
            t.offset[(i * 2) * plane + p] = gx - ix as f32 - 0.5;
            t.offset[(i * 2 + 1) * plane + p] = gy - iy as f32 - 0.5;
            t.mask[i * plane + p] = 1.0;
            t.num_objects += 1;
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::PixelBox;

    #[test]
    fn centre_cell_gets_peak_size_and_offset() {
        let b = [BoxAnnotation::new(PixelBox::new(10.0, 20.0, 30.0, 28.0), "Tree")];
        let t = encode_targets(&[&b], 64, 64, 1, |_| Some(0));
        assert_eq!((t.height, t.width, t.num_objects), (16, 16, 1));
        // centre (20, 24) -> grid (5.0, 6.0): cell (5, 6), offset -0.5
        let p = 6 * 16 + 5;
        assert_eq!(t.heatmap[p], 1.0);
        assert!(t.heatmap[p + 1] < 1.0 && t.heatmap[p + 1] > 0.0);
        assert_eq!(t.heatmap[0], 0.0);
        assert!((t.size[p] - 5.0f32.ln()).abs() < 1e-6);
        assert!((t.size[256 + p] - 2.0f32.ln()).abs() < 1e-6);
        assert_eq!((t.offset[p], t.offset[256 + p]), (-0.5, -0.5));
        assert_eq!(t.mask.iter().sum::<f32>(), 1.0);
        let none = encode_targets(&[&b], 64, 64, 1, |_| None);
        assert_eq!(none.num_objects, 0);
    }
}
