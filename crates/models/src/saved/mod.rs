//! One save/load interface for every model kind: a versioned header (`model.json`: format
//! version, [`ModelKind`], config, class table, normalisation, provenance) next to the
//! weights, written atomically.

mod atomic;
mod config_weights;
mod error;
mod header;
mod kind;

pub use atomic::write_atomic;
pub(crate) use config_weights::{load_config_and_weights, save_config_and_weights};
pub use error::SavedModelError;
pub use header::{FORMAT_VERSION, HEADER_FILE, ModelHeader, Normalisation, Provenance, SUPPORTED_VERSIONS};
pub use kind::ModelKind;
