//! Strided single-precision GEMM on plain slices, for the fused kernels that multiply
//! views (a time step of a batch-major sequence, a transposed weight) without copying them
//! into contiguous tensors first.

/// A read-only matrix view: `data[i * row_stride + j * col_stride]` is element `(i, j)`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a> View<'a> {
    /// Row-major `rows x cols` matrix with rows `row_stride` apart.
    pub(super) fn rows(data: &'a [f32], row_stride: usize) -> Self {
        Self { data, row_stride, col_stride: 1 }
    }

    /// The transpose of the row-major matrix with rows `row_stride` apart.
    pub(super) fn transposed(data: &'a [f32], row_stride: usize) -> Self {
        Self { data, row_stride: 1, col_stride: row_stride }
    }

    fn fits(&self, rows: usize, cols: usize) -> bool {
        rows == 0 || cols == 0 || (rows - 1) * self.row_stride + (cols - 1) * self.col_stride < self.data.len()
    }
}

/// Work (multiply-adds) above which [`gemm`] splits a product over rayon's threads.
const PARALLEL_WORK: usize = 1 << 20;

/// `dst = lhs * rhs`, or `dst += lhs * rhs` when `accumulate`; `lhs` is `m x k`, `rhs`
/// `k x n`, and `dst` `m x n` with element `(i, j)` at `i * dst_strides.0 + j * dst_strides.1`.
/// Large products are split over rayon's threads (also from inside a rayon task, e.g. a
/// training loop run on the pool); see [`gemm_serial`] for calls that already run one per
/// thread.
///
/// gemm packs the operand that runs along the destination's contiguous axis; with a
/// column-major `dst` (`dst_strides.0 == 1`) and few rows, that is the small `lhs`, and a
/// large `rhs` weight is read in place.
///
/// # Panics
/// When a view is too short for its shape.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm(m: usize, n: usize, k: usize, dst: &mut [f32], dst_strides: (usize, usize), accumulate: bool, lhs: View, rhs: View) {
    let parallel = m * n * k >= PARALLEL_WORK && rayon::current_num_threads() > 1;
    gemm_with(parallel, m, n, k, dst, dst_strides, accumulate, lhs, rhs)
}

/// [`gemm`] on the calling thread only, for products computed one per rayon task.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_serial(m: usize, n: usize, k: usize, dst: &mut [f32], dst_strides: (usize, usize), accumulate: bool, lhs: View, rhs: View) {
    gemm_with(false, m, n, k, dst, dst_strides, accumulate, lhs, rhs)
}

