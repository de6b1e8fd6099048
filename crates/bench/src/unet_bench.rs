//! The Res U-Net at a realistic size (256 px chips, batch 8) and the FP32 GEMM peak of this
//! CPU, for `bench/unet.sh` against the same network in PyTorch (`bench/unet_torch.py`).
//!
//! - `train`: the plant segmenter's training step (forward, per-pixel weighted log-softmax
//!   loss, backward, Adam), samples per second;
//! - `infer`: forward passes in inference mode, samples per second;
//! - `convs`: forward + backward of each of the network's convolutions alone, at the shapes
//!   the network gives them, to set their achieved GFLOP/s against the GEMM peak;
//! - `gemm-peak`: `gemm`'s SGEMM (the library the fused kernels call) on `n x n` matrices.
//!
//! Every line printed is one JSON object; peak resident memory (`VmHWM`) is in each.

use std::time::Instant;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Distribution, Tensor};
use serde_json::json;
use terradl_models::{MatmulConv, UNetConfig};

/// One convolution of the network: input channels, output channels, kernel, side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConvShape {
    pub c_in: usize,
    pub c_out: usize,
    pub kernel: usize,
    /// Output side.
    pub side: usize,
}

/// The convolutions of a Res U-Net with `widths` on `side` px inputs (as `UNetConfig::init`
/// builds them: two 3x3 per block, a 1x1 shortcut where the width changes, a 1x1 head).
pub(crate) fn conv_shapes(widths: &[usize], side: usize, classes: usize) -> Vec<ConvShape> {
    let mut v = Vec::new();
    let block = |v: &mut Vec<ConvShape>, c_in: usize, c_out: usize, side: usize| {
        v.push(ConvShape { c_in, c_out, kernel: 3, side });
        v.push(ConvShape { c_in: c_out, c_out, kernel: 3, side });
        if c_in != c_out {
            v.push(ConvShape { c_in, c_out, kernel: 1, side });
        }
    };
    let mut c_in = 3;
    for (i, &c) in widths.iter().enumerate() {
        block(&mut v, c_in, c, side >> i);
        c_in = c;
    }
    for i in (0..widths.len() - 1).rev() {
        block(&mut v, widths[i + 1] + widths[i], widths[i], side >> i);
    }
    v.push(ConvShape { c_in: widths[0], c_out: classes, kernel: 1, side });
    v
}

/// Forward FLOPs (multiply + add) of the convolutions for `batch` inputs.
pub(crate) fn forward_flops(shapes: &[ConvShape], batch: usize) -> f64 {
    shapes
        .iter()
        .map(|s| 2.0 * (batch * s.side * s.side * s.c_in * s.c_out * s.kernel * s.kernel) as f64)
        .sum()
}

