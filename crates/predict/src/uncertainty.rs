//! Predictive uncertainty from several probability passes per pixel: Monte
//! Carlo dropout (T stochastic forward passes), deep ensembles (K members) or
//! Random Forest votes.
//!
//! For passes `p_t` (t = 1..T) of class probabilities at a pixel, with mean
//! `p̄ = (1/T) Σ_t p_t` and entropy `H(p) = −Σ_k p_k ln p_k` (0 ln 0 = 0):
//! - predictive entropy `H(p̄)` (total uncertainty),
//! - expected entropy `(1/T) Σ_t H(p_t)` (aleatoric part),
//! - mutual information `H(p̄) − (1/T) Σ_t H(p_t)` (epistemic part,
//!   Gal 2016 / Depeweg et al. 2018 "BALD"),
//! - margin `p̄_(1) − p̄_(2)` (top-1 minus top-2 of the mean; small = uncertain),
//! - mean standard deviation: the population standard deviation of `p_k`
//!   over the passes, averaged over the classes.
//!
//! Entropies use the natural logarithm, so they are in **nats**
//! (maximum `ln K` for `K` classes).
//!
//! [`UncertaintyAccumulator`] takes the passes one at a time, keeping only
//! per-pixel running sums (`O(pixels x classes)` memory, independent of T).
//!
//! ```
//! use terradl_predict::uncertainty::{ProbabilityLayout, UncertaintyAccumulator};
//! let mut acc = UncertaintyAccumulator::new(1, 2, ProbabilityLayout::PixelMajor).unwrap();
//! acc.add_pass(&[1.0, 0.0]).unwrap();
//! acc.add_pass(&[0.0, 1.0]).unwrap();
//! let u = acc.finish().unwrap();
//! assert!((u.predictive_entropy[0] - 2f32.ln()).abs() < 1e-6);
//! assert_eq!(u.expected_entropy[0], 0.0);
//! assert!((u.mutual_information[0] - 2f32.ln()).abs() < 1e-6);
//! ```

/// Errors of the uncertainty computations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UncertaintyError {
    /// The shape has no pixel or no class.
    #[error("need at least one pixel and one class (got {pixels} pixels, {classes} classes)")]
    EmptyShape {
        /// Pixels asked for.
        pixels: usize,
        /// Classes asked for.
        classes: usize,
    },
    /// A pass does not hold `pixels * classes` values.
    #[error("a pass has {found} values, expected {expected} ({pixels} pixels x {classes} classes)")]
    PassLength {
        /// Values in the pass.
        found: usize,
        /// `pixels * classes`.
        expected: usize,
        /// Pixels.
        pixels: usize,
        /// Classes.
        classes: usize,
    },
    /// A probability is negative or infinite.
    #[error("probability {value} at pixel {pixel}, class {class} is negative or infinite")]
    InvalidProbability {
        /// The value.
        value: f32,
        /// Its pixel.
        pixel: usize,
        /// Its class.
        class: usize,
    },
    /// `finish` was called before any pass.
    #[error("no passes were added")]
    NoPasses,
    /// A tree's vote is not a class index.
    #[error("vote {vote} at pixel {pixel} is not a class index below {classes}")]
    VoteOutOfRange {
        /// The vote.
        vote: u32,
        /// Its pixel.
        pixel: usize,
        /// Number of classes.
        classes: usize,
    },
    /// The vote buffer is not `pixels * trees` long.
    #[error("{found} votes do not form {pixels} pixels x {trees} trees")]
    VoteLength {
        /// Votes given.
        found: usize,
        /// Pixels.
        pixels: usize,
        /// Trees.
        trees: usize,
    },
}

/// Result alias for this module.
pub type Result<T> = std::result::Result<T, UncertaintyError>;

/// Memory layout of a pass of class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProbabilityLayout {
    /// `[pixel][class]`, as a model's `[batch, classes]` output.
    PixelMajor,
    /// `[class][pixel]`, band-sequential like a probability raster.
    ClassMajor,
}

/// Per-pixel uncertainty measures; every vector has one entry per pixel
/// except `mean_probabilities`. Nodata pixels (NaN in any pass) are NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintyMaps {
    /// Number of pixels.
    pub n_pixels: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Number of passes averaged.
    pub passes: usize,
    /// Mean class probabilities, band-sequential (`class * n_pixels + pixel`),
    /// ready to be written as one raster band per class.
    pub mean_probabilities: Vec<f32>,
    /// `H(p̄)` in nats.
    pub predictive_entropy: Vec<f32>,
    /// Mean per-pass entropy in nats.
    pub expected_entropy: Vec<f32>,
    /// Predictive minus expected entropy, in nats (clamped at 0 against round-off).
    pub mutual_information: Vec<f32>,
    /// Top-1 minus top-2 mean probability.
    pub margin: Vec<f32>,
    /// Class-averaged standard deviation of the probabilities over passes.
    pub mean_std: Vec<f32>,
}

