//! Separable Gaussian smoothing that ignores nodata pixels.

use crate::image::ImageView;

/// Smooth every band with a Gaussian of standard deviation `sigma` pixels
/// (kernel radius `ceil(4 sigma)`, edges replicated). Invalid pixels neither
/// contribute nor change (normalised convolution over valid pixels).
/// `sigma <= 0` returns a copy.
pub fn gaussian_smooth(image: &ImageView, sigma: f32) -> Vec<f32> {
    let data = image.data().to_vec();
    if sigma <= 0.0 {
        return data;
    }
    let valid: Vec<f32> = image.valid_mask().iter().map(|&v| if v { 1.0 } else { 0.0 }).collect();
    let radius = (4.0 * sigma).ceil() as usize;
    let kernel: Vec<f32> = (0..=radius).map(|i| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp()).collect();
    let (rows, cols, n) = (image.rows(), image.cols(), image.pixels());
    let mut out = data.clone();
    for b in 0..image.bands() {
        let band = &data[b * n..(b + 1) * n];
        let (mut num, mut den) = (vec![0f32; n], vec![0f32; n]);
        // Horizontal pass on value*valid and valid, then vertical on both.
        let weighted: Vec<f32> = band.iter().zip(&valid).map(|(v, w)| if *w > 0.0 { v * w } else { 0.0 }).collect();
        convolve(&weighted, &mut num, rows, cols, &kernel, true);
        convolve(&valid, &mut den, rows, cols, &kernel, true);
        let (mut num2, mut den2) = (vec![0f32; n], vec![0f32; n]);
        convolve(&num, &mut num2, rows, cols, &kernel, false);
        convolve(&den, &mut den2, rows, cols, &kernel, false);
        for p in 0..n {
            if valid[p] > 0.0 && den2[p] > 0.0 {
                out[b * n + p] = num2[p] / den2[p];
            }
        }
    }
    out
}

fn convolve(src: &[f32], dst: &mut [f32], rows: usize, cols: usize, kernel: &[f32], horizontal: bool) {
    let radius = kernel.len() as i64 - 1;
    for r in 0..rows {
        for c in 0..cols {
            let mut acc = 0.0;
            for k in -radius..=radius {
                let w = kernel[k.unsigned_abs() as usize];
                let (rr, cc) = if horizontal {
                    (r, (c as i64 + k).clamp(0, cols as i64 - 1) as usize)
                } else {
                    ((r as i64 + k).clamp(0, rows as i64 - 1) as usize, c)
                };
                acc += w * src[rr * cols + cc];
            }
            dst[r * cols + c] = acc;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_image_stays_constant_and_nodata_is_ignored() {
        let mut data = vec![5.0f32; 36];
        data[14] = f32::NAN;
        let img = ImageView::new(&data, 1, 6, 6).unwrap();
        let s = gaussian_smooth(&img, 1.5);
        for (p, v) in s.iter().enumerate() {
            if p == 14 {
                assert!(v.is_nan());
            } else {
                assert!((v - 5.0).abs() < 1e-5, "pixel {p}: {v}");
            }
        }
    }

    #[test]
    fn smoothing_preserves_the_mean_of_a_step_away_from_edges() {
        // A vertical step 0 | 10 in a 1 x 20 image: the value at the step's two
        // sides must be symmetric about 5.
        let data: Vec<f32> = (0..20).map(|c| if c < 10 { 0.0 } else { 10.0 }).collect();
        let img = ImageView::new(&data, 1, 1, 20).unwrap();
        let s = gaussian_smooth(&img, 1.0);
        assert!((s[9] + s[10] - 10.0).abs() < 1e-4);
        assert!(s[9] > 0.5 && s[10] < 9.5);
    }
}
