//! The files of a saved model directory, through [`terradl_models::saved`]: the header
//! (`model.json`, holding the kind's settings as its config and the normalisation
//! statistics) and burn weights, each written to a temporary name and renamed into place.

use std::path::Path;

use burn::module::Module;
use serde::Serialize;
use serde::de::DeserializeOwned;
use terradl_models::saved::{HEADER_FILE, ModelHeader, ModelKind, Normalisation, SavedModelError};

use crate::error::TrainError;
use crate::normalization::{FeatureAxis, Normalization};

/// Writes the header of a `kind` model into `dir` (created): `config` as its config and
/// `normalisation`, if any.
pub(crate) fn write_header(
    dir: &Path,
    kind: ModelKind,
    config: &impl Serialize,
    normalisation: Option<&Normalization>,
) -> Result<(), TrainError> {
    let value = serde_json::to_value(config).map_err(|e| SavedModelError::json(dir.join(HEADER_FILE), e))?;
    let mut header = ModelHeader::new(kind, value);
    header.normalisation = normalisation.map(|n| Normalisation { mean: n.mean.clone(), std: n.std.clone() });
    Ok(header.write(dir)?)
}

/// Reads the header of `dir`, checking it holds a model of one of the `kinds`; returns the
/// header and its config parsed as `T`.
pub(crate) fn read_header<T: DeserializeOwned>(dir: &Path, kinds: &[ModelKind]) -> Result<(ModelHeader, T), TrainError> {
    let header = ModelHeader::read_kind_in(dir, kinds)?;
    let config = serde_json::from_value(header.config.clone()).map_err(|e| SavedModelError::json(dir.join(HEADER_FILE), e))?;
    Ok((header, config))
}

/// The header's normalisation statistics of features on `axis`; an error naming the header
/// when it has none.
pub(crate) fn header_normalisation(dir: &Path, header: &ModelHeader, axis: FeatureAxis) -> Result<Normalization, TrainError> {
    let n = header.normalisation.as_ref().ok_or_else(|| {
        TrainError::checkpoint(dir.join(HEADER_FILE), format!("a {} model needs normalisation statistics", header.kind))
    })?;
    Ok(Normalization { axis, mean: n.mean.clone(), std: n.std.clone() })
}

/// Writes `model`'s weights to `<dir>/<file>` (burnpack) through a temporary file.
pub(crate) fn save_weights<M: Module>(model: &M, dir: &Path, file: &str) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| SavedModelError::io(dir, e))?;
    let tmp = dir.join(format!(".{file}.tmp{}", std::process::id()));
    model.clone().save_file(&tmp).map_err(|e| TrainError::checkpoint(&tmp, e))?;
    let path = dir.join(file);
    std::fs::rename(&tmp, &path).map_err(|e| SavedModelError::io(&path, e))?;
    Ok(())
}

/// `model` with the weights of `<dir>/<file>`.
pub(crate) fn load_weights<M: Module>(model: M, dir: &Path, file: &str) -> Result<M, TrainError> {
    let path = dir.join(file);
    model.try_load_file(&path).map_err(|e| TrainError::checkpoint(&path, e))
}
