//! Random forest of our own CART trees ([`super::cart`]) with vote-fraction probabilities.
//!
//! Each tree is grown on a bootstrap sample (as many rows as the training set, drawn with
//! replacement; a row drawn `c` times weighs `c`), optionally restricted to a random subset of
//! the features (`features_per_tree`, random subspace), and samples `max_features` of its
//! features at every split (scikit-learn's `max_features`). The probability of a class is the
//! fraction of trees voting for it, which with fully grown trees is what scikit-learn's forest
//! returns. Defaults (`max_features = "all"`, no depth limit, `min_samples_leaf = 1`) are
//! bagged trees, i.e. scikit-learn's `RandomForestClassifier(max_features=None)`;
//! `max_features = "sqrt"` is scikit-learn's default for classification.

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cart::{self, CartTree, Presorted, TrainingSet, TreeParams};
use super::{PixelClassifier, check_x, check_xy};
use crate::error::TrainError;
use crate::inference::ClassProbabilities;

/// Features examined at each split of a tree (scikit-learn's `max_features`); in TOML / JSON
/// `"all"`, `"sqrt"`, `"log2"` or `{ count = 6 }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeatures {
    /// Every feature (of the tree's subset), i.e. bagged trees.
    #[default]
    All,
    /// `max(1, floor(sqrt(n)))`, scikit-learn's default for classification.
    Sqrt,
    /// `max(1, floor(log2(n)))`.
    Log2,
    /// A fixed number (at least 1; more than `n` acts as `n`).
    Count(usize),
}

impl MaxFeatures {
    /// The number of features examined per split out of `n`.
    pub fn resolve(self, n: usize) -> Result<usize, TrainError> {
        let m = match self {
            MaxFeatures::All => n,
            MaxFeatures::Sqrt => (n as f64).sqrt().floor() as usize,
            MaxFeatures::Log2 => (n as f64).log2().floor() as usize,
            MaxFeatures::Count(0) => {
                return Err(TrainError::Config(
                    "random forest max_features count must be at least 1".into(),
                ));
            }
            MaxFeatures::Count(m) => m,
        };
        Ok(m.clamp(1, n.max(1)))
    }
}

/// Settings of a [`RandomForest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RandomForestConfig {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum depth, root at depth 0 (`None`: grow until pure or `min_samples_leaf`).
    pub max_depth: Option<u16>,
    /// Minimum (distinct in-bag) rows in a leaf.
    pub min_samples_leaf: usize,
    /// Features examined at each split, out of the tree's features.
    pub max_features: MaxFeatures,
    /// Features drawn (without replacement) for each tree; `None` uses all.
    pub features_per_tree: Option<usize>,
    /// Seed of the bootstrap and feature draws.
    pub seed: u64,
}

impl Default for RandomForestConfig {
    fn default() -> Self {
        Self {
            n_trees: 100,
            max_depth: None,
            min_samples_leaf: 1,
            max_features: MaxFeatures::All,
            features_per_tree: None,
            seed: 42,
        }
    }
}

/// Bootstrap-aggregated CART trees; see the module documentation. Serialisable (serde), so a
/// trained forest can be stored with [`PixelClassifier::save`]; loading checks every tree.
#[derive(Debug, Serialize, Deserialize)]
#[serde(try_from = "RawForest")]
pub struct RandomForest {
    config: RandomForestConfig,
    trees: Vec<CartTree>,
    n_classes: usize,
    n_features: usize,
}

#[derive(Deserialize)]
struct RawForest {
    config: RandomForestConfig,
    trees: Vec<CartTree>,
    n_classes: usize,
    n_features: usize,
}

impl TryFrom<RawForest> for RandomForest {
    type Error = String;

    fn try_from(raw: RawForest) -> Result<Self, String> {
        if let Some(t) = raw
            .trees
            .iter()
            .position(|t| t.n_features() != raw.n_features || t.n_classes() > raw.n_classes)
        {
            return Err(format!(
                "tree {t} does not match the forest's features or classes"
            ));
        }
        Ok(RandomForest {
            config: raw.config,
            trees: raw.trees,
            n_classes: raw.n_classes,
            n_features: raw.n_features,
        })
    }
}

/// Rows per parallel prediction task.
const CHUNK: usize = 256;

impl RandomForest {
    /// An untrained forest.
    pub fn new(config: RandomForestConfig) -> Self {
        Self {
            config,
            trees: Vec::new(),
            n_classes: 0,
            n_features: 0,
        }
    }

    /// Number of trees trained.
    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Number of classes the forest was trained on.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The class each tree votes for, row-major `[n, n_trees]`: the vote distribution behind
    /// [`predict_proba`](PixelClassifier::predict_proba), kept per tree for uncertainty.
    pub fn tree_votes(&self, x: &[f32], n_features: usize) -> Result<Vec<u32>, TrainError> {
        self.each_vote(x, n_features, self.trees.len(), |out, tree, class| {
            out[tree] = class
        })
    }

