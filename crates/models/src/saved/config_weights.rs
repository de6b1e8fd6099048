//! Models saved as a burn [`Config`] (inside the [`ModelHeader`]) next to the module's
//! weights (burnpack): the detector and the U-Net plant segmenter.

use std::path::Path;

use burn::config::Config;
use burn::module::Module;

use super::{ModelHeader, ModelKind, SavedModelError};
use crate::error::ModelError;

/// Write the header (`kind`, `config`) and `model`'s weights to `<dir>/<weights_file>`
/// (burnpack), creating `dir` if needed.
pub(crate) fn save_config_and_weights<M: Module, C: Config>(
    model: &M,
    config: &C,
    kind: ModelKind,
    dir: &Path,
    weights_file: &str,
) -> Result<(), ModelError> {
    let value = serde_json::to_value(config).map_err(|e| SavedModelError::json(dir.join(super::HEADER_FILE), e))?;
    std::fs::create_dir_all(dir).map_err(|e| ModelError::File { action: "create", path: dir.to_path_buf(), source: e.into() })?;
    // Weights first (burnpack writes them atomically), the header last: a directory whose
    // header is present holds the weights it describes, even after a kill in between.
    let weights = dir.join(weights_file);
    model
        .clone()
        .save_file(&weights)
        .map_err(|e| ModelError::File { action: "write", path: weights.clone(), source: e.into() })?;
    ModelHeader::new(kind, value).write(dir)?;
    Ok(())
}

/// Read what [`save_config_and_weights`] wrote (checking the header's version and `kind`):
/// the config, a model built from it by `init`, then its weights.
pub(crate) fn load_config_and_weights<M: Module, C: Config>(
    dir: &Path,
    kind: ModelKind,
    weights_file: &str,
    init: impl FnOnce(&C) -> Result<M, ModelError>,
) -> Result<(M, C), ModelError> {
    let header = ModelHeader::read_kind(dir, kind)?;
    let config: C = serde_json::from_value(header.config).map_err(|e| SavedModelError::json(dir.join(super::HEADER_FILE), e))?;
    let weights = dir.join(weights_file);
    let model = init(&config)?
        .try_load_file(&weights)
        .map_err(|e| ModelError::File { action: "load", path: weights.clone(), source: e.into() })?;
    Ok((model, config))
}
