//! A whole LSTM layer over a sequence as one autodiff node, with back-propagation through
//! time written out by hand.
//!
//! burn's `Lstm` records, per time step, eight linear layers, four activations, the cell
//! update and a `slice_assign`: about 30 graph nodes a step, each allocating its output.
//! Here the input projection of all steps is one GEMM, each step adds one `[B, H] x [H, 4H]`
//! GEMM and one elementwise pass, and the backward pass mirrors it (one GEMM a step for the
//! hidden-state gradient, three large GEMMs at the end for the weight and input gradients).
//!
//! Gate order in the packed weights is input, forget, cell (candidate), output:
//! `i = σ(a_i)`, `f = σ(a_f)`, `g = tanh(a_g)`, `o = σ(a_o)`, `c_t = f c_{t-1} + i g`,
//! `h_t = o tanh(c_t)`, with `a = x_t W_x + h_{t-1} W_h + b` and zero initial state: the
//! equations of burn's `Lstm` with its default activations.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::nn::activation::Activation;
use burn::nn::Lstm;
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::gemm::{View, gemm_serial};
use super::math;
use super::{Flexed, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// Sizes of one call: batch, steps, input features, hidden units.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    b: usize,
    t: usize,
    c: usize,
    h: usize,
}

impl Geometry {
    /// Batch rows per block. The recurrence of each batch row is independent, so the batch
    /// is cut into one block per thread and each block runs all its steps alone, with no
    /// synchronisation per step.
    fn block_rows(&self) -> usize {
        self.b.div_ceil(rayon::current_num_threads().max(1)).max(1)
    }

    /// `(first batch row, rows)` of each block.
    fn blocks(&self) -> Vec<(usize, usize)> {
        let rb = self.block_rows();
        (0..self.b).step_by(rb).map(|b0| (b0, rb.min(self.b - b0))).collect()
    }
}

/// `lstm.forward(x, None).0`, the hidden states `[B, T, H]` of a batch-first sequence
/// `[B, T, C]` from a zero state: through [`lstm_sequence`] when `lstm` has the standard
/// form (forward direction, separate forget gate, σ/tanh activations, biases, no clipping)
/// and the tensors allow it, through burn's `Lstm` otherwise.
pub fn lstm_forward(lstm: &Lstm, x: Tensor<3>) -> Tensor<3> {
    let Some((wx, wh, bias)) = packed_weights(lstm) else {
        return lstm.forward(x, None).0;
    };
    lstm_sequence(x, wx, wh, bias).unwrap_or_else(|(x, ..)| lstm.forward(x, None).0)
}

/// The gate weights of `lstm` packed as [`lstm_sequence`] takes them: `W_x` `[C, 4H]`,
/// `W_h` `[H, 4H]` and the summed biases `[4H]`, gates in the order input, forget, cell,
/// output; `None` when `lstm` is not of the standard form [`lstm_forward`] names.
///
/// The packing is made of tracked tensor operations, so autodiff splits the packed
/// gradients back onto each gate's parameters.
pub fn packed_weights(lstm: &Lstm) -> Option<(Tensor<2>, Tensor<2>, Tensor<1>)> {
    let standard = lstm.batch_first
        && !lstm.reverse
        && !lstm.input_forget
        && lstm.clip.is_none()
        && matches!(lstm.gate_activation, Activation::Sigmoid(_))
        && matches!(lstm.cell_activation, Activation::Tanh(_))
        && matches!(lstm.hidden_activation, Activation::Tanh(_));
    if !standard {
        return None;
    }
    let gates = [&lstm.input_gate, lstm.forget_gate.as_ref()?, &lstm.cell_gate, &lstm.output_gate];
    let mut biases = Vec::with_capacity(4);
    for gate in gates {
        let (bi, bh) = (gate.input_transform.bias.as_ref()?, gate.hidden_transform.bias.as_ref()?);
        biases.push(bi.val() + bh.val());
    }
    let wx = Tensor::cat(gates.iter().map(|g| g.input_transform.weight.val()).collect(), 1);
    let wh = Tensor::cat(gates.iter().map(|g| g.hidden_transform.weight.val()).collect(), 1);
    Some((wx, wh, Tensor::cat(biases, 0)))
}

