//! 2-D convolution as im2col + matrix product, for training on the CPU.
//!
//! burn-ndarray 0.22's `conv2d` backward pass (weight gradient) is a direct
//! loop that measured ~90x slower than its forward pass (3x3, 32->32 channels,
//! `[8, 32, 64, 64]`: 134 ms forward, 12 s forward + backward on 2 cores; see
//! `crates/train/examples/detector_op_timing.rs`). Built from shifted slices and
//! one batched matmul instead, both passes become GEMMs, which is what makes
//! the crown detector trainable in minutes on a CPU.

use burn::module::{Module, Param};
use burn::tensor::{Device, Distribution, Tensor};

/// A `k x k` convolution (k = 1 or 3), stride 1 or 2, zero "same" padding, with bias.
#[derive(Module, Debug)]
pub struct MatmulConv {
    /// `[c_out, k * k * c_in]`, input-channel-major within each kernel offset.
    pub weight: Param<Tensor<2>>,
    /// `[c_out]`.
    pub bias: Param<Tensor<1>>,
    kernel: usize,
    stride: usize,
}

impl MatmulConv {
    /// He-uniform initialised weights, zero bias.
    pub fn new(c_in: usize, c_out: usize, kernel: usize, stride: usize, device: &Device) -> Self {
        assert!(kernel == 1 || kernel == 3, "kernel must be 1 or 3");
        assert!(stride == 1 || stride == 2, "stride must be 1 or 2");
        let fan_in = (kernel * kernel * c_in) as f64;
        let b = (6.0 / fan_in).sqrt();
        MatmulConv {
            weight: Param::from_tensor(Tensor::random([c_out, kernel * kernel * c_in], Distribution::Uniform(-b, b), device)),
            bias: Param::from_tensor(Tensor::zeros([c_out], device)),
            kernel,
            stride,
        }
    }

    /// Scale the initial weights (e.g. 0.01 for an output layer, so a prior bias holds at step 0).
    pub fn with_weight_scale(mut self, factor: f32) -> Self {
        self.weight = Param::from_tensor((self.weight.val().detach() * factor).detach());
        self
    }

    /// Replace the bias (e.g. a focal-loss prior on heat-map logits).
    pub fn with_bias(mut self, bias: Tensor<1>) -> Self {
        self.bias = Param::from_tensor(bias);
        self
    }

    /// `[B, c_in, H, W] -> [B, c_out, H / stride, W / stride]` (H, W even for stride 2).
    /// On the Flex CPU backend this runs the fused kernel [`crate::fused::conv_strided`].
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match crate::fused::conv_strided(x, self.weight.val(), self.bias.val(), self.kernel, self.kernel, self.stride) {
            Ok(y) => y,
            Err((x, _, _)) if crate::device::is_accelerator(&x.device()) => self.forward_direct(x),
            Err((x, _, _)) => self.forward_composed(x),
        }
    }

    /// [`forward`](Self::forward) as burn's `conv2d`: the path of GPU backends, whose direct
    /// convolution kernels need no im2col buffer.
    pub fn forward_direct(&self, x: Tensor<4>) -> Tensor<4> {
        let (k, p) = (self.kernel, self.kernel / 2);
        let [c_out, cols] = self.weight.dims();
        // Columns are offset-major, channel-minor (see `columns`): [c_out, k, k, c_in].
        let weight = self.weight.val().reshape([c_out, k, k, cols / (k * k)]).permute([0, 3, 1, 2]);
        let options = burn::tensor::ops::ConvOptions::new([self.stride; 2], [p, p], [1, 1], 1);
        burn::tensor::module::conv2d(x, weight, Some(self.bias.val()), options)
    }

    /// [`forward`](Self::forward) from burn tensor operations (slices, `cat`, matmul): the
    /// path of backends without the fused kernel.
    pub fn forward_composed(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, _, h, w] = x.dims();
        let (oh, ow) = (h / self.stride, w / self.stride);
        let c_out = self.weight.dims()[0];
        if oh * ow <= FOLD_BATCH_MAX_PIXELS {
            // Small maps: one GEMM `[c_out, K] x [K, B*oh*ow]` over the whole batch; B tiny
            // products would cost more in dispatch than in arithmetic.
            let cols = self.columns(x.swap_dims(0, 1), 0);
            let k = cols.dims()[0];
            let y = self.weight.val().matmul(cols.reshape([k, b * oh * ow])) + self.bias.val().reshape([c_out, 1]);
            return y.reshape([c_out, b, oh, ow]).swap_dims(0, 1);
        }
        let cols = self.columns(x, 1);
        let k = cols.dims()[1];
        let cols = cols.reshape([b, k, oh * ow]);
        let wt = self.weight.val().unsqueeze::<3>().expand([b, c_out, k]);
        let y = wt.matmul(cols) + self.bias.val().reshape([1, c_out, 1]);
        y.reshape([b, c_out, oh, ow])
    }

    /// im2col of `x`, concatenated along `axis`, the channel axis of `x`: `[B, C, H, W]` with
    /// axis 1 gives `[B, k*k*C, oh, ow]`; `[C, B, H, W]` with axis 0 gives `[k*k*C, B, oh, ow]`.
    /// Offset-major, channel-minor: the column layout of `weight`.
    fn columns(&self, x: Tensor<4>, axis: usize) -> Tensor<4> {
        let [d0, d1, h, w] = x.dims();
        if self.kernel == 1 {
            return subsample(x, self.stride, h, w);
        }
        let padded = x.pad([(1, 1), (1, 1)], burn::tensor::ops::PadMode::Constant(0.0));
        let mut parts = Vec::with_capacity(9);
        for dy in 0..3 {
            for dx in 0..3 {
                let shifted = padded.clone().slice([0..d0, 0..d1, dy..dy + h, dx..dx + w]);
                parts.push(subsample(shifted, self.stride, h, w));
            }
        }
        Tensor::cat(parts, axis)
    }
}

