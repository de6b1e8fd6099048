//! Class weights for imbalanced training sets.
//!
//! Inverse frequency, normalised so the weights average to 1 over the
//! *samples* (the "balanced" rule of scikit-learn):
//! `w_k = n / (K * n_k)` with `n` samples, `K` classes present and `n_k`
//! samples of class `k`. A class absent from the training set gets weight 0
//! (it contributes no loss terms anyway). With these weights every class
//! contributes the same total weight `n / K` to the loss.

/// Balanced inverse-frequency weights for `n_classes` classes.
pub fn inverse_frequency(labels: &[u32], n_classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; n_classes];
    for &l in labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    let present = counts.iter().filter(|&&c| c > 0).count();
    let n: usize = counts.iter().sum();
    counts
        .iter()
        .map(|&c| if c == 0 { 0.0 } else { n as f32 / (present as f32 * c as f32) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_gets_equal_total_weight() {
        let y = [0, 0, 0, 1, 2, 2];
        let w = inverse_frequency(&y, 4);
        assert_eq!(w, vec![6.0 / 9.0, 2.0, 1.0, 0.0]);
        for k in 0..3u32 {
            let total: f32 = y.iter().filter(|&&l| l == k).map(|&l| w[l as usize]).sum();
            assert!((total - 2.0).abs() < 1e-6);
        }
        let mean: f32 = y.iter().map(|&l| w[l as usize]).sum::<f32>() / y.len() as f32;
        assert!((mean - 1.0).abs() < 1e-6);
    }
}