/// `[B, T, C]` -> hidden states `[B, T, H]` of one LSTM layer with zero initial state;
/// `wx` `[C, 4H]`, `wh` `[H, 4H]` and `bias` `[4H]` pack the gates in the order input,
/// forget, cell, output.
///
/// On `f32` Flex tensors this is the fused kernel of this module; elsewhere it hands the
/// four tensors back and the caller uses burn's `Lstm`.
#[allow(clippy::type_complexity)]
pub fn lstm_sequence(
    x: Tensor<3>,
    wx: Tensor<2>,
    wh: Tensor<2>,
    bias: Tensor<1>,
) -> Result<Tensor<3>, (Tensor<3>, Tensor<2>, Tensor<2>, Tensor<1>)> {
    let [b, t, c] = x.dims();
    let h = wh.dims()[0];
    assert!(
        wx.dims() == [c, 4 * h] && wh.dims() == [h, 4 * h] && bias.dims() == [4 * h],
        "lstm_sequence: weights {:?} {:?} {:?} do not fit input {c} and hidden {h}",
        wx.dims(),
        wh.dims(),
        bias.dims()
    );
    if b == 0 || t == 0 || h == 0 {
        return Err((x, wx, wh, bias));
    }
    let g = Geometry { b, t, c, h };
    match flexed([x.into_dispatch(), wx.into_dispatch(), wh.into_dispatch(), bias.into_dispatch()]) {
        Err([x, wx, wh, bias]) => Err((Tensor::from_dispatch(x), Tensor::from_dispatch(wx), Tensor::from_dispatch(wh), Tensor::from_dispatch(bias))),
        Ok(Flexed::Plain([x, wx, wh, bias])) => {
            let (y, _) = forward(&g, &values(&x), &values(&wx), &values(&wh), &values(&bias));
            Ok(plain_out(flex_tensor(y, &[b, t, h])))
        }
        Ok(Flexed::Tracked([x, wx, wh, bias], ctx)) => {
            let prep = LstmSeq.prepare::<NoCheckpointing>([x.node(), wx.node(), wh.node(), bias.node()]).compute_bound().stateful();
            let (xi, wxi, whi, bi) = (inner(&x), inner(&wx), inner(&wh), inner(&bias));
            let (y, blocks) = forward(&g, &values(&xi), &values(&wxi), &values(&whi), &values(&bi));
            let y = flex_tensor(y, &[b, t, h]);
            let out = match prep {
                OpsKind::Tracked(prep) => prep.finish(LstmState { g, wx: wxi, wh: whi, blocks }, y),
                OpsKind::UnTracked(prep) => prep.finish(y),
            };
            Ok(tracked_out(out, ctx))
        }
    }
}

/// One block of `n` batch rows in the kernel's layout: feature-major, then time, then batch
/// row, so element `(feature f, step s, row r)` sits at `f * K + s * n + r` with `K = T n`.
///
/// In this layout a time step of any array is a column-major `n x F` matrix: the step
/// GEMMs read the `[H, 4H]` weight in place and pack only the small state, and the
/// elementwise passes run over contiguous rows of `n` values.
#[derive(Clone, Debug)]
struct Block {
    /// First batch row of the block.
    b0: usize,
    /// Batch rows in the block.
    n: usize,
    /// Input `[C, K]`.
    x: Vec<f32>,
    /// Gate activations `[4H, K]` (after σ / tanh).
    acts: Vec<f32>,
    /// Cell states `[H, K]`.
    cells: Vec<f32>,
    /// `tanh` of the cell states `[H, K]`.
    tanh_cells: Vec<f32>,
    /// Hidden states `[H, K]`.
    y: Vec<f32>,
}

impl Block {
    fn k(&self, g: &Geometry) -> usize {
        g.t * self.n
    }
}

/// The hidden states `[B, T, H]` and the blocks they were computed in.
fn forward(g: &Geometry, x: &[f32], wx: &[f32], wh: &[f32], bias: &[f32]) -> (Vec<f32>, Vec<Block>) {
    let blocks: Vec<Block> = g.blocks().into_par_iter().map(|(b0, n)| forward_block(g, b0, n, x, wx, wh, bias)).collect();
    let mut y = vec![0f32; g.b * g.t * g.h];
    let rb = g.block_rows();
    y.par_chunks_mut(rb * g.t * g.h).zip(&blocks).for_each(|(out, blk)| from_block(g, blk.n, &blk.y, out, g.h));
    (y, blocks)
}

/// `[n, T, F]` rows of a batch-major array -> the block layout `[F, T n]`.
fn to_block(g: &Geometry, n: usize, src: &[f32], f: usize) -> Vec<f32> {
    let k = g.t * n;
    let mut dst = vec![0f32; f * k];
    for r in 0..n {
        for s in 0..g.t {
            let row = &src[(r * g.t + s) * f..(r * g.t + s + 1) * f];
            row.iter().enumerate().for_each(|(fi, v)| dst[fi * k + s * n + r] = *v);
        }
    }
    dst
}

