//! Recurrent classifier (LSTM or GRU) over a satellite time series.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Gru, GruConfig, Linear, LinearConfig, Lstm, LstmConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::classifier::{Classifier, DropoutMode, apply_dropout, unflatten_series};
use crate::error::ModelError;

/// Which recurrent cell to stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecurrentCell {
    /// Long short-term memory.
    Lstm,
    /// Gated recurrent unit.
    Gru,
}

/// How the sequence of hidden states becomes one vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SequencePooling {
    /// The hidden state after the last time step.
    Last,
    /// The mean of the hidden states over time.
    Mean,
}

/// Configuration of an [`LstmClassifier`].
#[derive(Config, Debug)]
pub struct LstmClassifierConfig {
    /// Number of features per time step.
    pub n_channels: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Hidden size of each recurrent layer.
    #[config(default = 128)]
    pub hidden: usize,
    /// Number of stacked recurrent layers.
    #[config(default = 2)]
    pub n_layers: usize,
    /// LSTM or GRU.
    #[config(default = "RecurrentCell::Lstm")]
    pub cell: RecurrentCell,
    /// Last hidden state or mean over time.
    #[config(default = "SequencePooling::Last")]
    pub pooling: SequencePooling,
    /// Dropout probability between layers and before the classifier.
    #[config(default = 0.2)]
    pub dropout: f64,
}

/// Series `[B, T, C]` -> stacked LSTM/GRU -> last or mean hidden state -> dropout -> linear.
///
/// Works for any number of time steps. On the Flex CPU device each LSTM layer runs as one
/// fused node ([`fused::lstm_forward`](crate::fused::lstm_forward)) on burn's own `Lstm`
/// parameters, so saved models load either way.
#[derive(Module, Debug)]
pub struct LstmClassifier {
    lstm: Vec<Lstm>,
    gru: Vec<Gru>,
    head: Linear,
    dropout: Dropout,
    mean_pool: bool,
    n_channels: usize,
    n_classes: usize,
}

impl LstmClassifierConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> LstmClassifier {
        let n_layers = self.n_layers.max(1);
        let d_in = |i: usize| if i == 0 { self.n_channels } else { self.hidden };
        let (lstm, gru) = match self.cell {
            RecurrentCell::Lstm => (
                (0..n_layers)
                    .map(|i| LstmConfig::new(d_in(i), self.hidden, true).init(device))
                    .collect(),
                Vec::new(),
            ),
            RecurrentCell::Gru => (
                Vec::new(),
                (0..n_layers)
                    .map(|i| GruConfig::new(d_in(i), self.hidden, true).init(device))
                    .collect(),
            ),
        };
        LstmClassifier {
            lstm,
            gru,
            head: LinearConfig::new(self.hidden, self.n_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            mean_pool: self.pooling == SequencePooling::Mean,
            n_channels: self.n_channels,
            n_classes: self.n_classes,
        }
    }
}

impl LstmClassifier {
    /// Logits `[B, K]` for series `[B, T, C]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.forward_mode(x, DropoutMode::Standard)
    }

    /// Like [`forward`](Self::forward) with an explicit [`DropoutMode`].
    pub fn forward_mode(&self, x: Tensor<3>, mode: DropoutMode) -> Tensor<2> {
        let n_layers = self.lstm.len() + self.gru.len();
        let mut x = x;
        for i in 0..n_layers {
            x = match self.lstm.get(i) {
                Some(lstm) => crate::fused::lstm_forward(lstm, x),
                None => self.gru[i].forward(x, None),
            };
            if i + 1 < n_layers {
                x = apply_dropout(&self.dropout, x, mode);
            }
        }
        let [b, t, h] = x.dims();
        let pooled = if self.mean_pool {
            x.mean_dim(1).reshape([b, h])
        } else {
            x.narrow(1, t - 1, 1).reshape([b, h])
        };
        crate::fused::linear(&self.head, apply_dropout(&self.dropout, pooled, mode))
    }
}

impl Classifier for LstmClassifier {
    fn num_classes(&self) -> usize {
        self.n_classes
    }

    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError> {
        match sample_shape {
            [t, c] if *t >= 1 && *c == self.n_channels => Ok(()),
            _ => Err(ModelError::sample_shape(
                "lstm",
                format!("[T, {}] (time, channels)", self.n_channels),
                sample_shape,
            )),
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
    fn output_shape_for_cells_poolings_and_lengths() {
        let device = Device::default();
        for cell in [RecurrentCell::Lstm, RecurrentCell::Gru] {
            for pooling in [SequencePooling::Last, SequencePooling::Mean] {
                let model = LstmClassifierConfig::new(3, 4)
                    .with_hidden(16)
                    .with_cell(cell)
                    .with_pooling(pooling)
                    .init(&device);
                for (b, t) in [(2, 1), (5, 12)] {
                    let y = model.forward(Tensor::zeros([b, t, 3], &device));
                    assert_eq!(y.dims(), [b, 4], "{cell:?} {pooling:?} T={t}");
                }
            }
        }
    }

    /// AdamW steps on the default (Flex) device run both LSTM layers through the fused
    /// kernel, and the loss falls on a learnable series (class = sign of the mean).
    #[test]
    fn training_steps_use_the_fused_lstm_and_learn() {
        use burn::optim::{AdamWConfig, GradientsParams};
        let ad = Device::default().autodiff();
        let mut model = LstmClassifierConfig::new(2, 2).with_hidden(16).with_dropout(0.1).init(&ad);
        let mut optimizer = AdamWConfig::new().init();
        let (b, t) = (32, 6);
        let data: Vec<f32> = (0..b * t * 2).map(|i| ((i * 37 % 11) as f32 - 5.0) / 5.0 + if (i / (t * 2)) % 2 == 0 { 0.6 } else { -0.6 }).collect();
        let labels: Vec<i64> = (0..b).map(|i| (i % 2) as i64).collect();
        let x = Tensor::<3>::from_data(burn::tensor::TensorData::new(data, [b, t, 2]), &ad);
        let y = Tensor::<1, burn::tensor::Int>::from_data(burn::tensor::TensorData::new(labels, [b]), &ad);
        let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&ad);
        let mut losses = Vec::new();
        for _ in 0..40 {
            let before = crate::fused::tracked_calls();
            let loss = loss_fn.forward(model.forward(x.clone()), y.clone());
            let value: f32 = loss.clone().into_scalar();
            losses.push(value);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-2, model, grads);
            assert!(crate::fused::tracked_calls() >= before + 2, "two fused LSTM layers a step");
        }
        assert!(losses[39] < 0.5 * losses[0], "loss {} -> {}", losses[0], losses[39]);
    }
}
