//! Saved pixel classifiers as a [`BlockPredictor`] with predictive uncertainty: several
//! probability passes per pixel (MC dropout, ensemble members, Random Forest trees) are
//! averaged into the probabilities and summarised as entropy, mutual information, margin
//! and standard deviation (see `terradl_predict::uncertainty`).

use super::pixel::{classifying, PixelBlockPredictor};
use std::str::FromStr;
use terradl_geo::{Raster, Window};
use terradl_predict::uncertainty::{ProbabilityLayout, UncertaintyAccumulator};
use terradl_predict::{BlockOutput, BlockPredictor, PredictError};
use terradl_train::pixel::{MlpPixelClassifier, PixelClassifier, RandomForest};
use terradl_train::ClassProbabilities;

/// Uncertainty bands written by every mode except [`UncertaintyMode::None`], in band order.
pub const BANDS: [&str; 4] = ["entropy", "mutual_information", "margin", "std"];

/// `--uncertainty` of `terradl predict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncertaintyMode {
    /// Probabilities of the model alone, no uncertainty raster.
    None,
    /// `N` forward passes of an MLP with dropout active.
    McDropout(usize),
    /// Every saved member of the model's kind (needs at least two).
    Ensemble,
    /// Each Random Forest tree's vote as one pass.
    Votes,
}

impl FromStr for UncertaintyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s {
            "none" => Ok(UncertaintyMode::None),
            "ensemble" => Ok(UncertaintyMode::Ensemble),
            "votes" => Ok(UncertaintyMode::Votes),
            _ => match s.strip_prefix("mc-dropout:").map(|n| n.parse::<usize>()) {
                Some(Ok(n)) if n >= 2 => Ok(UncertaintyMode::McDropout(n)),
                Some(_) => Err(format!("{s:?}: mc-dropout needs a pass count of at least 2, e.g. mc-dropout:30")),
                None => Err(format!("unknown uncertainty {s:?} (none, mc-dropout:N, ensemble, votes)")),
            },
        }
    }
}

/// Where the probability passes of a block come from.
pub enum Passes<'a> {
    /// One deterministic pass; no uncertainty bands.
    Single(&'a dyn PixelClassifier),
    /// MC dropout: `passes` stochastic passes, the generator reseeded per tile from `seed`.
    McDropout {
        /// The MLP, run with dropout active.
        mlp: &'a MlpPixelClassifier,
        /// Number of stochastic passes.
        passes: usize,
        /// Base seed of the dropout masks.
        seed: u64,
    },
    /// One pass per ensemble member.
    Ensemble(Vec<&'a dyn PixelClassifier>),
    /// One one-hot pass per tree.
    Votes(&'a RandomForest),
}

/// A saved model (or several) applied block by block.
pub struct UncertainBlockPredictor<'a> {
    /// Feature extraction (bands + indices) shared with the training pipeline's map.
    pub features: PixelBlockPredictor<'a>,
    /// Where the probability passes come from.
    pub passes: Passes<'a>,
}

/// A per-tile seed: the same tile gets the same dropout masks in every process, whatever
/// the order tiles are run in (block origin and core offset identify the tile).
fn tile_seed(seed: u64, block: &Raster, core: Window) -> u64 {
    let t = &block.transform.0;
    let mut h = seed ^ 0x9E37_79B9_7F4A_7C15;
    for v in [t[0].to_bits(), t[3].to_bits(), core.col as u64, core.row as u64] {
        h = (h ^ v).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h ^= h >> 31;
    }
    h
}


impl UncertainBlockPredictor<'_> {
    fn passes_for(&self, x: &[f32], nf: usize, block: &Raster, core: Window) -> terradl_predict::Result<Vec<ClassProbabilities>> {
        Ok(match &self.passes {
            Passes::Single(m) => vec![m.predict_proba(x, nf).map_err(classifying)?],
            Passes::McDropout { mlp, passes, seed } => {
                mlp.predict_proba_mc(x, nf, *passes, tile_seed(*seed, block, core)).map_err(classifying)?
            }
            Passes::Ensemble(members) => {
                members.iter().map(|m| m.predict_proba(x, nf).map_err(classifying)).collect::<Result<_, _>>()?
            }
            Passes::Votes(forest) => {
                let votes = forest.tree_votes(x, nf).map_err(classifying)?;
                let (t, k) = (forest.n_trees(), forest.n_classes());
                let n = votes.len() / t.max(1);
                (0..t)
                    .map(|tree| {
                        let mut values = vec![0f32; n * k];
                        (0..n).for_each(|i| values[i * k + votes[i * t + tree] as usize] = 1.0);
                        ClassProbabilities { n_classes: k, values }
                    })
                    .collect()
            }
        })
    }
}

