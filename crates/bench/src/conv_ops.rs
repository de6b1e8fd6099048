//! Profile evidence for the training gap: the time of each convolution kernel that one
//! training step of the patch CNN / TempCNN runs (forward, input gradient = transposed
//! convolution, weight gradient), at the benchmark's shapes, on burn's ndarray backend.
//! `bench/peers.py ops` times the same calls in PyTorch.

use burn::tensor::module::{conv_transpose2d, conv2d, conv2d_weight_backward};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Device, Distribution, Tensor};
use serde_json::json;
use std::time::Instant;

/// One convolution layer of a benchmarked model: `[batch, c_in, h, w]` input, `c_out`
/// filters of `kh x kw`, zero padding keeping the size.
pub(crate) struct ConvCase {
    pub name: &'static str,
    pub batch: usize,
    pub c_in: usize,
    pub c_out: usize,
    pub hw: [usize; 2],
    pub kernel: [usize; 2],
}

/// The convolutions of PatchCnn (3x15x15 patches) and TempCnn (7 dates x 10 bands, as
/// burn runs conv1d: a 2-D convolution of height 1), batch 64.
pub(crate) const CASES: [ConvCase; 5] = [
    ConvCase { name: "patch_cnn.conv1", batch: 64, c_in: 3, c_out: 32, hw: [15, 15], kernel: [3, 3] },
    ConvCase { name: "patch_cnn.conv2", batch: 64, c_in: 32, c_out: 64, hw: [7, 7], kernel: [3, 3] },
    ConvCase { name: "patch_cnn.conv3", batch: 64, c_in: 64, c_out: 128, hw: [3, 3], kernel: [3, 3] },
    ConvCase { name: "tempcnn.conv1", batch: 64, c_in: 10, c_out: 64, hw: [1, 7], kernel: [1, 5] },
    ConvCase { name: "tempcnn.conv2", batch: 64, c_in: 64, c_out: 64, hw: [1, 7], kernel: [1, 5] },
];

/// Median wall-clock milliseconds of `reps` calls of `f`, after one warm-up call.
pub(crate) fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Prints one JSON line per case with the median milliseconds of each kernel.
pub(crate) fn run(reps: usize) -> anyhow::Result<()> {
    let device = Device::default();
    for c in &CASES {
        let pad = [c.kernel[0] / 2, c.kernel[1] / 2];
        let opts = ConvOptions::new([1, 1], pad, [1, 1], 1);
        let topts = ConvTransposeOptions::new([1, 1], pad, [0, 0], [1, 1], 1);
        let x = Tensor::<4>::random([c.batch, c.c_in, c.hw[0], c.hw[1]], Distribution::Default, &device);
        let w = Tensor::<4>::random([c.c_out, c.c_in, c.kernel[0], c.kernel[1]], Distribution::Default, &device);
        let g = Tensor::<4>::random([c.batch, c.c_out, c.hw[0], c.hw[1]], Distribution::Default, &device);
        let forward = median_ms(reps, || {
            let _ = conv2d(x.clone(), w.clone(), None, opts.clone()).into_data();
        });
        let input_grad = median_ms(reps, || {
            let _ = conv_transpose2d(g.clone(), w.clone(), None, topts.clone()).into_data();
        });
        let weight_grad = median_ms(reps, || {
            let _ = conv2d_weight_backward(x.clone(), w.clone(), g.clone(), opts.clone()).into_data();
        });
        println!(
            "{}",
            json!({
                "bench": "ops", "impl": "terradl", "case": c.name, "threads": rayon::current_num_threads(),
                "x": [c.batch, c.c_in, c.hw[0], c.hw[1]], "w": [c.c_out, c.c_in, c.kernel[0], c.kernel[1]],
                "forward_ms": forward, "input_grad_ms": input_grad, "weight_grad_ms": weight_grad,
            })
        );
    }
    Ok(())
}
