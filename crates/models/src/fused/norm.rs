//! Batch normalisation (with batch statistics in training, running statistics in
//! inference), optionally followed by ReLU, as one autodiff node / one pass.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::nn::BatchNorm;
use burn::tensor::{Tensor, TensorData};
use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::{Flexed, SharedMut, flex_tensor, flexed, inner, tracked_out, values};

/// `relu(norm.forward(x))`: the fused kernel in training on Flex (see
/// [`batch_norm_relu_train`]), one pass with the running statistics in inference on Flex,
/// burn's operations everywhere else.
pub fn batch_norm_relu<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    fused(norm, x, true).unwrap_or_else(|x| burn::tensor::activation::relu(norm.forward(x)))
}

/// `norm.forward(x)` (no ReLU), fused like [`batch_norm_relu`]: the second normalisation of
/// a residual block, whose ReLU comes after the shortcut is added.
pub fn batch_norm<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    fused(norm, x, false).unwrap_or_else(|x| norm.forward(x))
}

fn fused<const D: usize>(norm: &BatchNorm, x: Tensor<D>, relu: bool) -> Result<Tensor<D>, Tensor<D>> {
    if x.device().is_autodiff() {
        bn_train(norm, x, relu)
    } else {
        bn_inference(norm, x, relu)
    }
}

/// Inference on plain Flex `f32` tensors: `max(a * x + shift, 0)` per channel in one pass,
/// with `a = gamma / sqrt(running_var + eps)` and `shift = beta - running_mean * a`.
fn bn_inference<const D: usize>(norm: &BatchNorm, x: Tensor<D>, relu: bool) -> Result<Tensor<D>, Tensor<D>> {
    let shape = x.dims();
    let (b, c) = (shape[0], shape[1]);
    let s = shape[2..].iter().product::<usize>();
    let device = x.device();
    let params = [
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.running_mean.value().to_device(&device).into_dispatch(),
        norm.running_var.value().to_device(&device).into_dispatch(),
    ];
    let [gamma, beta, mean, var] = match flexed(params) {
        Ok(Flexed::Plain(p)) => p,
        _ => return Err(x),
    };
    let x = match flexed([x.into_dispatch()]) {
        Ok(Flexed::Plain([x])) => x,
        Ok(Flexed::Tracked([x], ctx)) => return Err(tracked_out(x, ctx)),
        Err([x]) => return Err(Tensor::from_dispatch(x)),
    };
    let (g, bt, m, v) = (values(&gamma), values(&beta), values(&mean), values(&var));
    let geom = Geometry { b, c, s, eps: norm.epsilon as f32, relu };
    let stats = Statistics::new(m.to_vec(), v.to_vec(), geom.eps);
    let y = normalise(&geom, &values(&x), &affine(&stats, &g, &bt));
    Ok(super::plain_out(flex_tensor(y, &shape)))
}

/// `relu(batch_norm(x))` in training mode: normalises each channel (axis 1) of `x`
/// `[B, C, ...]` with the batch's mean and biased variance, scales by `gamma`, shifts by
/// `beta`, clamps at zero, and updates the layer's running statistics as burn's
/// [`BatchNorm`] does (`running = (1 - momentum) * running + momentum * batch`).
///
/// Runs the fused kernel for `f32` Flex autodiff tensors of a layer in training mode and
/// hands `x` back otherwise (inference, frozen layer or another backend), leaving the
/// caller to use `relu(norm.forward(x))`.
pub fn batch_norm_relu_train<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Result<Tensor<D>, Tensor<D>> {
    bn_train(norm, x, true)
}

