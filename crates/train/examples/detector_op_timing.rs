//! Times forward + backward of the detector's building blocks on the autodiff
//! CPU device, to find where training time goes.
//! `cargo run --example detector_op_timing`

use std::time::Instant;

use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d};
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Distribution, Tensor};
use terradl_models::detection::DetectorConfig;

fn time(name: &str, f: impl Fn()) {
    f();
    let t = Instant::now();
    let n = 3;
    for _ in 0..n {
        f();
    }
    println!("{name:<40} {:>8.1} ms", t.elapsed().as_secs_f64() * 1000.0 / n as f64);
}

fn main() {
    let dev = Device::default().autodiff();
    let x = || Tensor::<4>::random([8, 32, 64, 64], Distribution::Normal(0.0, 1.0), &dev).require_grad();
    let conv = Conv2dConfig::new([32, 32], [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(&dev);
    time("conv3x3 s1 fwd [8,32,64,64]", || {
        let _ = conv.forward(x()).sum().into_scalar::<f32>();
    });
    time("conv3x3 s1 fwd+bwd", || {
        let _ = conv.forward(x()).sum().backward();
    });
    let conv2 = Conv2dConfig::new([32, 32], [3, 3]).with_stride([2, 2]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1)).init(&dev);
    time("conv3x3 s2 fwd+bwd", || {
        let _ = conv2.forward(x()).sum().backward();
    });
    let conv1 = Conv2dConfig::new([32, 32], [1, 1]).init(&dev);
    time("conv1x1 fwd+bwd", || {
        let _ = conv1.forward(x()).sum().backward();
    });
    let bn = BatchNormConfig::new(32).init(&dev);
    time("batchnorm fwd+bwd", || {
        let _ = bn.forward(x()).sum().backward();
    });
    time("relu fwd+bwd", || {
        let _ = burn::tensor::activation::relu(x()).sum().backward();
    });
    time("interpolate nearest x2 fwd+bwd", || {
        let y = interpolate(x(), InterpolateOptions::new(InterpolateMode::Nearest).with_output_size([128, 128]));
        let _ = y.sum().backward();
    });
    let model = DetectorConfig::new().init(&dev).unwrap();
    let img = || Tensor::<4>::random([8, 3, 128, 128], Distribution::Uniform(0.0, 255.0), &dev);
    time("detector fwd [8,3,128,128]", || {
        let _ = model.forward(img()).heatmap.sum().into_scalar::<f32>();
    });
    time("detector fwd+bwd", || {
        let _ = model.forward(img()).heatmap.sum().backward();
    });
    let _ = model.num_params();
}