    /// Walks every tree for every row of `x` and hands `record` the row's `width` outputs, the
    /// tree's index and its vote; parallel over chunks of rows, trees inside a chunk.
    fn each_vote<T: Copy + Default + Send>(
        &self,
        x: &[f32],
        n_features: usize,
        width: usize,
        record: impl Fn(&mut [T], usize, u32) + Sync,
    ) -> Result<Vec<T>, TrainError> {
        if self.trees.is_empty() {
            return Err(TrainError::Classical(
                "random forest used before fit".into(),
            ));
        }
        if n_features != self.n_features {
            return Err(TrainError::Data(format!(
                "{n_features} features, forest trained on {}",
                self.n_features
            )));
        }
        let n = check_x(x, n_features)?;
        let mut out = vec![T::default(); n * width];
        out.par_chunks_mut(CHUNK * width)
            .zip(x.par_chunks(CHUNK * n_features))
            .for_each(|(out, rows)| {
                for (j, tree) in self.trees.iter().enumerate() {
                    tree.predict_rows(rows, n_features, |i, class| {
                        record(&mut out[i * width..(i + 1) * width], j, class);
                    });
                }
            });
        Ok(out)
    }

    /// Grows tree `index`: bootstrap weights, the tree's features, then [`cart::grow`].
    fn grow(&self, data: &TrainingSet, max_features: usize, index: usize) -> CartTree {
        let c = &self.config;
        let mut rng = ChaCha8Rng::seed_from_u64(c.seed.wrapping_add(index as u64 * 0x9E37_79B9));
        let n = data.y.len();
        let mut weights = vec![0u32; n];
        for _ in 0..n {
            weights[rng.random_range(0..n)] += 1;
        }
        let nf = data.n_features;
        let mut features: Vec<u32> = match c.features_per_tree {
            Some(m) if m > 0 && m < nf => sample(&mut rng, nf, m)
                .into_iter()
                .map(|f| f as u32)
                .collect(),
            _ => (0..nf as u32).collect(),
        };
        features.sort_unstable();
        let params = TreeParams {
            max_depth: c.max_depth,
            min_samples_leaf: c.min_samples_leaf.max(1),
            max_features,
        };
        cart::grow(data, &weights, &features, &params, &mut rng)
    }
}

