//! A candidate fix for the training gap, measured here before it is proposed for
//! `terradl-models`: stride-1 "same" 2-D convolution as shifted views of the padded input
//! plus one matrix product (im2col). Its gradients are then slices, pads and two matrix
//! products — kernels burn's ndarray backend runs fast — instead of burn-ndarray's direct
//! transposed convolution, which `conv_ops` shows is hundreds of times slower than PyTorch.

use crate::conv_ops::{CASES, median_ms};
use burn::tensor::module::conv2d;
use burn::tensor::ops::{ConvOptions, PadMode};
use burn::tensor::{Device, Distribution, Tensor};
use serde_json::json;

/// `conv2d(x, weight, bias)` with stride 1, dilation 1 and zero padding `kernel / 2`
/// (odd kernels keep the size), computed as im2col + matmul.
pub(crate) fn conv2d_same_gemm(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>) -> Tensor<4> {
    let [b, c, h, w] = x.dims();
    let [co, _, kh, kw] = weight.dims();
    let (ph, pw) = (kh / 2, kw / 2);
    let xp = x.pad([(ph, ph), (pw, pw)], PadMode::Constant(0.0));
    let mut shifted = Vec::with_capacity(kh * kw);
    for i in 0..kh {
        for j in 0..kw {
            shifted.push(xp.clone().slice([0..b, 0..c, i..i + h, j..j + w]));
        }
    }
    // [B, C, kh*kw, H, W] -> rows (b, y, x), columns (c, i, j) like weight.reshape([co, c*kh*kw]).
    let cols: Tensor<5> = Tensor::stack(shifted, 2);
    let cols = cols.reshape([b, c * kh * kw, h * w]).swap_dims(1, 2).reshape([b * h * w, c * kh * kw]);
    let wm = weight.reshape([co, c * kh * kw]).transpose();
    let mut y = cols.matmul(wm);
    if let Some(bias) = bias {
        y = y + bias.unsqueeze::<2>();
    }
    y.reshape([b, h * w, co]).swap_dims(1, 2).reshape([b, co, h, w])
}

/// For each benchmark convolution: forward + backward (gradients of input and weight) with
/// burn's `conv2d` and with [`conv2d_same_gemm`], and the largest relative differences of
/// the output and both gradients.
pub(crate) fn run(reps: usize) -> anyhow::Result<()> {
    let device = Device::default().autodiff();
    for c in &CASES {
        let pad = [c.kernel[0] / 2, c.kernel[1] / 2];
        let opts = ConvOptions::new([1, 1], pad, [1, 1], 1);
        let x = Tensor::<4>::random([c.batch, c.c_in, c.hw[0], c.hw[1]], Distribution::Default, &device);
        let w = Tensor::<4>::random([c.c_out, c.c_in, c.kernel[0], c.kernel[1]], Distribution::Default, &device);
        let bias = Tensor::<1>::random([c.c_out], Distribution::Default, &device);
        let step = |gemm: bool| {
            let (x, w, bias) = (x.clone().require_grad(), w.clone().require_grad(), bias.clone().require_grad());
            let y = if gemm {
                conv2d_same_gemm(x.clone(), w.clone(), Some(bias))
            } else {
                conv2d(x.clone(), w.clone(), Some(bias), opts.clone())
            };
            let grads = (y.clone() * y.clone()).sum().backward();
            (y, x.grad(&grads), w.grad(&grads))
        };
        let (y_ref, gx_ref, gw_ref) = step(false);
        let (y_new, gx_new, gw_new) = step(true);
        // Largest difference relative to the largest magnitude of burn's result.
        let max_diff = |a: Tensor<4>, b: Tensor<4>| -> f32 {
            let scale = a.clone().abs().max().into_scalar::<f32>().max(f32::MIN_POSITIVE);
            (a - b).abs().max().into_scalar::<f32>() / scale
        };
        let diff_y = max_diff(y_ref.inner(), y_new.inner());
        let diff_gx = max_diff(gx_ref.expect("x grad"), gx_new.expect("x grad"));
        let diff_gw = max_diff(gw_ref.expect("w grad"), gw_new.expect("w grad"));
        let burn_ms = median_ms(reps, || drop(step(false)));
        let gemm_ms = median_ms(reps, || drop(step(true)));
        println!(
            "{}",
            json!({
                "bench": "conv_fix", "impl": "terradl", "case": c.name,
                "threads": rayon::current_num_threads(),
                "burn_conv2d_fwd_bwd_ms": burn_ms, "gemm_conv_fwd_bwd_ms": gemm_ms,
                "speedup": burn_ms / gemm_ms,
                "max_rel_diff": {"output": diff_y, "input_grad": diff_gx, "weight_grad": diff_gw},
            })
        );
    }
    Ok(())
}
