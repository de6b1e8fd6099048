//! Plant-vs-background masks derived from boxes: the ellipse inscribed in each box.

use super::annotation::BoxAnnotation;

/// A `rows x cols` mask (row-major, 1 = plant) with the ellipse inscribed in each
/// box filled; a pixel is inside when its centre is.
pub fn ellipse_mask(boxes: &[BoxAnnotation], rows: usize, cols: usize) -> Vec<u8> {
    let mut mask = vec![0u8; rows * cols];
    for b in boxes.iter().filter(|b| b.is_valid()) {
        let (cx, cy) = b.center();
        let (ax, ay) = (b.width() * 0.5, b.height() * 0.5);
        let r0 = (b.ymin.floor().max(0.0) as usize).min(rows);
        let r1 = (b.ymax.ceil().max(0.0) as usize).min(rows);
        let c0 = (b.xmin.floor().max(0.0) as usize).min(cols);
        let c1 = (b.xmax.ceil().max(0.0) as usize).min(cols);
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

    #[test]
    fn ellipse_fills_about_pi_over_4_of_the_box() {
        let m = ellipse_mask(&[BoxAnnotation::new(10.0, 20.0, 50.0, 40.0, "t")], 64, 64);
        let n = m.iter().filter(|&&v| v == 1).count() as f32;
        let expected = std::f32::consts::FRAC_PI_4 * 40.0 * 20.0;
        assert!((n - expected).abs() / expected < 0.03, "{n} vs {expected}");
        assert_eq!(m[30 * 64 + 30], 1);
        assert_eq!(m[20 * 64 + 10], 0); // box corner is outside the ellipse
        // boxes reaching beyond the mask are clipped, not a panic
        let m = ellipse_mask(&[BoxAnnotation::new(-5.0, -5.0, 5.0, 5.0, "t")], 4, 4);
        assert_eq!(m[0], 1);
    }
}
