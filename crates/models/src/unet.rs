//! U-Net and Residual U-Net for per-pixel plant-vs-background (or per-class)
//! segmentation of RGB imagery.
//!
//! Encoder: `depth` levels of (block, 2x2 max-pool); decoder: nearest 2x
//! upsampling, concatenation with the encoder skip, block. With `residual`
//! each block is a residual unit (two 3x3 conv + BN with an identity / 1x1
//! shortcut), as in the Res U-Net used for individual plant mapping; without it
//! a plain double conv. Inputs are raw 0–255 values normalised with the
//! config's mean/std; sides must be multiples of `2^(depth-1)`. Any input size
//! works, which is what a scale-sequence schedule (small patches first, larger
//! later; see `terradl_train::plant_segmenter`) needs.
//!
//! Every convolution is a [`MatmulConv`] (shifted slices + GEMM) rather than
//! burn's `Conv2d`, whose CPU backward pass is ~90x slower than its forward
//! pass; that is what makes training practical on a CPU.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{BatchNorm, BatchNormConfig};
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor};

use std::path::Path;

use crate::detector_conv::MatmulConv;
use crate::fused::{add_relu, batch_norm, batch_norm_relu};
use crate::error::ModelError;

/// Configuration of a [`UNet`].
#[derive(Config, Debug)]
pub struct UNetConfig {
    /// Output classes (2 for plant vs background).
    #[config(default = 2)]
    pub num_classes: usize,
    /// Channel width of each level, finest first; its length is the depth.
    #[config(default = "vec![16, 32, 64]")]
    pub widths: Vec<usize>,
    /// Residual blocks (Res U-Net) instead of plain double convolutions.
    #[config(default = true)]
    pub residual: bool,
    /// Per-channel input mean (0–255 scale).
    #[config(default = "[110.0, 115.0, 100.0]")]
    pub mean: [f32; 3],
    /// Per-channel input standard deviation.
    #[config(default = "[50.0, 50.0, 50.0]")]
    pub std: [f32; 3],
}

fn conv3(c_in: usize, c_out: usize, device: &Device) -> MatmulConv {
    MatmulConv::new(c_in, c_out, 3, 1, device)
}

/// Two 3x3 conv + BN (+ ReLU), optionally with a residual shortcut.
#[derive(Module, Debug)]
pub(crate) struct UNetBlock {
    conv1: MatmulConv,
    norm1: BatchNorm,
    conv2: MatmulConv,
    norm2: BatchNorm,
    shortcut: Option<MatmulConv>,
    residual: bool,
}

impl UNetBlock {
    fn new(c_in: usize, c_out: usize, residual: bool, device: &Device) -> Self {
        UNetBlock {
            conv1: conv3(c_in, c_out, device),
            norm1: BatchNormConfig::new(c_out).init(device),
            conv2: conv3(c_out, c_out, device),
            norm2: BatchNormConfig::new(c_out).init(device),
            shortcut: (residual && c_in != c_out).then(|| MatmulConv::new(c_in, c_out, 1, 1, device)),
            residual,
        }
    }
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = batch_norm_relu(&self.norm1, self.conv1.forward(x.clone()));
        if !self.residual {
            return batch_norm_relu(&self.norm2, self.conv2.forward(y));
        }
        let y = batch_norm(&self.norm2, self.conv2.forward(y));
        let skip = match &self.shortcut {
            Some(c) => c.forward(x),
            None => x,
        };
        add_relu(y, skip)
    }
}

/// U-Net / Residual U-Net (see the module docs).
#[derive(Module, Debug)]
pub struct UNet {
    encoder: Vec<UNetBlock>,
    decoder: Vec<UNetBlock>,
    head: MatmulConv,
    mean: [f32; 3],
    std: [f32; 3],
    num_classes: usize,
}

impl UNetConfig {
    /// Build the network on `device`.
    pub fn init(&self, device: &Device) -> Result<UNet, ModelError> {
        if self.widths.is_empty() || self.widths.contains(&0) || self.num_classes == 0 {
            return Err(ModelError::Config("U-Net needs at least one level, positive widths and classes".into()));
        }
        if self.std.iter().any(|s| !(*s > 0.0)) {
            return Err(ModelError::Config(format!("U-Net std must be positive, got {:?}", self.std)));
        }
        let w = &self.widths;
        let mut encoder = Vec::new();
        let mut c_in = 3;
        for &c in w {
            encoder.push(UNetBlock::new(c_in, c, self.residual, device));
            c_in = c;
        }
        // decoder level i (coarse to fine) merges upsampled w[i+1] with skip w[i]
        let decoder = (0..w.len() - 1)
            .rev()
            .map(|i| UNetBlock::new(w[i + 1] + w[i], w[i], self.residual, device))
            .collect();
        Ok(UNet {
            encoder,
            decoder,
            head: MatmulConv::new(w[0], self.num_classes, 1, 1, device),
            mean: self.mean,
            std: self.std,
            num_classes: self.num_classes,
        })
    }
}

