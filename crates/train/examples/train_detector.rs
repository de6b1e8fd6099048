//! Train the CenterNet crown detector on NEON tiles (YELL crops + SOAP_061),
//! evaluate on held-out OSBS_029 at IoU 0.4 and 0.5, time inference, and save
//! the weights.
//!
//! ```text
//! cargo run --release -p terradl-train --example train_detector -- \
//!     --seconds 600 --chip 192 --batch 8 --out data/cache/models/crown-detector
//! ```
//! Options: `--seconds S` (wall-clock budget), `--steps N`, `--chip PX`, `--batch B`,
//! `--lr LR`, `--eval-every N`, `--widths a,b,c,d`, `--head W`, `--seed N`, `--out DIR`.

use std::time::Instant;

use burn::tensor::Device;
use terradl_assess::detection::{DetectionImage as EvalImage, evaluate};
use terradl_data::detection::DetectionImage;
use terradl_samples::sample_path;
use terradl_models::detection::{CenterNetDetector, DecodeConfig, DetectorConfig, save_detector};
use terradl_predict::{DetectConfig, detect_scene};
use terradl_train::detection::{DetectorTrainingConfig, train_detector};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn load(file: &str) -> Result<DetectionImage, Box<dyn std::error::Error>> {
    Ok(DetectionImage::from_voc(sample_path("deepforest", file)?)?)
}

fn eval_image(model: &CenterNetDetector, img: &DetectionImage, cfg: &DetectConfig, device: &Device) -> EvalImage {
    EvalImage {
        predictions: detect_scene(model, &img.raster, cfg, device).unwrap_or_default(),
        truths: img.boxes.iter().map(|b| b.bbox).collect(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber_init();
    let args: Vec<String> = std::env::args().collect();
    let seconds: f64 = arg(&args, "--seconds", 300.0);
    let steps: usize = arg(&args, "--steps", 1_000_000);
    let chip: usize = arg(&args, "--chip", 192);
    let batch: usize = arg(&args, "--batch", 8);
    let lr: f64 = arg(&args, "--lr", 3e-3);
    let eval_every: usize = arg(&args, "--eval-every", 100);
    let head: usize = arg(&args, "--head", 32);
    let seed: u64 = arg(&args, "--seed", 42);
    let widths: Vec<usize> = arg(&args, "--widths", "16,32,64,96".to_string())
        .split(',')
        .filter_map(|w| w.parse().ok())
        .collect();
    let widths: [usize; 4] = widths.try_into().map_err(|_| "--widths needs four numbers")?;
    let out: String = arg(&args, "--out", String::new());
    let score_threshold: f32 = arg(&args, "--threshold", 0.3);

    let device = Device::default();
    let t0 = Instant::now();
    let train = vec![
        load("2019_YELL_2_528000_4978000_image_crop2.xml")?,
        load("2019_YELL_2_541000_4977000_image_crop.xml")?,
        load("SOAP_061.xml")?,
    ];
    let held_out = load("OSBS_029.xml")?;
    println!(
        "loaded {} training images ({} boxes) + OSBS_029 ({} boxes) in {:.1}s",
        train.len(),
        train.iter().map(|i| i.boxes.len()).sum::<usize>(),
        held_out.boxes.len(),
        t0.elapsed().as_secs_f64()
    );
    let detect_cfg = DetectConfig {
        tile_size: 512,
        overlap: 96,
        decode: DecodeConfig { score_threshold, ..Default::default() },
        ..Default::default()
    };
    let cfg = DetectorTrainingConfig::new(DetectorConfig::new().with_widths(widths).with_head_width(head))
        .with_chip_size(chip)
        .with_batch_size(batch)
        .with_learning_rate(lr)
        .with_max_steps(steps)
        .with_max_seconds(Some(seconds))
        .with_eval_every(eval_every)
        .with_seed(seed);
    // Held-out figures are only printed, never used to pick a model: the
    // callback returns a rising counter so the final model is kept.
    let mut evals = 0.0;
    let t_train = Instant::now();
    let mut validate = |m: &CenterNetDetector| -> f64 {
        let e = evaluate(&[eval_image(m, &held_out, &detect_cfg, &device)], 0.4);
        println!(
            "  [{:.0}s] held-out OSBS_029 @0.4: P {:.3} R {:.3} F1 {:.3} AP {:.3} ({} predictions)",
            t_train.elapsed().as_secs_f64(),
            e.precision.unwrap_or(0.0),
            e.recall.unwrap_or(0.0),
            e.f1.unwrap_or(0.0),
            e.average_precision.unwrap_or(0.0),
            e.true_positives + e.false_positives
        );
        evals += 1.0;
        evals
    };
    let trained = train_detector(&cfg, train, &device, Some(&mut validate))?;
    let last = trained.history.last().copied();
    let every = (trained.history.len() / 10).max(1);
    for chunk in trained.history.chunks(every) {
        let n = chunk.len() as f32;
        let mean = |f: fn(&terradl_train::detection::DetectionStepLog) -> f32| chunk.iter().map(f).sum::<f32>() / n;
        println!(
            "  steps {:>5}-{:<5} loss {:.3} heat {:.3} size {:.3} offset {:.3}",
            chunk[0].step,
            chunk[chunk.len() - 1].step,
            mean(|l| l.loss),
            mean(|l| l.heatmap_loss),
            mean(|l| l.size_loss),
            mean(|l| l.offset_loss)
        );
    }
    println!(
        "trained {} steps in {:.0}s ({:.2} s/step), final loss {:?}",
        trained.steps,
        trained.seconds,
        trained.seconds / trained.steps.max(1) as f64,
        last.map(|l| l.loss),
    );
    // Report the selected model at both IoU thresholds and over several score thresholds.
    for thr in [0.2f32, 0.3, 0.4, 0.5] {
        let c = DetectConfig { decode: DecodeConfig { score_threshold: thr, ..detect_cfg.decode }, ..detect_cfg };
        let img = eval_image(&trained.model, &held_out, &c, &device);
        for iou in [0.4, 0.5] {
            let e = evaluate(std::slice::from_ref(&img), iou);
            println!(
                "OSBS_029 score>={thr} IoU {iou}: P {:.3} R {:.3} F1 {:.3} AP {:.3} (pred {} truth {})",
                e.precision.unwrap_or(0.0),
                e.recall.unwrap_or(0.0),
                e.f1.unwrap_or(0.0),
                e.average_precision.unwrap_or(0.0),
                img.predictions.len(),
                img.truths.len()
            );
        }
    }
    // Inference speed on the largest scene (tiled, includes decoding and NMS).
    let scene = load("2019_YELL_2_528000_4978000_image_crop2.xml")?;
    let t = Instant::now();
    let dets = detect_scene(&trained.model, &scene.raster, &detect_cfg, &device)?;
    let secs = t.elapsed().as_secs_f64();
    let mpx = (scene.raster.rows * scene.raster.cols) as f64 / 1e6;
    println!("inference: {mpx:.2} Mpx in {secs:.2}s = {:.2} Mpx/s ({} crowns)", mpx / secs, dets.len());
    if !out.is_empty() {
        save_detector(&trained.model, &trained.config, &out)?;
        println!("saved detector to {out}");
    }
    Ok(())
}

fn tracing_subscriber_init() {
    // Step logs go through `tracing`; the example prints its own summary lines.
}
