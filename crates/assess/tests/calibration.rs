//! Temperature scaling lowers the calibration error of over-confident logits.

use terradl_assess::calibration::{TemperatureScaling, expected_calibration_error, top_label_confidence};

#[test]
fn temperature_scaling_lowers_ece() {
    // Four classes. Each sample's true class gets a logit margin that sets its
    // "true" probability, and the logits are then multiplied by 3 (a network
    // trained too long): confidences are far above accuracies until the
    // temperature undoes the factor.
    let k = 4;
    let mut state = 99u64;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut logits, mut labels) = (Vec::new(), Vec::new());
    for _ in 0..4000 {
        // A calibrated model: logits z with the label drawn from softmax(z).
        let z: Vec<f64> = (0..k).map(|_| 2.0 * uniform()).collect();
        let e: Vec<f64> = z.iter().map(|v| v.exp()).collect();
        let s: f64 = e.iter().sum();
        let u = uniform() * s;
        let mut acc = 0.0;
        let label = e.iter().position(|&v| {
            acc += v;
            u < acc
        });
        labels.push(label.unwrap_or(k - 1) as u32);
        logits.extend(z.iter().map(|v| (3.0 * v) as f32));
    }
    let ece = |probs: &[f64]| {
        let (c, ok) = top_label_confidence(probs, k, &labels).unwrap();
        expected_calibration_error(&c, &ok, 15).unwrap()
    };
    let before = ece(&TemperatureScaling { temperature: 1.0 }.apply(&logits, k));
    let fitted = TemperatureScaling::fit(&logits, k, &labels).unwrap();
    let after = ece(&fitted.apply(&logits, k));
    // The generating model is calibrated at T = 3 exactly.
    assert!((fitted.temperature - 3.0).abs() < 0.4, "T = {}", fitted.temperature);
    assert!(after < before / 2.0, "ECE {before} -> {after}");
}