impl BlockPredictor for UncertainBlockPredictor<'_> {
    fn n_classes(&self) -> usize {
        self.features.n_classes
    }
    fn n_bands(&self) -> usize {
        self.features.n_bands
    }
    fn halo(&self) -> usize {
        0
    }
    fn uncertainty_bands(&self) -> Vec<String> {
        match self.passes {
            Passes::Single(_) => Vec::new(),
            _ => BANDS.iter().map(|s| s.to_string()).collect(),
        }
    }
    fn parallel_tiles(&self) -> bool {
        !matches!(self.passes, Passes::McDropout { .. })
    }
    fn predict_block(&self, block: &Raster, core: Window, valid: &[bool]) -> terradl_predict::Result<BlockOutput> {
        let n = core.rows * core.cols;
        let k = self.features.n_classes;
        let n_unc = self.uncertainty_bands().len();
        let (x, rows) = self.features.features(block, core, valid);
        let mut probabilities = vec![0f32; k * n];
        let mut uncertainty = vec![0f32; n_unc * n];
        if rows.is_empty() {
            return Ok(BlockOutput { probabilities, uncertainty });
        }
        let passes = self.passes_for(&x, self.features.n_features(), block, core)?;
        if let (Passes::Single(_), Some(p)) = (&self.passes, passes.first()) {
            for (j, &i) in rows.iter().enumerate() {
                p.row(j).iter().enumerate().for_each(|(c, &v)| probabilities[c * n + i] = v);
            }
            return Ok(BlockOutput { probabilities, uncertainty });
        }
        let summarising = |e| PredictError::predictor("summarising the passes", e);
        let mut acc = UncertaintyAccumulator::new(rows.len(), k, ProbabilityLayout::PixelMajor).map_err(summarising)?;
        for p in &passes {
            acc.add_pass(&p.values).map_err(summarising)?;
        }
        let u = acc.finish().map_err(summarising)?;
        let m = rows.len();
        for (j, &i) in rows.iter().enumerate() {
            (0..k).for_each(|c| probabilities[c * n + i] = u.mean_probabilities[c * m + j]);
            let bands = [u.predictive_entropy[j], u.mutual_information[j], u.margin[j], u.mean_std[j]];
            bands.iter().enumerate().for_each(|(b, &v)| uncertainty[b * n + i] = v);
        }
        Ok(BlockOutput { probabilities, uncertainty })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_modes() {
        assert_eq!("none".parse::<UncertaintyMode>(), Ok(UncertaintyMode::None));
        assert_eq!("mc-dropout:30".parse::<UncertaintyMode>(), Ok(UncertaintyMode::McDropout(30)));
        assert_eq!("votes".parse::<UncertaintyMode>(), Ok(UncertaintyMode::Votes));
        assert_eq!("ensemble".parse::<UncertaintyMode>(), Ok(UncertaintyMode::Ensemble));
        assert!("mc-dropout:1".parse::<UncertaintyMode>().unwrap_err().contains("at least 2"));
        assert!("mc-dropout:x".parse::<UncertaintyMode>().is_err());
        assert!("bayes".parse::<UncertaintyMode>().unwrap_err().contains("unknown uncertainty"));
    }
}
