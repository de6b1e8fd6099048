//! One AdamW update of a parameter tensor as a single pass over its values.
//!
//! burn's `AdamW` builds the update from about a dozen tensor operations per parameter
//! (moment updates, bias corrections, square root, division, decay), each allocating and
//! walking its output again; for the small models of a training step that was a tenth of
//! the step. Here one loop reads the parameter, its gradient and both moments once and
//! writes the three new tensors, with burn's `AdamW` formula (no AMSGrad, no cautious
//! decay; the bias corrections multiply by reciprocals, within an ulp of burn's divisions).

use burn::backend::flex::FlexTensor;
use burn::tensor::Tensor;
use rayon::prelude::*;

use super::{dims, flex_tensor, flexed, plain_out, values};

/// Elements per parallel task.
const CHUNK: usize = 1 << 14;

/// Coefficients of one AdamW step (burn's `AdamWConfig` meaning).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWStep {
    /// Learning rate of this step.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta_1: f32,
    /// Decay of the second moment.
    pub beta_2: f32,
    /// Added to the square root of the second moment.
    pub epsilon: f32,
    /// Decoupled weight decay (multiplied by the learning rate).
    pub weight_decay: f32,
    /// Step number, counting from 1 (bias correction).
    pub time: usize,
}

/// The updated parameter and moments: the three tensors a step writes.
pub struct AdamWTensors<const D: usize> {
    /// The updated parameter.
    pub param: Tensor<D>,
    /// The updated first moment (mean of the gradients).
    pub moment_1: Tensor<D>,
    /// The updated second moment (mean of the squared gradients).
    pub moment_2: Tensor<D>,
}

/// The updated parameter and moments for `grad`, given the previous moments (`None` on
/// the first step, where both start from zero as in burn).
///
/// On plain `f32` Flex tensors this is the one-pass kernel of this module; elsewhere it
/// hands the inputs back and the caller uses burn's optimizer.
///
/// ```
/// use burn::tensor::{Device, Tensor};
/// use terradl_models::fused::{AdamWStep, adamw_update};
/// let dev = Device::flex();
/// let p = Tensor::<1>::from_floats([1.0, -2.0], &dev);
/// let g = Tensor::<1>::from_floats([0.5, 0.5], &dev);
/// let step = AdamWStep { lr: 0.1, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-8, weight_decay: 0.0, time: 1 };
/// let out = adamw_update(&step, p, g, None).ok().unwrap();
/// // The first bias-corrected step moves each value by the learning rate.
/// let v = out.param.into_data().to_vec::<f32>().unwrap();
/// assert!((v[0] - 0.9).abs() < 1e-5 && (v[1] + 2.1).abs() < 1e-5);
/// ```
#[allow(clippy::type_complexity)]
pub fn adamw_update<const D: usize>(
    step: &AdamWStep,
    param: Tensor<D>,
    grad: Tensor<D>,
    moments: Option<(Tensor<D>, Tensor<D>)>,
) -> Result<AdamWTensors<D>, (Tensor<D>, Tensor<D>, Option<(Tensor<D>, Tensor<D>)>)> {
    let shape = param.dims();
    let first = moments.is_none();
    let mut inputs = vec![param.into_dispatch(), grad.into_dispatch()];
    if let Some((m1, m2)) = moments {
        inputs.extend([m1.into_dispatch(), m2.into_dispatch()]);
    }
    let give_back = |ts: Vec<Tensor<D>>| {
        let mut ts = ts.into_iter();
        let (p, g) = (ts.next().expect("param"), ts.next().expect("grad"));
        Err((p, g, ts.next().zip(ts.next())))
    };
    let flex = if first {
        flexed::<2>(inputs.try_into().ok().expect("two tensors")).map(|f| f.into_vec()).map_err(|t| t.to_vec())
    } else {
        flexed::<4>(inputs.try_into().ok().expect("four tensors")).map(|f| f.into_vec()).map_err(|t| t.to_vec())
    };
    match flex {
        Err(ts) => give_back(ts.into_iter().map(Tensor::from_dispatch).collect()),
        Ok(Err(ts)) => give_back(ts),
        Ok(Ok(ts)) if ts.iter().all(|t| dims(t) == shape) => {
            let mut ts = ts.into_iter();
            let (p, g) = (ts.next().expect("param"), ts.next().expect("grad"));
            let (p, m1, m2) = update(step, p, &g, ts.next().zip(ts.next()));
            Ok(AdamWTensors { param: plain_out(p), moment_1: plain_out(m1), moment_2: plain_out(m2) })
        }
        Ok(Ok(ts)) => give_back(ts.into_iter().map(plain_out).collect()),
    }
}

/// `t` itself when it owns its contiguous values alone (updated in place), else a copy.
fn writable(t: FlexTensor, n: usize) -> FlexTensor {
    let alone = t.is_unique() && t.layout().contiguous_offsets() == Some((0, n)) && t.storage::<f32>().len() == n;
    if alone { t } else { flex_tensor(values(&t).into_owned(), &dims(&t)) }
}