impl PixelClassifier for RandomForest {
    fn name(&self) -> &'static str {
        "random_forest"
    }

    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError> {
        let (n, k) = check_xy(x, n_features, y)?;
        if u32::try_from(n).is_err() || u32::try_from(n_features).is_err() {
            return Err(TrainError::Data(format!(
                "{n} rows x {n_features} features: too many for a forest"
            )));
        }
        let tree_features = match self.config.features_per_tree {
            Some(m) if m > 0 && m < n_features => m,
            _ => n_features,
        };
        let max_features = self.config.max_features.resolve(tree_features)?;
        let sorted = Presorted::new(x, n_features);
        let data = TrainingSet {
            x,
            n_features,
            y,
            n_classes: k,
            sorted: &sorted,
        };
        self.trees = (0..self.config.n_trees.max(1))
            .into_par_iter()
            .map(|i| self.grow(&data, max_features, i))
            .collect();
        self.n_classes = k;
        self.n_features = n_features;
        Ok(())
    }

    fn predict_proba(
        &self,
        x: &[f32],
        n_features: usize,
    ) -> Result<ClassProbabilities, TrainError> {
        let k = self.n_classes;
        let mut values = self.each_vote(x, n_features, k, |out: &mut [f32], _, class| {
            out[class as usize] += 1.0;
        })?;
        let scale = 1.0 / self.trees.len() as f32;
        values.iter_mut().for_each(|v| *v *= scale);
        Ok(ClassProbabilities {
            n_classes: k,
            values,
        })
    }

    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        super::store::save_serde(dir, terradl_models::saved::ModelKind::RandomForest, self, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three noisy classes in 4 features; only features 0 and 1 carry the class.
    fn blobs(n: usize, seed: u64) -> (Vec<f32>, Vec<u32>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for i in 0..n {
            let c = (i % 3) as u32;
            x.push(c as f32 + rng.random_range(-0.7..0.7));
            x.push(c as f32 * 0.5 + rng.random_range(-0.5..0.5));
            x.push(rng.random_range(-1.0..1.0));
            x.push(rng.random_range(-1.0..1.0));
            y.push(c);
        }
        (x, y)
    }

    fn accuracy(rf: &RandomForest, x: &[f32], y: &[u32]) -> f64 {
        let p = rf.predict(x, 4).unwrap();
        p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64
    }

    #[test]
    fn forest_learns_and_probabilities_are_vote_fractions() {
        let (x, y) = blobs(300, 1);
        let (xt, yt) = blobs(300, 2);
        for max_features in [MaxFeatures::All, MaxFeatures::Sqrt, MaxFeatures::Count(3)] {
            let mut rf = RandomForest::new(RandomForestConfig {
                n_trees: 25,
                max_features,
                ..Default::default()
            });
            rf.fit(&x, 4, &y).unwrap();
            assert_eq!(rf.n_trees(), 25);
            assert_eq!(rf.n_classes(), 3);
            let acc = accuracy(&rf, &xt, &yt);
            assert!(acc > 0.85, "{max_features:?}: {acc}");
            // Fully grown trees fit their distinct training rows: the forest nearly so.
            assert!(accuracy(&rf, &x, &y) > 0.97);
            let votes = rf.tree_votes(&xt, 4).unwrap();
            let p = rf.predict_proba(&xt, 4).unwrap();
            for (row, probs) in votes.chunks_exact(25).zip(p.values.chunks_exact(3)) {
                for (c, &pc) in probs.iter().enumerate() {
                    let share = row.iter().filter(|&&v| v == c as u32).count() as f32 / 25.0;
                    assert!((pc - share).abs() < 1e-6);
                }
            }
        }
    }

    #[test]
    fn same_seed_same_forest_and_serde_round_trip() {
        let (x, y) = blobs(200, 3);
        let config = RandomForestConfig {
            n_trees: 10,
            max_features: MaxFeatures::Sqrt,
            seed: 5,
            ..Default::default()
        };
        let mut a = RandomForest::new(config.clone());
        a.fit(&x, 4, &y).unwrap();
        let mut b = RandomForest::new(config);
        b.fit(&x, 4, &y).unwrap();
        assert_eq!(a.trees, b.trees);
        let (xt, _) = blobs(500, 4);
        let json = serde_json::to_string(&a).unwrap();
        let back: RandomForest = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.tree_votes(&xt, 4).unwrap(),
            a.tree_votes(&xt, 4).unwrap()
        );
        assert_eq!(
            back.predict_proba(&xt, 4).unwrap(),
            a.predict_proba(&xt, 4).unwrap()
        );
        // A forest whose trees claim other features is rejected at load, not at predict.
        let bad = json.replacen("\"n_features\":4", "\"n_features\":9", 1);
        assert_ne!(bad, json);
        assert!(serde_json::from_str::<RandomForest>(&bad).is_err());
    }

    #[test]
    fn config_options_and_bad_inputs() {
        let old: RandomForestConfig =
            serde_json::from_str(r#"{"n_trees":3,"features_per_tree":2}"#).unwrap();
        assert_eq!(old.max_features, MaxFeatures::All);
        assert_eq!(old.features_per_tree, Some(2));
        let c: RandomForestConfig = serde_json::from_str(r#"{"max_features":"sqrt"}"#).unwrap();
        assert_eq!(c.max_features, MaxFeatures::Sqrt);
        let c: RandomForestConfig =
            serde_json::from_str(r#"{"max_features":{"count":6}}"#).unwrap();
        assert_eq!(c.max_features, MaxFeatures::Count(6));
        assert_eq!(MaxFeatures::Sqrt.resolve(36).unwrap(), 6);
        assert_eq!(MaxFeatures::Log2.resolve(36).unwrap(), 5);
        assert_eq!(MaxFeatures::Sqrt.resolve(1).unwrap(), 1);
        assert_eq!(MaxFeatures::Count(50).resolve(36).unwrap(), 36);

        let (x, y) = blobs(60, 5);
        let mut rf = RandomForest::new(RandomForestConfig {
            max_features: MaxFeatures::Count(0),
            ..Default::default()
        });
        assert!(matches!(rf.fit(&x, 4, &y), Err(TrainError::Config(_))));
        // Random subspace per tree still trains.
        let mut rf = RandomForest::new(RandomForestConfig {
            n_trees: 5,
            features_per_tree: Some(2),
            ..Default::default()
        });
        rf.fit(&x, 4, &y).unwrap();
        assert!(rf.tree_votes(&x, 3).is_err());
        assert!(
            RandomForest::new(RandomForestConfig::default())
                .tree_votes(&x, 4)
                .is_err()
        );
        let mut nan = x.clone();
        nan[5] = f32::NAN;
        let mut rf = RandomForest::new(RandomForestConfig {
            n_trees: 3,
            ..Default::default()
        });
        assert!(matches!(rf.fit(&nan, 4, &y), Err(TrainError::Data(_))));
        rf.fit(&x, 4, &y).unwrap();
        // NaN at prediction goes right in every tree: a vote, no panic.
        assert_eq!(rf.predict(&nan, 4).unwrap().len(), 60);
        // One class only: every tree is a single leaf.
        let mut rf = RandomForest::new(RandomForestConfig {
            n_trees: 3,
            ..Default::default()
        });
        rf.fit(&x, 4, &vec![0; 60]).unwrap();
        assert!(rf.predict(&x, 4).unwrap().iter().all(|&c| c == 0));
    }
}
