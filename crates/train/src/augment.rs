//! Training-time augmentation of standardised samples: additive jitter, per-sample amplitude
//! scaling, random time shifts of `[T, C]` series, and mixup (Zhang et al. 2018).
//!
//! Every draw comes from a generator seeded by the epoch's seed and the batch number, so a
//! resumed run augments exactly as an uninterrupted one.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// Augmentation applied to each training batch (validation and prediction never see it).
///
/// All zero (the default) leaves the batches untouched. In a pipeline's TOML:
/// `augment = { jitter = 0.03, scale = 0.1, shift = 2, mixup = 0.2 }`.
///
/// ```
/// use terradl_train::Augmentation;
/// let a: Augmentation = toml::from_str("jitter = 0.05\nshift = 1").unwrap();
/// assert!(a.is_active() && a.scale == 0.0);
/// assert!(Augmentation::default().validate().is_ok());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Augmentation {
    /// Standard deviation of Gaussian noise added to every value (in standardised units).
    pub jitter: f32,
    /// Standard deviation of a per-sample factor `1 + N(0, scale)` multiplying the sample.
    pub scale: f32,
    /// Largest time shift in steps of a `[T, C]` series (uniform in `-shift..=shift`; the
    /// edge value fills the steps shifted in). Ignored for other sample shapes.
    pub shift: usize,
    /// Mixup concentration `alpha`: each batch is blended with a shuffled copy of itself by
    /// `lambda ~ Beta(alpha, alpha)`, the loss by the same weights. 0 disables it.
    pub mixup: f32,
}

/// A batch after [`Augmentation::apply`]: values, and the mixup partner and weight if any.
#[derive(Debug)]
pub(crate) struct AugmentedBatch {
    pub x: Vec<f32>,
    /// `(lambda, partner)`: sample `i` is `lambda * x[i] + (1 - lambda) * x[partner[i]]`.
    pub mix: Option<(f32, Vec<usize>)>,
}

impl Augmentation {
    /// Whether any augmentation is switched on.
    pub fn is_active(&self) -> bool {
        self.jitter > 0.0 || self.scale > 0.0 || self.shift > 0 || self.mixup > 0.0
    }

    /// Checks that every setting is finite and not negative.
    pub fn validate(&self) -> Result<(), TrainError> {
        for (name, v) in [("jitter", self.jitter), ("scale", self.scale), ("mixup", self.mixup)] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(TrainError::Config(format!("augment.{name} = {v} must be finite and >= 0")));
            }
        }
        Ok(())
    }

    /// Augments `x` (`n` samples of `shape`, row-major) with draws seeded by `seed`.
    pub(crate) fn apply(&self, mut x: Vec<f32>, shape: &[usize], seed: u64) -> AugmentedBatch {
        let per = shape.iter().product::<usize>().max(1);
        let n = x.len() / per;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        if self.shift > 0 && shape.len() == 2 && shape[0] > 1 {
            let (t, c) = (shape[0], shape[1]);
            let max = self.shift.min(t - 1) as i64;
            let mut src = vec![0f32; per];
            for s in x.chunks_exact_mut(per) {
                let d = rng.random_range(-max..=max);
                if d == 0 {
                    continue;
                }
                src.copy_from_slice(s);
                for step in 0..t {
                    let from = (step as i64 - d).clamp(0, t as i64 - 1) as usize;
                    s[step * c..(step + 1) * c].copy_from_slice(&src[from * c..(from + 1) * c]);
                }
            }
        }
        if self.scale > 0.0 {
            for s in x.chunks_exact_mut(per) {
                let f = 1.0 + self.scale * normal(&mut rng);
                s.iter_mut().for_each(|v| *v *= f);
            }
        }
        if self.jitter > 0.0 {
            x.iter_mut().for_each(|v| *v += self.jitter * normal(&mut rng));
        }
        let mix = (self.mixup > 0.0 && n > 1).then(|| {
            let lambda = beta(&mut rng, self.mixup);
            // The larger weight stays with the sample's own label (as in most mixup code).
            let lambda = lambda.max(1.0 - lambda);
            let mut partner: Vec<usize> = (0..n).collect();
            for i in (1..n).rev() {
                partner.swap(i, rng.random_range(0..=i));
            }
            let orig = x.clone();
            for (i, s) in x.chunks_exact_mut(per).enumerate() {
                let p = &orig[partner[i] * per..(partner[i] + 1) * per];
                s.iter_mut().zip(p).for_each(|(a, b)| *a = lambda * *a + (1.0 - lambda) * b);
            }
            (lambda, partner)
        });
        AugmentedBatch { x, mix }
    }
}

