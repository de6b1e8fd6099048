//! Plant-vs-background masks derived from boxes: the ellipse inscribed in each
//! box, optionally shrunk about the box centre to a "core" so that touching or
//! overlapping crowns stay apart in the mask (and so separate as instances).

use super::annotation::BoxAnnotation;

/// A `rows x cols` mask (row-major, 1 = plant) with the ellipse inscribed in each
/// box filled; a pixel is inside when its centre is.
pub fn ellipse_mask(boxes: &[BoxAnnotation], rows: usize, cols: usize) -> Vec<u8> {
    core_ellipse_mask(boxes, rows, cols, 1.0)
}

/// Like [`ellipse_mask`] with each ellipse's semi-axes multiplied by `scale`
/// (`0 < scale <= 1`; e.g. 0.7 leaves a gap between crowns whose boxes touch).
/// A non-positive or non-finite `scale` gives an empty mask.
pub fn core_ellipse_mask(boxes: &[BoxAnnotation], rows: usize, cols: usize, scale: f32) -> Vec<u8> {
    let mut mask = vec![0u8; rows * cols];
    if !(scale > 0.0 && scale.is_finite()) {
        return mask;
    }
    for b in boxes.iter().map(|a| a.bbox).filter(|b| b.is_valid()) {
        // Single precision, as the annotation corners are read.
        let (cx, cy) = (b.center().0 as f32, b.center().1 as f32);
        let (ax, ay) = (b.width() as f32 * 0.5 * scale, b.height() as f32 * 0.5 * scale);
        let r0 = ((cy - ay).floor().max(0.0) as usize).min(rows);
        let r1 = ((cy + ay).ceil().max(0.0) as usize).min(rows);
        let c0 = ((cx - ax).floor().max(0.0) as usize).min(cols);
        let c1 = ((cx + ax).ceil().max(0.0) as usize).min(cols);
        for r in r0..r1 {
            let dy = (r as f32 + 0.5 - cy) / ay;
            for c in c0..c1 {
                let dx = (c as f32 + 0.5 - cx) / ax;
                if dx * dx + dy * dy <= 1.0 {
                    mask[r * cols + c] = 1;
                }
            }
        }
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::PixelBox;

    fn ann(x0: f64, y0: f64, x1: f64, y1: f64) -> BoxAnnotation {
        BoxAnnotation::new(PixelBox::new(x0, y0, x1, y1), "t")
    }

    #[test]
    fn ellipse_fills_about_pi_over_4_of_the_box() {
        let m = ellipse_mask(&[ann(10.0, 20.0, 50.0, 40.0)], 64, 64);
        let n = m.iter().filter(|&&v| v == 1).count() as f32;
        let expected = std::f32::consts::FRAC_PI_4 * 40.0 * 20.0;
        assert!((n - expected).abs() / expected < 0.03, "{n} vs {expected}");
        assert_eq!(m[30 * 64 + 30], 1);
        assert_eq!(m[20 * 64 + 10], 0); // box corner is outside the ellipse
        // boxes reaching beyond the mask are clipped, not a panic
        let m = ellipse_mask(&[ann(-5.0, -5.0, 5.0, 5.0)], 4, 4);
        assert_eq!(m[0], 1);
    }

    #[test]
    fn core_mask_separates_touching_boxes() {
        // Two 20 x 20 boxes sharing the edge x = 30.
        let boxes = [ann(10.0, 10.0, 30.0, 30.0), ann(30.0, 10.0, 50.0, 30.0)];
        let full = ellipse_mask(&boxes, 40, 60);
        assert_eq!((full[20 * 60 + 29], full[20 * 60 + 30]), (1, 1)); // the ellipses touch on row 20
        let core = core_ellipse_mask(&boxes, 40, 60, 0.7);
        for r in 0..40 {
            assert!((27..33).all(|c| core[r * 60 + c] == 0), "row {r} bridges the cores");
        }
        let n = |m: &[u8]| m.iter().filter(|&&v| v == 1).count() as f32;
        assert!((n(&core) / n(&full) - 0.49).abs() < 0.05, "{} vs {}", n(&core), n(&full));
        assert_eq!(core[20 * 60 + 20], 1);
        assert!(core_ellipse_mask(&boxes, 40, 60, 0.0).iter().all(|&v| v == 0));
    }
}
