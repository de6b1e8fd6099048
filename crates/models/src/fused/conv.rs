//! "Same" convolution, stride 1, odd `kh x kw` kernel, as im2col + one GEMM over the whole
//! batch, with its backward pass (two GEMMs + col2im) as a single autodiff node.
//!
//! Weight layout `[c_out, kh * kw * c_in]`, offset-major and channel-minor: the layout of
//! [`MatmulConv`](crate::MatmulConv) and
//! [`MatmulConv1d`](crate::MatmulConv1d), so saved models load unchanged.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::gemm::{View, gemm};
use super::{Flexed, SharedMut, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// Geometry of one convolution call.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    b: usize,
    c_in: usize,
    c_out: usize,
    h: usize,
    w: usize,
    kh: usize,
    kw: usize,
    /// Stride in both directions; the output is `h / stride x w / stride`.
    stride: usize,
}

impl Geometry {
    fn k(&self) -> usize {
        self.kh * self.kw * self.c_in
    }
    fn hw(&self) -> usize {
        self.h * self.w
    }
    fn oh(&self) -> usize {
        self.h / self.stride
    }
    fn ow(&self) -> usize {
        self.w / self.stride
    }
    /// Output pixels per image.
    fn ohw(&self) -> usize {
        self.oh() * self.ow()
    }
    /// Columns of the im2col matrix: output pixels of the batch.
    fn n(&self) -> usize {
        self.b * self.ohw()
    }
    /// Output range of kernel offset `o` along an axis of input length `len`, kernel `k`
    /// and output length `out`: the `x` whose source `stride * x + o - k / 2` is inside.
    fn range(&self, o: usize, k: usize, len: usize, out: usize) -> (usize, usize) {
        let p = k / 2;
        let x0 = p.saturating_sub(o).div_ceil(self.stride);
        let x1 = (len + p).saturating_sub(o).div_ceil(self.stride).min(out);
        (x0, x1)
    }
    /// Valid output columns of kernel column `ox`.
    fn cols(&self, ox: usize) -> (usize, usize) {
        self.range(ox, self.kw, self.w, self.ow())
    }
    /// Valid output rows of kernel row `oy`.
    fn rows(&self, oy: usize) -> (usize, usize) {
        self.range(oy, self.kh, self.h, self.oh())
    }
}

/// `[B, c_in, H, W]` -> `[B, c_out, H, W]`: zero-padded ("same") stride-1 convolution with
/// an odd `kh x kw` kernel; `weight` `[c_out, kh * kw * c_in]` (offset-major,
/// channel-minor), `bias` `[c_out]`.
///
/// On `f32` Flex tensors this is the fused kernel of this module; elsewhere it hands the
/// three tensors back and the caller uses its burn-operation path.
pub fn conv_same(x: Tensor<4>, weight: Tensor<2>, bias: Tensor<1>, kh: usize, kw: usize) -> Result<Tensor<4>, (Tensor<4>, Tensor<2>, Tensor<1>)> {
    conv_strided(x, weight, bias, kh, kw, 1)
}

/// [`conv_same`] with a stride: output pixel `(y, x)` is the kernel centred on input pixel
/// `(stride * y, stride * x)`, and the output is `H / stride x W / stride` (rounded down), as
/// [`MatmulConv`](crate::MatmulConv) defines its stride-2 layers.
pub fn conv_strided(
    x: Tensor<4>,
    weight: Tensor<2>,
    bias: Tensor<1>,
    kh: usize,
    kw: usize,
    stride: usize,
) -> Result<Tensor<4>, (Tensor<4>, Tensor<2>, Tensor<1>)> {
    let [b, c_in, h, w] = x.dims();
    let c_out = weight.dims()[0];
    assert!(kh % 2 == 1 && kw % 2 == 1 && weight.dims()[1] == kh * kw * c_in, "conv_same: kernel/weight mismatch");
    assert!(stride >= 1, "conv_strided: stride 0");
    let g = Geometry { b, c_in, c_out, h, w, kh, kw, stride };
    if g.n() == 0 {
        return Err((x, weight, bias));
    }
    match flexed([x.into_dispatch(), weight.into_dispatch(), bias.into_dispatch()]) {
        Err([x, w, bias]) => Err((Tensor::from_dispatch(x), Tensor::from_dispatch(w), Tensor::from_dispatch(bias))),
        Ok(Flexed::Plain([x, w, bias])) => Ok(plain_out(forward(&g, &x, &w, &bias).0)),
        Ok(Flexed::Tracked([x, w, bias], ctx)) => {
            let prep = ConvSame.prepare::<NoCheckpointing>([x.node(), w.node(), bias.node()]).compute_bound().stateful();
            let (xi, wi, bi) = (inner(&x), inner(&w), inner(&bias));
            let out = match prep {
                OpsKind::Tracked(prep) => {
                    let (y, cols) = forward(&g, &xi, &wi, &bi);
                    prep.finish(ConvState { g, cols, weight: wi }, y)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(&g, &xi, &wi, &bi).0),
            };
            Ok(tracked_out(out, ctx))
        }
    }
}