#[allow(clippy::too_many_arguments)]
fn gemm_with(parallel: bool, m: usize, n: usize, k: usize, dst: &mut [f32], dst_strides: (usize, usize), accumulate: bool, lhs: View, rhs: View) {
    let (dst_rs, dst_cs) = dst_strides;
    let out = View { data: dst, row_stride: dst_rs, col_stride: dst_cs };
    assert!(out.fits(m, n) && lhs.fits(m, k) && rhs.fits(k, n), "gemm: view too short for {m}x{k} * {k}x{n}");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            (0..m).for_each(|i| (0..n).for_each(|j| dst[i * dst_rs + j * dst_cs] = 0.0));
        }
        return;
    }
    if parallel && k >= 8 * (m + n) && m * n >= SPLIT_K_MIN_OUTPUT {
        split_k(m, n, k, dst, dst_strides, accumulate, lhs, rhs);
        return;
    }
    let parallelism = if parallel { gemm::Parallelism::Rayon(0) } else { gemm::Parallelism::None };
    // SAFETY: the asserts above keep every element gemm touches inside its slice, and `dst`
    // is borrowed mutably, so it cannot alias `lhs` or `rhs`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            dst_cs as isize,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.col_stride as isize,
            lhs.row_stride as isize,
            rhs.data.as_ptr(),
            rhs.col_stride as isize,
            rhs.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Smallest output (`m * n`) for which a long reduction is split (below it the partial
/// sums cost more than the product).
const SPLIT_K_MIN_OUTPUT: usize = 4096;

/// A product with a long reduction and a small output (a convolution's weight gradient:
/// `[c_out, B*H*W] x [B*H*W, K]`): gemm only splits the output over threads and packs the
/// whole reduction serially; here the reduction is cut into parts, one serial product per
/// rayon task into its own buffer, and the parts are added in order (deterministic for a
/// given thread count). Measured (`RAYON_NUM_THREADS=2 cargo run --release -p terradl-models
/// --example gemm_split_k`): 32 x 131072 x 288, 98 -> 44 ms; 64 x 3136 x 288, 0.81 -> 0.51 ms.
#[allow(clippy::too_many_arguments)]
fn split_k(m: usize, n: usize, k: usize, dst: &mut [f32], (dst_rs, dst_cs): (usize, usize), accumulate: bool, lhs: View, rhs: View) {
    use rayon::prelude::*;
    let parts = (4 * rayon::current_num_threads()).min(k / 256).max(2);
    let chunk = k.div_ceil(parts);
    let partial: Vec<Vec<f32>> = (0..parts)
        .into_par_iter()
        .map(|p| {
            let (k0, k1) = (p * chunk, ((p + 1) * chunk).min(k));
            let mut out = vec![0f32; m * n];
            if k1 > k0 {
                let l = View { data: &lhs.data[k0 * lhs.col_stride..], ..lhs };
                let r = View { data: &rhs.data[k0 * rhs.row_stride..], ..rhs };
                gemm_with(false, m, n, k1 - k0, &mut out, (n, 1), false, l, r);
            }
            out
        })
        .collect();
    for i in 0..m {
        for j in 0..n {
            let sum = partial.iter().fold(0f32, |acc, p| acc + p[i * n + j]);
            let d = &mut dst[i * dst_rs + j * dst_cs];
            *d = if accumulate { *d + sum } else { sum };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: View, b: View) -> Vec<f32> {
        let mut out = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|l| a.data[i * a.row_stride + l * a.col_stride] * b.data[l * b.row_stride + j * b.col_stride]).sum();
            }
        }
        out
    }

    #[test]
    fn strided_and_transposed_products_match_the_definition() {
        let (m, n, k) = (5, 7, 3);
        let a: Vec<f32> = (0..m * k * 2).map(|v| (v as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|v| (v as f32 * 0.11).cos()).collect();
        // lhs: every other row of a [2m, k] matrix; rhs: transpose of an [n, k] matrix.
        let lhs = View::rows(&a, 2 * k);
        let rhs = View::transposed(&b, k);
        let want = naive(m, n, k, lhs, rhs);
        let mut dst = vec![1f32; m * n];
        gemm(m, n, k, &mut dst, (n, 1), false, lhs, rhs);
        want.iter().zip(&dst).for_each(|(w, d)| assert!((w - d).abs() < 1e-5, "{w} vs {d}"));
        gemm(m, n, k, &mut dst, (n, 1), true, lhs, rhs);
        want.iter().zip(&dst).for_each(|(w, d)| assert!((2.0 * w - d).abs() < 1e-5, "accumulate: {w} vs {d}"));
        // Column-major destination.
        let mut col = vec![0f32; m * n];
        gemm(m, n, k, &mut col, (1, m), false, lhs, rhs);
        (0..m).for_each(|i| (0..n).for_each(|j| assert!((col[j * m + i] - want[i * n + j]).abs() < 1e-5, "column-major ({i}, {j})")));
    }

    /// A long reduction with a small output takes the split path and still matches.
    #[test]
    fn long_reductions_split_and_match_the_definition() {
        let (m, n, k) = (64, 80, 4000);
        assert!(k >= 8 * (m + n) && m * n >= SPLIT_K_MIN_OUTPUT, "takes the split path");
        let a: Vec<f32> = (0..m * k).map(|v| ((v % 97) as f32 * 0.37).sin()).collect();
        let b: Vec<f32> = (0..k * n).map(|v| ((v % 89) as f32 * 0.11).cos()).collect();
        // lhs row-major, rhs the transpose of an [n, k] matrix: the weight-gradient shape.
        let (lhs, rhs) = (View::rows(&a, k), View::transposed(&b, k));
        let want = naive(m, n, k, lhs, rhs);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        let mut dst = vec![1f32; m * n];
        pool.install(|| gemm(m, n, k, &mut dst, (n, 1), false, lhs, rhs));
        want.iter().zip(&dst).for_each(|(w, d)| assert!((w - d).abs() < 1e-3 * w.abs().max(1.0), "{w} vs {d}"));
        pool.install(|| gemm(m, n, k, &mut dst, (n, 1), true, lhs, rhs));
        want.iter().zip(&dst).for_each(|(w, d)| assert!((2.0 * w - d).abs() < 2e-3 * w.abs().max(1.0), "accumulate: {w} vs {d}"));
    }

    #[test]
    #[should_panic(expected = "view too short")]
    fn short_views_are_refused() {
        let mut dst = vec![0f32; 4];
        gemm(2, 2, 2, &mut dst, (2, 1), false, View::rows(&[1.0; 3], 2), View::rows(&[1.0; 4], 2));
    }
}