/// The block layout `[F, T n]` -> `[n, T, F]` rows of a batch-major array.
fn from_block(g: &Geometry, n: usize, src: &[f32], dst: &mut [f32], f: usize) {
    let k = g.t * n;
    for r in 0..n {
        for s in 0..g.t {
            let row = &mut dst[(r * g.t + s) * f..(r * g.t + s + 1) * f];
            row.iter_mut().enumerate().for_each(|(fi, v)| *v = src[fi * k + s * n + r]);
        }
    }
}

/// All steps of the block of batch rows `b0 .. b0 + n`.
#[allow(clippy::too_many_arguments)]
fn forward_block(g: &Geometry, b0: usize, n: usize, x: &[f32], wx: &[f32], wh: &[f32], bias: &[f32]) -> Block {
    let (t, c, h) = (g.t, g.c, g.h);
    let (h4, k) = (4 * h, t * n);
    let x = to_block(g, n, &x[b0 * t * c..(b0 + n) * t * c], c);
    // Input projection of every step at once: acts = bias + x W_x, a column-major [K, 4H].
    let mut acts = vec![0f32; h4 * k];
    acts.chunks_mut(k).zip(bias).for_each(|(row, b)| row.fill(*b));
    gemm_serial(k, h4, c, &mut acts, (1, k), true, View::transposed(&x, k), View::rows(wx, h4));
    let mut cells = vec![0f32; h * k];
    let mut tanh_cells = vec![0f32; h * k];
    let mut y = vec![0f32; h * k];
    for s in 0..t {
        let at = s * n;
        if s > 0 {
            // acts[s] += h_{s-1} W_h
            gemm_serial(n, h4, h, &mut acts[at..], (1, k), true, View::transposed(&y[at - n..], k), View::rows(wh, h4));
        }
        math::simd(#[inline(always)] || {
            for q in 0..h4 {
                let row = &mut acts[q * k + at..q * k + at + n];
                if (2 * h..3 * h).contains(&q) {
                    row.iter_mut().for_each(|v| *v = math::tanh(*v));
                } else {
                    row.iter_mut().for_each(|v| *v = math::sigmoid(*v));
                }
            }
            for j in 0..h {
                let gate = |q: usize| &acts[(q * h + j) * k + at..(q * h + j) * k + at + n];
                let (ig, fg, cand, og) = (gate(0), gate(1), gate(2), gate(3));
                let (prev, cur) = cells.split_at_mut(j * k + at);
                let cur = &mut cur[..n];
                if s > 0 {
                    let prev = &prev[j * k + at - n..j * k + at];
                    for (c, ((i, g), (f, p))) in cur.iter_mut().zip(ig.iter().zip(cand).zip(fg.iter().zip(prev))) {
                        *c = i * g + f * p;
                    }
                } else {
                    cur.iter_mut().zip(ig.iter().zip(cand)).for_each(|(c, (i, g))| *c = i * g);
                }
                let tc = &mut tanh_cells[j * k + at..j * k + at + n];
                let hid = &mut y[j * k + at..j * k + at + n];
                for ((tc, hid), (c, o)) in tc.iter_mut().zip(hid.iter_mut()).zip(cur.iter().zip(og)) {
                    *tc = math::tanh(*c);
                    *hid = o * *tc;
                }
            }
        });
    }
    Block { b0, n, x, acts, cells, tanh_cells, y }
}

#[derive(Debug)]
struct LstmSeq;

#[derive(Clone, Debug)]
struct LstmState {
    g: Geometry,
    wx: FlexTensor,
    wh: FlexTensor,
    blocks: Vec<Block>,
}

/// Gradients of one block: its part of `dW_x`, `dW_h` and the bias, and `dx` in the block
/// layout `[C, K]`.
struct BlockGrads {
    dwx: Vec<f32>,
    dwh: Vec<f32>,
    db: Vec<f32>,
    dx: Vec<f32>,
}

