//! A model directory holding a burn [`Config`] as JSON next to the module's
//! weights (burnpack): the detector and the U-Net are saved this way.

use std::path::Path;

use burn::config::Config;
use burn::module::Module;

use crate::error::ModelError;

/// A [`ModelError::File`] for `action` on `path`.
fn file_error(action: &'static str, path: &Path, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ModelError {
    ModelError::File { action, path: path.to_path_buf(), source: source.into() }
}

/// Write `config` to `<dir>/<config_file>` and `model`'s weights to `<dir>/<weights_file>`
/// (burnpack), creating `dir` if needed. Shared by the detector and the U-Net.
pub(crate) fn save_config_and_weights<M: Module, C: Config>(
    model: &M,
    config: &C,
    dir: &Path,
    (config_file, weights_file): (&str, &str),
) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|e| file_error("create", dir, e))?;
    let (cfg_path, weights) = (dir.join(config_file), dir.join(weights_file));
    config
        .save(&cfg_path)
        .map_err(|e| file_error("write", &cfg_path, e))?;
    model
        .clone()
        .save_file(&weights)
        .map_err(|e| file_error("write", &weights, e))
}

/// Read what [`save_config_and_weights`] wrote: the config, a model built from it by `init`,
/// then its weights.
pub(crate) fn load_config_and_weights<M: Module, C: Config>(
    dir: &Path,
    (config_file, weights_file): (&str, &str),
    init: impl FnOnce(&C) -> Result<M, ModelError>,
) -> Result<(M, C), ModelError> {
    let (cfg_path, weights) = (dir.join(config_file), dir.join(weights_file));
    let config = C::load(&cfg_path).map_err(|e| file_error("read", &cfg_path, e))?;
    let model = init(&config)?
        .try_load_file(&weights)
        .map_err(|e| file_error("load", &weights, e))?;
    Ok((model, config))
}
