//! The interface every classification model shares, and MC-dropout support.
//!
//! # Dropout in burn 0.22 and MC dropout
//!
//! burn's [`Dropout`] samples a mask only when both hold: the module's training flag is on
//! (it is cleared by [`Module::valid`]) and the input lives on an autodiff device. Training
//! therefore gets dropout for free, and `model.valid()` gives deterministic inference with
//! batch norm on its running statistics.
//!
//! MC dropout wants the *other* combination: batch norm in inference mode but dropout still
//! sampling. Rather than running on an autodiff device (which would also switch batch norm to
//! batch statistics and record a tape), every model here takes a [`DropoutMode`]:
//! [`DropoutMode::Stochastic`] makes each dropout layer sample a fresh mask on any device,
//! including the plain inner backend of a `valid()` model. Seed the device
//! ([`Device::seed`](burn::tensor::Device::seed)) for repeatable passes.

use burn::module::Module;
use burn::nn::Dropout;
use burn::tensor::{Distribution, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// How dropout layers behave in a forward pass.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropoutMode {
    /// burn's behaviour: active while training on an autodiff device, identity after
    /// [`Module::valid`].
    #[default]
    Standard,
    /// Always sample a dropout mask (MC dropout), whatever the device and mode.
    Stochastic,
}

/// A classification model: a batch of samples in, one logit per class out.
///
/// Samples arrive flattened to `[batch, prod(sample_shape)]` so that a training loop can be
/// written once for every model; each model reshapes to its own layout (`[F]` for the MLP,
/// `[C, P, P]` for the patch CNN, `[T, C]` for the temporal models).
pub trait Classifier: Module + 'static {
    /// Number of output classes.
    fn num_classes(&self) -> usize;

    /// Checks that samples of `sample_shape` fit this model, before any tensor is built.
    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError>;

    /// Logits `[batch, classes]` for `x` of shape `[batch, prod(sample_shape)]`.
    ///
    /// Call [`check_sample_shape`](Classifier::check_sample_shape) first: a shape the model
    /// cannot take panics inside burn.
    fn logits(&self, x: Tensor<2>, sample_shape: &[usize], mode: DropoutMode) -> Tensor<2>;
}

/// Applies `dropout` in the requested mode.
///
/// In [`DropoutMode::Standard`] it acts when [`Dropout::forward`] would (a layer in training
/// on an autodiff device); in [`DropoutMode::Stochastic`] always. Acting means a Bernoulli
/// mask with keep probability `1 - p` and kept values scaled by `1 / (1 - p)`, as burn does
/// during training: [`fused::dropout`](crate::fused::dropout) on Flex, burn's operations
/// elsewhere.
pub fn apply_dropout<const D: usize>(
    dropout: &Dropout,
    x: Tensor<D>,
    mode: DropoutMode,
) -> Tensor<D> {
    let active = match mode {
        // burn's own condition in `Dropout::forward`.
        DropoutMode::Standard => dropout.training.is_enabled() && x.device().is_autodiff(),
        DropoutMode::Stochastic => true,
    };
    if !active || dropout.prob <= 0.0 {
        return x;
    }
    crate::fused::dropout(x, dropout.prob).unwrap_or_else(|x| {
        let keep = 1.0 - dropout.prob;
        let mask = x.random_like(Distribution::Bernoulli(keep));
        (x * mask) * (1.0 / keep)
    })
}

/// Unflattens `[B, T * C]` into a `[B, T, C]` series for the temporal models.
pub(crate) fn unflatten_series(x: Tensor<2>, sample_shape: &[usize]) -> Tensor<3> {
    let [b, _] = x.dims();
    x.reshape([b, sample_shape[0], sample_shape[1]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::DropoutConfig;
    use burn::tensor::Device;

    #[test]
    fn stochastic_dropout_zeroes_about_p_and_rescales() {
        let device = Device::default();
        device.seed(3);
        let dropout = DropoutConfig::new(0.5).init();
        let x = Tensor::<2>::ones([100, 100], &device);
        let y: Vec<f32> = apply_dropout(&dropout, x.clone(), DropoutMode::Stochastic)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let zeros = y.iter().filter(|v| **v == 0.0).count();
        assert!((4_000..6_000).contains(&zeros), "{zeros} zeros");
        assert!(y.iter().all(|v| *v == 0.0 || (*v - 2.0).abs() < 1e-6));
        // Standard mode on a plain device is the identity.
        let z: Vec<f32> = apply_dropout(&dropout, x, DropoutMode::Standard)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(z.iter().all(|v| *v == 1.0));
    }
}
