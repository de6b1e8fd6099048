//! Support vector machine: one-vs-one binary SVCs trained by smartcore, evaluated here.
//!
//! smartcore 0.7's `SVC` borrows its parameters for its whole life and evaluates the kernel
//! with a fresh allocation per support vector and row, which suits neither a stored model nor
//! per-pixel prediction over rasters. Each binary SVC is therefore trained by smartcore, its
//! support vectors, weights and bias are read back through smartcore's serde representation,
//! and the decision function is evaluated here (in parallel over rows).
//!
//! Probabilities come from pairwise coupling of the binary decisions: for classes `a, b` the
//! pair probability is `sigmoid(f_ab(x))`, and `p_k = 2 / (K (K - 1)) * sum_j p_kj`, which sums
//! to one. They rank classes consistently with the votes but are not Platt-calibrated.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::svm::Kernels;
use smartcore::svm::svc::{SVC, SVCParameters};

use super::{PixelClassifier, check_x, check_xy};
use crate::error::TrainError;
use crate::inference::ClassProbabilities;

/// Kernel of an [`Svm`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SvmKernel {
    /// `x . y`.
    Linear,
    /// `exp(-gamma |x - y|^2)`; `gamma = None` uses `1 / n_features` (standardise features).
    Rbf {
        /// Kernel width.
        gamma: Option<f64>,
    },
}

/// Settings of an [`Svm`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SvmConfig {
    /// Regularisation `C`.
    pub c: f32,
    /// Kernel.
    pub kernel: SvmKernel,
    /// Passes of smartcore's LASVM solver.
    pub epochs: usize,
    /// Solver tolerance.
    pub tol: f32,
    /// Seed of the solver's shuffling.
    pub seed: u64,
}

impl Default for SvmConfig {
    fn default() -> Self {
        Self {
            c: 10.0,
            kernel: SvmKernel::Rbf { gamma: None },
            epochs: 2,
            tol: 1e-3,
            seed: 42,
        }
    }
}

/// One binary machine separating class `pos` (decision > 0) from `neg`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct BinaryMachine {
    pos: u32,
    neg: u32,
    /// Support vectors, row-major.
    vectors: Vec<f32>,
    weights: Vec<f32>,
    bias: f32,
}

#[derive(Deserialize)]
struct SvcParts {
    instances: Option<Vec<Vec<f32>>>,
    w: Option<Vec<f32>>,
    b: Option<f32>,
}

/// Multi-class SVM (one-vs-one); see the module documentation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Svm {
    config: SvmConfig,
    machines: Vec<BinaryMachine>,
    n_classes: usize,
    n_features: usize,
    /// Classes present in training (the coupling normaliser).
    n_present: usize,
    gamma: f32,
}

impl Svm {
    /// An untrained SVM.
    pub fn new(config: SvmConfig) -> Self {
        Self {
            config,
            machines: Vec::new(),
            n_classes: 0,
            n_features: 0,
            n_present: 0,
            gamma: 0.0,
        }
    }

    fn kernel(&self, a: &[f32], b: &[f32]) -> f32 {
        match self.config.kernel {
            SvmKernel::Linear => a.iter().zip(b).map(|(x, y)| x * y).sum(),
            SvmKernel::Rbf { .. } => {
                let d2: f32 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
                (-self.gamma * d2).exp()
            }
        }
    }

    fn decision(&self, m: &BinaryMachine, row: &[f32]) -> f32 {
        let nf = self.n_features;
        m.bias
            + m.vectors
                .chunks_exact(nf)
                .zip(&m.weights)
                .map(|(sv, w)| w * self.kernel(row, sv))
                .sum::<f32>()
    }

