//! Choosing between a user's saved model and the one shipped with terradl
//! (`terradl_pipeline::shipped`): `--model` omitted on `detect` / `segment-plants`,
//! `--init shipped` on `train-detector` / `train-segmenter`.

use std::path::{Path, PathBuf};

use terradl_pipeline::shipped::ShippedModel;

/// The model directory to load: `model` when given, else the shipped model (written into
/// the cache on first use), saying which one is used.
pub(super) fn model_dir(model: Option<&Path>, shipped: ShippedModel) -> anyhow::Result<PathBuf> {
    Ok(match model {
        Some(dir) => dir.to_path_buf(),
        None => {
            println!("model: {}", shipped.summary);
            shipped.dir()?
        }
    })
}

/// The saved-model directory `--init` names (`shipped`: the shipped model), if any.
pub(super) fn init_dir(init: Option<&str>, shipped: ShippedModel) -> anyhow::Result<Option<PathBuf>> {
    Ok(match init {
        None => None,
        Some("shipped") => {
            println!("fine-tuning the {}", shipped.summary);
            Some(shipped.dir()?)
        }
        Some(path) => {
            println!("fine-tuning the model in {path}");
            Some(PathBuf::from(path))
        }
    })
}
