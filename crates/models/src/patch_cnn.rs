//! Patch CNN: classifies the centre pixel (or object) of a small image patch.

use burn::config::Config;
use burn::module::Module;
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig};
use burn::tensor::{Device, Tensor};

use crate::classifier::{Classifier, DropoutMode, apply_dropout};
use crate::detector_conv::MatmulConv;
use crate::error::ModelError;

/// Smallest patch side the CNN accepts.
pub const MIN_PATCH_SIZE: usize = 8;

/// Configuration of a [`PatchCnn`].
#[derive(Config, Debug)]
pub struct PatchCnnConfig {
    /// Number of input bands.
    pub channels_in: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Output channels of each conv block (one 2x2 max-pool per block while the patch is at
    /// least 2 pixels wide).
    #[config(default = "vec![32, 64, 128]")]
    pub filters: Vec<usize>,
    /// Dropout probability before the classifier.
    #[config(default = 0.3)]
    pub dropout: f64,
}

/// conv3x3 -> batch norm -> ReLU -> 2x2 max-pool. The convolution is a [`MatmulConv`]
/// (shifted slices + one GEMM): burn-ndarray's direct `conv2d` backward is two orders of
/// magnitude slower on CPU (docs/BENCHMARKS.md).
#[derive(Module, Debug)]
pub(crate) struct ConvBlock {
    conv: MatmulConv,
    norm: BatchNorm,
    pool: MaxPool2d,
}

impl ConvBlock {
    fn new(c_in: usize, c_out: usize, device: &Device) -> Self {
        Self {
            conv: MatmulConv::new(c_in, c_out, 3, 1, device),
            norm: BatchNormConfig::new(c_out).init(device),
            pool: MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init(),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = crate::fused::batch_norm_relu(&self.norm, self.conv.forward(x));
        let [_, _, h, w] = x.dims();
        if h >= 2 && w >= 2 {
            match crate::fused::max_pool_2x2(x) {
                Ok(y) => y,
                Err(x) => self.pool.forward(x),
            }
        } else {
            x
        }
    }
}

/// Patches `[B, C, P, P]` -> conv blocks -> global average pool -> dropout -> linear.
///
/// Any patch side `P >= 8` works: pooling stops once the feature map is one pixel wide and
/// the global average pool removes the remaining spatial extent.
#[derive(Module, Debug)]
pub struct PatchCnn {
    blocks: Vec<ConvBlock>,
    dropout: Dropout,
    head: Linear,
    channels_in: usize,
    n_classes: usize,
}

impl PatchCnnConfig {
    /// Builds the model on `device`.
    pub fn init(&self, device: &Device) -> PatchCnn {
        let mut blocks = Vec::with_capacity(self.filters.len());
        let mut c_in = self.channels_in;
        for &c_out in &self.filters {
            blocks.push(ConvBlock::new(c_in, c_out, device));
            c_in = c_out;
        }
        PatchCnn {
            blocks,
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(c_in, self.n_classes).init(device),
            channels_in: self.channels_in,
            n_classes: self.n_classes,
        }
    }
}

impl PatchCnn {
    /// Logits `[B, K]` for patches `[B, C, P, P]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        self.forward_mode(x, DropoutMode::Standard)
    }

    /// Like [`forward`](Self::forward) with an explicit [`DropoutMode`].
    pub fn forward_mode(&self, x: Tensor<4>, mode: DropoutMode) -> Tensor<2> {
        let mut x = x;
        for block in &self.blocks {
            x = block.forward(x);
        }
        // Global average pool: [B, C, H, W] -> [B, C].
        let [b, c, h, w] = x.dims();
        let x = x.reshape([b, c, h * w]).mean_dim(2).reshape([b, c]);
        crate::fused::linear(&self.head, apply_dropout(&self.dropout, x, mode))
    }
}

impl Classifier for PatchCnn {
    fn num_classes(&self) -> usize {
        self.n_classes
    }

    fn check_sample_shape(&self, sample_shape: &[usize]) -> Result<(), ModelError> {
        match sample_shape {
            [c, h, w] if *c == self.channels_in && *h >= MIN_PATCH_SIZE && *w >= MIN_PATCH_SIZE => {
                Ok(())
            }
            _ => Err(ModelError::sample_shape(
                "patch-cnn",
                format!("[{}, P, P] with P >= {MIN_PATCH_SIZE}", self.channels_in),
                sample_shape,
            )),
        }
    }

    fn logits(&self, x: Tensor<2>, sample_shape: &[usize], mode: DropoutMode) -> Tensor<2> {
        let [b, _] = x.dims();
        let x = x.reshape([b, sample_shape[0], sample_shape[1], sample_shape[2]]);
        self.forward_mode(x, mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_shape_for_several_patch_sizes() {
        let device = Device::default();
        let model = PatchCnnConfig::new(4, 5).init(&device);
        for p in [8, 9, 15, 16, 33] {
            let y = model.forward(Tensor::zeros([3, 4, p, p], &device));
            assert_eq!(y.dims(), [3, 5], "patch {p}");
            assert!(model.check_sample_shape(&[4, p, p]).is_ok());
        }
    }

    #[test]
    fn flattened_input_matches_direct_forward() {
        let device = Device::default();
        let model = PatchCnnConfig::new(2, 3).init(&device).valid();
        let x = Tensor::<4>::random([2, 2, 8, 8], burn::tensor::Distribution::Default, &device);
        let direct: Vec<f32> = model
            .forward(x.clone())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let flat = model.logits(x.reshape([2, 128]), &[2, 8, 8], DropoutMode::Standard);
        let flat: Vec<f32> = flat.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(direct, flat);
    }

    /// A training step as `fit` runs it (batch from data, backward, AdamW step, next batch)
    /// takes the fused kernels on the default (Flex) device in both steps.
    #[test]
    fn training_steps_use_the_fused_kernels() {
        use burn::optim::{AdamWConfig, GradientsParams};
        let ad = Device::default().autodiff();
        let mut model = PatchCnnConfig::new(3, 4).init(&ad);
        let mut optimizer = AdamWConfig::new().init();
        for _ in 0..2 {
            let before = crate::fused::tracked_calls();
            let data: Vec<f32> = (0..4 * 3 * 15 * 15).map(|i| (i % 7) as f32).collect();
            let x = Tensor::<2>::from_data(burn::tensor::TensorData::new(data, [4, 3 * 15 * 15]), &ad);
            let loss = model.logits(x, &[3, 15, 15], DropoutMode::Standard).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(1e-3, model, grads);
            // conv, BN+ReLU and pool per block; at least the three convolutions.
            assert!(crate::fused::tracked_calls() >= before + 3 * 3);
        }
    }

    #[test]
    fn rejects_small_or_mismatched_patches() {
        let model = PatchCnnConfig::new(4, 5).init(&Device::default());
        assert!(model.check_sample_shape(&[4, 7, 7]).is_err());
        assert!(model.check_sample_shape(&[3, 8, 8]).is_err());
        assert!(model.check_sample_shape(&[4, 64]).is_err());
    }
}
