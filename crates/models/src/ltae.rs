//! Lightweight temporal attention encoder (Garnot & Landrieu 2020, "L-TAE") with an MLP head.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Initializer, LayerNorm, LayerNormConfig,
    Linear, LinearConfig,
};
use burn::tensor::activation::{relu, softmax};
use burn::tensor::{Device, Tensor, TensorData};

use crate::classifier::{Classifier, DropoutMode, apply_dropout, unflatten_series};
use crate::error::ModelError;

/// Configuration of an [`Ltae`].
#[derive(Config, Debug)]
pub struct LtaeConfig {
    /// Number of features per time step.
    pub n_channels: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Width of the projected input (must be a multiple of `n_head`).
    #[config(default = 128)]
    pub d_model: usize,
    /// Number of attention heads, each with its own learned master query.
    #[config(default = 16)]
    pub n_head: usize,
    /// Key/query width per head.
    #[config(default = 8)]
    pub d_k: usize,
    /// Width of the hidden layer of the classification head.
    #[config(default = 64)]
    pub mlp_hidden: usize,
    /// Dropout probability after attention and in the head.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Period of the sinusoidal positional encoding (1000 in the paper, for day-of-year
    /// positions).
    #[config(default = 1000.0)]
    pub period: f32,
    /// Position of each time step (day of year or days since the first acquisition). `None`
    /// uses the step index 0, 1, 2, ...
    #[config(default = "None")]
    pub positions: Option<Vec<f32>>,
}

/// Series `[B, T, C]` (standardised per channel beforehand) -> linear to `d_model` -> + sinusoidal encoding of the
/// acquisition dates -> multi-head attention with one learned master query per head (values
/// are the input channels split among heads) -> layer norm -> MLP head -> logits `[B, K]`.
/// The paper normalises the input with a group norm across channels; here the data are expected
/// to be standardised per channel beforehand (`terradl_train::Normalization`), because a norm
/// across the few channels of one date erases the amplitude that separates classes.
#[derive(Module, Debug)]
pub struct Ltae {
    in_proj: Linear,
    keys: Linear,
    /// Master queries `[n_head, d_k]`.
    queries: Param<Tensor<2>>,
    out_norm: LayerNorm,
    hidden: Linear,
    hidden_norm: BatchNorm,
    head: Linear,
    dropout: Dropout,
    n_channels: usize,
    n_classes: usize,
    d_model: usize,
    n_head: usize,
    d_k: usize,
    period: f32,
    #[module(skip)]
    positions: Option<Vec<f32>>,
}

impl LtaeConfig {
    /// Checks that `d_model` splits evenly among the heads.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.n_head == 0 || self.d_model % self.n_head != 0 || self.d_k == 0 {
            return Err(ModelError::Config(format!(
                "L-TAE d_model ({}) must be a positive multiple of n_head ({}), d_k > 0",
                self.d_model, self.n_head
            )));
        }
        Ok(())
    }

    /// Builds the model on `device`. Call [`validate`](Self::validate) first for a config
    /// read from user input.
    pub fn init(&self, device: &Device) -> Ltae {
        let std = (2.0 / self.d_k as f64).sqrt();
        Ltae {
            in_proj: LinearConfig::new(self.n_channels, self.d_model).init(device),
            keys: LinearConfig::new(self.d_model, self.n_head * self.d_k).init(device),
            queries: Initializer::Normal { mean: 0.0, std }.init([self.n_head, self.d_k], device),
            out_norm: LayerNormConfig::new(self.d_model).init(device),
            hidden: LinearConfig::new(self.d_model, self.mlp_hidden).init(device),
            hidden_norm: BatchNormConfig::new(self.mlp_hidden).init(device),
            head: LinearConfig::new(self.mlp_hidden, self.n_classes).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            n_channels: self.n_channels,
            n_classes: self.n_classes,
            d_model: self.d_model,
            n_head: self.n_head,
            d_k: self.d_k,
            period: self.period,
            positions: self.positions.clone(),
        }
    }
}

/// Sinusoidal encoding `[T, d_model]` of `positions`; each head gets the same `d_model /
/// n_head`-wide encoding, as in L-TAE.
pub(crate) fn positional_encoding(
    positions: &[f32],
    d_model: usize,
    n_head: usize,
    period: f32,
) -> Vec<f32> {
    let d = (d_model / n_head.max(1)).max(1);
    let mut out = Vec::with_capacity(positions.len() * d_model);
    for &pos in positions {
        for j in 0..d_model {
            let i = j % d;
            let angle = pos / period.powf((2 * (i / 2)) as f32 / d as f32);
            out.push(if i % 2 == 0 { angle.sin() } else { angle.cos() });
        }
    }
    out
}

