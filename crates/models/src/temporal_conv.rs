//! 1-D "same" convolution over time as shifted slices + one batched matrix
//! product: forward and backward become GEMMs. burn-ndarray 0.22's direct
//! `conv1d` input gradient measured 30–350x slower than PyTorch's at TempCNN's
//! shapes (docs/BENCHMARKS.md, `conv_op` rows); see also [`crate::detector_conv`].

use burn::module::{Module, Param};
use burn::tensor::ops::PadMode;
use burn::tensor::{Device, Distribution, Tensor};

/// A kernel-`k` (odd) convolution over the last axis, stride 1, zero padding `k / 2`, with bias.
#[derive(Module, Debug)]
pub struct MatmulConv1d {
    /// `[c_out, k * c_in]`, input-channel-minor within each kernel offset.
    pub weight: Param<Tensor<2>>,
    /// `[c_out]`.
    pub bias: Param<Tensor<1>>,
    kernel: usize,
}

impl MatmulConv1d {
    /// Uniform(±1/sqrt(fan_in)) weights and bias, as burn's `Conv1d` initialises them.
    pub fn new(c_in: usize, c_out: usize, kernel: usize, device: &Device) -> Self {
        assert!(kernel % 2 == 1, "kernel must be odd");
        let b = 1.0 / ((kernel * c_in) as f64).sqrt();
        MatmulConv1d {
            weight: Param::from_tensor(Tensor::random([c_out, kernel * c_in], Distribution::Uniform(-b, b), device)),
            bias: Param::from_tensor(Tensor::random([c_out], Distribution::Uniform(-b, b), device)),
            kernel,
        }
    }

    /// `[B, c_in, T] -> [B, c_out, T]`. On the Flex CPU backend this runs the fused kernel
    /// [`crate::fused::conv_same`] with a `1 x k` kernel.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, c, t] = x.dims();
        let c_out = self.weight.dims()[0];
        match crate::fused::conv_same(x.reshape([b, c, 1, t]), self.weight.val(), self.bias.val(), 1, self.kernel) {
            Ok(y) => y.reshape([b, c_out, t]),
            Err((x, _, _)) => self.forward_composed(x.reshape([b, c, t])),
        }
    }

    /// [`forward`](Self::forward) from burn tensor operations, for other backends.
    pub fn forward_composed(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, c, t] = x.dims();
        let p = self.kernel / 2;
        let padded = x.unsqueeze_dim::<4>(2).pad([(0, 0), (p, p)], PadMode::Constant(0.0));
        let parts: Vec<Tensor<4>> =
            (0..self.kernel).map(|j| padded.clone().slice([0..b, 0..c, 0..1, j..j + t])).collect();
        let cols = Tensor::cat(parts, 1).reshape([b, self.kernel * c, t]);
        let c_out = self.weight.dims()[0];
        let wt = self.weight.val().unsqueeze::<3>().expand([b, c_out, self.kernel * c]);
        wt.matmul(cols) + self.bias.val().reshape([1, c_out, 1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::PaddingConfig1d;
    use burn::nn::conv::Conv1dConfig;

    /// Same result as burn's Conv1d with the weights copied over.
    #[test]
    fn equals_burn_conv1d() {
        let device = Device::default();
        for k in [1, 3, 5] {
            let m = MatmulConv1d::new(3, 4, k, &device);
            let mut conv = Conv1dConfig::new(3, 4, k).with_padding(PaddingConfig1d::Explicit(k / 2, k / 2)).init(&device);
            // [c_out, k*c_in] (offset-major, channel-minor) -> [c_out, c_in, k]
            conv.weight = Param::from_tensor(m.weight.val().reshape([4, k, 3]).swap_dims(1, 2));
            conv.bias = Some(Param::from_tensor(m.bias.val()));
            let x = Tensor::<3>::random([2, 3, 7], Distribution::Normal(0.0, 1.0), &device);
            let a: Vec<f32> = m.forward(x.clone()).into_data().try_to_vec().unwrap();
            let b: Vec<f32> = conv.forward(x).into_data().try_to_vec().unwrap();
            assert_eq!(a.len(), b.len());
            for (u, v) in a.iter().zip(&b) {
                assert!((u - v).abs() < 1e-4, "k {k}: {u} vs {v}");
            }
        }
    }
}
