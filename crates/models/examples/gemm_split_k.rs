//! Times a convolution's weight gradient `[c_out, N] x [N, K]` (N = batch x pixels) two
//! ways with the gemm crate: one call split by gemm over the output, and the reduction cut
//! into parts, one serial call per rayon task, partial sums added (what
//! `fused::gemm` does for such shapes). Shapes: the crown detector's 128 px chips (batch 8)
//! and the patch CNN's three layers (batch 64).
//!
//! `RAYON_NUM_THREADS=2 cargo run --release -p terradl-models --example gemm_split_k`

use std::time::Instant;

use rayon::prelude::*;

/// `dst [m, n] (row-major) = a [m, k] (row-major) x b^T`, `b` `[n, k]` row-major.
fn product(m: usize, n: usize, k: usize, dst: &mut [f32], a: &[f32], a_rs: usize, b: &[f32], b_rs: usize, par: gemm::Parallelism) {
    // SAFETY: the caller's slices hold m x k, n x k and m x n elements at these strides.
    unsafe {
        gemm::gemm(m, n, k, dst.as_mut_ptr(), 1, n as isize, false, a.as_ptr(), 1, a_rs as isize, b.as_ptr(), b_rs as isize, 1, 1.0, 1.0, false, false, false, par);
    }
}

fn main() {
    for (c_out, k, n) in [(32usize, 288usize, 131_072usize), (32, 27, 14_400), (64, 288, 3136), (128, 576, 576)] {
        let dy: Vec<f32> = (0..c_out * n).map(|i| (i % 13) as f32 * 0.1).collect();
        let cols: Vec<f32> = (0..k * n).map(|i| (i % 7) as f32 * 0.1).collect();
        let reps = (2_000_000_000 / (c_out * k * n)).clamp(3, 200);
        let mut one = vec![0f32; c_out * k];
        let t = Instant::now();
        for _ in 0..reps {
            product(c_out, k, n, &mut one, &dy, n, &cols, n, gemm::Parallelism::Rayon(0));
        }
        let single = t.elapsed().as_secs_f64() / reps as f64 * 1e3;
        let mut split = vec![0f32; c_out * k];
        let t = Instant::now();
        for _ in 0..reps {
            let parts = (4 * rayon::current_num_threads()).min(n / 256).max(2);
            let chunk = n.div_ceil(parts);
            let partial: Vec<Vec<f32>> = (0..parts)
                .into_par_iter()
                .map(|p| {
                    let (s0, s1) = (p * chunk, ((p + 1) * chunk).min(n));
                    let mut out = vec![0f32; c_out * k];
                    product(c_out, k, s1 - s0, &mut out, &dy[s0..], n, &cols[s0..], n, gemm::Parallelism::None);
                    out
                })
                .collect();
            split.iter_mut().enumerate().for_each(|(i, v)| *v = partial.iter().map(|p| p[i]).sum());
        }
        let parts = t.elapsed().as_secs_f64() / reps as f64 * 1e3;
        let diff = one.iter().zip(&split).map(|(x, y)| (x - y).abs() / x.abs().max(1.0)).fold(0f32, f32::max);
        println!("[{c_out} x {n}] x [{n} x {k}]: one call {single:.3} ms, split reduction {parts:.3} ms (max rel diff {diff:.1e})");
    }
}
