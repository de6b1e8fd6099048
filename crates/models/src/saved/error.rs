//! Errors reading or writing a saved model directory.

use std::path::PathBuf;

use thiserror::Error;

use super::ModelKind;

/// What can go wrong with a saved model's header or files.
#[derive(Debug, Error)]
pub enum SavedModelError {
    /// The directory has no header file.
    #[error("no saved-model header {path}: not a model directory, or saved by an older terradl")]
    MissingHeader {
        /// The header path looked for.
        path: PathBuf,
    },
    /// The header's format version is not one this build reads.
    #[error("saved model {path} has format version {found}; this terradl reads versions {supported:?}")]
    UnsupportedVersion {
        /// The header path.
        path: PathBuf,
        /// The version found.
        found: u32,
        /// The versions supported.
        supported: Vec<u32>,
    },
    /// The directory holds another kind of model than the one asked for.
    #[error("saved model {path} is a {found} model, expected a {} model", super::kind::one_of(expected))]
    KindMismatch {
        /// The header path.
        path: PathBuf,
        /// The kinds asked for.
        expected: Vec<ModelKind>,
        /// The kind found.
        found: ModelKind,
    },
    /// A file or directory could not be read or written.
    #[error("cannot read or write {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of the model (its header, or its data) could not be encoded or parsed.
    #[error("corrupt saved-model JSON {path}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}

impl SavedModelError {
    /// A [`SavedModelError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }

    /// A [`SavedModelError::Json`] for `path`.
    pub fn json(path: impl Into<PathBuf>, source: serde_json::Error) -> Self {
        Self::Json { path: path.into(), source }
    }
}
