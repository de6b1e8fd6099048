//! Saved models of a `kind = "lulc"` run.
//!
//! A lulc run stores every trained method in `<run>/model/` (the layout of
//! [`crate::model_store`]: `manifest.json` + one directory per model) plus `lulc.json`
//! ([`LulcModelInfo`]: the per-band normalisation, the segmentation settings and the
//! land-use classes). Model kinds are the pipeline's method names:
//!
//! | kind | directory holds | prediction |
//! | --- | --- | --- |
//! | `random_forest`, `mlp` | a pixel classifier (`terradl_train::pixel` layout) | tiled, per pixel of the standardised bands |
//! | `patch_cnn` | `model.json` (header, kind `patch_cnn`) + `patch_cnn.bpk` | tiled with a halo of half a patch |
//! | `ocnn`, `ocnn_lu` | `model.json` (kind `ocnn`), `large/`, `small/` | the whole raster is segmented with the training settings, then every object is classified |
//! | `jdl`, `ss_jdl` | `model.json` (kind `jdl`), `iter-<i>/{mlp,ocnn}` | segmentation, then the iterations' MLP and OCNN replayed in order |
//!
//! Every prediction writes `classes.tif` (uint8 + colour table), `probabilities.tif`
//! (float32, one band per class) and `uncertainty.tif` (entropy in nats, margin); JDL also
//! writes `land_use_classes.tif`, `land_use_probabilities.tif`, `land_use_uncertainty.tif`.

use super::config::SegmentationConfig;
use crate::model_store::{SavedModelEntry, MODEL_DIR};
use crate::run_files::write_json;
use crate::error::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::path::Path;
use terradl_data::NormStats;
use terradl_train::lulc::{JdlModel, Ocnn, PatchClassifier};
use terradl_train::pixel::{PixelClassifier, SavedPixelModel};

/// File in `<run>/model/` holding a lulc run's [`LulcModelInfo`].
pub const LULC_FILE: &str = "lulc.json";

/// `lulc.json`: what predicting with a lulc run's models needs besides the manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LulcModelInfo {
    /// Per-band statistics the training image was standardised with (every model sees
    /// standardised bands).
    pub normalisation: NormStats,
    /// Segmentation giving the objects of OCNN / JDL (run again on the raster to predict).
    pub segmentation: SegmentationConfig,
    /// Land-use classes (empty without a `[land_use]` table) and their colours.
    pub land_use_names: Vec<String>,
    /// Colour `[r, g, b]` of each land-use class.
    pub land_use_colors: Vec<[u8; 3]>,
    /// What the label classes are, and so what the pixel and patch methods predict.
    #[serde(default)]
    pub labels_are: super::config::Target,
}

/// A trained model of a lulc run.
pub(super) enum TrainedLulc {
    Pixel(Box<dyn PixelClassifier>),
    Patch(PatchClassifier),
    Ocnn(Ocnn),
    Jdl(JdlModel),
}

/// A trained model with its name and test accuracy, to be saved.
pub(super) struct TrainedEntry {
    /// Method name (`patch_cnn`, `ocnn_lu`, `jdl`, ...), the kind in the manifest.
    pub kind: String,
    /// Position of the method in the pipeline.
    pub position: usize,
    /// Test OA (land cover; land use for `ocnn_lu`).
    pub overall_accuracy: f64,
    pub model: TrainedLulc,
}

/// Save `info` and `entries` into the model directory `dir`; returns the manifest entries.
pub(crate) fn save_lulc_models(dir: &Path, info: &LulcModelInfo, entries: &[TrainedEntry]) -> Result<Vec<SavedModelEntry>> {
    write_json(dir, LULC_FILE, info)?;
    let mut out = Vec::new();
    for e in entries {
        let name = format!("{}#{}", e.kind, e.position);
        let sub = format!("{}-{}", e.position, e.kind);
        let path = dir.join(&sub);
        match &e.model {
            TrainedLulc::Pixel(m) => m.save(&path),
            TrainedLulc::Patch(m) => m.save(&path),
            TrainedLulc::Ocnn(m) => m.save(&path),
            TrainedLulc::Jdl(m) => m.save(&path),
        }
        .with_context(|| format!("saving model {name}"))?;
        out.push(SavedModelEntry { name, kind: e.kind.clone(), dir: sub, overall_accuracy: e.overall_accuracy });
    }
    Ok(out)
}

/// Read `<run_dir>/model/lulc.json`.
pub(super) fn read_info(run_dir: &Path) -> Result<LulcModelInfo> {
    let path = run_dir.join(MODEL_DIR).join(LULC_FILE);
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("corrupt {}", path.display()))
}

/// A saved lulc model, loaded.
pub(super) enum LoadedLulc {
    Pixel(SavedPixelModel),
    Patch(PatchClassifier),
    Ocnn(Ocnn),
    Jdl(JdlModel),
}

/// Load the saved model `entry` of the lulc run in `run_dir`.
pub(super) fn load_model(run_dir: &Path, entry: &SavedModelEntry) -> Result<LoadedLulc> {
    let dir = run_dir.join(MODEL_DIR).join(&entry.dir);
    let ctx = || format!("loading model {} from {}", entry.name, dir.display());
    Ok(match entry.kind.as_str() {
        "random_forest" | "mlp" => LoadedLulc::Pixel(SavedPixelModel::load(&dir).with_context(ctx)?),
        "patch_cnn" => LoadedLulc::Patch(PatchClassifier::load(&dir).with_context(ctx)?),
        "ocnn" | "ocnn_lu" => LoadedLulc::Ocnn(Ocnn::load(&dir).with_context(ctx)?),
        "jdl" | "ss_jdl" => LoadedLulc::Jdl(JdlModel::load(&dir).with_context(ctx)?),
        k => bail!("model {} has kind {k:?}, which this terradl cannot apply", entry.name),
    })
}
