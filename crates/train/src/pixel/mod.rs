//! One interface over per-pixel classifiers — random forest, SVM, MLP — so pipelines can switch
//! models by configuration.

mod cart;
mod forest;
mod mlp;
pub(crate) mod store;
mod svm;

pub use forest::{MaxFeatures, RandomForest, RandomForestConfig};
pub use mlp::{MlpPixelClassifier, MlpPixelConfig};
pub use store::SavedPixelModel;
pub use svm::{Svm, SvmConfig, SvmKernel};

use serde::{Deserialize, Serialize};

use crate::error::TrainError;
use crate::inference::ClassProbabilities;

/// A classifier of feature vectors (one row of `n_features` values per pixel or object).
pub trait PixelClassifier: Send + Sync {
    /// Short name for logs and reports.
    fn name(&self) -> &'static str;

    /// Trains on `x` (row-major `[n, n_features]`) with labels `y` (0-based classes).
    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError>;

    /// Class probabilities `[n, n_classes]` for `x`.
    fn predict_proba(&self, x: &[f32], n_features: usize)
    -> Result<ClassProbabilities, TrainError>;

    /// Writes the trained model into `dir` (created), to be read back with
    /// [`SavedPixelModel::load`]. Kinds that cannot be stored return an error.
    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        Err(TrainError::Config(format!("{} models cannot be saved to {}", self.name(), dir.display())))
    }

    /// Most probable class of each row.
    fn predict(&self, x: &[f32], n_features: usize) -> Result<Vec<u32>, TrainError> {
        Ok(self.predict_proba(x, n_features)?.argmax())
    }
}

/// Choice of pixel classifier, e.g. from a pipeline's TOML.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PixelModelConfig {
    /// [`RandomForest`].
    RandomForest(RandomForestConfig),
    /// [`Svm`].
    Svm(SvmConfig),
    /// [`MlpPixelClassifier`].
    Mlp(MlpPixelConfig),
}

impl PixelModelConfig {
    /// An untrained classifier of this kind.
    pub fn build(&self) -> Box<dyn PixelClassifier> {
        match self {
            PixelModelConfig::RandomForest(c) => Box::new(RandomForest::new(c.clone())),
            PixelModelConfig::Svm(c) => Box::new(Svm::new(c.clone())),
            PixelModelConfig::Mlp(c) => Box::new(MlpPixelClassifier::new(c.clone())),
        }
    }
}

/// Checks `x`/`y` sizes and returns `(n_rows, n_classes)`.
pub(crate) fn check_xy(
    x: &[f32],
    n_features: usize,
    y: &[u32],
) -> Result<(usize, usize), TrainError> {
    let n = check_x(x, n_features)?;
    if n != y.len() || n == 0 {
        return Err(TrainError::Data(format!(
            "{n} feature rows but {} labels",
            y.len()
        )));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(TrainError::Data("non-finite feature value".into()));
    }
    let k = y.iter().max().map_or(0, |m| *m as usize + 1);
    Ok((n, k))
}

/// Checks that `x` holds whole rows of `n_features` and returns the row count.
pub(crate) fn check_x(x: &[f32], n_features: usize) -> Result<usize, TrainError> {
    if n_features == 0 || x.len() % n_features != 0 {
        return Err(TrainError::Data(format!(
            "{} values are not rows of {n_features} features",
            x.len()
        )));
    }
    Ok(x.len() / n_features)
}