/// New parameter and moments, in burn's operation order, written over `p` and the
/// moments where this call owns them.
fn update(s: &AdamWStep, p: FlexTensor, g: &FlexTensor, moments: Option<(FlexTensor, FlexTensor)>) -> (FlexTensor, FlexTensor, FlexTensor) {
    let g = values(g);
    let n = g.len();
    let shape = dims(&p);
    let mut p = writable(p, n);
    let (mut m1, mut m2) = match moments {
        Some((a, b)) => (writable(a, n), writable(b, n)),
        // Zero moments: `0 * beta + x` is `x` exactly, burn's first step.
        None => (flex_tensor(vec![0f32; n], &shape), flex_tensor(vec![0f32; n], &shape)),
    };
    let (f1, f2) = (1.0 - s.beta_1, 1.0 - s.beta_2);
    let t = s.time as i32;
    let (c1, c2) = (1f32 - s.beta_1.powi(t), 1f32 - s.beta_2.powi(t));
    // burn: tensor * (1 - lr * wd) - delta * lr, with the scalars as f32.
    let keep = (1.0 - s.lr * s.weight_decay as f64) as f32;
    let lr = s.lr as f32;
    // Reciprocals instead of burn's two divisions: within an ulp of its result.
    let (r1, r2) = (1.0 / c1, 1.0 / c2);
    let chunk = |start: usize, pc: &mut [f32], m1c: &mut [f32], m2c: &mut [f32]| {
        let gc = &g[start..start + pc.len()];
        super::math::simd(#[inline(always)] || {
            for i in 0..pc.len() {
                let gi = gc[i];
                let a = m1c[i] * s.beta_1 + gi * f1;
                let b = m2c[i] * s.beta_2 + gi * gi * f2;
                let delta = (a * r1) / ((b * r2).sqrt() + s.epsilon);
                m1c[i] = a;
                m2c[i] = b;
                pc[i] = pc[i] * keep - delta * lr;
            }
        })
    };
    {
        let (pv, m1v, m2v) = (p.storage_mut::<f32>(), m1.storage_mut::<f32>(), m2.storage_mut::<f32>());
        if n <= CHUNK {
            chunk(0, pv, m1v, m2v);
        } else {
            pv.par_chunks_mut(CHUNK)
                .zip(m1v.par_chunks_mut(CHUNK))
                .zip(m2v.par_chunks_mut(CHUNK))
                .enumerate()
                .for_each(|(k, ((a, b), c))| chunk(k * CHUNK, a, b, c));
        }
    }
    (p, m1, m2)
}

#[cfg(test)]
mod tests {
    use burn::optim::{AdamWConfig, Optimizer};
    use burn::tensor::{Device, Distribution, Tensor};

    use super::{AdamWStep, adamw_update};

    /// Several steps of the kernel follow burn's AdamW on the same gradients.
    #[test]
    fn follows_burn_adamw_over_steps() {
        let dev = Device::flex();
        for n in [7usize, 40_000] {
            let mut p = Tensor::<2>::random([n, 3], Distribution::Normal(0.0, 1.0), &dev);
            let mut reference = p.clone();
            let burn_opt = AdamWConfig::new().with_weight_decay(0.01).build();
            let mut state = None;
            let mut moments = None;
            for time in 1..=4 {
                let g = Tensor::<2>::random([n, 3], Distribution::Normal(0.0, 1.0), &dev);
                let lr = 0.01 * time as f64;
                let (r, st) = burn_opt.step(lr, reference, g.clone(), state);
                (reference, state) = (r, st);
                let step = AdamWStep { lr, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-5, weight_decay: 0.01, time };
                // A value shared elsewhere is copied, never written over.
                let shared = (time == 2).then(|| (p.clone(), super::super::testing::values(p.clone())));
                let out = adamw_update(&step, p, g, moments).ok().expect("flex path");
                if let Some((t, before)) = shared {
                    assert_eq!(super::super::testing::values(t), before, "shared input changed");
                }
                p = out.param;
                moments = Some((out.moment_1, out.moment_2));
                super::super::testing::assert_close(p.clone(), reference.clone(), 1e-5, "param");
                let st = state.as_ref().unwrap();
                let (m1, m2) = moments.clone().unwrap();
                super::super::testing::assert_close(m1, st.momentum.moment_1.clone(), 1e-5, "moment 1");
                super::super::testing::assert_close(m2, st.momentum.moment_2.clone(), 1e-5, "moment 2");
            }
        }
    }

    /// Tensors on another backend or of mismatched shapes are handed back.
    #[test]
    #[allow(deprecated)] // burn-ndarray, kept as the second CPU backend to compare against
    fn other_backends_and_mismatched_shapes_fall_back() {
        let step = AdamWStep { lr: 0.1, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-5, weight_decay: 0.0, time: 1 };
        let nd = Device::ndarray();
        assert!(adamw_update(&step, Tensor::<1>::zeros([3], &nd), Tensor::zeros([3], &nd), None).is_err());
        let fx = Device::flex();
        let m = || Some((Tensor::<1>::zeros([3], &fx), Tensor::zeros([2], &fx)));
        assert!(adamw_update(&step, Tensor::<1>::zeros([3], &fx), Tensor::zeros([3], &fx), m()).is_err());
    }
}
