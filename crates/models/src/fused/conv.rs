//! "Same" convolution, stride 1, odd `kh x kw` kernel, as im2col + one GEMM over the whole
//! batch, with its backward pass (two GEMMs + col2im) as a single autodiff node.
//!
//! Large calls (an im2col matrix of at least `BLOCKED_MIN_VALUES` (2^20) values, e.g. a 3x3
//! conv with 32 channels on 256 px, and a block for every thread) go in row blocks instead:
//! the columns of a few output rows of one image (about 1 MB) are built in a reused
//! workspace, multiplied straight into those rows of the output while still in cache, and
//! rebuilt in the backward pass rather than kept, so memory stays at a few blocks' columns
//! and no step faults in gigabytes of fresh pages (docs/BENCHMARKS.md, U-Net at 256 px).
//! Stride-1 blocks with at least 16 input channels skip im2col altogether: each kernel offset
//! is a constant shift in a zero-padded copy of the block's rows, so forward and backward are
//! `kh * kw` GEMMs straight on that copy ([`Padded`]); 1x1 layers multiply the input rows.
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

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::gemm::{View, gemm, gemm_serial};

#[path = "conv_direct.rs"]
mod direct;
#[path = "conv_im2col.rs"]
mod im2col;
use im2col::{col2im, col2im_block, im2col, im2col_block};
use super::{Flexed, SharedMut, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// Calls whose im2col matrix holds at least this many values go in row blocks (see the module
/// docs); smaller ones are batch-folded into one GEMM.
pub(super) const BLOCKED_MIN_VALUES: usize = 1 << 20;

/// The threshold in use ([`BLOCKED_MIN_VALUES`]; tests lower it to cover both paths).
static BLOCKED_THRESHOLD: AtomicUsize = AtomicUsize::new(BLOCKED_MIN_VALUES);

/// Reused column buffers of the blocked path (at most [`POOL_SIZE`] kept).
static WORKSPACES: Mutex<Vec<Vec<f32>>> = Mutex::new(Vec::new());
const POOL_SIZE: usize = 64;

/// A buffer of at least `n` values (contents unspecified), from the pool when one is free.
fn take_workspace(n: usize) -> Vec<f32> {
    let mut v = WORKSPACES.lock().map(|mut p| p.pop()).ok().flatten().unwrap_or_default();
    if v.len() < n {
        v.resize(n, 0.0);
    }
    v
}

/// Returns a buffer to the pool.
fn give_workspace(v: Vec<f32>) {
    if let Ok(mut p) = WORKSPACES.lock()
        && p.len() < POOL_SIZE
    {
        p.push(v);
    }
}

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
    /// The geometry of the input gradient of a stride-1 call: a convolution of the output
    /// gradient (`c_out` channels) back to `c_in` channels.
    fn transposed(&self) -> Geometry {
        Geometry { c_in: self.c_out, c_out: self.c_in, ..*self }
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
    /// Whether the call goes in row blocks (see the module docs): its im2col matrix holds at
    /// least the threshold's values and there is a block for every thread (a threshold of 0
    /// forces the blocked path).
    fn blocked(&self) -> bool {
        let threshold = BLOCKED_THRESHOLD.load(Ordering::Relaxed);
        threshold == 0
            || (self.k() * self.n() >= threshold && self.b * self.oh().div_ceil(block_rows(self)) >= rayon::current_num_threads())
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
                    let (y, saved) = forward(&g, &xi, &wi, &bi);
                    prep.finish(ConvState { g, saved, weight: wi }, y)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(&g, &xi, &wi, &bi).0),
            };
            Ok(tracked_out(out, ctx))
        }
    }
}

/// What the backward pass needs besides the weight: the im2col matrix `[K, B*OHW]` of a
/// batch-folded call, or the input of a blocked call (its columns are rebuilt).
#[derive(Clone, Debug)]
enum Saved {
    Cols(FlexTensor),
    Input(FlexTensor),
}

