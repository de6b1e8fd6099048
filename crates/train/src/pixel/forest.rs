//! Random forest of smartcore decision trees with vote-fraction probabilities.
//!
//! smartcore 0.7's `RandomForestClassifier` keeps its trees private and exposes only the
//! majority vote, so the forest is assembled here from smartcore's public
//! `DecisionTreeClassifier`: each tree is grown on a bootstrap sample (rows drawn with
//! replacement) and, optionally, on a random subset of the features (random subspace). The
//! probability of a class is the fraction of trees voting for it, which with fully grown trees
//! is what scikit-learn's forest returns. smartcore's public tree considers every feature at
//! each split (per-split feature sampling `mtry` is crate-private), so with
//! `features_per_tree = None` this is bagged trees.

use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::tree::decision_tree_classifier::{
    DecisionTreeClassifier, DecisionTreeClassifierParameters,
};

use super::{PixelClassifier, check_x, check_xy};
use crate::error::TrainError;
use crate::inference::ClassProbabilities;

/// Settings of a [`RandomForest`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RandomForestConfig {
    /// Number of trees.
    pub n_trees: usize,
    /// Maximum depth (`None`: grow until pure or `min_samples_leaf`).
    pub max_depth: Option<u16>,
    /// Minimum samples in a leaf.
    pub min_samples_leaf: usize,
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
            features_per_tree: None,
            seed: 42,
        }
    }
}

type Tree = DecisionTreeClassifier<f32, u32, DenseMatrix<f32>, Vec<u32>>;

#[derive(Debug, Serialize, Deserialize)]
enum Member {
    /// A tree over the listed features.
    Tree { features: Vec<usize>, tree: Tree },
    /// A bootstrap sample held one class only.
    Constant(u32),
}

/// Bootstrap-aggregated decision trees; see the module documentation. Serialisable (serde),
/// so a trained forest can be stored with [`PixelClassifier::save`].
#[derive(Debug, Serialize, Deserialize)]
pub struct RandomForest {
    config: RandomForestConfig,
    members: Vec<Member>,
    n_classes: usize,
    n_features: usize,
}

fn matrix(
    x: &[f32],
    n_features: usize,
    rows: impl Iterator<Item = usize>,
    features: &[usize],
) -> Result<DenseMatrix<f32>, TrainError> {
    let mut values = Vec::new();
    let mut n = 0;
    for r in rows {
        let row = &x[r * n_features..(r + 1) * n_features];
        values.extend(features.iter().map(|&f| row[f]));
        n += 1;
    }
    DenseMatrix::new(n, features.len(), values, false)
        .map_err(|e| TrainError::Classical(e.to_string()))
}

impl RandomForest {
    /// An untrained forest.
    pub fn new(config: RandomForestConfig) -> Self {
        Self {
            config,
            members: Vec::new(),
            n_classes: 0,
            n_features: 0,
        }
    }

    /// Number of trees trained.
    pub fn n_trees(&self) -> usize {
        self.members.len()
    }

    /// Number of classes the forest was trained on.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The class each tree votes for, row-major `[n, n_trees]`: the vote distribution behind
    /// [`predict_proba`](PixelClassifier::predict_proba), kept per tree for uncertainty.
    pub fn tree_votes(&self, x: &[f32], n_features: usize) -> Result<Vec<u32>, TrainError> {
        if self.members.is_empty() {
            return Err(TrainError::Classical("random forest used before fit".into()));
        }
        if n_features != self.n_features {
            return Err(TrainError::Data(format!(
                "{n_features} features, forest trained on {}",
                self.n_features
            )));
        }
        let n = check_x(x, n_features)?;
        let t = self.members.len();
        const CHUNK: usize = 4096;
        let chunks: Result<Vec<Vec<u32>>, TrainError> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let (start, end) = (c * CHUNK, ((c + 1) * CHUNK).min(n));
                let mut votes = vec![0u32; (end - start) * t];
                for (j, member) in self.members.iter().enumerate() {
                    match member {
                        Member::Constant(label) => (0..end - start).for_each(|i| votes[i * t + j] = *label),
                        Member::Tree { features, tree } => {
                            let xm = matrix(x, n_features, start..end, features)?;
                            let pred = tree
                                .predict(&xm)
                                .map_err(|e| TrainError::Classical(e.to_string()))?;
                            pred.iter().enumerate().for_each(|(i, p)| votes[i * t + j] = *p);
                        }
                    }
                }
                Ok(votes)
            })
            .collect();
        Ok(chunks?.concat())
    }

    fn grow(
        &self,
        x: &[f32],
        n_features: usize,
        y: &[u32],
        index: usize,
    ) -> Result<Member, TrainError> {
        let c = &self.config;
        let mut rng = ChaCha8Rng::seed_from_u64(c.seed.wrapping_add(index as u64 * 0x9E37_79B9));
        let n = y.len();
        let rows: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
        let mut features: Vec<usize> = match c.features_per_tree {
            Some(m) if m > 0 && m < n_features => sample(&mut rng, n_features, m).into_vec(),
            _ => (0..n_features).collect(),
        };
        features.sort_unstable();
        let labels: Vec<u32> = rows.iter().map(|&r| y[r]).collect();
        if labels.iter().all(|&l| l == labels[0]) {
            return Ok(Member::Constant(labels[0]));
        }
        let xm = matrix(x, n_features, rows.into_iter(), &features)?;
        let params = DecisionTreeClassifierParameters {
            max_depth: c.max_depth,
            min_samples_leaf: c.min_samples_leaf.max(1),
            seed: Some(rng.random()),
            ..Default::default()
        };
        let tree =
            Tree::fit(&xm, &labels, params).map_err(|e| TrainError::Classical(e.to_string()))?;
        Ok(Member::Tree { features, tree })
    }
}

impl PixelClassifier for RandomForest {
    fn name(&self) -> &'static str {
        "random_forest"
    }

    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError> {
        let (_, k) = check_xy(x, n_features, y)?;
        let members: Result<Vec<Member>, TrainError> = (0..self.config.n_trees.max(1))
            .into_par_iter()
            .map(|i| self.grow(x, n_features, y, i))
            .collect();
        self.members = members?;
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
        let votes = self.tree_votes(x, n_features)?;
        let n_trees = self.members.len();
        let scale = 1.0 / n_trees as f32;
        let mut values = vec![0f32; votes.len() / n_trees * k];
        for (i, row) in votes.chunks_exact(n_trees).enumerate() {
            row.iter().for_each(|&v| values[i * k + v as usize] += 1.0);
        }
        values.iter_mut().for_each(|v| *v *= scale);
        Ok(ClassProbabilities { n_classes: k, values })
    }

    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        super::store::save_serde(dir, super::store::SavedKind::RandomForest, self)
    }
}
