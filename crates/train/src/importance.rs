//! Permutation importance of feature groups, e.g. of each acquisition date of a time series.
//!
//! For one group of features (all bands of one date), the values of those features are
//! permuted across samples with one shared permutation (so a date's bands stay together and
//! keep their joint distribution) and the drop of overall accuracy against the unpermuted
//! baseline is recorded, `repeats` times with different permutations. A date whose shuffling
//! costs nothing carries no information the model uses; a large drop marks a date that matters
//! (Breiman 2001; for satellite image time series e.g. Pelletier et al. 2019).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::pixel::PixelClassifier;

/// Importance of one feature group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupImportance {
    /// Group name (e.g. the date, `2018-07-08`).
    pub group: String,
    /// Overall accuracy without permutation.
    pub baseline_accuracy: f64,
    /// Mean accuracy drop over the repeats (baseline minus permuted).
    pub mean_drop: f64,
    /// Standard deviation of the drop over the repeats.
    pub std_drop: f64,
    /// Drop of each repeat.
    pub drops: Vec<f64>,
}

/// One group per date of `[n_dates, n_bands]` series flattened date-major: group `t` holds
/// features `t * n_bands .. (t + 1) * n_bands`.
pub fn date_groups(names: &[String], n_bands: usize) -> Vec<(String, Vec<usize>)> {
    names
        .iter()
        .enumerate()
        .map(|(t, n)| (n.clone(), (t * n_bands..(t + 1) * n_bands).collect()))
        .collect()
}

fn accuracy(pred: &[u32], y: &[u32]) -> f64 {
    pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len().max(1) as f64
}

/// Permutation importance of each group for `model` on `(x, y)` (row-major
/// `[n, n_features]`), `repeats` permutations per group, seeded.
pub fn permutation_importance(
    model: &dyn PixelClassifier,
    x: &[f32],
    n_features: usize,
    y: &[u32],
    groups: &[(String, Vec<usize>)],
    repeats: usize,
    seed: u64,
) -> Result<Vec<GroupImportance>, TrainError> {
    if n_features == 0 || x.len() != y.len() * n_features || y.is_empty() {
        return Err(TrainError::Data(format!(
            "{} values, {} labels and {n_features} features do not match",
            x.len(),
            y.len()
        )));
    }
    if repeats == 0 {
        return Err(TrainError::Config("permutation importance needs at least one repeat".into()));
    }
    if let Some((g, _)) = groups.iter().find(|(_, f)| f.iter().any(|&j| j >= n_features)) {
        return Err(TrainError::Config(format!("group {g} names a feature beyond {n_features}")));
    }
    let n = y.len();
    let baseline = accuracy(&model.predict(x, n_features)?, y);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut permuted = x.to_vec();
    let mut order: Vec<usize> = (0..n).collect();
    let mut out = Vec::with_capacity(groups.len());
    for (name, features) in groups {
        let mut drops = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            order.shuffle(&mut rng);
            for (dst, &src) in order.iter().enumerate() {
                for &j in features {
                    permuted[dst * n_features + j] = x[src * n_features + j];
                }
            }
            drops.push(baseline - accuracy(&model.predict(&permuted, n_features)?, y));
        }
        // restore the group's columns before the next group
        for i in 0..n {
            for &j in features {
                permuted[i * n_features + j] = x[i * n_features + j];
            }
        }
        let mean = drops.iter().sum::<f64>() / repeats as f64;
        let var = drops.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / repeats as f64;
        out.push(GroupImportance {
            group: name.clone(),
            baseline_accuracy: baseline,
            mean_drop: mean,
            std_drop: var.sqrt(),
            drops,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pixel::{RandomForest, RandomForestConfig};

    /// 3 dates x 2 bands; only date 1 carries the class, dates 0 and 2 are noise.
    fn fixture(n: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let c = (i % 2) as u32;
            for t in 0..3 {
                for _ in 0..2 {
                    let noise: f32 = rand::Rng::random_range(&mut rng, -1.0..1.0);
                    x.push(if t == 1 { c as f32 * 3.0 + noise } else { noise * 3.0 });
                }
            }
            y.push(c);
        }
        (x, y)
    }

    #[test]
    fn only_the_informative_date_matters() {
        let (x, y) = fixture(200, 1);
        let mut rf = RandomForest::new(RandomForestConfig { n_trees: 20, seed: 3, ..Default::default() });
        rf.fit(&x, 6, &y).unwrap();
        let (xt, yt) = fixture(200, 2);
        let names: Vec<String> = ["d0", "d1", "d2"].iter().map(|s| s.to_string()).collect();
        let imp = permutation_importance(&rf, &xt, 6, &yt, &date_groups(&names, 2), 5, 9).unwrap();
        assert_eq!(imp.len(), 3);
        assert!(imp[0].baseline_accuracy > 0.95, "{imp:?}");
        // shuffling date 1 brings accuracy to chance (~0.5)
        assert!(imp[1].mean_drop > 0.3, "{imp:?}");
        assert!(imp[0].mean_drop.abs() < 0.06 && imp[2].mean_drop.abs() < 0.06, "{imp:?}");
        assert_eq!(imp[1].drops.len(), 5);
        // same seed, same figures
        let again = permutation_importance(&rf, &xt, 6, &yt, &date_groups(&names, 2), 5, 9).unwrap();
        assert_eq!(imp, again);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let (x, y) = fixture(10, 1);
        let mut rf = RandomForest::new(RandomForestConfig { n_trees: 2, ..Default::default() });
        rf.fit(&x, 6, &y).unwrap();
        let g = vec![("a".to_string(), vec![7])];
        assert!(permutation_importance(&rf, &x, 6, &y, &g, 1, 0).is_err());
        assert!(permutation_importance(&rf, &x, 6, &y[..5], &[], 1, 0).is_err());
        assert!(permutation_importance(&rf, &x, 6, &y, &[], 0, 0).is_err());
    }
}
