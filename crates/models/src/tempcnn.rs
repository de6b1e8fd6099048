//! TempCNN (Pelletier, Webb & Petitjean 2019): 1-D convolutions over a satellite time series.

use burn::config::Config;
use burn::module::Module;
use crate::temporal_conv::MatmulConv1d;
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig,
};
use burn::tensor::{Device, Tensor};

use crate::classifier::{Classifier, DropoutMode, apply_dropout, unflatten_series};
use crate::error::ModelError;

/// Configuration of a [`TempCnn`].
#[derive(Config, Debug)]
pub struct TempCnnConfig {
    /// Number of features per time step (bands, indices, polarisations).
    pub n_channels: usize,
    /// Number of time steps.
    pub seq_len: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Filters of each of the three convolutions.
    #[config(default = 64)]
    pub filters: usize,
    /// Temporal kernel size (odd; 5 in the paper).
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Width of the dense layer.
    #[config(default = 256)]
    pub hidden: usize,
    /// Dropout probability after each conv and the dense layer.
    #[config(default = 0.2)]
    pub dropout: f64,
}

/// conv1d -> batch norm -> ReLU (dropout applied by the caller).
#[derive(Module, Debug)]
pub(crate) struct TemporalConvBlock {
    conv: MatmulConv1d,
    norm: BatchNorm,
}

/// Series `[B, T, C]` -> 3 x (conv1d k5, BN, ReLU, dropout) -> flatten -> dense (BN, ReLU,
/// dropout) -> linear -> logits `[B, K]`.
#[derive(Module, Debug)]
pub struct TempCnn {
    convs: Vec<TemporalConvBlock>,
    dense: Linear,
    dense_norm: BatchNorm,
    head: Linear,
    dropout: Dropout,
    n_channels: usize,
    seq_len: usize,
    n_classes: usize,
}

impl TempCnnConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> TempCnn {
        let convs = (0..3)
            .map(|i| {
                let c_in = if i == 0 {
                    self.n_channels
                } else {
                    self.filters
                };
                TemporalConvBlock {
                    conv: MatmulConv1d::new(c_in, self.filters, self.kernel_size, device),
                    norm: BatchNormConfig::new(self.filters).init(device),
                }
            })
            .collect();
        TempCnn {
            convs,
            dense: LinearConfig::new(self.filters * self.seq_len, self.hidden).init(device),
            dense_norm: BatchNormConfig::new(self.hidden).init(device),
            head: LinearConfig::new(self.hidden, self.n_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            n_channels: self.n_channels,
            seq_len: self.seq_len,
            n_classes: self.n_classes,
        }
    }
}

impl TempCnn {
    /// Logits `[B, K]` for series `[B, T, C]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.forward_mode(x, DropoutMode::Standard)
    }

    /// Like [`forward`](Self::forward) with an explicit [`DropoutMode`].
    pub fn forward_mode(&self, x: Tensor<3>, mode: DropoutMode) -> Tensor<2> {
        // Conv1d wants channels first: [B, C, T].
        let mut x = x.swap_dims(1, 2);
        for block in &self.convs {
            x = crate::fused::batch_norm_relu(&block.norm, block.conv.forward(x));
            x = apply_dropout(&self.dropout, x, mode);
        }
        let [b, c, t] = x.dims();
        let x = x.reshape([b, c * t]);
        let x = crate::fused::batch_norm_relu(&self.dense_norm, crate::fused::linear(&self.dense, x));
        crate::fused::linear(&self.head, apply_dropout(&self.dropout, x, mode))
    }
}

impl Classifier for TempCnn {
    fn num_classes(&self) -> usize {
        self.n_classes
    }

    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError> {
        if sample_shape == [self.seq_len, self.n_channels] {
            Ok(())
        } else {
            Err(ModelError::sample_shape(
                "tempcnn",
                format!("[{}, {}] (time, channels)", self.seq_len, self.n_channels),
                sample_shape,
            ))
        }
    }

    fn logits(&self, x: Tensor<2>, sample_shape: &[usize], mode: DropoutMode) -> Tensor<2> {
        self.forward_mode(unflatten_series(x, sample_shape), mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_shape_for_several_series() {
        let device = Device::default();
        for (t, c, k, b) in [(24, 10, 5, 4), (5, 2, 3, 1), (46, 3, 8, 7)] {
            let model = TempCnnConfig::new(c, t, k)
                .with_filters(16)
                .with_hidden(32)
                .init(&device);
            let y = model.forward(Tensor::zeros([b, t, c], &device));
            assert_eq!(y.dims(), [b, k]);
            assert!(model.check_sample_shape(&[t, c]).is_ok());
            assert!(model.check_sample_shape(&[t + 1, c]).is_err());
        }
    }
}