pub(crate) fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|k| k.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Best seconds per call of `f` over `reps` calls after `warmup` calls.
pub(crate) fn best_secs(warmup: usize, reps: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..warmup {
        f();
    }
    (0..reps.max(1))
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// `mode` is `train`, `infer` or `convs`.
pub(crate) fn run(mode: &str, widths: &[usize], batch: usize, side: usize, reps: usize) -> anyhow::Result<()> {
    let device = terradl_models::compute_device();
    let config = UNetConfig::new().with_widths(widths.to_vec()).with_residual(true);
    let shapes = conv_shapes(widths, side, config.num_classes);
    let flops = forward_flops(&shapes, batch);
    let threads = rayon::current_num_threads();
    let x_of = |d: &Device| Tensor::<4>::random([batch, 3, side, side], Distribution::Uniform(0.0, 255.0), d);
    match mode {
        "train" => {
            let ad = device.autodiff();
            ad.seed(7);
            let mut model = Some(config.init(&ad)?);
            let mut optim = AdamConfig::new().init();
            let x = x_of(&ad);
            // Plant / background one-hot targets, weight 1 (the loss of the plant segmenter).
            let fg = Tensor::<4>::random([batch, 1, side, side], Distribution::Bernoulli(0.3), &ad);
            let target = Tensor::cat(vec![fg.clone().neg() + 1.0, fg], 1);
            let n_px = (batch * side * side) as f32;
            let secs = best_secs(1, reps, || {
                let m = model.take().expect("model");
                let (m, loss) = terradl_train::on_pool(|| {
                    let loss = (log_softmax(m.forward(x.clone()), 1) * target.clone()).sum().neg() / n_px;
                    let grads = GradientsParams::from_grads(loss.backward(), &m);
                    (optim.step(1e-3, m, grads), loss)
                });
                let _: f32 = loss.into_scalar();
                model = Some(m);
            });
            emit("unet_train", widths, batch, side, threads, secs, 3.0 * flops);
        }
        "infer" => {
            let model = config.init(&device)?;
            let x = x_of(&device);
            let secs = best_secs(1, reps, || {
                let y = terradl_train::on_pool(|| model.forward(x.clone()));
                let _ = y.into_data();
            });
            emit("unet_infer", widths, batch, side, threads, secs, flops);
        }
        "convs" => {
            let ad = device.autodiff();
            let mut total = 0.0;
            for s in &shapes {
                let conv = MatmulConv::new(s.c_in, s.c_out, s.kernel, 1, &ad);
                let x = Tensor::<4>::random([batch, s.c_in, s.side, s.side], Distribution::Default, &ad).require_grad();
                total += best_secs(1, reps, || {
                    terradl_train::on_pool(|| {
                        let y = conv.forward(x.clone());
                        let g = y.sum().backward();
                        let _ = x.grad(&g).map(|g| g.into_data());
                    })
                });
            }
            emit("unet_convs", widths, batch, side, threads, total, 3.0 * flops);
        }
        other => anyhow::bail!("unknown mode {other} (train, infer, convs)"),
    }
    Ok(())
}

fn emit(bench: &str, widths: &[usize], batch: usize, side: usize, threads: usize, secs: f64, flops: f64) {
    println!(
        "{}",
        json!({
            "bench": bench, "impl": "terradl", "widths": widths, "batch": batch, "side": side,
            "threads": threads, "seconds": secs, "samples_per_s": batch as f64 / secs,
            "gflops": flops / secs / 1e9, "peak_rss_mb": peak_rss_mb(),
            "device": terradl_models::device::compute_device_name(),
        })
    );
}

/// GFLOP/s of `gemm`'s SGEMM on `n x n` matrices with `threads` threads (best of `reps`).
pub(crate) fn gemm_peak(n: usize, reps: usize, threads: usize) {
    let a = vec![1.0f32; n * n];
    let b = vec![0.5f32; n * n];
    let mut c = vec![0.0f32; n * n];
    let par = if threads <= 1 { gemm::Parallelism::None } else { gemm::Parallelism::Rayon(threads) };
    let secs = best_secs(1, reps, || unsafe {
        gemm::gemm(
            n, n, n,
            c.as_mut_ptr(), 1, n as isize, false,
            a.as_ptr(), 1, n as isize,
            b.as_ptr(), 1, n as isize,
            0.0f32, 1.0f32, false, false, false, par,
        );
    });
    assert!((c[0] - 0.5 * n as f32).abs() < 1e-3 * n as f32, "gemm gave {}", c[0]);
    println!(
        "{}",
        json!({"bench": "gemm_peak", "impl": "terradl (gemm crate)", "n": n, "threads": threads,
               "gflops": 2.0 * (n as f64).powi(3) / secs / 1e9, "seconds": secs})
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_shapes_follow_the_network() {
        // widths [16, 32]: encoder 3->16 (2 + shortcut), 16->32 (2 + shortcut), decoder
        // 48->16 (2 + shortcut), head: 10 convolutions.
        let s = conv_shapes(&[16, 32], 64, 2);
        assert_eq!(s.len(), 10);
        assert_eq!((s[3].c_in, s[3].c_out, s[3].side), (16, 32, 32));
        assert_eq!((s[6].c_in, s[6].c_out, s[6].side), (48, 16, 64));
        // One 3x3 conv 3->16 on 64x64: 2 * 64*64*3*16*9 FLOPs.
        assert_eq!(forward_flops(&s[..1], 1), 2.0 * (64 * 64 * 3 * 16 * 9) as f64);
    }
}