/// A standard normal draw (Box-Muller).
fn normal(rng: &mut ChaCha8Rng) -> f32 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

/// A `Gamma(shape, 1)` draw (Marsaglia & Tsang 2000; shape < 1 boosted by `U^(1/shape)`).
fn gamma(rng: &mut ChaCha8Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let z = normal(rng) as f64;
        let v = (1.0 + c * z).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u: f64 = rng.random_range(f64::EPSILON..1.0);
        if u.ln() < 0.5 * z * z + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

/// A `Beta(alpha, alpha)` draw.
pub(crate) fn beta(rng: &mut ChaCha8Rng, alpha: f32) -> f32 {
    let a = gamma(rng, alpha as f64);
    let b = gamma(rng, alpha as f64);
    if a + b > 0.0 { (a / (a + b)) as f32 } else { 0.5 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_leaves_batches_untouched() {
        let x: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let b = Augmentation::default().apply(x.clone(), &[6, 2], 7);
        assert_eq!(b.x, x);
        assert!(b.mix.is_none());
    }

    #[test]
    fn shift_moves_whole_steps_and_repeats_the_edge() {
        let a = Augmentation { shift: 2, ..Default::default() };
        // 50 one-band series 0..8: every result must be the series shifted by d in -2..=2.
        let x: Vec<f32> = (0..50).flat_map(|_| (0..8).map(|v| v as f32)).collect();
        let b = a.apply(x, &[8, 1], 3);
        let mut seen = std::collections::BTreeSet::new();
        for s in b.x.chunks(8) {
            let d = (0..=4).map(|k| k as i64 - 2).find(|d| {
                s.iter().enumerate().all(|(t, v)| *v == (t as i64 - d).clamp(0, 7) as f32)
            });
            seen.insert(d.expect("not a shift of the series"));
        }
        assert_eq!(seen.len(), 5, "all shifts -2..=2 drawn: {seen:?}");
    }

    #[test]
    fn jitter_and_scale_have_the_asked_spread_and_are_seeded() {
        let a = Augmentation { jitter: 0.1, ..Default::default() };
        let b = a.apply(vec![0.0; 20_000], &[4, 1], 1);
        let sd = (b.x.iter().map(|v| v * v).sum::<f32>() / 20_000.0).sqrt();
        assert!((sd - 0.1).abs() < 0.005, "jitter sd {sd}");
        assert_eq!(b.x, a.apply(vec![0.0; 20_000], &[4, 1], 1).x);
        assert_ne!(b.x, a.apply(vec![0.0; 20_000], &[4, 1], 2).x);
        let s = Augmentation { scale: 0.2, ..Default::default() }.apply(vec![1.0; 40_000], &[4, 1], 5);
        let f: Vec<f32> = s.x.chunks(4).map(|c| c[0]).collect();
        assert!(s.x.chunks(4).all(|c| c.iter().all(|v| *v == c[0])), "one factor per sample");
        let sd = (f.iter().map(|v| (v - 1.0).powi(2)).sum::<f32>() / f.len() as f32).sqrt();
        assert!((sd - 0.2).abs() < 0.01, "scale sd {sd}");
    }

    #[test]
    fn mixup_blends_with_a_permutation_and_keeps_the_larger_weight() {
        let a = Augmentation { mixup: 0.4, ..Default::default() };
        let x: Vec<f32> = (0..10).flat_map(|i| [i as f32, 10.0 * i as f32]).collect();
        let b = a.apply(x.clone(), &[2], 9);
        let (lambda, partner) = b.mix.expect("mixup on");
        assert!((0.5..=1.0).contains(&lambda));
        let mut sorted = partner.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        for i in 0..10 {
            let want = lambda * x[2 * i] + (1.0 - lambda) * x[2 * partner[i]];
            assert!((b.x[2 * i] - want).abs() < 1e-5);
        }
        // Beta(alpha, alpha) folded to [0.5, 1]: its mean for alpha = 0.4 is 0.839 (numerical integration).
        let mean = (0..2000).map(|s| a.apply(x.clone(), &[2], s).mix.unwrap().0).sum::<f32>() / 2000.0;
        assert!((0.80..0.87).contains(&mean), "mean lambda {mean}");
    }

    #[test]
    fn negative_or_nan_settings_are_rejected() {
        assert!(Augmentation { jitter: -0.1, ..Default::default() }.validate().is_err());
        assert!(Augmentation { mixup: f32::NAN, ..Default::default() }.validate().is_err());
    }
}