/// [`batch_norm_relu_train`], with or without the ReLU.
fn bn_train<const D: usize>(norm: &BatchNorm, x: Tensor<D>, relu: bool) -> Result<Tensor<D>, Tensor<D>> {
    if !(x.device().is_autodiff() && norm.training.is_enabled()) {
        return Err(x);
    }
    let shape = x.dims();
    let device = x.device();
    let (b, c) = (shape[0], shape[1]);
    let s = shape[2..].iter().product::<usize>();
    let ([x, gamma, beta], ctx) =
        match flexed([x.into_dispatch(), norm.gamma.val().into_dispatch(), norm.beta.val().into_dispatch()]) {
            Ok(Flexed::Tracked(t, ctx)) => (t, ctx),
            Ok(Flexed::Plain([x, ..])) => return Err(super::plain_out(x)),
            Err([x, ..]) => return Err(Tensor::from_dispatch(x)),
        };
    let geom = Geometry { b, c, s, eps: norm.epsilon as f32, relu };
    let (xi, gi, bi) = (inner(&x), inner(&gamma), inner(&beta));
    let xv = values(&xi);
    let stats = statistics(&geom, &xv);
    let affine = affine(&stats, &values(&gi), &values(&bi));
    let y = flex_tensor(normalise(&geom, &xv, &affine), &shape);
    let prep = BnRelu.prepare::<NoCheckpointing>([x.node(), gamma.node(), beta.node()]).compute_bound().stateful();
    let out = match prep {
        OpsKind::Tracked(prep) => {
            let state = BnState { geom, x: xi.clone(), affine, mean: stats.mean.clone(), inv_std: stats.inv_std.clone() };
            prep.finish(state, y)
        }
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    // Running statistics, exactly as burn's BatchNorm::forward_train updates them.
    let m = norm.momentum;
    let batch = |v: &[f32]| Tensor::<1>::from_data(TensorData::new(v.to_vec(), [c]), &device);
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    let running_mean = running_mean.mul_scalar(1.0 - m).add(batch(&stats.mean).mul_scalar(m));
    let running_var = running_var.mul_scalar(1.0 - m).add(batch(&stats.var).mul_scalar(m));
    norm.running_mean.update(running_mean.detach());
    norm.running_var.update(running_var.detach());
    Ok(tracked_out(out, ctx))
}

/// Layout `[b, c, s]` of the normalised tensor, the variance offset, and whether a ReLU
/// follows.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    b: usize,
    c: usize,
    s: usize,
    eps: f32,
    relu: bool,
}

impl Geometry {
    /// What the output is clamped at: 0 with ReLU, minus infinity (no clamp) without.
    fn floor(&self) -> f32 {
        if self.relu { 0.0 } else { f32::NEG_INFINITY }
    }
}

/// Per-channel statistics (of the batch in training, running ones in inference).
struct Statistics {
    mean: Vec<f32>,
    var: Vec<f32>,
    inv_std: Vec<f32>,
}

impl Statistics {
    /// With `inv_std = 1 / sqrt(var + eps)`.
    fn new(mean: Vec<f32>, var: Vec<f32>, eps: f32) -> Self {
        let inv_std = var.iter().map(|v| 1.0 / (v + eps).sqrt()).collect();
        Statistics { mean, var, inv_std }
    }
}