/// Back-propagation through time over one block, from `dy`, the gradients of its hidden
/// states in the block layout.
fn backward_block(g: &Geometry, blk: &Block, dy: &[f32], wx: &[f32], wh: &[f32]) -> BlockGrads {
    let (t, c, h, n) = (g.t, g.c, g.h, blk.n);
    let (h4, k) = (4 * h, blk.k(g));
    // Gradients of the gate pre-activations, [4H, K].
    let mut da = vec![0f32; h4 * k];
    let mut dh_next = vec![0f32; h * n];
    let mut dc_next = vec![0f32; h * n];
    for s in (0..t).rev() {
        let at = s * n;
        math::simd(#[inline(always)] || {
            for j in 0..h {
                let gate = |q: usize| &blk.acts[(q * h + j) * k + at..(q * h + j) * k + at + n];
                let (ig, fg, cand, og) = (gate(0), gate(1), gate(2), gate(3));
                let tc = &blk.tanh_cells[j * k + at..j * k + at + n];
                let dyt = &dy[j * k + at..j * k + at + n];
                let prev = if s > 0 { &blk.cells[j * k + at - n..j * k + at] } else { tc };
                let keep = if s > 0 { 1.0 } else { 0.0 };
                let (dh_next, dc_next) = (&mut dh_next[j * n..(j + 1) * n], &mut dc_next[j * n..(j + 1) * n]);
                let [d_i, d_f, d_g, d_o] = gate_rows_mut(&mut da, h, k, j, at, n);
                // Equal-length slices, so the loop runs without bounds checks and vectorises.
                let (ig, fg, cand, og, tc, dyt, prev) = (&ig[..n], &fg[..n], &cand[..n], &og[..n], &tc[..n], &dyt[..n], &prev[..n]);
                let (d_i, d_f, d_g, d_o, dh_next, dc_next) = (&mut d_i[..n], &mut d_f[..n], &mut d_g[..n], &mut d_o[..n], &mut dh_next[..n], &mut dc_next[..n]);
                for r in 0..n {
                    let dh = dyt[r] + dh_next[r];
                    let dc = dc_next[r] + dh * og[r] * (1.0 - tc[r] * tc[r]);
                    d_i[r] = dc * cand[r] * ig[r] * (1.0 - ig[r]);
                    d_f[r] = keep * dc * prev[r] * fg[r] * (1.0 - fg[r]);
                    d_g[r] = dc * ig[r] * (1.0 - cand[r] * cand[r]);
                    d_o[r] = dh * tc[r] * og[r] * (1.0 - og[r]);
                    dc_next[r] = dc * fg[r];
                }
            }
        });
        if s > 0 {
            // dh_{s-1} = da[s] W_h^T, a column-major [n, H].
            gemm_serial(n, h, h4, &mut dh_next, (1, n), false, View::transposed(&da[at..], k), View::transposed(wh, h4));
        }
    }
    let db = da.chunks(k).map(|row| row.iter().sum()).collect();
    // dW_h = sum over steps s >= 1 of h_{s-1}^T da[s]: the hidden states one step (n
    // columns) behind the gate gradients.
    let mut dwh = vec![0f32; h * h4];
    gemm_serial(h, h4, k - n, &mut dwh, (h4, 1), false, View::rows(&blk.y, k), View::transposed(&da[n..], k));
    let mut dwx = vec![0f32; c * h4];
    gemm_serial(c, h4, k, &mut dwx, (h4, 1), false, View::rows(&blk.x, k), View::transposed(&da, k));
    // dx = da W_x^T, column-major [K, C].
    let mut dx = vec![0f32; c * k];
    gemm_serial(k, c, h4, &mut dx, (1, k), false, View::transposed(&da, k), View::transposed(wx, h4));
    BlockGrads { dwx, dwh, db, dx }
}

/// The four gate rows of hidden unit `j` at step offset `at` (length `n`) of `da` `[4H, K]`.
fn gate_rows_mut(da: &mut [f32], h: usize, k: usize, j: usize, at: usize, n: usize) -> [&mut [f32]; 4] {
    let (a, rest) = da.split_at_mut(h * k);
    let (b, rest) = rest.split_at_mut(h * k);
    let (c, d) = rest.split_at_mut(h * k);
    let off = j * k + at;
    [&mut a[off..off + n], &mut b[off..off + n], &mut c[off..off + n], &mut d[off..off + n]]
}

impl Backward<Flex, 4> for LstmSeq {
    type State = LstmState;