/// Streaming accumulator of probability passes for a batch of pixels.
#[derive(Debug, Clone)]
pub struct UncertaintyAccumulator {
    n_pixels: usize,
    n_classes: usize,
    layout: ProbabilityLayout,
    passes: usize,
    /// Σ_t p (pixel-major).
    sum: Vec<f64>,
    /// Σ_t p² (pixel-major).
    sum_sq: Vec<f64>,
    /// Σ_t H(p_t) per pixel.
    sum_entropy: Vec<f64>,
    /// False once a pixel has been NaN in some pass.
    valid: Vec<bool>,
}

/// Entropy in nats of a probability vector (0 ln 0 = 0).
///
/// ```
/// use terradl_predict::uncertainty::entropy;
/// assert!((entropy(&[0.25; 4]) - 4f64.ln()).abs() < 1e-12);
/// ```
pub fn entropy(p: &[f64]) -> f64 {
    -p.iter().filter(|&&v| v > 0.0).map(|&v| v * v.ln()).sum::<f64>()
}

impl UncertaintyAccumulator {
    /// An empty accumulator for `n_pixels` pixels and `n_classes` classes.
    pub fn new(n_pixels: usize, n_classes: usize, layout: ProbabilityLayout) -> Result<Self> {
        if n_pixels == 0 || n_classes == 0 {
            return Err(UncertaintyError::EmptyShape { pixels: n_pixels, classes: n_classes });
        }
        let n = n_pixels * n_classes;
        Ok(UncertaintyAccumulator {
            n_pixels,
            n_classes,
            layout,
            passes: 0,
            sum: vec![0.0; n],
            sum_sq: vec![0.0; n],
            sum_entropy: vec![0.0; n_pixels],
            valid: vec![true; n_pixels],
        })
    }

    /// Number of passes added so far.
    pub fn passes(&self) -> usize {
        self.passes
    }

    /// Add one pass (MC-dropout sample or ensemble member) of probabilities.
    ///
    /// Values must be finite and non-negative, except NaN, which marks the
    /// pixel as nodata. The pass is validated before anything is added, so an
    /// error leaves the accumulator unchanged.
    pub fn add_pass(&mut self, probabilities: &[f32]) -> Result<()> {
        let (np, nc) = (self.n_pixels, self.n_classes);
        if probabilities.len() != np * nc {
            return Err(UncertaintyError::PassLength { found: probabilities.len(), expected: np * nc, pixels: np, classes: nc });
        }
        let at = |pixel: usize, class: usize| match self.layout {
            ProbabilityLayout::PixelMajor => probabilities[pixel * nc + class],
            ProbabilityLayout::ClassMajor => probabilities[class * np + pixel],
        };
        for pixel in 0..np {
            for class in 0..nc {
                let v = at(pixel, class);
                if v < 0.0 || v.is_infinite() {
                    return Err(UncertaintyError::InvalidProbability { value: v, pixel, class });
                }
            }
        }
        let mut row = vec![0f64; nc];
        for pixel in 0..np {
            row.iter_mut().enumerate().for_each(|(c, r)| *r = at(pixel, c) as f64);
            if row.iter().any(|v| v.is_nan()) {
                self.valid[pixel] = false;
                continue;
            }
            for (c, &v) in row.iter().enumerate() {
                self.sum[pixel * nc + c] += v;
                self.sum_sq[pixel * nc + c] += v * v;
            }
            self.sum_entropy[pixel] += entropy(&row);
        }
        self.passes += 1;
        Ok(())
    }

