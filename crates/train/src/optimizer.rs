//! [`FusedAdamW`]: burn's AdamW with its per-parameter update done in one pass on the CPU.
//!
//! Same hyper-parameters, formula and saved state as `burn::optim::AdamW` (its state type,
//! so optimizer checkpoints written by either load in the other); on Flex `f32` tensors the
//! update runs as [`terradl_models::fused::adamw_update`], elsewhere as burn's AdamW.

use burn::config::Config;
use burn::optim::{AdamW, AdamWConfig, AdamWState, AdaptiveMomentumState, LearningRate, ModuleOptimizer, Optimizer};
use burn::tensor::{Device, Tensor};
use terradl_models::fused::{AdamWStep, adamw_update};

/// Configuration of a [`FusedAdamW`]; defaults are burn's `AdamWConfig` defaults.
#[derive(Config, Debug)]
pub struct FusedAdamWConfig {
    /// Decay of the first moment.
    #[config(default = 0.9)]
    pub beta_1: f32,
    /// Decay of the second moment.
    #[config(default = 0.999)]
    pub beta_2: f32,
    /// Added to the root of the second moment.
    #[config(default = 1e-5)]
    pub epsilon: f32,
    /// Decoupled weight decay.
    #[config(default = 1e-4)]
    pub weight_decay: f32,
}

/// AdamW (decoupled weight decay) whose update is one fused pass per parameter on Flex.
#[derive(Clone)]
pub struct FusedAdamW {
    /// The configured coefficients; `lr` and `time` are filled in at each step.
    coefficients: AdamWStep,
    /// burn's optimizer with the same settings, for tensors the fused kernel does not take.
    fallback: AdamW,
}

impl FusedAdamWConfig {
    /// The optimizer.
    pub fn build(&self) -> FusedAdamW {
        FusedAdamW {
            coefficients: AdamWStep {
                lr: 0.0,
                beta_1: self.beta_1,
                beta_2: self.beta_2,
                epsilon: self.epsilon,
                weight_decay: self.weight_decay,
                time: 0,
            },
            fallback: AdamWConfig::new()
                .with_beta_1(self.beta_1)
                .with_beta_2(self.beta_2)
                .with_epsilon(self.epsilon)
                .with_weight_decay(self.weight_decay)
                .build(),
        }
    }

    /// The optimizer wrapped to step whole modules.
    pub fn init(&self) -> ModuleOptimizer {
        ModuleOptimizer::from(self.build())
    }
}

impl Optimizer for FusedAdamW {
    type State<const D: usize> = AdamWState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let time = state.as_ref().map_or(1, |s| s.momentum.time + 1);
        let step = AdamWStep { lr, time, ..self.coefficients };
        // A state carrying AMSGrad's extra moment came from another optimizer: burn's path.
        if state.as_ref().is_some_and(|s| s.momentum.max_moment_2.is_some()) {
            return self.fallback.step(lr, tensor, grad, state);
        }
        let moments = state.map(|s| (s.momentum.moment_1, s.momentum.moment_2));
        match adamw_update(&step, tensor, grad, moments) {
            Ok(out) => {
                let momentum = AdaptiveMomentumState { time, moment_1: out.moment_1, moment_2: out.moment_2, max_moment_2: None };
                (out.param, Some(AdamWState { momentum }))
            }
            Err((tensor, grad, moments)) => {
                let state = moments.map(|(moment_1, moment_2)| AdamWState {
                    momentum: AdaptiveMomentumState { time: time - 1, moment_1, moment_2, max_moment_2: None },
                });
                self.fallback.step(lr, tensor, grad, state)
            }
        }
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        <AdamW as Optimizer>::to_device(state, device)
    }
}

#[cfg(test)]
mod tests {
    use burn::nn::{Linear, LinearConfig};
    use burn::optim::{AdamWConfig, GradientsParams};
    use burn::tensor::{Device, Distribution, Tensor};

    use super::FusedAdamWConfig;

    fn weights(m: &Linear) -> Vec<f32> {
        m.weight.val().into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
    }

    /// Training a layer with the fused optimizer follows burn's AdamW step for step, on the
    /// Flex device (fused kernel) and on ndarray (burn's path), and its saved state loads
    /// into burn's AdamW.
    #[test]
    #[allow(deprecated)] // burn-ndarray, kept as the second CPU backend to compare against
    fn follows_burn_adamw_on_a_module() {
        for dev in [Device::flex(), Device::ndarray()] {
            let ad = dev.autodiff();
            ad.seed(3);
            let init: Linear = LinearConfig::new(5, 3).init(&ad);
            let (mut a, mut b) = (init.clone(), init);
            let mut fused = FusedAdamWConfig::new().with_weight_decay(0.05).init();
            let mut plain = AdamWConfig::new().with_weight_decay(0.05).init();
            let x = Tensor::<2>::random([16, 5], Distribution::Normal(0.0, 1.0), &ad);
            for i in 0..6 {
                let lr = 0.02 / (1 + i) as f64;
                let ga = GradientsParams::from_grads(a.forward(x.clone()).powi_scalar(2).mean().backward(), &a);
                a = fused.step(lr, a, ga);
                let gb = GradientsParams::from_grads(b.forward(x.clone()).powi_scalar(2).mean().backward(), &b);
                b = plain.step(lr, b, gb);
                for (u, v) in weights(&a).iter().zip(weights(&b)) {
                    assert!((u - v).abs() < 1e-5, "step {i}: {u} vs {v}");
                }
            }
            // Checkpoints interchange: burn's optimizer resumes from the fused one's record.
            let record = fused.to_record();
            let mut resumed = AdamWConfig::new().with_weight_decay(0.05).init().load_record(record);
            let ga = GradientsParams::from_grads(a.forward(x.clone()).powi_scalar(2).mean().backward(), &a);
            let gb = GradientsParams::from_grads(b.forward(x.clone()).powi_scalar(2).mean().backward(), &b);
            let (a, b) = (resumed.step(0.01, a, ga), plain.step(0.01, b, gb));
            for (u, v) in weights(&a).iter().zip(weights(&b)) {
                assert!((u - v).abs() < 1e-5, "resumed: {u} vs {v}");
            }
        }
    }
}