/// Two-pass (centred) mean and biased variance of each channel.
fn statistics(g: &Geometry, x: &[f32]) -> Statistics {
    let m = (g.b * g.s) as f64;
    let per: Vec<(f32, f32)> = (0..g.c)
        .into_par_iter()
        .map(|ci| {
            let chunks = (0..g.b).map(|bi| &x[(bi * g.c + ci) * g.s..(bi * g.c + ci + 1) * g.s]);
            // Each row in f32 lanes, rows added in f64.
            let mean = chunks.clone().map(|v| super::math::simd(#[inline(always)] || lane_sum(v, |a| a)) as f64).sum::<f64>() / m;
            let mf = mean as f32;
            let var = chunks.map(|v| super::math::simd(#[inline(always)] || lane_sum(v, |a| (a - mf) * (a - mf))) as f64).sum::<f64>() / m;
            (mf, var as f32)
        })
        .collect();
    Statistics::new(per.iter().map(|p| p.0).collect(), per.iter().map(|p| p.1).collect(), g.eps)
}

/// Per channel `(a, shift)` with `y = a * x + shift`.
fn affine(st: &Statistics, gamma: &[f32], beta: &[f32]) -> Vec<(f32, f32)> {
    (0..gamma.len())
        .map(|ci| {
            let a = gamma[ci] * st.inv_std[ci];
            (a, beta[ci] - st.mean[ci] * a)
        })
        .collect()
}

/// Whether the ReLU let `x` through: its pre-activation `a * x + shift`, computed exactly as
/// [`normalise`] did (no fused multiply-add), is above `floor` (0 with ReLU, minus infinity
/// without). Lets the backward pass skip reading the output.
#[inline(always)]
fn passed(x: f32, (a, shift): (f32, f32), floor: f32) -> bool {
    a * x + shift > floor
}

/// `d` where the ReLU let `x` through ([`passed`]), else `+0.0`: a bitwise mask, which the
/// compiler vectorises (written as a select, the summing loop stayed scalar with a branch and a
/// conditional load per value).
#[inline(always)]
fn masked(d: f32, x: f32, affine: (f32, f32), floor: f32) -> f32 {
    f32::from_bits(d.to_bits() & (passed(x, affine, floor) as u32).wrapping_neg())
}

/// `a * x + shift` per channel (clamped at zero with `g.relu`), images in parallel; the
/// output is written once (no zero fill first).
fn normalise(g: &Geometry, x: &[f32], affine: &[(f32, f32)]) -> Vec<f32> {
    let mut y: Vec<f32> = Vec::with_capacity(x.len());
    let out = SharedMut(y.as_mut_ptr());
    let floor = g.floor();
    (0..g.b).into_par_iter().for_each(|bi| {
        for (ci, &(a, shift)) in affine.iter().enumerate() {
            let r = (bi * g.c + ci) * g.s..(bi * g.c + ci + 1) * g.s;
            // SAFETY: row (bi, ci) of the `x.len()` reserved values, written by this task alone.
            let o = unsafe { out.uninit(r.start, g.s) };
            super::math::simd(#[inline(always)] || {
                o.iter_mut().zip(&x[r]).for_each(|(o, &v)| {
                    o.write((a * v + shift).max(floor));
                })
            });
        }
    });
    // SAFETY: every (image, channel) row was written above.
    unsafe { y.set_len(x.len()) };
    y
}

#[derive(Debug)]
struct BnRelu;

#[derive(Clone, Debug)]
struct BnState {
    geom: Geometry,
    x: FlexTensor,
    /// The forward pass's per-channel `(a, shift)` (`a = gamma * inv_std`): the ReLU mask
    /// is recomputed from `x`.
    affine: Vec<(f32, f32)>,
    mean: Vec<f32>,
    inv_std: Vec<f32>,
}

impl Backward<Flex, 3> for BnRelu {
    type State = BnState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let BnState { geom: g, x, affine, mean, inv_std } = ops.state;
        let (dy, x) = (values(&grad), values(&x));
        let floor = g.floor();
        let m = (g.b * g.s) as f32;
        let mut dx: Vec<f32> = Vec::with_capacity(if node_x.is_some() { x.len() } else { 0 });
        let dx_out = node_x.is_some().then_some(SharedMut(dx.as_mut_ptr()));
        // One task per channel: the sums of the ReLU-masked gradient and of its product with
        // x_hat (x - mean, scaled by inv_std), then the channel's input gradient while its
        // rows are still in cache (one trip to memory, not two). Rows in f32 lanes, rows added
        // in f64, in image order.
        let sums: Vec<(f64, f64)> = (0..g.c)
            .into_par_iter()
            .map(|ci| {
                let rows = |bi: usize| (bi * g.c + ci) * g.s..(bi * g.c + ci + 1) * g.s;
                let (mu, inv, af) = (mean[ci], inv_std[ci], affine[ci]);
                let (mut sg, mut sgx) = (0f64, 0f64);
                for bi in 0..g.b {
                    let r = rows(bi);
                    let (a, b) = super::math::simd(#[inline(always)] || masked_sums(&dy[r.clone()], &x[r], mu, af, floor));
                    sg += a as f64;
                    sgx += b as f64 * inv as f64;
                }
                if let Some(out) = dx_out.as_ref() {
                    let (mg, mgx) = (sg as f32 / m, sgx as f32 / m);
                    for bi in 0..g.b {
                        let r = rows(bi);
                        // SAFETY: rows (bi, ci) of the input gradient's `x.len()` reserved
                        // values: this task alone writes them, each exactly once.
                        let o = unsafe { out.uninit(r.start, g.s) };
                        super::math::simd(#[inline(always)] || masked_grad(o, &dy[r.clone()], &x[r], mu, af, floor, (inv, mg, mgx)));
                    }
                }
                (sg, sgx)
            })
            .collect();
        if let Some(node) = node_gamma {
            grads.register::<Flex>(node.id, flex_tensor(sums.iter().map(|s| s.1 as f32).collect(), &[g.c]));
        }
        if let Some(node) = node_beta {
            grads.register::<Flex>(node.id, flex_tensor(sums.iter().map(|s| s.0 as f32).collect(), &[g.c]));
        }
        if let Some(node) = node_x {
            // SAFETY: every (image, channel) row of the reserved values was written above.
            unsafe { dx.set_len(x.len()) };
            grads.register::<Flex>(node.id, flex_tensor(dx, &super::dims(&grad)));
        }
    }
}

/// One row of the input gradient: `gamma * inv_std * (d - mean(d) - x_hat * mean(d * x_hat))`
/// with `d` the ReLU-masked output gradient ([`passed`]); `(inv, mg, mgx)` are the channel's
/// `inv_std`, `mean(d)` and `mean(d * x_hat)`.
#[inline(always)]
fn masked_grad(out: &mut [MaybeUninit<f32>], dy: &[f32], x: &[f32], mean: f32, affine: (f32, f32), floor: f32, (inv, mg, mgx): (f32, f32, f32)) {
    let scale = affine.0;
    for (o, (&d, &xv)) in out.iter_mut().zip(dy.iter().zip(x)) {
        let d = masked(d, xv, affine, floor);
        o.write(scale * (d - mg - (xv - mean) * inv * mgx));
    }
}

/// The sum of `f(v)` over `v`, in eight independent lanes so the loop vectorises.
#[inline(always)]
fn lane_sum(v: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    const L: usize = 8;
    let mut acc = [0f32; L];
    let n = v.len() / L * L;
    for c in v[..n].chunks_exact(L) {
        for l in 0..L {
            acc[l] += f(c[l]);
        }
    }
    acc.iter().sum::<f32>() + v[n..].iter().map(|&a| f(a)).sum::<f32>()
}

/// `(sum of d, sum of d * (x - mean))` over the elements the ReLU let through ([`passed`];
/// all of them without ReLU, `floor` minus infinity), in eight independent lanes so the
/// loop vectorises.
#[inline(always)]
fn masked_sums(dy: &[f32], x: &[f32], mean: f32, affine: (f32, f32), floor: f32) -> (f32, f32) {
    const L: usize = 8;
    let (mut sg, mut sgx) = ([0f32; L], [0f32; L]);
    let n = dy.len() / L * L;
    for (d, v) in dy[..n].chunks_exact(L).zip(x[..n].chunks_exact(L)) {
        for l in 0..L {
            let dl = masked(d[l], v[l], affine, floor);
            sg[l] += dl;
            sgx[l] += dl * (v[l] - mean);
        }
    }
    let (mut a, mut b) = (sg.iter().sum::<f32>(), sgx.iter().sum::<f32>());
    for i in n..dy.len() {
        let d = masked(dy[i], x[i], affine, floor);
        a += d;
        b += d * (x[i] - mean);
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use burn::module::Module;
    use burn::nn::BatchNormConfig;
    use burn::tensor::activation::relu;
    use burn::tensor::{Device, Distribution, Tensor};

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>, what: &str) {
        super::super::testing::assert_close(a, b, 2e-4, what);
    }

    /// Output, gradients and running statistics equal burn's BatchNorm, followed by ReLU or not.
    #[test]
    fn equals_burn_batch_norm_then_relu() {
        let dev = Device::flex().autodiff();
        for relu_after in [true, false] {
            for shape in [vec![4, 3, 5, 2], vec![6, 3, 1, 1], vec![2, 3, 9, 7]] {
                let fused = BatchNormConfig::new(3).init(&dev);
                let reference = BatchNormConfig::new(3).init(&dev);
                let x = Tensor::<4>::random([shape[0], shape[1], shape[2], shape[3]], Distribution::Normal(0.5, 2.0), &dev).require_grad();
                let y = super::bn_train(&fused, x.clone(), relu_after).ok().expect("flex path");
                let r = reference.forward(x.clone());
                let r = if relu_after { relu(r) } else { r };
                let probe = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &dev);
                close(y.clone(), r.clone(), "forward");
                let g1 = (y * probe.clone()).sum().backward();
                let g2 = (r * probe).sum().backward();
                close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), "dx");
                close(fused.gamma.grad(&g1).unwrap(), reference.gamma.grad(&g2).unwrap(), "dgamma");
                close(fused.beta.grad(&g1).unwrap(), reference.beta.grad(&g2).unwrap(), "dbeta");
                close(fused.running_mean.value(), reference.running_mean.value(), "running mean");
                close(fused.running_var.value(), reference.running_var.value(), "running var");
            }
        }
    }

    /// Inference with the running statistics equals burn's, with and without ReLU.
    #[test]
    fn inference_equals_burn_with_running_statistics() {
        let train = Device::flex().autodiff();
        let norm = BatchNormConfig::new(3).init(&train);
        // Move the running statistics away from 0 / 1 with two training batches.
        for _ in 0..2 {
            let x = Tensor::<4>::random([4, 3, 3, 3], Distribution::Normal(2.0, 3.0), &train);
            let _ = norm.forward(x);
        }
        let dev = Device::flex();
        let norm = norm.valid();
        let x = Tensor::<4>::random([2, 3, 4, 5], Distribution::Normal(1.0, 2.0), &dev);
        close(super::batch_norm_relu(&norm, x.clone()), relu(norm.forward(x.clone())), "inference, relu");
        close(super::batch_norm(&norm, x.clone()), norm.forward(x.clone()), "inference");
        assert!(super::bn_inference(&norm, x, true).is_ok(), "the fused inference path ran");
    }

    /// `batch_norm_relu_train` hands inference (no autodiff) back to the caller.
    #[test]
    fn inference_is_handed_back() {
        let dev = Device::flex();
        let norm = BatchNormConfig::new(2).init(&dev);
        assert!(super::batch_norm_relu_train(&norm, Tensor::<3>::zeros([2, 2, 3], &dev)).is_err());
    }
}