    /// Compute the uncertainty measures of the passes added so far.
    pub fn finish(&self) -> Result<UncertaintyMaps> {
        if self.passes == 0 {
            return Err(UncertaintyError::NoPasses);
        }
        let (np, nc) = (self.n_pixels, self.n_classes);
        let t = self.passes as f64;
        let mut out = UncertaintyMaps {
            n_pixels: np,
            n_classes: nc,
            passes: self.passes,
            mean_probabilities: vec![f32::NAN; np * nc],
            predictive_entropy: vec![f32::NAN; np],
            expected_entropy: vec![f32::NAN; np],
            mutual_information: vec![f32::NAN; np],
            margin: vec![f32::NAN; np],
            mean_std: vec![f32::NAN; np],
        };
        let mut mean = vec![0f64; nc];
        for pixel in (0..np).filter(|&p| self.valid[p]) {
            let mut std_sum = 0.0;
            for c in 0..nc {
                let m = self.sum[pixel * nc + c] / t;
                mean[c] = m;
                std_sum += (self.sum_sq[pixel * nc + c] / t - m * m).max(0.0).sqrt();
                out.mean_probabilities[c * np + pixel] = m as f32;
            }
            let h = entropy(&mean);
            let eh = self.sum_entropy[pixel] / t;
            let (mut top1, mut top2) = (f64::NEG_INFINITY, 0.0f64);
            for &m in &mean {
                if m > top1 {
                    top2 = top1.max(0.0);
                    top1 = m;
                } else if m > top2 {
                    top2 = m;
                }
            }
            out.predictive_entropy[pixel] = h as f32;
            out.expected_entropy[pixel] = eh as f32;
            out.mutual_information[pixel] = (h - eh).max(0.0) as f32;
            out.margin[pixel] = (top1 - top2) as f32;
            out.mean_std[pixel] = (std_sum / nc as f64) as f32;
        }
        Ok(out)
    }
}