    fn backward(self, ops: Ops<Self::State, 4>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_wx, node_wh, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let LstmState { g, wx, wh, blocks } = ops.state;
        let (c, h) = (g.c, g.h);
        let h4 = 4 * h;
        let dy = values(&grad);
        let (wx, wh) = (values(&wx), values(&wh));
        let parts: Vec<BlockGrads> = blocks
            .par_iter()
            .map(|blk| {
                let rows = blk.b0 * g.t * h..(blk.b0 + blk.n) * g.t * h;
                backward_block(&g, blk, &to_block(&g, blk.n, &dy[rows], h), &wx, &wh)
            })
            .collect();
        let sum = |part: fn(&BlockGrads) -> &Vec<f32>, len: usize| {
            let mut total = vec![0f32; len];
            parts.iter().for_each(|p| total.iter_mut().zip(part(p)).for_each(|(t, v)| *t += v));
            total
        };
        if let Some(node) = node_b {
            grads.register::<Flex>(node.id, flex_tensor(sum(|p| &p.db, h4), &[h4]));
        }
        if let Some(node) = node_wh {
            grads.register::<Flex>(node.id, flex_tensor(sum(|p| &p.dwh, h * h4), &[h, h4]));
        }
        if let Some(node) = node_wx {
            grads.register::<Flex>(node.id, flex_tensor(sum(|p| &p.dwx, c * h4), &[c, h4]));
        }
        if let Some(node) = node_x {
            let mut dx = vec![0f32; g.b * g.t * c];
            dx.par_chunks_mut(g.block_rows() * g.t * c).zip(&parts).zip(&blocks).for_each(|((out, p), blk)| from_block(&g, blk.n, &p.dx, out, c));
            grads.register::<Flex>(node.id, flex_tensor(dx, &[g.b, g.t, c]));
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::LstmConfig;
    use burn::tensor::{Device, Distribution, Tensor};

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        super::super::testing::assert_close(a, b, 1e-4, what);
    }

    /// Output and the gradients of the input and of all eight weight matrices and biases
    /// equal burn's own `Lstm` (through the packing, which autodiff splits back).
    #[test]
    fn equals_burn_lstm_forward_and_backward() {
        let dev = Device::flex().autodiff();
        for (b, t, c, h) in [(3, 5, 4, 6), (1, 1, 2, 3), (9, 12, 10, 16)] {
            let lstm = LstmConfig::new(c, h, true).init(&dev);
            let x = Tensor::<3>::random([b, t, c], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let (wx, wh, bias) = super::packed_weights(&lstm).unwrap();
            let y = super::lstm_sequence(x.clone(), wx, wh, bias).ok().expect("flex path");
            let reference = lstm.forward(x.clone(), None).0;
            close(y.clone(), reference.clone(), "forward");
            let probe = Tensor::<3>::random([b, t, h], Distribution::Normal(0.0, 1.0), &dev);
            let g1 = (y * probe.clone()).sum().backward();
            let g2 = (reference * probe).sum().backward();
            close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), "dx");
            let gates = [&lstm.input_gate, lstm.forget_gate.as_ref().unwrap(), &lstm.cell_gate, &lstm.output_gate];
            for (i, gate) in gates.iter().enumerate() {
                for (name, lin) in [("input", &gate.input_transform), ("hidden", &gate.hidden_transform)] {
                    close(lin.weight.grad(&g1).unwrap(), lin.weight.grad(&g2).unwrap(), &format!("gate {i} {name} weight"));
                    let bias = lin.bias.as_ref().unwrap();
                    close(bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap(), &format!("gate {i} {name} bias"));
                }
            }
        }
    }

    /// Without autodiff the same kernel serves inference.
    #[test]
    fn plain_forward_matches_burn_lstm() {
        let dev = Device::flex();
        let lstm = LstmConfig::new(5, 8, true).init(&dev);
        let x = Tensor::<3>::random([4, 7, 5], Distribution::Normal(0.0, 1.0), &dev);
        let (wx, wh, bias) = super::packed_weights(&lstm).unwrap();
        let y = super::lstm_sequence(x.clone(), wx, wh, bias).ok().expect("flex path");
        close(y, lstm.forward(x.clone(), None).0, "forward");
        close(super::lstm_forward(&lstm, x.clone()), lstm.forward(x, None).0, "lstm_forward");
    }

    /// A non-standard layer (reversed) is not packed and runs through burn's `Lstm`.
    #[test]
    fn non_standard_layers_use_burn() {
        let dev = Device::flex();
        let lstm = LstmConfig::new(2, 3, true).with_reverse(true).init(&dev);
        assert!(super::packed_weights(&lstm).is_none());
        let x = Tensor::<3>::random([2, 4, 2], Distribution::Normal(0.0, 1.0), &dev);
        close(super::lstm_forward(&lstm, x.clone()), lstm.forward(x, None).0, "reversed");
    }

    /// Tensors on another backend are handed back for the caller's fallback.
    #[test]
    #[allow(deprecated)] // burn-ndarray, kept as the second CPU backend to compare against
    fn other_backends_fall_back() {
        let dev = Device::ndarray();
        let r = super::lstm_sequence(Tensor::zeros([1, 2, 3], &dev), Tensor::zeros([3, 8], &dev), Tensor::zeros([2, 8], &dev), Tensor::zeros([8], &dev));
        assert!(r.is_err());
    }
}
