//! Times one training step (forward + backward) of the patch CNN, the TempCNN and the
//! crown detector at their benchmark shapes, and of each [`MatmulConv`] layer of the
//! patch CNN, to see where CPU training time goes.
//! `cargo build --workspace --examples && target/debug/examples/conv_step_timing`

use std::time::Instant;

use burn::tensor::{Device, Distribution, Tensor};
use terradl_models::detection::DetectorConfig;
use terradl_models::MatmulConv;
use terradl_models::{LstmClassifierConfig, PatchCnnConfig, TempCnnConfig};

/// Process CPU seconds so far (user + system, from /proc/self/stat; 0 elsewhere): robust to
/// other processes on a shared machine, unlike wall-clock time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Median wall milliseconds and mean CPU milliseconds of `reps` runs of `f` after a warm-up.
fn time(name: &str, reps: usize, f: impl Fn()) {
    f();
    let cpu0 = cpu_seconds();
    let mut ms: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let cpu_ms = (cpu_seconds() - cpu0) * 1000.0 / reps as f64;
    ms.sort_by(f64::total_cmp);
    println!("{name:<52} wall {:>8.2} ms  cpu {cpu_ms:>8.2} ms", ms[ms.len() / 2]);
}

fn main() {
    // `BURN_DEVICE=ndarray` or `flex` picks the backend (flex is the default).
    let dev = Device::default().autodiff();
    println!("device: {dev:?}");
    for (name, c_in, c_out, hw) in [("conv1 3->32 15x15", 3, 32, 15), ("conv2 32->64 7x7", 32, 64, 7), ("conv3 64->128 3x3", 64, 128, 3)] {
        let conv = MatmulConv::new(c_in, c_out, 3, 1, &dev);
        time(&format!("MatmulConv {name} b64 fwd+bwd"), 30, || {
            let x = Tensor::<4>::random([64, c_in, hw, hw], Distribution::Default, &dev).require_grad();
            let _ = conv.forward(x).sum().backward();
        });
        let conv = burn::nn::conv::Conv2dConfig::new([c_in, c_out], [3, 3])
            .with_padding(burn::nn::PaddingConfig2d::Same)
            .init(&dev);
        time(&format!("burn Conv2d {name} b64 fwd+bwd"), 30, || {
            let x = Tensor::<4>::random([64, c_in, hw, hw], Distribution::Default, &dev).require_grad();
            let _ = conv.forward(x).sum().backward();
        });
    }
    let bn = burn::nn::BatchNormConfig::new(32).init(&dev);
    let pool = burn::nn::pool::MaxPool2dConfig::new([2, 2]).with_strides([2, 2]).init();
    let act = || Tensor::<4>::random([64, 32, 15, 15], Distribution::Default, &dev).require_grad();
    time("batch norm [64,32,15,15] fwd+bwd", 30, || {
        let _ = bn.forward(act()).sum().backward();
    });
    time("max-pool 2x2 [64,32,15,15] fwd+bwd", 30, || {
        let _ = pool.forward(act()).sum().backward();
    });
    time("relu [64,32,15,15] fwd+bwd", 30, || {
        let _ = burn::tensor::activation::relu(act()).sum().backward();
    });
    time("random input + sum + backward only", 30, || {
        let _ = act().sum().backward();
    });
    let cnn = PatchCnnConfig::new(3, 4).init(&dev);
    time("patch CNN [64,3,15,15] fwd+bwd", 30, || {
        let x = Tensor::<4>::random([64, 3, 15, 15], Distribution::Default, &dev);
        let _ = cnn.forward(x).sum().backward();
    });
    let tcnn = TempCnnConfig::new(10, 7, 4).init(&dev);
    time("TempCNN [64, 7x10] fwd+bwd", 30, || {
        let x = Tensor::<3>::random([64, 7, 10], Distribution::Default, &dev);
        let _ = tcnn.forward(x).sum().backward();
    });
    let lstm = LstmClassifierConfig::new(10, 4).init(&dev);
    time("LSTM 2x128 [64, 7x10] fwd+bwd", 30, || {
        let x = Tensor::<3>::random([64, 7, 10], Distribution::Default, &dev);
        let _ = lstm.forward(x).sum().backward();
    });
    let det = DetectorConfig::new().init(&dev).expect("default detector config");
    time("detector [8,3,128,128] fwd+bwd", 3, || {
        let x = Tensor::<4>::random([8, 3, 128, 128], Distribution::Uniform(0.0, 255.0), &dev);
        let _ = det.forward(x).heatmap.sum().backward();
    });
}

