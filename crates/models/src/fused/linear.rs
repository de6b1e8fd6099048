//! A fully connected layer `x W + b` as one autodiff node whose products read the
//! transposes they need in place (burn's path records a matmul and a broadcast add, and
//! its backward copies `x` and `W` into transposed contiguous tensors first).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::Flex;
use burn::nn::Linear;
use burn::tensor::Tensor;

use super::gemm::{View, gemm};
use super::{Flexed, flex_tensor, flexed, inner, plain_out, tracked_out, values};

/// `layer.forward(x)` for `x` `[B, d_in]`: the fused kernel on `f32` Flex tensors of a
/// layer with a bias, burn's `Linear::forward` everywhere else.
pub fn linear(layer: &Linear, x: Tensor<2>) -> Tensor<2> {
    let Some(bias) = &layer.bias else { return layer.forward(x) };
    let [b, d_in] = x.dims();
    let weight = layer.weight.val();
    let [w_in, d_out] = weight.dims();
    if w_in != d_in {
        // burn's forward reports the shape mismatch.
        return layer.forward(x);
    }
    let g = Geometry { b, d_in, d_out };
    match flexed([x.into_dispatch(), weight.into_dispatch(), bias.val().into_dispatch()]) {
        Err([x, ..]) => layer.forward(Tensor::from_dispatch(x)),
        Ok(Flexed::Plain([x, w, bias])) => plain_out(forward(&g, &x, &w, &bias)),
        Ok(Flexed::Tracked([x, w, bias], ctx)) => {
            let (xi, wi, bi) = (inner(&x), inner(&w), inner(&bias));
            let y = forward(&g, &xi, &wi, &bi);
            let out = match LinearOp.prepare::<NoCheckpointing>([x.node(), w.node(), bias.node()]).compute_bound().stateful() {
                OpsKind::Tracked(prep) => prep.finish(LinearState { g, x: xi, weight: wi }, y),
                OpsKind::UnTracked(prep) => prep.finish(y),
            };
            tracked_out(out, ctx)
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Geometry {
    b: usize,
    d_in: usize,
    d_out: usize,
}

fn forward(g: &Geometry, x: &FlexTensor, w: &FlexTensor, bias: &FlexTensor) -> FlexTensor {
    let bias = values(bias);
    let mut y: Vec<f32> = (0..g.b).flat_map(|_| bias.iter().copied()).collect();
    gemm(g.b, g.d_out, g.d_in, &mut y, (g.d_out, 1), true, View::rows(&values(x), g.d_in), View::rows(&values(w), g.d_out));
    flex_tensor(y, &[g.b, g.d_out])
}

#[derive(Debug)]
struct LinearOp;

#[derive(Clone, Debug)]
struct LinearState {
    g: Geometry,
    x: FlexTensor,
    weight: FlexTensor,
}

impl Backward<Flex, 3> for LinearOp {
    type State = LinearState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let LinearState { g, x, weight } = ops.state;
        let dy = values(&grad);
        if let Some(node) = node_b {
            let mut db = vec![0f32; g.d_out];
            dy.chunks(g.d_out).for_each(|row| db.iter_mut().zip(row).for_each(|(s, v)| *s += v));
            grads.register::<Flex>(node.id, flex_tensor(db, &[g.d_out]));
        }
        if let Some(node) = node_w {
            // x^T [d_in, B] x dy [B, d_out]
            let mut dw = vec![0f32; g.d_in * g.d_out];
            gemm(g.d_in, g.d_out, g.b, &mut dw, (g.d_out, 1), false, View::transposed(&values(&x), g.d_in), View::rows(&dy, g.d_out));
            grads.register::<Flex>(node.id, flex_tensor(dw, &[g.d_in, g.d_out]));
        }
        if let Some(node) = node_x {
            // dy [B, d_out] x W^T [d_out, d_in]
            let mut dx = vec![0f32; g.b * g.d_in];
            gemm(g.b, g.d_in, g.d_out, &mut dx, (g.d_in, 1), false, View::rows(&dy, g.d_out), View::transposed(&values(&weight), g.d_out));
            grads.register::<Flex>(node.id, flex_tensor(dx, &[g.b, g.d_in]));
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::LinearConfig;
    use burn::tensor::{Device, Distribution, Tensor};

    use super::super::testing::assert_close;

    /// Output and all three gradients equal burn's Linear, in training and inference.
    #[test]
    fn equals_burn_linear_forward_and_backward() {
        let dev = Device::flex().autodiff();
        for (b, d_in, d_out) in [(5, 7, 3), (64, 300, 20), (1, 1, 1)] {
            let layer = LinearConfig::new(d_in, d_out).init(&dev);
            let x = Tensor::<2>::random([b, d_in], Distribution::Normal(0.0, 1.0), &dev).require_grad();
            let before = super::super::tracked_calls();
            let y = super::linear(&layer, x.clone());
            assert!(super::super::tracked_calls() > before, "fused path taken");
            let reference = layer.forward(x.clone());
            assert_close(y.clone(), reference.clone(), 1e-5, "forward");
            let probe = Tensor::<2>::random([b, d_out], Distribution::Normal(0.0, 1.0), &dev);
            let g1 = (y * probe.clone()).sum().backward();
            let g2 = (reference * probe).sum().backward();
            assert_close(x.grad(&g1).unwrap(), x.grad(&g2).unwrap(), 1e-5, "dx");
            assert_close(layer.weight.grad(&g1).unwrap(), layer.weight.grad(&g2).unwrap(), 1e-5, "dw");
            let bias = layer.bias.as_ref().unwrap();
            assert_close(bias.grad(&g1).unwrap(), bias.grad(&g2).unwrap(), 1e-5, "db");
        }
        let plain = LinearConfig::new(4, 2).init(&Device::flex());
        let x = Tensor::<2>::random([3, 4], Distribution::Normal(0.0, 1.0), &Device::flex());
        assert_close(super::linear(&plain, x.clone()), plain.forward(x), 1e-6, "inference");
    }

    /// No bias, or tensors on another backend: burn's forward.
    #[test]
    #[allow(deprecated)] // burn-ndarray, kept as the second CPU backend to compare against
    fn other_layers_and_backends_fall_back() {
        let nd = Device::ndarray();
        let layer = LinearConfig::new(4, 2).init(&nd);
        let x = Tensor::<2>::ones([3, 4], &nd);
        assert_close(super::linear(&layer, x.clone()), layer.forward(x), 1e-6, "ndarray");
        let layer = LinearConfig::new(4, 2).with_bias(false).init(&Device::flex());
        let x = Tensor::<2>::ones([3, 4], &Device::flex());
        assert_close(super::linear(&layer, x.clone()), layer.forward(x), 1e-6, "no bias");
    }
}