/// Output `[B, c_out, H/s, W/s]` and what the backward pass needs.
fn forward(g: &Geometry, x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> (FlexTensor, Saved) {
    if g.blocked() {
        return (forward_blocked(g, x, weight, bias), Saved::Input(x.clone()));
    }
    let (out, cols) = forward_folded(g, x, weight, bias);
    (out, Saved::Cols(cols))
}

/// [`forward`] in row blocks: the columns `[K, nb]` of a few output rows of one image
/// (about [`BLOCK_VALUES`] values, so they stay in cache while the GEMM packs them) are built
/// in a per-task workspace and multiplied straight into those rows of the output, one block
/// per rayon task; then the bias.
fn forward_blocked(g: &Geometry, x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let (x, weight, bias) = (values(x), values(weight), values(bias));
    if shifted(g) && direct::available() {
        let out = direct::forward(g, &x, &direct::PackedWeights::new(g, &weight), Some(&bias));
        return flex_tensor(out, &[g.b, g.c_out, g.oh(), g.ow()]);
    }
    let (k, ohw, ow, plane_in) = (g.k(), g.ohw(), g.ow(), g.c_in * g.hw());
    let mut out = vec![0f32; g.b * g.c_out * ohw];
    let dst = SharedMut(out.as_mut_ptr());
    blocks(g).into_par_iter().for_each(|(bi, r0, r1)| {
        let dst = &dst;
        let nb = (r1 - r0) * ow;
        let image = &x[bi * plane_in..(bi + 1) * plane_in];
        let start = bi * g.c_out * ohw + r0 * ow;
        let len = (g.c_out - 1) * ohw + nb;
        // SAFETY: this task alone writes columns [r0 * ow, r1 * ow) of image bi's rows, and
        // the view spans only image bi's planes; other tasks' columns are left untouched by
        // the GEMM (it writes only its m x n elements at the given strides).
        let y = unsafe { std::slice::from_raw_parts_mut(dst.0.add(start), len) };
        if g.stride == 1 && g.kh * g.kw == 1 {
            // 1x1: the input rows are the columns already.
            gemm_serial(g.c_out, nb, k, y, (ohw, 1), false, View::rows(&weight, k), View::rows(&image[r0 * g.w..], g.hw()));
        } else if shifted(g) {
            forward_block_shifted(g, image, &weight, r0, r1, y);
        } else {
            let mut cols = take_workspace(k * nb);
            im2col_block(g, image, r0, r1, &mut cols[..k * nb]);
            gemm_serial(g.c_out, nb, k, y, (ohw, 1), false, View::rows(&weight, k), View::rows(&cols[..k * nb], nb));
            give_workspace(cols);
        }
        add_bias(y, &bias, ohw, nb);
    });
    flex_tensor(out, &[g.b, g.c_out, g.oh(), g.ow()])
}

/// Adds `bias[co]` to the `nb` values at the start of each channel row `co` of a block's
/// output view `y` (rows `plane` apart).
fn add_bias(y: &mut [f32], bias: &[f32], plane: usize, nb: usize) {
    for (co, b) in bias.iter().enumerate() {
        y[co * plane..co * plane + nb].iter_mut().for_each(|v| *v += b);
    }
}

/// Stride-1 layers with at least this many input channels skip im2col on the blocked path
/// ([`shifted`]); with fewer, nine GEMMs with such a short reduction would cost more than
/// the copies they save.
const SHIFTED_MIN_CHANNELS: usize = 16;

/// Output rows `[r0, r1)` of one image `x` of a stride-1 convolution without im2col: the rows
/// the block reads (with `kh / 2` halo rows) are copied once into a zero-padded buffer of row
/// width `W + kw - 1`, where every kernel offset `(oy, ox)` is a constant shift
/// `oy * (W + kw - 1) + ox`; so the block is `kh * kw` GEMMs `[c_out, c_in] x [c_in, rows *
/// (W + kw - 1)]` accumulated in a workspace, straight on the padded buffer (the `kw - 1`
/// extra columns of each row are computed and dropped). One copy of the input instead of
/// `kh * kw`. Writes the block's `c_out` rows of `y` (row stride `H * W`), without the bias.
fn forward_block_shifted(g: &Geometry, x: &[f32], weight: &[f32], r0: usize, r1: usize, y: &mut [f32]) {
    let (w, hw, k) = (g.w, g.hw(), g.k());
    let p = Padded::new(g, r0, r1);
    let (nq, plane, padded_len) = (p.nq(), p.plane, p.len(g));
    let padded = p.fill(g, x, 0);
    let mut acc = take_workspace(g.c_out * nq);
    for off in 0..g.kh * g.kw {
        let shift = p.shift(g, off);
        gemm_serial(
            g.c_out,
            nq,
            g.c_in,
            &mut acc[..g.c_out * nq],
            (nq, 1),
            off > 0,
            View::rows(&weight[off * g.c_in..], k),
            View::rows(&padded[shift..padded_len], plane),
        );
    }
    for co in 0..g.c_out {
        for r in 0..p.nr {
            y[co * hw + r * w..co * hw + (r + 1) * w].copy_from_slice(&acc[co * nq + r * p.wp..co * nq + r * p.wp + w]);
        }
    }
    give_workspace(padded);
    give_workspace(acc);
}

/// Whether a blocked call's row blocks go without im2col ([`forward_block_shifted`],
/// [`backward_block_shifted`]).
fn shifted(g: &Geometry) -> bool {
    g.stride == 1 && g.kh * g.kw > 1 && g.c_in >= SHIFTED_MIN_CHANNELS
}

/// Layout of the zero-padded copy of row block `[r0, r1)`: rows `r0 - kh/2 .. r1 + kh/2` of each channel,
/// `wp = W + kw - 1` values wide, then `kw - 1` guard values the last shift reads; output
/// pixel `(r0 + r, x)` sits at `q = r * wp + x` and reads kernel offset `(oy, ox)` at
/// `q + oy * wp + ox` of each channel's `plane` values.
struct Padded {
    r0: usize,
    nr: usize,
    wp: usize,
    plane: usize,
}

impl Padded {
    fn new(g: &Geometry, r0: usize, r1: usize) -> Self {
        let (nr, wp) = (r1 - r0, g.w + g.kw - 1);
        Padded { r0, nr, wp, plane: (nr + g.kh - 1) * wp + g.kw - 1 }
    }

    /// Values of the whole copy: `plane` per input channel.
    fn len(&self, g: &Geometry) -> usize {
        g.c_in * self.plane
    }

    /// Positions computed per channel: `nr` rows of `wp`.
    fn nq(&self) -> usize {
        self.nr * self.wp
    }

    /// Offset of kernel offset `off` (`oy * kw + ox`).
    fn shift(&self, g: &Geometry, off: usize) -> usize {
        (off / g.kw) * self.wp + off % g.kw
    }

    /// Input row of padded row `pr`, when inside the image.
    fn source_row(&self, g: &Geometry, pr: usize) -> Option<usize> {
        (self.r0 + pr).checked_sub(g.kh / 2).filter(|&sy| sy < g.h)
    }

    /// The block rows of `dy` (an image's output gradient, `c_out * H * W` values) laid out
    /// like the positions computed on the copy: per output channel a row of `ld >= nq` values
    /// (a workspace), `nr` rows of `wp` with zeros in the `kw - 1` extra columns, then zeros.
    fn lay_out(&self, g: &Geometry, dy: &[f32], ld: usize) -> Vec<f32> {
        let (w, hw) = (g.w, g.hw());
        let mut dyq = take_workspace(g.c_out * ld);
        for (co, row) in dyq[..g.c_out * ld].chunks_mut(ld).enumerate() {
            for r in 0..self.nr {
                let line = &mut row[r * self.wp..(r + 1) * self.wp];
                line[..w].copy_from_slice(&dy[co * hw + (self.r0 + r) * w..][..w]);
                line[w..].fill(0.0);
            }
            row[self.nq()..].fill(0.0);
        }
        dyq
    }

    /// The padded copy of image `x`'s block rows (a workspace of at least
    /// [`len`](Self::len) values, every one of them written), then `guard` zeros.
    fn fill(&self, g: &Geometry, x: &[f32], guard: usize) -> Vec<f32> {
        let (pw, w, hw) = (g.kw / 2, g.w, g.hw());
        let mut padded = take_workspace(self.len(g) + guard);
        padded[self.len(g)..self.len(g) + guard].fill(0.0);
        for (ci, dst) in padded[..self.len(g)].chunks_mut(self.plane).enumerate() {
            let (rows, guard) = dst.split_at_mut((self.nr + g.kh - 1) * self.wp);
            guard.fill(0.0);
            for (pr, row) in rows.chunks_mut(self.wp).enumerate() {
                match self.source_row(g, pr) {
                    Some(sy) => {
                        row[..pw].fill(0.0);
                        row[pw..pw + w].copy_from_slice(&x[ci * hw + sy * w..ci * hw + (sy + 1) * w]);
                        row[pw + w..].fill(0.0);
                    }
                    None => row.fill(0.0),
                }
            }
        }
        padded
    }
}

/// The gradients of one row block of a [`shifted`] call, without im2col: `dy`'s block rows
/// are laid out like the forward pass's outputs (`c_out x nr x wp`, zero in the `kw - 1`
/// extra columns), then per kernel offset one GEMM adds `dY * shifted(X)^T` into the weight
/// gradient's columns of that offset, and one adds `W_offset^T * dY` into a padded input
/// gradient at the offset's shift, whose in-image rows are finally added onto `dx` (image
/// `x`'s gradient, `c_in * H * W` values).
#[allow(clippy::too_many_arguments)]
fn backward_block_shifted(
    g: &Geometry,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    (r0, r1): (usize, usize),
    dw: Option<&mut [f32]>,
    dx: Option<&mut [f32]>,
) {
    let (pw, w, hw, k) = (g.kw / 2, g.w, g.hw(), g.k());
    let p = Padded::new(g, r0, r1);
    let (nq, plane, padded_len) = (p.nq(), p.plane, p.len(g));
    let dyq = p.lay_out(g, dy, nq);
    let dyq_view = View::rows(&dyq[..g.c_out * nq], nq);
    if let Some(dw) = dw {
        let padded = p.fill(g, x, 0);
        for off in 0..g.kh * g.kw {
            let shift = p.shift(g, off);
            // [c_out, nq] x [nq, c_in] into the offset's columns of [c_out, K].
            let rhs = View::transposed(&padded[shift..padded_len], plane);
            gemm_serial(g.c_out, g.c_in, nq, &mut dw[off * g.c_in..], (k, 1), true, dyq_view, rhs);
        }
        give_workspace(padded);
    }
    if let Some(dx) = dx {
        let mut dpad = take_workspace(padded_len);
        dpad[..padded_len].fill(0.0);
        for off in 0..g.kh * g.kw {
            let shift = p.shift(g, off);
            // [c_in, c_out] x [c_out, nq], added at the offset's shift.
            let lhs = View::transposed(&weight[off * g.c_in..], k);
            gemm_serial(g.c_in, nq, g.c_out, &mut dpad[shift..padded_len], (plane, 1), true, lhs, dyq_view);
        }
        for ci in 0..g.c_in {
            for pr in 0..p.nr + g.kh - 1 {
                let Some(sy) = p.source_row(g, pr) else { continue };
                let src = &dpad[ci * plane + pr * p.wp + pw..ci * plane + pr * p.wp + pw + w];
                dx[ci * hw + sy * w..ci * hw + (sy + 1) * w].iter_mut().zip(src).for_each(|(d, v)| *d += v);
            }
        }
        give_workspace(dpad);
    }
    give_workspace(dyq);
}

/// Values of one row block's im2col matrix on the blocked path (1 MB of f32).
pub(super) const BLOCK_VALUES: usize = 1 << 18;

/// The block size in use ([`BLOCK_VALUES`]; tests lower it to get many blocks per image).
static BLOCK_TARGET: AtomicUsize = AtomicUsize::new(BLOCK_VALUES);

/// Output rows per block of the blocked path: about [`BLOCK_VALUES`] column values, at least
/// `kh` rows so that blocks two apart never touch the same input rows (see
/// [`backward_blocked`]).
fn block_rows(g: &Geometry) -> usize {
    let per_row = g.k() * g.ow();
    (BLOCK_TARGET.load(Ordering::Relaxed) / per_row.max(1)).max(g.kh).clamp(1, g.oh().max(1))
}

/// The row blocks `(image, first output row, end row)` of the blocked path.
fn blocks(g: &Geometry) -> Vec<(usize, usize, usize)> {
    let rows = block_rows(g);
    (0..g.b).flat_map(|bi| (0..g.oh()).step_by(rows).map(move |r0| (bi, r0, (r0 + rows).min(g.oh())))).collect()
}

/// [`forward`] with the batch folded into one GEMM; returns the im2col matrix too.
fn forward_folded(g: &Geometry, x: &FlexTensor, weight: &FlexTensor, bias: &FlexTensor) -> (FlexTensor, FlexTensor) {
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

#[derive(Debug)]
struct ConvSame;

#[derive(Clone, Debug)]
struct ConvState {
    g: Geometry,
    saved: Saved,
    weight: FlexTensor,
}

impl Backward<Flex, 3> for ConvSame {
    type State = ConvState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let ConvState { g, saved, weight } = ops.state;
        let (ohw, n) = (g.ohw(), g.n());
        let dy = values(&grad);
        let cols = match saved {
            Saved::Cols(c) => c,
            Saved::Input(x) => {
                let (db, dw, dx) = backward_blocked(&g, &values(&x), &values(&weight), &dy, node_w.is_some(), node_x.is_some());
                if let Some(node) = node_b {
                    grads.register::<Flex>(node.id, flex_tensor(db, &[g.c_out]));
                }
                if let (Some(node), Some(dw)) = (node_w, dw) {
                    grads.register::<Flex>(node.id, flex_tensor(dw, &[g.c_out, g.k()]));
                }
                if let (Some(node), Some(dx)) = (node_x, dx) {
                    grads.register::<Flex>(node.id, flex_tensor(dx, &[g.b, g.c_in, g.h, g.w]));
                }
                return;
            }
        };
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

/// The gradients of a blocked call: bias, weight (when `want_w`) and input (when `want_x`),
/// with each row block's columns rebuilt in a per-task workspace. `dy` is `[B, c_out, OHW]`.
/// The blocks run in two waves, even blocks then odd ones, so that the blocks of one wave
/// scatter into disjoint input rows of `dx`; each task sums the weight gradient of a fixed
/// group of blocks into its own buffer, and the buffers are added in group order.
fn backward_blocked(
    g: &Geometry,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    want_w: bool,
    want_x: bool,
) -> (Vec<f32>, Option<Vec<f32>>, Option<Vec<f32>>) {
    let (k, ohw, ow, plane_in, plane_out) = (g.k(), g.ohw(), g.ow(), g.c_in * g.hw(), g.c_out * g.ohw());
    let db: Vec<f32> = (0..g.c_out)
        .into_par_iter()
        .map(|co| (0..g.b).map(|bi| dy[bi * plane_out + co * ohw..bi * plane_out + (co + 1) * ohw].iter().sum::<f32>()).sum())
        .collect();
    // The input gradient of a stride-1 call is the convolution of `dy` with the flipped,
    // transposed kernel: on the direct kernel it goes in a pass of its own (no waves).
    let direct_dx = want_x && direct::available() && shifted(&g.transposed());
    // The weight gradient of shifted 3x3 blocks on the direct kernel too.
    let direct_dw = want_w && direct::available() && direct::weight_grad_fits(g);
    let mut dx = (want_x && !direct_dx).then(|| written_zeros(g.b * plane_in));
    let dx_ptr = dx.as_mut().map(|d| SharedMut(d.as_mut_ptr()));
    let (all, rows) = (blocks(g), block_rows(g));
    let mut dw_total = want_w.then(|| vec![0f32; g.c_out * k]);
    // Nothing left for the blocks when the direct kernel takes the only gradient wanted.
    let waves = if want_w || dx.is_some() { 0..2 } else { 0..0 };
    for wave in waves {
        // The block's index within its image decides the wave.
        let items: Vec<_> = all.iter().copied().filter(|&(_, r0, _)| (r0 / rows) % 2 == wave).collect();
        // Contiguous groups of blocks, one task each, summed in group order: the weight
        // gradient does not depend on how rayon schedules the tasks (a seeded run repeats).
        let group = items.len().div_ceil(rayon::current_num_threads().max(1)).max(1);
        let partials: Vec<Option<Vec<f32>>> = items
            .par_chunks(group)
            .map(|blocks| {
                let mut dw = want_w.then(|| written_zeros(g.c_out * k));
                for &(bi, r0, r1) in blocks {
                    if shifted(g) {
                        // SAFETY: as below, image bi's gradient, disjoint rows within a wave.
                        let dx = dx_ptr.as_ref().map(|d| unsafe { std::slice::from_raw_parts_mut(d.0.add(bi * plane_in), plane_in) });
                        let image = &x[bi * plane_in..(bi + 1) * plane_in];
                        let dyi = &dy[bi * plane_out..(bi + 1) * plane_out];
                        let mut dw = dw.as_deref_mut();
                        if direct_dw {
                            direct::weight_grad_block(g, image, dyi, (r0, r1), dw.take().expect("weight gradient wanted"));
                        }
                        if dw.is_some() || dx.is_some() {
                            backward_block_shifted(g, image, weight, dyi, (r0, r1), dw, dx);
                        }
                        continue;
                    }
                    let nb = (r1 - r0) * ow;
                    let dyb = &dy[bi * plane_out + r0 * ow..(bi + 1) * plane_out];
                    let mut cols = take_workspace(k * nb);
                    if let Some(dw) = dw.as_mut() {
                        im2col_block(g, &x[bi * plane_in..(bi + 1) * plane_in], r0, r1, &mut cols[..k * nb]);
                        // [c_out, nb] x [nb, K], summed over the blocks.
                        gemm_serial(g.c_out, k, nb, dw, (k, 1), true, View::rows(dyb, ohw), View::transposed(&cols[..k * nb], nb));
                    }
                    if let Some(dx) = dx_ptr.as_ref() {
                        // [K, c_out] x [c_out, nb] -> [K, nb], scattered back onto the image.
                        gemm_serial(k, nb, g.c_out, &mut cols[..k * nb], (nb, 1), false, View::transposed(weight, k), View::rows(dyb, ohw));
                        // SAFETY: image bi's gradient, where blocks of one wave touch disjoint
                        // rows (each block spans >= kh output rows, see `blocks`).
                        let dx = unsafe { std::slice::from_raw_parts_mut(dx.0.add(bi * plane_in), plane_in) };
                        col2im_block(g, &cols[..k * nb], r0, r1, dx);
                    }
                    give_workspace(cols);
                }
                dw
            })
            .collect();
        for dw in partials.into_iter().flatten() {
            if let Some(total) = dw_total.as_mut() {
                total.iter_mut().zip(&dw).for_each(|(x, y)| *x += y);
            }
        }
    }
    if direct_dx {
        dx = Some(direct::input_grad(g, weight, dy));
    }
    (db, dw_total, dx)
}

/// `n` zeros written in parallel, not `vec![0.0; n]`: that maps large buffers to the shared
/// zero page, and a buffer that is read before it is written (`+=`) then takes a
/// copy-on-write fault with a TLB shoot-down on every thread for each page (15 % of a U-Net
/// convolution's time).
fn written_zeros(n: usize) -> Vec<f32> {
    (0..n).into_par_iter().map(|_| 0f32).collect()
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Distribution, Tensor};

    use crate::detector_conv::MatmulConv;

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        super::super::testing::assert_close(a, b, 1e-4, what);
    }

    /// Output and all three gradients equal burn's own conv2d (weights copied over), on the
    /// batch-folded path and on the blocked path (threshold lowered to 0), with few input
    /// channels (im2col) and with enough for the shifted-GEMM forward pass.
    #[test]
    fn equals_burn_conv2d_forward_and_backward() {
        use std::sync::atomic::Ordering::Relaxed;
        // Batch-folded; blocked with one block per image; blocked with kh-row blocks; each
        // blocked case on the direct kernel (where the CPU has it) and on GEMMs.
        for (threshold, block) in [(super::BLOCKED_MIN_VALUES, super::BLOCK_VALUES), (0, super::BLOCK_VALUES), (0, 1)] {
            for direct in [true, false] {
                super::BLOCKED_THRESHOLD.store(threshold, Relaxed);
                super::BLOCK_TARGET.store(block, Relaxed);
                super::direct::ENABLED.store(direct, Relaxed);
                compare_with_burn_conv2d();
            }
        }
        super::BLOCKED_THRESHOLD.store(super::BLOCKED_MIN_VALUES, Relaxed);
        super::BLOCK_TARGET.store(super::BLOCK_VALUES, Relaxed);
        super::direct::ENABLED.store(true, Relaxed);
    }

    fn compare_with_burn_conv2d() {
        let dev = Device::flex().autodiff();
        // Stride 2 on even sizes, where burn's output size equals MatmulConv's H / 2.
        for (kh, kw, h, w, stride) in
            [(3, 3, 7, 5, 1), (1, 5, 1, 9, 1), (3, 3, 1, 1, 1), (1, 1, 4, 4, 1), (3, 3, 8, 6, 2), (3, 3, 2, 2, 2), (1, 1, 6, 4, 2), (1, 3, 4, 8, 2)]
        {
            // 20 output channels: more than one channel group of the direct kernel, and enough
            // for the input gradient to take it too; 5, 6 and 7: each size of the direct weight
            // gradient's last group of output channels.
            let (wide, shifted) = (super::SHIFTED_MIN_CHANNELS + 4, super::SHIFTED_MIN_CHANNELS + 1);
            for (c_in, c_out) in [(3, 5), (3, wide), (shifted, 5), (shifted, 6), (shifted, 7), (shifted, wide)] {
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
