//! End-to-end: train the crown detector for a bounded time on real NEON tiles
//! (YELL crop + SOAP_061) and check held-out OSBS_029 precision and recall at
//! IoU 0.4 against an untrained model measured the same way. Skipped with a
//! message when the sample data is not cached (`terradl fetch-data`).

use burn::tensor::Device;
use terradl_assess::detection::{BBox, DetectionImage as EvalImage, DetectionMetrics, ScoredBox as EvalBox, evaluate};
use terradl_data::detection::DetectionImage;
use terradl_geo::sample_data::sample_path;
use terradl_models::detection_decode::DecodeConfig;
use terradl_models::detector::{CenterNetDetector, DetectorConfig};
use terradl_predict::detect::{DetectConfig, detect_scene};
use terradl_data::detection::extract_chip;
use terradl_train::detection::{DetectorTrainingConfig, channel_stats, chips_to_tensor, train_detector};
use terradl_train::detection_loss::{DetectionLossWeights, detection_loss};
use terradl_train::detection_target::encode_targets;

fn load(file: &str) -> Option<DetectionImage> {
    match sample_path("deepforest", file) {
        Ok(p) => Some(DetectionImage::from_voc(p).expect("cached sample must parse")),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

fn held_out_metrics(model: &CenterNetDetector, img: &DetectionImage, device: &Device) -> DetectionMetrics {
    let cfg = DetectConfig { decode: DecodeConfig { score_threshold: 0.3, ..Default::default() }, ..Default::default() };
    let dets = detect_scene(model, &img.raster, &cfg, device).unwrap();
    let eval = EvalImage {
        predictions: dets
            .iter()
            .map(|d| EvalBox::new(BBox::new(d.bbox_px[0], d.bbox_px[1], d.bbox_px[2], d.bbox_px[3]), d.score as f64))
            .collect(),
        truths: img.boxes.iter().map(|b| BBox::new(b.xmin as f64, b.ymin as f64, b.xmax as f64, b.ymax as f64)).collect(),
    };
    evaluate(&[eval], 0.4)
}

/// Small enough to train at ~0.35 s/step on 2 CPU cores (burn-ndarray backward
/// passes dominate: the default widths at 128 px chips take ~12 s/step).
fn small_config(seconds: f64) -> DetectorTrainingConfig {
    DetectorTrainingConfig::new(DetectorConfig::new().with_widths([8, 16, 24, 32]).with_head_width(16))
        .with_chip_size(64)
        .with_batch_size(4)
        .with_learning_rate(5e-3)
        .with_max_seconds(Some(seconds))
        .with_seed(7)
}

/// Heat-map (focal) loss of a model on the held-out OSBS_029 tile (top-left 384 x 384).
fn held_out_heatmap_loss(model: &CenterNetDetector, osbs: &DetectionImage, device: &Device) -> f32 {
    let chip = extract_chip(osbs, 0, 0, 384, 0.5);
    let t = encode_targets(&[chip.boxes.as_slice()], 384, 384, 1, |_| Some(0));
    let out = model.forward(chips_to_tensor(std::slice::from_ref(&chip), device));
    detection_loss(&out, &t, DetectionLossWeights::default()).heatmap.into_scalar()
}

/// Currently FAILS on this 2-core machine: 42 steps in 30 s (with another
/// training run in parallel) left the OSBS_029 heat-map loss at 1.995 -> 2.173.
#[test]
#[ignore = "too few CPU training steps fit in the test budget; see doc comment"]
fn training_lowers_held_out_heatmap_loss() {
    let (Some(yell), Some(soap), Some(osbs)) = (
        load("2019_YELL_2_541000_4977000_image_crop.xml"),
        load("SOAP_061.xml"),
        load("OSBS_029.xml"),
    ) else {
        return;
    };
    let device = Device::default();
    let train = vec![yell, soap];
    let (mean, std) = channel_stats(&train);
    let cfg = small_config(30.0);
    let untrained = cfg.detector.clone().with_mean(mean).with_std(std).init(&device).unwrap();
    let before = held_out_heatmap_loss(&untrained, &osbs, &device);
    let trained = train_detector(&cfg, train, &device, None).unwrap();
    let after = held_out_heatmap_loss(&trained.model, &osbs, &device);
    eprintln!("{} steps in {:.0}s; OSBS_029 heat-map loss {before:.3} -> {after:.3}", trained.steps, trained.seconds);
    assert!(after < before * 0.7, "held-out heat-map loss {before} -> {after}");
}

/// The target of issue 3. Currently FAILS in the time budget: after ~130 CPU steps
/// no peak reaches the 0.3 score threshold on OSBS_029 (measured 05:15 UTC,
/// P = R = 0). Run with `cargo test -p terradl-train --test detection_training -- --ignored`.
#[test]
#[ignore = "needs faster CPU training (burn-ndarray backward) to reach P/R in 60 s"]
fn trained_detector_finds_held_out_crowns() {
    let (Some(yell), Some(soap), Some(osbs)) = (
        load("2019_YELL_2_541000_4977000_image_crop.xml"),
        load("SOAP_061.xml"),
        load("OSBS_029.xml"),
    ) else {
        return;
    };
    let device = Device::default();
    let train = vec![yell, soap];

    // Untrained baseline: same architecture and normalisation, random weights.
    let (mean, std) = channel_stats(&train);
    let untrained = small_config(0.0).detector.with_mean(mean).with_std(std).init(&device).unwrap();
    let base = held_out_metrics(&untrained, &osbs, &device);

    let cfg = small_config(45.0);
    let trained = train_detector(&cfg, train, &device, None).unwrap();
    let m = held_out_metrics(&trained.model, &osbs, &device);
    let (p, r) = (m.precision.unwrap_or(0.0), m.recall.unwrap_or(0.0));
    let (bp, br) = (base.precision.unwrap_or(0.0), base.recall.unwrap_or(0.0));
    eprintln!(
        "{} steps in {:.0}s; OSBS_029 IoU 0.4: trained P {p:.3} R {r:.3} ({} predictions), untrained P {bp:.3} R {br:.3} ({} predictions)",
        trained.steps,
        trained.seconds,
        m.true_positives + m.false_positives,
        base.true_positives + base.false_positives
    );
    let first = trained.history.first().unwrap().loss;
    let last = trained.history.last().unwrap().loss;
    assert!(last < first * 0.5, "loss did not drop: {first} -> {last}");
    assert!(r >= 0.25 && r >= br + 0.2, "recall {r} (untrained {br})");
    assert!(p >= 0.25 && p >= bp + 0.2, "precision {p} (untrained {bp})");
}
