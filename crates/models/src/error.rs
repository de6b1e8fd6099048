//! Errors raised by the models.

use thiserror::Error;

/// What can go wrong when a model is built or fed.
#[derive(Debug, Error)]
pub enum ModelError {
    /// Samples do not have the layout the model expects.
    #[error("model `{model}` expects samples shaped {expected}, got {got:?}")]
    SampleShape {
        /// The model's name.
        model: &'static str,
        /// A description of the expected shape.
        expected: String,
        /// The shape supplied.
        got: Vec<usize>,
    },
    /// A configuration value is out of range.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A model's config or weights file could not be written or read.
    #[error("cannot {action} {path}")]
    File {
        /// What was attempted: `create`, `write`, `read` or `load`.
        action: &'static str,
        /// The file or directory.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A saved model's header is missing, of another version or kind, or unreadable.
    #[error(transparent)]
    Saved(#[from] crate::saved::SavedModelError),
}

impl ModelError {
    /// A [`ModelError::SampleShape`] for `model`.
    pub fn sample_shape(model: &'static str, expected: String, got: &[usize]) -> Self {
        Self::SampleShape {
            model,
            expected,
            got: got.to_vec(),
        }
    }
}