impl Ltae {
    /// Logits `[B, K]` for series `[B, T, C]`, dated by the configured positions.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.forward_mode(x, DropoutMode::Standard)
    }

    /// Like [`forward`](Self::forward) with an explicit [`DropoutMode`].
    pub fn forward_mode(&self, x: Tensor<3>, mode: DropoutMode) -> Tensor<2> {
        let [_, t, _] = x.dims();
        let positions: Vec<f32> = match &self.positions {
            Some(p) if p.len() == t => p.clone(),
            _ => (0..t).map(|i| i as f32).collect(),
        };
        self.forward_with_positions(x, &positions, mode)
    }

    /// Forward pass with explicit acquisition positions (one per time step).
    pub fn forward_with_positions(
        &self,
        x: Tensor<3>,
        positions: &[f32],
        mode: DropoutMode,
    ) -> Tensor<2> {
        let device = x.device();
        let [b, t, _] = x.dims();
        let (h, dk, dm) = (self.n_head, self.d_k, self.d_model);
        let pe = positional_encoding(positions, dm, h, self.period);
        let pe = Tensor::<2>::from_data(TensorData::new(pe, [t, dm]), &device).reshape([1, t, dm]);
        let x = self.in_proj.forward(x) + pe; // [B, T, dm]

        // Attention of each head's master query over time.
        let keys = self
            .keys
            .forward(x.clone())
            .reshape([b, t, h, dk])
            .permute([0, 2, 1, 3]);
        let q = self.queries.val().reshape([1, h, 1, dk]);
        let scores = (keys * q).sum_dim(3).reshape([b, h, t]) / (dk as f64).sqrt();
        let attn = softmax(scores, 2).reshape([b, h, t, 1]);

        // Values: the projected input split among heads.
        let values = x.reshape([b, t, h, dm / h]).permute([0, 2, 1, 3]); // [B, H, T, dv]
        let out = (values * attn).sum_dim(2).reshape([b, dm]);
        let out = apply_dropout(&self.dropout, self.out_norm.forward(out), mode);

        let z = relu(self.hidden_norm.forward(self.hidden.forward(out)));
        self.head.forward(apply_dropout(&self.dropout, z, mode))
    }

    /// Attention weights `[B, n_head, T]` (each row sums to one), for interpretation.
    pub fn attention(&self, x: Tensor<3>, positions: &[f32]) -> Tensor<3> {
        let device = x.device();
        let [b, t, _] = x.dims();
        let (h, dk, dm) = (self.n_head, self.d_k, self.d_model);
        let pe = positional_encoding(positions, dm, h, self.period);
        let pe = Tensor::<2>::from_data(TensorData::new(pe, [t, dm]), &device).reshape([1, t, dm]);
        let x = self.in_proj.forward(x) + pe;
        let keys = self
            .keys
            .forward(x)
            .reshape([b, t, h, dk])
            .permute([0, 2, 1, 3]);
        let q = self.queries.val().reshape([1, h, 1, dk]);
        softmax(
            (keys * q).sum_dim(3).reshape([b, h, t]) / (dk as f64).sqrt(),
            2,
        )
    }
}

impl Classifier for Ltae {
    fn num_classes(&self) -> usize {
        self.n_classes
    }

    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError> {
        let ok = match sample_shape {
            [t, c] => {
                *t >= 1
                    && *c == self.n_channels
                    && self.positions.as_ref().is_none_or(|p| p.len() == *t)
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(ModelError::sample_shape(
                "ltae",
                match &self.positions {
                    Some(p) => format!("[{}, {}] (time, channels)", p.len(), self.n_channels),
                    None => format!("[T, {}] (time, channels)", self.n_channels),
                },
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
        for (b, t, c) in [(1, 1, 2), (3, 24, 10), (6, 7, 4)] {
            let model = LtaeConfig::new(c, 5)
                .with_d_model(32)
                .with_n_head(4)
                .init(&device);
            let y = model.forward(Tensor::zeros([b, t, c], &device));
            assert_eq!(y.dims(), [b, 5]);
        }
    }

    #[test]
    fn attention_rows_sum_to_one() {
        let device = Device::default();
        let model = LtaeConfig::new(3, 2)
            .with_d_model(16)
            .with_n_head(4)
            .init(&device);
        let x = Tensor::<3>::random([2, 6, 3], burn::tensor::Distribution::Default, &device);
        let doy = [10.0, 40.0, 70.0, 100.0, 130.0, 160.0];
        let attn = model.attention(x, &doy);
        assert_eq!(attn.dims(), [2, 4, 6]);
        let sums: Vec<f32> = attn.sum_dim(2).into_data().try_to_vec::<f32>().unwrap();
        assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-5), "{sums:?}");
    }

    #[test]
    fn positional_encoding_is_sinusoidal() {
        let pe = positional_encoding(&[0.0, 1.0], 4, 1, 1000.0);
        assert_eq!(pe.len(), 8);
        assert_eq!(&pe[..4], &[0.0, 1.0, 0.0, 1.0]);
        assert!((pe[4] - 1f32.sin()).abs() < 1e-6);
    }

    #[test]
    fn config_validation_catches_uneven_heads() {
        assert!(
            LtaeConfig::new(3, 2)
                .with_d_model(30)
                .with_n_head(4)
                .validate()
                .is_err()
        );
        assert!(LtaeConfig::new(3, 2).validate().is_ok());
    }
}
