//! A decoder's merge step, `cat([nearest_upsample(x, skip's size), skip], 1)`, in one pass
//! over the output and as one autodiff node (burn records an interpolation and a
//! concatenation, each with its own output buffer).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::{Flexed, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// Source index of each output index under nearest interpolation from `n_in` to `n_out`
/// (burn's and PyTorch's `floor(o * n_in / n_out)`).
fn nearest_map(n_in: usize, n_out: usize) -> Vec<usize> {
    let ratio = n_in as f64 / n_out as f64;
    (0..n_out).map(|o| ((o as f64 * ratio).floor() as usize).min(n_in - 1)).collect()
}

/// Shapes of one merge: `x` is `[b, cx, h, w]`, `skip` is `[b, cs, hh, ww]`.
#[derive(Clone, Debug)]
struct Merge {
    b: usize,
    cx: usize,
    cs: usize,
    h: usize,
    w: usize,
    hh: usize,
    ww: usize,
}

impl Merge {
    fn out_dims(&self) -> [usize; 4] {
        [self.b, self.cx + self.cs, self.hh, self.ww]
    }

    fn forward(&self, x: &[f32], skip: &[f32]) -> FlexTensor {
        let (rows, cols) = (nearest_map(self.h, self.hh), nearest_map(self.w, self.ww));
        let (plane, src_plane, c) = (self.hh * self.ww, self.h * self.w, self.cx + self.cs);
        let mut y = vec![0f32; self.b * c * plane];
        y.par_chunks_mut(plane).enumerate().for_each(|(i, out)| {
            let (bi, ci) = (i / c, i % c);
            if ci < self.cx {
                let src = &x[(bi * self.cx + ci) * src_plane..][..src_plane];
                for (orow, &r) in out.chunks_exact_mut(self.ww).zip(&rows) {
                    let srow = &src[r * self.w..][..self.w];
                    orow.iter_mut().zip(&cols).for_each(|(o, &col)| *o = srow[col]);
                }
            } else {
                out.copy_from_slice(&skip[(bi * self.cs + ci - self.cx) * plane..][..plane]);
            }
        });
        flex_tensor(y, &self.out_dims())
    }

    /// Gradients of `x` (summed over the output pixels each source pixel fed) and of `skip`.
    fn backward(&self, dy: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (rows, cols) = (nearest_map(self.h, self.hh), nearest_map(self.w, self.ww));
        let (plane, src_plane, c) = (self.hh * self.ww, self.h * self.w, self.cx + self.cs);
        let mut dx = vec![0f32; self.b * self.cx * src_plane];
        dx.par_chunks_mut(src_plane).enumerate().for_each(|(i, d)| {
            let (bi, ci) = (i / self.cx, i % self.cx);
            let g = &dy[(bi * c + ci) * plane..][..plane];
            for (grow, &r) in g.chunks_exact(self.ww).zip(&rows) {
                let drow = &mut d[r * self.w..][..self.w];
                grow.iter().zip(&cols).for_each(|(v, &col)| drow[col] += v);
            }
        });
        let mut dskip = vec![0f32; self.b * self.cs * plane];
        dskip.par_chunks_mut(plane).enumerate().for_each(|(i, d)| {
            let (bi, ci) = (i / self.cs, i % self.cs);
            d.copy_from_slice(&dy[(bi * c + self.cx + ci) * plane..][..plane]);
        });
        (dx, dskip)
    }
}

/// `cat([interpolate(x, Nearest, skip's [H, W]), skip], 1)` for `x` `[B, Cx, h, w]` and
/// `skip` `[B, Cs, H, W]`: one pass over `f32` Flex tensors (plain or in training), burn's
/// two operations elsewhere.
pub fn upsample_cat(x: Tensor<4>, skip: Tensor<4>) -> Tensor<4> {
    let ([b, cx, h, w], [bs, cs, hh, ww]) = (x.dims(), skip.dims());
    let fallback = |x: Tensor<4>, skip: Tensor<4>| {
        let up = interpolate(x, InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([hh, ww]));
        Tensor::cat(vec![up, skip], 1)
    };
    if b != bs || [b, cx, h, w, cs, hh, ww].contains(&0) {
        return fallback(x, skip);
    }
    let merge = Merge { b, cx, cs, h, w, hh, ww };
    match flexed([x.into_dispatch(), skip.into_dispatch()]) {
        Err([x, s]) => fallback(Tensor::from_dispatch(x), Tensor::from_dispatch(s)),
        Ok(Flexed::Plain([x, s])) => plain_out(merge.forward(&values(&x), &values(&s))),
        Ok(Flexed::Tracked([x, s], ctx)) => {
            let y = merge.forward(&values(&inner(&x)), &values(&inner(&s)));
            let result = match UpsampleCat.prepare::<NoCheckpointing>([x.node(), s.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => prep.finish(merge, y),
                OpsKind::UnTracked(prep) => prep.finish(y),
            };
            tracked_out(result, ctx)
        }
    }
}

#[derive(Debug)]
struct UpsampleCat;

impl Backward<Flex, 2> for UpsampleCat {
    type State = Merge;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_s] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let m = ops.state;
        let (dx, ds) = m.backward(&values(&grad));
        if let Some(n) = node_x {
            grads.register::<Flex>(n.id, flex_tensor(dx, &[m.b, m.cx, m.h, m.w]));
        }
        if let Some(n) = node_s {
            grads.register::<Flex>(n.id, flex_tensor(ds, &[m.b, m.cs, m.hh, m.ww]));
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::module::interpolate;
    use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
    use burn::tensor::{Device, Distribution, Tensor};

    use super::super::testing::values as vec;

    fn reference(x: Tensor<4>, skip: Tensor<4>) -> Tensor<4> {
        let [_, _, h, w] = skip.dims();
        let up = interpolate(x, InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([h, w]));
        Tensor::cat(vec![up, skip], 1)
    }

    /// Output and both gradients equal burn's interpolate + cat, for 2x and uneven scales,
    /// in training and inference.
    #[test]
    fn equals_burn_interpolate_then_cat() {
        let dev = Device::flex().autodiff();
        for (small, big) in [([2, 3, 4, 5], [2, 2, 8, 10]), ([1, 2, 3, 4], [1, 3, 7, 9])] {
            let x = Tensor::<4>::random(small, Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let s = Tensor::<4>::random(big, Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let y = super::upsample_cat(x.clone(), s.clone());
            let r = reference(x.clone(), s.clone());
            assert_eq!(y.dims(), r.dims());
            assert_eq!(vec(y.clone()), vec(r.clone()));
            let probe = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &dev);
            let g1 = (y * probe.clone()).sum().backward();
            let g2 = (r * probe).sum().backward();
            super::super::testing::assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), 1e-6, "dx");
            assert_eq!(vec(s.grad(&g1).unwrap()), vec(s.grad(&g2).unwrap()), "dskip");
        }
        let plain = Device::flex();
        let (x, s) = (Tensor::<4>::random([1, 2, 3, 3], Distribution::Normal(0.0, 1.0), &plain), Tensor::<4>::random([1, 1, 6, 6], Distribution::Normal(0.0, 1.0), &plain));
        assert_eq!(vec(super::upsample_cat(x.clone(), s.clone())), vec(reference(x, s)));
    }
}