/// Output `[B, c_out, H/s, W/s]` and the im2col matrix `[K, B*(H/s)*(W/s)]` it was computed from.
fn forward(g: &Geometry, x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> (FlexTensor, FlexTensor) {
    let cols = im2col(g, &values(x));
    let (ohw, n, k) = (g.ohw(), g.n(), g.k());
    // [c_out, K] x [K, N] -> [c_out, N]
    let mut y = vec![0f32; g.c_out * n];
    gemm(g.c_out, n, k, &mut y, (n, 1), false, View::rows(&values(weight), k), View::rows(&cols, n));
    let bias = values(bias);
    // [c_out, B, OHW] -> [B, c_out, OHW], adding the bias.
    let mut out = vec![0f32; g.b * g.c_out * ohw];
    out.par_chunks_mut(g.c_out * ohw).enumerate().for_each(|(bi, plane)| {
        for co in 0..g.c_out {
            let src = &y[co * n + bi * ohw..co * n + (bi + 1) * ohw];
            let bc = bias[co];
            plane[co * ohw..(co + 1) * ohw].iter_mut().zip(src).for_each(|(o, v)| *o = v + bc);
        }
    });
    let cols = flex_tensor(cols, &[k, n]);
    (flex_tensor(out, &[g.b, g.c_out, g.oh(), g.ow()]), cols)
}

/// Calls `f(src, dst, len)` for each run of output pixels of kernel offset `off` in image
/// `bi` and channel `ci` whose sources are inside the image: `len` outputs from column index
/// `dst` of the im2col row, reading the input plane from `src` every `stride` pixels.
fn for_each_run(g: &Geometry, off: usize, mut f: impl FnMut(usize, usize, usize)) {
    let (oy, ox) = (off / g.kw, off % g.kw);
    let (ph, pw) = (g.kh / 2, g.kw / 2);
    let ((y0, y1), (x0, x1)) = (g.rows(oy), g.cols(ox));
    if x0 >= x1 {
        return;
    }
    for y in y0..y1 {
        let sy = g.stride * y + oy - ph;
        f(sy * g.w + g.stride * x0 + ox - pw, y * g.ow() + x0, x1 - x0);
    }
}

/// `[K, N]` with row `(oy * kw + ox) * c_in + ci` holding input channel `ci` at the kernel
/// offset `(oy - kh/2, ox - kw/2)` from each output pixel's centre, zero outside the image.
fn im2col(g: &Geometry, x: &[f32]) -> Vec<f32> {
    let (hw, ohw, n, s) = (g.hw(), g.ohw(), g.n(), g.stride);
    let mut cols = vec![0f32; g.k() * n];
    cols.par_chunks_mut(n).enumerate().for_each(|(r, row)| {
        let (off, ci) = (r / g.c_in, r % g.c_in);
        for bi in 0..g.b {
            let plane = &x[(bi * g.c_in + ci) * hw..(bi * g.c_in + ci + 1) * hw];
            let out = &mut row[bi * ohw..(bi + 1) * ohw];
            for_each_run(g, off, |src, dst, len| {
                if s == 1 {
                    out[dst..dst + len].copy_from_slice(&plane[src..src + len]);
                } else {
                    out[dst..dst + len].iter_mut().enumerate().for_each(|(j, v)| *v = plane[src + s * j]);
                }
            });
        }
    });
    cols
}

#[derive(Debug)]
struct ConvSame;

#[derive(Clone, Debug)]
struct ConvState {
    g: Geometry,
    cols: FlexTensor,
    weight: FlexTensor,
}

impl Backward<Flex, 3> for ConvSame {
    type State = ConvState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let ConvState { g, cols, weight } = ops.state;
        let (ohw, n) = (g.ohw(), g.n());
        let dy = values(&grad);
        // [B, c_out, OHW] -> [c_out, B*OHW]
        let mut dyt = vec![0f32; g.c_out * n];
        dyt.par_chunks_mut(n).enumerate().for_each(|(co, row)| {
            for bi in 0..g.b {
                let src = &dy[(bi * g.c_out + co) * ohw..(bi * g.c_out + co + 1) * ohw];
                row[bi * ohw..(bi + 1) * ohw].copy_from_slice(src);
            }
        });
        if let Some(node) = node_b {
            let db: Vec<f32> = dyt.par_chunks(n).map(|row| row.iter().sum()).collect();
            grads.register::<Flex>(node.id, flex_tensor(db, &[g.c_out]));
        }
        let (cols, weight, k) = (values(&cols), values(&weight), g.k());
        if let Some(node) = node_w {
            // [c_out, N] x [N, K], the transpose of the saved columns read in place.
            let mut dw = vec![0f32; g.c_out * k];
            gemm(g.c_out, k, n, &mut dw, (k, 1), false, View::rows(&dyt, n), View::transposed(&cols, n));
            grads.register::<Flex>(node.id, flex_tensor(dw, &[g.c_out, k]));
        }
        if let Some(node) = node_x {
            // [K, c_out] x [c_out, N] -> [K, N], then scattered back onto the input.
            let mut dcols = vec![0f32; k * n];
            gemm(k, n, g.c_out, &mut dcols, (n, 1), false, View::transposed(&weight, k), View::rows(&dyt, n));
            let dx = col2im(&g, &dcols);
            grads.register::<Flex>(node.id, flex_tensor(dx, &[g.b, g.c_in, g.h, g.w]));
        }
    }
}

