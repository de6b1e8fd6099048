//! 2x2 max-pool with stride 2 (floor mode), as one autodiff node.

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::{Flexed, flex_tensor, flexed, inner, tracked_out, values};

/// `[B, C, H, W] -> [B, C, H/2, W/2]`, the maximum of each 2x2 window (an odd last row or
/// column is dropped, as burn's `MaxPool2d` with stride 2 does). In training the gradient
/// flows to the first maximum of each window; in inference no window positions are kept
/// (burn's Flex pooling records them either way: 4.5 % of U-Net inference).
///
/// Runs the fused kernel for `f32` Flex tensors, plain or under autodiff, and hands `x`
/// back for any other tensor, for the caller's `MaxPool2d`.
pub fn max_pool_2x2(x: Tensor<4>) -> Result<Tensor<4>, Tensor<4>> {
    let [b, c, h, w] = x.dims();
    let ([x], ctx) = match flexed([x.into_dispatch()]) {
        Ok(Flexed::Tracked(t, ctx)) => (t, ctx),
        Ok(Flexed::Plain([x])) => return Ok(super::plain_out(pool(&values(&x), [b, c, h, w], None))),
        Err([x]) => return Err(Tensor::from_dispatch(x)),
    };
    let mut arg = vec![0u8; b * c * (h / 2) * (w / 2)];
    let y = pool(&values(&inner(&x)), [b, c, h, w], Some(&mut arg));
    let out = match MaxPool2x2.prepare::<NoCheckpointing>([x.node()]).compute_bound().stateful() {
        OpsKind::Tracked(prep) => prep.finish(PoolState { dims: [b, c, h, w], arg: Arc::new(arg) }, y),
        OpsKind::UnTracked(prep) => prep.finish(y),
    };
    Ok(tracked_out(out, ctx))
}

/// The pooled `[B, C, H/2, W/2]` tensor of `xv` (`[B, C, H, W]`), and each window's first
/// maximum (0..4, row-major in the window) into `arg` when given.
fn pool(xv: &[f32], [b, c, h, w]: [usize; 4], arg: Option<&mut [u8]>) -> FlexTensor {
    let (oh, ow) = (h / 2, w / 2);
    let mut y = vec![0f32; b * c * oh * ow];
    let plane = |xp: &[f32], yp: &mut [f32], mut ap: Option<&mut [u8]>| {
        for oy in 0..oh {
            let (top, bottom) = (&xp[2 * oy * w..], &xp[(2 * oy + 1) * w..]);
            for ox in 0..ow {
                let cand = [top[2 * ox], top[2 * ox + 1], bottom[2 * ox], bottom[2 * ox + 1]];
                let (mut best, mut k) = (cand[0], 0u8);
                for (j, &v) in cand.iter().enumerate().skip(1) {
                    if v > best {
                        best = v;
                        k = j as u8;
                    }
                }
                yp[oy * ow + ox] = best;
                if let Some(ap) = ap.as_deref_mut() {
                    ap[oy * ow + ox] = k;
                }
            }
        }
    };
    match arg {
        Some(arg) => y.par_chunks_mut(oh * ow).zip(arg.par_chunks_mut(oh * ow)).zip(xv.par_chunks(h * w)).for_each(|((yp, ap), xp)| plane(xp, yp, Some(ap))),
        None => y.par_chunks_mut(oh * ow).zip(xv.par_chunks(h * w)).for_each(|(yp, xp)| plane(xp, yp, None)),
    }
    flex_tensor(y, &[b, c, oh, ow])
}

#[derive(Debug)]
struct MaxPool2x2;

#[derive(Clone, Debug)]
struct PoolState {
    dims: [usize; 4],
    /// Position (0..4, row-major in the window) of each output's maximum.
    arg: Arc<Vec<u8>>,
}

impl Backward<Flex, 1> for MaxPool2x2 {
    type State = PoolState;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let Some(node) = node_x else { return };
        let PoolState { dims: [b, c, h, w], arg } = ops.state;
        let (oh, ow) = (h / 2, w / 2);
        let dy = values(&grad);
        let mut dx = vec![0f32; b * c * h * w];
        dx.par_chunks_mut(h * w).zip(dy.par_chunks(oh * ow)).zip(arg.par_chunks(oh * ow)).for_each(|((dp, gp), ap)| {
            for oy in 0..oh {
                for ox in 0..ow {
                    let k = ap[oy * ow + ox] as usize;
                    dp[(2 * oy + k / 2) * w + 2 * ox + k % 2] = gp[oy * ow + ox];
                }
            }
        });
        grads.register::<Flex>(node.id, flex_tensor(dx, &[b, c, h, w]));
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Device, Distribution, Tensor};

    use super::super::testing::values as vec;

    /// Output and input gradient equal burn's MaxPool2d on even and odd sizes.
    #[test]
    fn equals_burn_max_pool() {
        let dev = Device::flex().autodiff();
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        for (h, w) in [(4, 6), (7, 5), (15, 15)] {
            let x = Tensor::<4>::random([2, 3, h, w], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let y = super::max_pool_2x2(x.clone()).ok().expect("flex path");
            let r = pool.forward(x.clone());
            assert_eq!(vec(y.clone()), vec(r.clone()), "{h}x{w}");
            let probe = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &dev);
            let g1 = (y * probe.clone()).sum().backward();
            let g2 = (r * probe).sum().backward();
            assert_eq!(vec(x.grad(&g1).unwrap()), vec(x.grad(&g2).unwrap()), "{h}x{w} dx");
        }
    }

    /// Inference (plain Flex tensors) gives burn's values too, on even and odd sizes.
    #[test]
    fn inference_equals_burn_max_pool() {
        let dev = Device::flex();
        let pool = MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
        for (h, w) in [(4, 6), (7, 5), (16, 15)] {
            let x = Tensor::<4>::random([2, 3, h, w], Distribution::Normal(0.0, 1.0), &dev);
            let y = super::max_pool_2x2(x.clone()).ok().expect("flex path");
            assert_eq!(y.dims(), [2, 3, h / 2, w / 2]);
            assert_eq!(vec(y), vec(pool.forward(x)), "{h}x{w}");
        }
    }
}