    fn train_pair(
        &self,
        x: &[f32],
        y: &[u32],
        pos: u32,
        neg: u32,
    ) -> Result<BinaryMachine, TrainError> {
        let nf = self.n_features;
        let rows: Vec<usize> = (0..y.len())
            .filter(|&i| y[i] == pos || y[i] == neg)
            .collect();
        let mut values = Vec::with_capacity(rows.len() * nf);
        rows.iter()
            .for_each(|&r| values.extend_from_slice(&x[r * nf..(r + 1) * nf]));
        let xm = DenseMatrix::new(rows.len(), nf, values, false)
            .map_err(|e| TrainError::Svm(e.into()))?;
        let labels: Vec<i32> = rows
            .iter()
            .map(|&r| if y[r] == pos { 1 } else { -1 })
            .collect();
        let kernel = match self.config.kernel {
            SvmKernel::Linear => Kernels::linear(),
            SvmKernel::Rbf { .. } => Kernels::rbf().with_gamma(self.gamma as f64),
        };
        let params = SVCParameters::default()
            .with_c(self.config.c)
            .with_tol(self.config.tol)
            .with_epoch(self.config.epochs.max(1))
            .with_kernel(kernel)
            .with_seed(Some(self.config.seed));
        let svc =
            SVC::fit(&xm, &labels, &params).map_err(|e| TrainError::Svm(e.into()))?;
        let value = serde_json::to_value(&svc).map_err(|e| TrainError::Svm(e.into()))?;
        let parts: SvcParts =
            serde_json::from_value(value).map_err(|e| TrainError::Svm(e.into()))?;
        let (Some(instances), Some(weights), Some(bias)) = (parts.instances, parts.w, parts.b)
        else {
            return Err(TrainError::Classical(
                "smartcore SVC returned no support vectors".into(),
            ));
        };
        Ok(BinaryMachine {
            pos,
            neg,
            vectors: instances.concat(),
            weights,
            bias,
        })
    }
}

impl PixelClassifier for Svm {
    fn name(&self) -> &'static str {
        "svm"
    }

    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError> {
        let (_, k) = check_xy(x, n_features, y)?;
        if k < 2 {
            return Err(TrainError::Data("SVM needs at least two classes".into()));
        }
        self.n_features = n_features;
        self.n_classes = k;
        self.gamma = match self.config.kernel {
            SvmKernel::Rbf { gamma: Some(g) } => g as f32,
            _ => 1.0 / n_features as f32,
        };
        let present: Vec<u32> = (0..k as u32).filter(|c| y.contains(c)).collect();
        if present.len() < 2 {
            return Err(TrainError::Data("SVM needs at least two classes".into()));
        }
        self.n_present = present.len();
        let pairs: Vec<(u32, u32)> = present
            .iter()
            .enumerate()
            .flat_map(|(i, &a)| present[i + 1..].iter().map(move |&b| (a, b)))
            .collect();
        let machines: Result<Vec<_>, _> = pairs
            .par_iter()
            .map(|&(a, b)| self.train_pair(x, y, a, b))
            .collect();
        self.machines = machines?;
        Ok(())
    }

    fn predict_proba(
        &self,
        x: &[f32],
        n_features: usize,
    ) -> Result<ClassProbabilities, TrainError> {
        if self.machines.is_empty() {
            return Err(TrainError::Classical("SVM used before fit".into()));
        }
        if n_features != self.n_features {
            return Err(TrainError::Data(format!(
                "{n_features} features, SVM trained on {}",
                self.n_features
            )));
        }
        check_x(x, n_features)?;
        let k = self.n_classes;
        let kp = self.n_present as f32;
        let norm = 2.0 / (kp * (kp - 1.0));
        let values: Vec<f32> = x
            .par_chunks(n_features)
            .flat_map_iter(|row| {
                let mut p = vec![0f32; k];
                for m in &self.machines {
                    let s = 1.0 / (1.0 + (-self.decision(m, row)).exp());
                    p[m.pos as usize] += s * norm;
                    p[m.neg as usize] += (1.0 - s) * norm;
                }
                p
            })
            .collect();
        Ok(ClassProbabilities {
            n_classes: k,
            values,
        })
    }

    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        super::store::save_serde(dir, terradl_models::saved::ModelKind::Svm, self, None)
    }
}