/// Output maps of at most this many pixels are convolved with the batch folded into one GEMM
/// (measured on the patch CNN's 7x7 and 3x3 layers: 1.2x and 5.6x less CPU time; its 15x15
/// layer is 2x faster as per-sample products, `crates/train/examples/conv_step_timing.rs`).
const FOLD_BATCH_MAX_PIXELS: usize = 64;

/// Every `stride`-th row and column (stride 1: unchanged).
fn subsample(x: Tensor<4>, stride: usize, h: usize, w: usize) -> Tensor<4> {
    if stride == 1 {
        return x;
    }
    let [b, c, _, _] = x.dims();
    x.reshape([b, c, h / 2, 2, w / 2, 2])
        .slice([0..b, 0..c, 0..h / 2, 0..1, 0..w / 2, 0..1])
        .reshape([b, c, h / 2, w / 2])
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig2d;
    use burn::nn::conv::Conv2dConfig;

    /// Same result as burn's Conv2d with the weights copied over.
    #[test]
    fn equals_burn_conv2d() {
        let device = Device::default();
        for (k, s) in [(3, 1), (3, 2), (1, 1), (1, 2)] {
            let m = MatmulConv::new(3, 5, k, s, &device);
            let p = k / 2;
            let mut conv = Conv2dConfig::new([3, 5], [k, k])
                .with_stride([s, s])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .init(&device);
            // [c_out, k*k*c_in] (offset-major, channel-minor) -> [c_out, c_in, k, k]
            let w = m.weight.val().reshape([5, k * k, 3]).swap_dims(1, 2).reshape([5, 3, k, k]);
            conv.weight = Param::from_tensor(w);
            conv.bias = Some(Param::from_tensor(Tensor::<1>::from_floats([0.1, -0.2, 0.3, 0.0, 0.5], &device)));
            let m = m.with_bias(Tensor::<1>::from_floats([0.1, -0.2, 0.3, 0.0, 0.5], &device));
            // 8x6 takes the batch-folded GEMM, 12x12 (stride 1) the per-sample one.
            for (h, w) in [(8, 6), (12, 12)] {
                let x = Tensor::<4>::random([2, 3, h, w], Distribution::Normal(0.0, 1.0), &device);
                let b: Vec<f32> = conv.forward(x.clone()).into_data().try_to_vec().unwrap();
                // The fused kernel (Flex), the composed im2col path and the direct conv2d
                // path of GPU backends.
                for (path, y) in [("fused", m.forward(x.clone())), ("composed", m.forward_composed(x.clone())), ("direct", m.forward_direct(x.clone()))] {
                    let a: Vec<f32> = y.into_data().try_to_vec().unwrap();
                    assert_eq!(a.len(), b.len());
                    for (u, v) in a.iter().zip(&b) {
                        assert!((u - v).abs() < 1e-4, "{path}: k {k} s {s} {h}x{w}: {u} vs {v}");
                    }
                }
            }
        }
    }
}
