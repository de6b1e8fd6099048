//! Stochastic weight averaging (Izmailov et al. 2018): the running mean of a model's weights
//! over the last epochs of training, as one model.
//!
//! Every float tensor of the module is averaged, batch-norm running statistics included (the
//! mean of running variances stands in for a recomputation pass). Both modules must have the
//! same structure: tensors are paired in visiting order.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

/// Collects every float tensor of a module, in visiting order.
struct Collect(Vec<TensorData>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.val().into_data());
    }
}

/// Replaces every float tensor `a` by `(1 - w) a + w b`, `b` from [`Collect`] in the same order.
struct Blend {
    others: std::vec::IntoIter<TensorData>,
    weight: f32,
}

impl ModuleMapper for Blend {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, _) = param.consume();
        let Some(other) = self.others.next() else {
            return Param::initialized(id, tensor);
        };
        let other = Tensor::<D>::from_data(other, &tensor.device());
        let blended = tensor.mul_scalar(1.0 - self.weight).add(other.mul_scalar(self.weight));
        Param::initialized(id, blended)
    }
}

/// Folds `current` into `average`, the mean of `n - 1` earlier snapshots, so the result is the
/// mean of `n` (`n = 1` returns `current`'s weights). Both must have the same structure.
///
/// ```
/// use burn::module::Module;
/// use burn::nn::LinearConfig;
/// use burn::tensor::Device;
/// let device = Device::default();
/// let a = LinearConfig::new(2, 1).init(&device);
/// let b = LinearConfig::new(2, 1).init(&device);
/// let (wa, wb) = (a.weight.val().into_data().try_to_vec::<f32>().unwrap(), b.weight.val().into_data().try_to_vec::<f32>().unwrap());
/// let mean = terradl_train::weight_average::fold_in(a, &b, 2);
/// let wm = mean.weight.val().into_data().try_to_vec::<f32>().unwrap();
/// assert!((wm[0] - (wa[0] + wb[0]) / 2.0).abs() < 1e-6);
/// ```
pub fn fold_in<M: Module>(average: M, current: &M, n: usize) -> M {
    let mut collect = Collect(Vec::new());
    current.visit(&mut collect);
    let mut blend = Blend { others: collect.0.into_iter(), weight: 1.0 / n.max(1) as f32 };
    average.map(&mut blend)
}

/// Number of snapshots averaged after `epoch` (1-based, of `epochs`) when the last `window`
/// epochs are averaged: 0 before the window opens.
pub fn snapshots(epoch: usize, epochs: usize, window: usize) -> usize {
    (epoch + window.min(epochs)).saturating_sub(epochs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::RunningState;
    use burn::nn::{BatchNormConfig, LinearConfig};
    use burn::tensor::Device;

    fn weights<M: Module>(m: &M) -> Vec<Vec<f32>> {
        let mut c = Collect(Vec::new());
        m.visit(&mut c);
        c.0.into_iter().map(|d| d.try_to_vec::<f32>().unwrap()).collect()
    }

    #[test]
    fn running_mean_of_three_snapshots() {
        let device = Device::default();
        let snaps: Vec<_> = (0..3).map(|_| LinearConfig::new(3, 2).init(&device)).collect();
        let mut avg = snaps[0].clone();
        for (i, s) in snaps.iter().enumerate().skip(1) {
            avg = fold_in(avg, s, i + 1);
        }
        let (w, got) = (snaps.iter().map(weights).collect::<Vec<_>>(), weights(&avg));
        for (t, tensor) in got.iter().enumerate() {
            for (j, v) in tensor.iter().enumerate() {
                let want = (w[0][t][j] + w[1][t][j] + w[2][t][j]) / 3.0;
                assert!((v - want).abs() < 1e-6, "tensor {t} element {j}: {v} vs {want}");
            }
        }
    }

    #[test]
    fn first_snapshot_replaces_and_running_statistics_are_averaged() {
        let device = Device::default();
        // `Clone` shares a running state's storage (and mapping writes it in place): build each.
        let a = || BatchNormConfig::new(2).init(&device);
        let mut b = BatchNormConfig::new(2).init(&device);
        b.running_var = RunningState::new(Tensor::<1>::from_floats([3.0, 5.0], &device));
        let first = fold_in(a(), &b, 1);
        assert_eq!(weights(&first), weights(&b));
        let mean = fold_in(a(), &b, 2);
        let var = mean.running_var.value().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(var, vec![2.0, 3.0]);
    }

    #[test]
    fn window_counts_snapshots() {
        assert_eq!((1..=6).map(|e| snapshots(e, 6, 3)).collect::<Vec<_>>(), vec![0, 0, 0, 1, 2, 3]);
        assert_eq!(snapshots(2, 2, 5), 2, "a window longer than the run averages every epoch");
        assert_eq!(snapshots(4, 6, 0), 0);
    }
}