/// Random Forest vote distribution: the fraction of trees voting for each
/// class, pixel-major `[pixel][class]`, from pixel-major votes
/// `[pixel][tree]` (class indices). Feed it to an accumulator as a single
/// pass for the vote entropy and margin (mutual information is then 0: the
/// forest's spread is all in the one predictive distribution).
///
/// ```
/// use terradl_predict::uncertainty::vote_distribution;
/// let p = vote_distribution(&[0, 0, 1, 2], 1, 4, 3).unwrap();
/// assert_eq!(p, vec![0.5, 0.25, 0.25]);
/// ```
pub fn vote_distribution(votes: &[u32], n_pixels: usize, n_trees: usize, n_classes: usize) -> Result<Vec<f32>> {
    if n_pixels == 0 || n_classes == 0 || n_trees == 0 {
        return Err(UncertaintyError::EmptyShape { pixels: n_pixels, classes: n_classes });
    }
    if votes.len() != n_pixels * n_trees {
        return Err(UncertaintyError::VoteLength { found: votes.len(), pixels: n_pixels, trees: n_trees });
    }
    let mut out = vec![0f32; n_pixels * n_classes];
    for (pixel, row) in votes.chunks_exact(n_trees).enumerate() {
        for &vote in row {
            if vote as usize >= n_classes {
                return Err(UncertaintyError::VoteOutOfRange { vote, pixel, classes: n_classes });
            }
            out[pixel * n_classes + vote as usize] += 1.0;
        }
    }
    out.iter_mut().for_each(|v| *v /= n_trees as f32);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(passes: &[&[f32]], classes: usize, layout: ProbabilityLayout) -> UncertaintyMaps {
        let pixels = passes[0].len() / classes;
        let mut acc = UncertaintyAccumulator::new(pixels, classes, layout).unwrap();
        for p in passes {
            acc.add_pass(p).unwrap();
        }
        acc.finish().unwrap()
    }

    fn close(a: f32, b: f64) -> bool {
        (a as f64 - b).abs() < 1e-6
    }

    #[test]
    fn disagreeing_confident_passes() {
        // [1, 0] and [0, 1]: mean [0.5, 0.5], H = ln 2, E[H] = 0, MI = ln 2,
        // margin 0, per-class std 0.5 (population) -> mean std 0.5.
        let u = run(&[&[1.0, 0.0], &[0.0, 1.0]], 2, ProbabilityLayout::PixelMajor);
        assert_eq!(u.mean_probabilities, vec![0.5, 0.5]);
        assert!(close(u.predictive_entropy[0], 2f64.ln()));
        assert_eq!(u.expected_entropy[0], 0.0);
        assert!(close(u.mutual_information[0], 2f64.ln()));
        assert_eq!(u.margin[0], 0.0);
        assert!(close(u.mean_std[0], 0.5));
    }

    #[test]
    fn agreeing_passes_have_no_mutual_information() {
        // Three identical passes [0.7, 0.2, 0.1]: H = E[H] =
        // 0.7*0.356675 + 0.2*1.609438 + 0.1*2.302585 = 0.801819; MI = 0; margin 0.5; std 0.
        let p: &[f32] = &[0.7, 0.2, 0.1];
        let u = run(&[p, p, p], 3, ProbabilityLayout::PixelMajor);
        assert!(close(u.predictive_entropy[0], 0.801_819));
        assert!(close(u.expected_entropy[0], 0.801_819));
        assert!(u.mutual_information[0].abs() < 1e-6);
        assert!(close(u.margin[0], 0.5));
        assert!(u.mean_std[0].abs() < 1e-6);
    }

    #[test]
    fn partially_disagreeing_passes() {
        // [0.8, 0.2] and [0.4, 0.6]: mean [0.6, 0.4], H = 0.673012;
        // H1 = 0.500402, H2 = 0.673012, E[H] = 0.586707, MI = 0.086305;
        // std of each class 0.2; margin 0.2.
        let u = run(&[&[0.8, 0.2], &[0.4, 0.6]], 2, ProbabilityLayout::PixelMajor);
        assert!(close(u.predictive_entropy[0], 0.673_012));
        assert!(close(u.expected_entropy[0], 0.586_707));
        assert!(close(u.mutual_information[0], 0.086_305));
        assert!(close(u.mean_std[0], 0.2));
        assert!(close(u.margin[0], 0.2));
    }

    #[test]
    fn layouts_agree_and_output_is_band_sequential() {
        // Two pixels, two classes; pixel 0 is [0.9, 0.1], pixel 1 is [0.3, 0.7].
        let pm = run(&[&[0.9, 0.1, 0.3, 0.7]], 2, ProbabilityLayout::PixelMajor);
        let cm = run(&[&[0.9, 0.3, 0.1, 0.7]], 2, ProbabilityLayout::ClassMajor);
        assert_eq!(pm, cm);
        assert_eq!(pm.mean_probabilities, vec![0.9, 0.3, 0.1, 0.7]);
        assert!(close(pm.margin[0], 0.8) && close(pm.margin[1], 0.4));
    }

    #[test]
    fn nodata_and_bad_input() {
        let mut acc = UncertaintyAccumulator::new(2, 2, ProbabilityLayout::PixelMajor).unwrap();
        assert_eq!(acc.finish(), Err(UncertaintyError::NoPasses));
        acc.add_pass(&[f32::NAN, f32::NAN, 0.5, 0.5]).unwrap();
        assert!(matches!(acc.add_pass(&[0.5, 0.5, -0.1, 1.1]), Err(UncertaintyError::InvalidProbability { pixel: 1, .. })));
        assert!(matches!(acc.add_pass(&[0.5]), Err(UncertaintyError::PassLength { .. })));
        acc.add_pass(&[0.5, 0.5, 0.5, 0.5]).unwrap();
        let u = acc.finish().unwrap();
        assert_eq!(u.passes, 2);
        assert!(u.predictive_entropy[0].is_nan() && u.margin[0].is_nan());
        assert!(close(u.predictive_entropy[1], 2f64.ln()));
        assert!(UncertaintyAccumulator::new(0, 2, ProbabilityLayout::PixelMajor).is_err());
    }

    #[test]
    fn streaming_matches_one_hot_votes() {
        // Trees as passes of one-hot vectors: E[H] = 0 so MI = H(vote distribution),
        // and the mean equals vote_distribution. Votes 0,0,1,2 -> [0.5, 0.25, 0.25],
        // H = 0.5 ln 2 + 2 * 0.25 ln 4 = 1.5 ln 2 = 1.039721.
        let votes = [0u32, 0, 1, 2];
        let dist = vote_distribution(&votes, 1, 4, 3).unwrap();
        let mut acc = UncertaintyAccumulator::new(1, 3, ProbabilityLayout::PixelMajor).unwrap();
        for &v in &votes {
            let mut one_hot = [0f32; 3];
            one_hot[v as usize] = 1.0;
            acc.add_pass(&one_hot).unwrap();
        }
        let u = acc.finish().unwrap();
        assert_eq!(u.mean_probabilities, dist);
        assert!(close(u.mutual_information[0], 1.5 * 2f64.ln()));
        assert!(close(u.margin[0], 0.25));
        assert!(matches!(vote_distribution(&[3], 1, 1, 3), Err(UncertaintyError::VoteOutOfRange { vote: 3, .. })));
        assert!(matches!(vote_distribution(&[0, 1, 2], 1, 2, 3), Err(UncertaintyError::VoteLength { .. })));
    }
}
