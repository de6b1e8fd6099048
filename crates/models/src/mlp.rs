//! Multi-layer perceptron for per-pixel (or per-object) feature vectors.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::classifier::{Classifier, DropoutMode, apply_dropout};
use crate::error::ModelError;

/// Configuration of an [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Number of input features.
    pub d_input: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Widths of the hidden layers.
    #[config(default = "vec![128, 64]")]
    pub hidden: Vec<usize>,
    /// Dropout probability after each hidden layer.
    #[config(default = 0.2)]
    pub dropout: f64,
}

/// Features `[B, F]` -> (linear, ReLU, dropout) x hidden layers -> linear -> logits `[B, K]`.
#[derive(Module, Debug)]
pub struct Mlp {
    hidden: Vec<Linear>,
    head: Linear,
    dropout: Dropout,
    d_input: usize,
    n_classes: usize,
}

impl MlpConfig {
    /// Builds the model on `device` (use an autodiff device to train it).
    pub fn init(&self, device: &Device) -> Mlp {
        let mut hidden = Vec::with_capacity(self.hidden.len());
        let mut d_in = self.d_input;
        for &width in &self.hidden {
            hidden.push(LinearConfig::new(d_in, width).init(device));
            d_in = width;
        }
        Mlp {
            hidden,
            head: LinearConfig::new(d_in, self.n_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            d_input: self.d_input,
            n_classes: self.n_classes,
        }
    }
}

impl Mlp {
    /// Logits `[B, K]` for features `[B, F]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.forward_mode(x, DropoutMode::Standard)
    }

    /// Like [`forward`](Self::forward) with an explicit [`DropoutMode`].
    pub fn forward_mode(&self, x: Tensor<2>, mode: DropoutMode) -> Tensor<2> {
        let mut x = x;
        for layer in &self.hidden {
            x = apply_dropout(&self.dropout, relu(crate::fused::linear(layer, x)), mode);
        }
        crate::fused::linear(&self.head, x)
    }
}

impl Classifier for Mlp {
    fn num_classes(&self) -> usize {
        self.n_classes
    }

    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError> {
        if sample_shape == [self.d_input] {
            Ok(())
        } else {
            Err(ModelError::sample_shape(
                "mlp",
                format!("[{}]", self.d_input),
                sample_shape,
            ))
        }
    }

    fn logits(&self, x: Tensor<2>, _sample_shape: &[usize], mode: DropoutMode) -> Tensor<2> {
        self.forward_mode(x, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_shape_follows_batch_and_classes() {
        let device = Device::default();
        for (f, k, b) in [(4, 3, 1), (10, 7, 5), (64, 2, 33)] {
            let model = MlpConfig::new(f, k).init(&device);
            let y = model.forward(Tensor::zeros([b, f], &device));
            assert_eq!(y.dims(), [b, k]);
        }
    }

    #[test]
    fn rejects_wrong_feature_count() {
        let model = MlpConfig::new(4, 3).init(&Device::default());
        assert!(model.check_sample_shape(&[4]).is_ok());
        assert!(model.check_sample_shape(&[5]).is_err());
        assert!(model.check_sample_shape(&[2, 2]).is_err());
    }
}
