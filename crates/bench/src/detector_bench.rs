//! The crown detector (CenterNet, `terradl_models::detection`) at realistic sizes, for
//! `bench/detector.sh` against the same network in PyTorch (`bench/detector_torch.py`):
//!
//! - `train`: a training step (forward, a stand-in loss — mean squares of the heat-map, size
//!   and offset maps, the same on both sides; the real focal loss costs little beside the
//!   convolutions — backward, Adam), chips per second;
//! - `infer`: forward passes in inference mode (the `detect` tile size), tiles per second.
//!
//! One JSON line per measurement, with the convolutions' GFLOP/s and peak resident memory.

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Tensor};
use serde_json::json;
use terradl_models::detection::{DetectorConfig, DetectorOutput};

use crate::unet_bench::{ConvShape, best_secs, forward_flops, peak_rss_mb};

/// The convolutions of the detector with backbone `widths` and neck/head width `head` on
/// `side` px inputs, as `DetectorConfig::init` builds them (`side` is the output side).
pub(crate) fn detector_conv_shapes(widths: [usize; 4], head: usize, classes: usize, side: usize) -> Vec<ConvShape> {
    let conv = |c_in, c_out, kernel, side| ConvShape { c_in, c_out, kernel, side };
    let mut v = Vec::new();
    let mut c_in = 3;
    for (i, &c) in widths.iter().enumerate() {
        let s = side >> (i + 1);
        v.push(conv(c_in, c, 3, s)); // stride 2
        v.push(conv(c, c, 3, s));
        c_in = c;
    }
    v.push(conv(widths[3], head, 1, side >> 4)); // lateral4
    v.push(conv(widths[2], head, 1, side >> 3)); // lateral3
    v.push(conv(head, head, 3, side >> 3)); // smooth3
    v.push(conv(widths[1], head, 1, side >> 2)); // lateral2
    v.push(conv(head, head, 3, side >> 2)); // smooth2
    v.push(conv(head, head, 3, side >> 2)); // head_hidden
    v.push(conv(head, classes + 4, 1, side >> 2)); // head_out
    v
}

/// The stand-in loss: mean squares of the three output maps.
fn stand_in_loss(out: DetectorOutput) -> Tensor<1> {
    let ms = |t: Tensor<4>| (t.clone() * t).mean();
    ms(out.heatmap) + ms(out.size) + ms(out.offset)
}

/// `mode` is `train` or `infer`.
pub(crate) fn run(mode: &str, widths: [usize; 4], head: usize, batch: usize, side: usize, reps: usize) -> anyhow::Result<()> {
    let device = terradl_models::compute_device();
    let config = DetectorConfig::new().with_widths(widths).with_head_width(head);
    let flops = forward_flops(&detector_conv_shapes(widths, head, config.num_classes, side), batch);
    let threads = rayon::current_num_threads();
    let x_of = |d: &Device| Tensor::<4>::random([batch, 3, side, side], Distribution::Uniform(0.0, 255.0), d);
    let secs = match mode {
        "train" => {
            let ad = device.autodiff();
            ad.seed(7);
            let mut model = Some(config.init(&ad)?);
            let mut optim = AdamConfig::new().init();
            let x = x_of(&ad);
            best_secs(1, reps, || {
                let m = model.take().expect("model");
                let (m, loss) = terradl_train::on_pool(|| {
                    let loss = stand_in_loss(m.forward(x.clone()));
                    let grads = GradientsParams::from_grads(loss.backward(), &m);
                    (optim.step(1e-3, m, grads), loss)
                });
                let _: f32 = loss.into_scalar();
                model = Some(m);
            })
        }
        "infer" => {
            let model = config.init(&device)?;
            let x = x_of(&device);
            best_secs(1, reps, || {
                let y = terradl_train::on_pool(|| model.forward(x.clone()));
                let _ = y.heatmap.into_data();
            })
        }
        other => anyhow::bail!("unknown mode {other} (train, infer)"),
    };
    let work = if mode == "train" { 3.0 * flops } else { flops };
    println!(
        "{}",
        json!({
            "bench": format!("detector_{mode}"), "impl": "terradl", "widths": widths, "head": head,
            "batch": batch, "side": side, "threads": threads, "seconds": secs,
            "samples_per_s": batch as f64 / secs, "gflops": work / secs / 1e9, "peak_rss_mb": peak_rss_mb(),
            "device": terradl_models::device::compute_device_name(),
        })
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conv_shapes_follow_the_detector() {
        let s = detector_conv_shapes([16, 32, 64, 96], 32, 1, 256);
        assert_eq!(s.len(), 15);
        // Stage 1 runs at 1/2, stage 4 at 1/16; the head at stride 4 with 1 + 4 outputs.
        assert_eq!((s[0].c_in, s[0].c_out, s[0].side), (3, 16, 128));
        assert_eq!((s[7].c_in, s[7].side), (96, 16));
        assert_eq!((s[14].c_out, s[14].kernel, s[14].side), (5, 1, 64));
        // The convolutions' weights and biases are the model's parameters but batch norm's.
        let device = Device::default();
        let model = DetectorConfig::new().init(&device).unwrap();
        let conv_params: usize = s.iter().map(|c| c.c_in * c.c_out * c.kernel * c.kernel + c.c_out).sum();
        // Batch norm (4 stages x 2 + smooth3 + smooth2 layers): gamma, beta and the running
        // mean and variance, which burn counts too.
        let bn: usize = [16, 16, 32, 32, 64, 64, 96, 96, 32, 32].iter().map(|c| 4 * c).sum();
        assert_eq!(burn::module::Module::num_params(&model), conv_params + bn);
    }
}
