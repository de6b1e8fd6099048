//! `relu(a + b)` (a residual block's output) in one pass, as one autodiff node.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::{Flexed, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// Elements per rayon task.
const CHUNK: usize = 1 << 16;

/// `relu(a + b)` for tensors of one shape: one pass over `f32` Flex tensors (plain or in
/// training), burn's two operations elsewhere. The gradient of both inputs is the output
/// gradient where the output is positive, zero elsewhere.
pub fn add_relu<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    let shape = a.dims();
    if b.dims() != shape {
        return burn::tensor::activation::relu(a + b);
    }
    let out = |av: &[f32], bv: &[f32]| -> FlexTensor {
        let mut y = vec![0f32; av.len()];
        y.par_chunks_mut(CHUNK).zip(av.par_chunks(CHUNK)).zip(bv.par_chunks(CHUNK)).for_each(|((y, a), b)| {
            y.iter_mut().zip(a).zip(b).for_each(|((y, a), b)| *y = (a + b).max(0.0));
        });
        flex_tensor(y, &shape)
    };
    match flexed([a.into_dispatch(), b.into_dispatch()]) {
        Err([a, b]) => burn::tensor::activation::relu(Tensor::<D>::from_dispatch(a) + Tensor::from_dispatch(b)),
        Ok(Flexed::Plain([a, b])) => plain_out(out(&values(&a), &values(&b))),
        Ok(Flexed::Tracked([a, b], ctx)) => {
            let y = out(&values(&inner(&a)), &values(&inner(&b)));
            let result = match AddRelu.prepare::<NoCheckpointing>([a.node(), b.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => prep.finish(y.clone(), y),
                OpsKind::UnTracked(prep) => prep.finish(y),
            };
            tracked_out(result, ctx)
        }
    }
}

#[derive(Debug)]
struct AddRelu;

impl Backward<Flex, 2> for AddRelu {
    /// The output.
    type State = FlexTensor;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_a, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (dy, y) = (values(&grad), values(&ops.state));
        let mut dx = vec![0f32; y.len()];
        dx.par_chunks_mut(CHUNK).zip(dy.par_chunks(CHUNK)).zip(y.par_chunks(CHUNK)).for_each(|((dx, dy), y)| {
            dx.iter_mut().zip(dy).zip(y).for_each(|((dx, &d), &y)| *dx = if y > 0.0 { d } else { 0.0 });
        });
        let dims = super::dims(&grad);
        match (node_a, node_b) {
            (Some(a), Some(b)) => {
                grads.register::<Flex>(a.id, flex_tensor(dx.clone(), &dims));
                grads.register::<Flex>(b.id, flex_tensor(dx, &dims));
            }
            (Some(n), None) | (None, Some(n)) => grads.register::<Flex>(n.id, flex_tensor(dx, &dims)),
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::activation::relu;
    use burn::tensor::{Device, Distribution, Tensor};

    use super::super::testing::values as vec;

    /// Output and both gradients equal burn's `relu(a + b)`, in training and inference.
    #[test]
    fn equals_burn_add_then_relu() {
        let dev = Device::flex().autodiff();
        let a = Tensor::<4>::random([2, 3, 5, 7], Distribution::Normal(0.0, 1.0), &dev).require_grad();
        let b = Tensor::<4>::random([2, 3, 5, 7], Distribution::Normal(0.0, 1.0), &dev).require_grad();
        let y = super::add_relu(a.clone(), b.clone());
        let r = relu(a.clone() + b.clone());
        assert_eq!(vec(y.clone()), vec(r.clone()));
        let probe = Tensor::<4>::random(y.dims(), Distribution::Normal(0.0, 1.0), &dev);
        let g1 = (y * probe.clone()).sum().backward();
        let g2 = (r * probe).sum().backward();
        assert_eq!(vec(a.grad(&g1).unwrap()), vec(a.grad(&g2).unwrap()), "da");
        assert_eq!(vec(b.grad(&g1).unwrap()), vec(b.grad(&g2).unwrap()), "db");
        // Only one input tracked (a constant shortcut), and plain tensors.
        let c = Tensor::<4>::random([2, 3, 5, 7], Distribution::Normal(0.0, 1.0), &dev);
        let g = super::add_relu(a.clone(), c.clone()).sum().backward();
        let want = relu(a.clone() + c.clone()).sum().backward();
        assert_eq!(vec(a.grad(&g).unwrap()), vec(a.grad(&want).unwrap()), "one tracked input");
        let plain = Device::flex();
        let (p, q) = (Tensor::<2>::random([4, 9], Distribution::Normal(0.0, 1.0), &plain), Tensor::<2>::random([4, 9], Distribution::Normal(0.0, 1.0), &plain));
        assert_eq!(vec(super::add_relu(p.clone(), q.clone())), vec(relu(p + q)));
    }
}
