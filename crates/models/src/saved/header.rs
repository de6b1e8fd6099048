//! The versioned header (`model.json`) of a saved model directory.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{ModelKind, SavedModelError, write_atomic};

/// Name of the header file in a model directory.
pub const HEADER_FILE: &str = "model.json";
/// Format version this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// Format versions this build reads.
pub const SUPPORTED_VERSIONS: [u32; 1] = [1];

/// Where a saved model came from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// terradl version that wrote the model.
    pub terradl_version: String,
    /// Creation time, seconds since the Unix epoch (UTC).
    pub created_unix_s: u64,
    /// Training command, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Training data, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    /// Random seed, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl Provenance {
    /// Provenance stamped now with this build's version.
    pub fn now() -> Self {
        let created_unix_s = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self { terradl_version: env!("CARGO_PKG_VERSION").to_owned(), created_unix_s, ..Self::default() }
    }
}

/// Per-band normalisation statistics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Normalisation {
    /// Per-band means.
    pub mean: Vec<f32>,
    /// Per-band standard deviations.
    pub std: Vec<f32>,
}

/// The header of a saved model: format version, kind, config and provenance; the weights
/// and kind-specific files sit next to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Format version of the directory layout.
    pub format_version: u32,
    /// Which model the directory holds.
    pub kind: ModelKind,
    /// The model's configuration, as JSON.
    #[serde(default)]
    pub config: serde_json::Value,
    /// Class names, where the model has a class table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
    /// Normalisation statistics, where the model has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalisation: Option<Normalisation>,
    /// Where the model came from.
    pub provenance: Provenance,
}

impl ModelHeader {
    /// A header for `kind` with `config`, stamped with [`Provenance::now`].
    pub fn new(kind: ModelKind, config: serde_json::Value) -> Self {
        Self { format_version: FORMAT_VERSION, kind, config, classes: Vec::new(), normalisation: None, provenance: Provenance::now() }
    }

    /// Writes the header to `<dir>/model.json` (atomically), creating `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), SavedModelError> {
        std::fs::create_dir_all(dir).map_err(|e| SavedModelError::io(dir, e))?;
        let path = dir.join(HEADER_FILE);
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| SavedModelError::json(&path, e))?;
        write_atomic(&path, &bytes)
    }

    /// Reads `<dir>/model.json`, checking its format version.
    pub fn read(dir: &Path) -> Result<Self, SavedModelError> {
        let path = dir.join(HEADER_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(SavedModelError::MissingHeader { path }),
            Err(e) => return Err(SavedModelError::io(&path, e)),
        };
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| SavedModelError::json(&path, e))?;
        let found = value.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if !SUPPORTED_VERSIONS.iter().any(|&v| u64::from(v) == found) {
            let found = u32::try_from(found).unwrap_or(u32::MAX);
            return Err(SavedModelError::UnsupportedVersion { path, found, supported: SUPPORTED_VERSIONS.to_vec() });
        }
        serde_json::from_value(value).map_err(|e| SavedModelError::json(&path, e))
    }

    /// Reads `<dir>/model.json` and checks it holds a `expected` model.
    pub fn read_kind(dir: &Path, expected: ModelKind) -> Result<Self, SavedModelError> {
        Self::read_kind_in(dir, &[expected])
    }

    /// Reads `<dir>/model.json` and checks it holds a model of one of the `expected` kinds.
    pub fn read_kind_in(dir: &Path, expected: &[ModelKind]) -> Result<Self, SavedModelError> {
        let header = Self::read(dir)?;
        if !expected.contains(&header.kind) {
            return Err(SavedModelError::KindMismatch { path: dir.join(HEADER_FILE), expected: expected.to_vec(), found: header.kind });
        }
        Ok(header)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("terradl-saved-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn header_round_trips() {
        let dir = tmp("round");
        let mut header = ModelHeader::new(ModelKind::Mlp, serde_json::json!({"hidden": [8, 4]}));
        header.classes = vec!["water".into(), "forest".into()];
        header.normalisation = Some(Normalisation { mean: vec![1.0], std: vec![2.0] });
        header.provenance.seed = Some(7);
        header.write(&dir).unwrap();
        assert_eq!(ModelHeader::read_kind(&dir, ModelKind::Mlp).unwrap(), header);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn newer_version_is_refused_naming_both() {
        let dir = tmp("version");
        let mut header = ModelHeader::new(ModelKind::Svm, serde_json::Value::Null);
        header.format_version = 99;
        header.write(&dir).unwrap();
        let err = ModelHeader::read(&dir).unwrap_err();
        assert!(matches!(err, SavedModelError::UnsupportedVersion { found: 99, .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("99") && text.contains("[1]"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn kind_mismatch_names_both_kinds() {
        let dir = tmp("kind");
        ModelHeader::new(ModelKind::Detector, serde_json::Value::Null).write(&dir).unwrap();
        let text = ModelHeader::read_kind(&dir, ModelKind::PlantSegmenter).unwrap_err().to_string();
        assert!(text.contains("detector") && text.contains("plant_segmenter"), "{text}");
        let text = ModelHeader::read_kind_in(&dir, &[ModelKind::Tempcnn, ModelKind::Lstm, ModelKind::Ltae]).unwrap_err().to_string();
        assert!(text.ends_with("is a detector model, expected a tempcnn, lstm or ltae model"), "{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_header_names_the_file() {
        let dir = tmp("missing");
        let text = ModelHeader::read(&dir).unwrap_err().to_string();
        assert!(text.contains(HEADER_FILE), "{text}");
    }
}
