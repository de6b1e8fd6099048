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
/// Works for any number of time steps.
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
                Some(lstm) => lstm.forward(x, None).0,
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
        self.head
            .forward(apply_dropout(&self.dropout, pooled, mode))
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
}
