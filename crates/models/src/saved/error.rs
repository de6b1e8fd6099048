//! Errors reading or writing a saved model directory.

use std::path::PathBuf;

use thiserror::Error;

use super::ModelKind;

/// What can go wrong with a saved model's header or files.
#[derive(Debug, Error, Clone, PartialEq)]
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
    #[error("saved model {path} is a {found} model, expected a {expected} model")]
    KindMismatch {
        /// The header path.
        path: PathBuf,
        /// The kind asked for.
        expected: ModelKind,
        /// The kind found.
        found: ModelKind,
    },
    /// A file could not be read, written or parsed.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

impl SavedModelError {
    /// A [`SavedModelError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, e: impl ToString) -> Self {
        Self::Io { path: path.into(), message: e.to_string() }
    }
}