impl UNet {
    /// Number of output classes.
    pub fn num_classes(&self) -> usize {
        self.num_classes
    }

    /// Per-channel input mean (0–255), the neutral value for padding and nodata.
    pub fn input_mean(&self) -> [f32; 3] {
        self.mean
    }

    /// Inputs must have sides that are multiples of this.
    pub fn input_multiple(&self) -> usize {
        1 << (self.encoder.len() - 1)
    }

    /// Check a `[B, 3, H, W]` input shape.
    pub fn check_input(&self, dims: [usize; 4]) -> Result<(), ModelError> {
        let m = self.input_multiple();
        let [_, c, h, w] = dims;
        if c != 3 || h == 0 || w == 0 || h % m != 0 || w % m != 0 {
            return Err(ModelError::SampleShape {
                model: "unet",
                expected: format!("[B, 3, H, W] with H, W positive multiples of {m}"),
                got: dims.to_vec(),
            });
        }
        Ok(())
    }

    /// Class logits `[B, classes, H, W]` for raw 0–255 RGB `[B, 3, H, W]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let device = x.device();
        let mean = Tensor::<1>::from_floats(self.mean.as_slice(), &device).reshape([1, 3, 1, 1]);
        let inv_std = Tensor::<1>::from_floats(self.std.map(|s| 1.0 / s).as_slice(), &device).reshape([1, 3, 1, 1]);
        let mut x = (x - mean) * inv_std;
        let mut skips = Vec::with_capacity(self.encoder.len());
        for (i, block) in self.encoder.iter().enumerate() {
            if i > 0 {
                x = crate::fused::max_pool_2x2(x).unwrap_or_else(|x| max_pool2d(x, MaxPoolOptions::new([2, 2])));
            }
            x = block.forward(x);
            skips.push(x.clone());
        }
        skips.pop();
        for block in &self.decoder {
            let skip = skips.pop().expect("one skip per decoder level");
            x = block.forward(crate::fused::upsample_cat(x, skip));
        }
        self.head.forward(x)
    }

    /// Per-pixel probability of class 1 (plant) `[B, H, W]` for raw 0–255 RGB `[B, 3, H, W]`
    /// (softmax over the class logits; needs at least two classes).
    pub fn foreground_probability(&self, x: Tensor<4>) -> Tensor<3> {
        let [b, _, h, w] = x.dims();
        let p = burn::tensor::activation::softmax(self.forward(x), 1);
        p.slice([0..b, 1..2, 0..h, 0..w]).reshape([b, h, w])
    }
}

/// Weights file (burnpack) inside a U-Net model directory.
pub const UNET_WEIGHTS_FILE: &str = "unet.bpk";

/// Write a U-Net's configuration (incl. normalisation) and weights into `dir` (created if needed).
pub fn save_unet(model: &UNet, config: &UNetConfig, dir: impl AsRef<Path>) -> Result<(), ModelError> {
    crate::saved::save_config_and_weights(model, config, crate::saved::ModelKind::PlantSegmenter, dir.as_ref(), UNET_WEIGHTS_FILE)
}

/// Load a U-Net saved by [`save_unet`] onto `device`.
pub fn load_unet(dir: impl AsRef<Path>, device: &Device) -> Result<(UNet, UNetConfig), ModelError> {
    crate::saved::load_config_and_weights(dir.as_ref(), crate::saved::ModelKind::PlantSegmenter, UNET_WEIGHTS_FILE, |c: &UNetConfig| c.init(device))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_for_plain_and_residual() {
        let device = Device::default();
        for residual in [false, true] {
            let net = UNetConfig::new().with_residual(residual).init(&device).unwrap();
            assert_eq!(net.input_multiple(), 4);
            let y = net.forward(Tensor::<4>::zeros([2, 3, 24, 40], &device));
            assert_eq!(y.dims(), [2, 2, 24, 40]);
            assert!(net.check_input([1, 3, 26, 40]).is_err());
        }
        assert!(UNetConfig::new().with_widths(vec![]).init(&device).is_err());
    }

    #[test]
    fn save_load_round_trip() {
        let device = Device::default();
        let config = UNetConfig::new().with_widths(vec![4, 8]).with_mean([90.0, 100.0, 80.0]);
        let model = config.init(&device).unwrap();
        let dir = std::env::temp_dir().join(format!("terradl-unet-io-{}", std::process::id()));
        save_unet(&model, &config, &dir).unwrap();
        let (loaded, cfg2) = load_unet(&dir, &device).unwrap();
        assert_eq!(cfg2.mean, config.mean);
        let x = Tensor::<4>::ones([1, 3, 16, 16], &device) * 120.0;
        let a: Vec<f32> = model.forward(x.clone()).into_data().try_to_vec().unwrap();
        let b: Vec<f32> = loaded.forward(x).into_data().try_to_vec().unwrap();
        assert_eq!(a, b);
        assert!(load_unet(dir.join("missing"), &device).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
