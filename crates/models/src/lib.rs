//! terradl-models: burn classification models for Earth-observation samples.
//!
//! Every model has a `#[derive(Config)]` configuration whose `init(&device)` builds it, a
//! `forward` returning logits, and implements [`Classifier`] so one training loop drives all
//! of them. See [`classifier`] for how MC dropout works with burn 0.22.

pub mod classifier;
pub mod saved;
pub mod detection;
pub mod detector_conv;
pub mod temporal_conv;
pub mod error;
pub mod fused;
pub mod ltae;
pub mod mlp;
pub mod patch_cnn;
pub mod recurrent;
pub mod unet;
pub mod tempcnn;

pub use classifier::{Classifier, DropoutMode, apply_dropout};
pub use error::ModelError;
pub use ltae::{Ltae, LtaeConfig};
pub use mlp::{Mlp, MlpConfig};
pub use patch_cnn::{PatchCnn, PatchCnnConfig};
pub use recurrent::{LstmClassifier, LstmClassifierConfig, RecurrentCell, SequencePooling};
pub use tempcnn::{TempCnn, TempCnnConfig};