/// Adjoint of [`im2col`]: sums each column entry back onto the input pixel it came from.
fn col2im(g: &Geometry, dcols: &[f32]) -> Vec<f32> {
    let (hw, ohw, n, s) = (g.hw(), g.ohw(), g.n(), g.stride);
    let mut dx = vec![0f32; g.b * g.c_in * hw];
    let out = SharedMut(dx.as_mut_ptr());
    // One task per input channel: it writes only the planes (bi, ci) of that channel.
    (0..g.c_in).into_par_iter().for_each(|ci| {
        let out = out;
        for off in 0..g.kh * g.kw {
            let row = &dcols[(off * g.c_in + ci) * n..(off * g.c_in + ci + 1) * n];
            for bi in 0..g.b {
                let base = (bi * g.c_in + ci) * hw;
                let cols = &row[bi * ohw..(bi + 1) * ohw];
                for_each_run(g, off, |src, dst, len| {
                    for (j, v) in cols[dst..dst + len].iter().enumerate() {
                        // SAFETY: the index lies in plane (bi, ci), written only by this task.
                        unsafe { *out.0.add(base + src + s * j) += v };
                    }
                });
            }
        }
    });
    dx
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor};

    use crate::detector_conv::MatmulConv;

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        super::super::testing::assert_close(a, b, 1e-4, what);
    }

    /// Output and all three gradients equal burn's own conv2d (weights copied over).
    #[test]
    fn equals_burn_conv2d_forward_and_backward() {
        let dev = Device::flex().autodiff();
        // Stride 2 on even sizes, where burn's output size equals MatmulConv's H / 2.
        for (kh, kw, h, w, stride) in
            [(3, 3, 7, 5, 1), (1, 5, 1, 9, 1), (3, 3, 1, 1, 1), (1, 1, 4, 4, 1), (3, 3, 8, 6, 2), (3, 3, 2, 2, 2), (1, 1, 6, 4, 2), (1, 3, 4, 8, 2)]
        {
            let (c_in, c_out) = (3, 4);
            let x = Tensor::<4>::random([2, c_in, h, w], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let wt = Tensor::<2>::random([c_out, kh * kw * c_in], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let bias = Tensor::<1>::random([c_out], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let y = super::conv_strided(x.clone(), wt.clone(), bias.clone(), kh, kw, stride).ok().expect("flex path");
            // Reference: burn conv2d with the weight as [c_out, c_in, kh, kw].
            let w4 = wt.clone().reshape([c_out, kh * kw, c_in]).swap_dims(1, 2).reshape([c_out, c_in, kh, kw]);
            let reference = burn::tensor::module::conv2d(
                x.clone(),
                w4,
                Some(bias.clone()),
                burn::tensor::ops::ConvOptions::new([stride, stride], [kh / 2, kw / 2], [1, 1], 1),
            );
            assert_eq!(y.dims(), [2, c_out, h / stride, w / stride]);
            let probe = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &dev);
            close(y.clone(), reference.clone(), "forward");
            let g1 = (y * probe.clone()).sum().backward();
            let g2 = (reference * probe).sum().backward();
            close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), "dx");
            close(wt.grad(&g1).unwrap(), wt.grad(&g2).unwrap(), "dw");
            close(bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap(), "db");
        }
    }

    /// Without autodiff the same kernel serves inference, equal to the MatmulConv path.
    #[test]
    fn plain_forward_matches_matmul_conv() {
        let dev = Device::flex();
        let conv = MatmulConv::new(5, 6, 3, 1, &dev);
        let x = Tensor::<4>::random([3, 5, 6, 6], Distribution::Normal(0.0, 1.0), &dev);
        let fused = super::conv_same(x.clone(), conv.weight.val(), conv.bias.val(), 3, 3).ok().expect("flex path");
        close(fused, conv.forward_composed(x.clone()), "forward");
        let conv = MatmulConv::new(5, 6, 3, 2, &dev);
        let fused = super::conv_strided(x.clone(), conv.weight.val(), conv.bias.val(), 3, 3, 2).ok().expect("flex path");
        close(fused, conv.forward_composed(x), "stride 2");
    }

    /// Tensors on another backend are handed back for the caller's fallback.
    #[test]
    #[allow(deprecated)] // burn-ndarray, kept as the second CPU backend to compare against
    fn other_backends_fall_back() {
        let dev = Device::ndarray();
        let x = Tensor::<4>::zeros([1, 2, 3, 3], &dev);
        let r = super::conv_same(x, Tensor::zeros([1, 18], &dev), Tensor::zeros([1], &dev), 3, 3);
        assert!(r.is_err());
    }
}
