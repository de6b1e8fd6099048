//! terradl-models: burn classification models for Earth-observation samples.
//!
//! Every model has a `#[derive(Config)]` configuration whose `init(&device)` builds it, a
//! `forward` returning logits, and implements [`Classifier`] so one training loop drives all
//! of them. See [`DropoutMode`] for how MC dropout works with burn 0.22.

mod classifier;
pub mod device;
pub mod saved;
pub mod detection;
mod detector_conv;
mod temporal_conv;
mod error;
pub mod fused;
mod ltae;
mod mlp;
mod patch_cnn;
mod recurrent;
mod unet;
mod tempcnn;

pub use device::{ComputeDevice, DeviceError, compute_device};
pub use classifier::{Classifier, DropoutMode, apply_dropout};
pub use detector_conv::MatmulConv;
pub use error::ModelError;
pub use ltae::{Ltae, LtaeConfig};
pub use mlp::{Mlp, MlpConfig};
pub use patch_cnn::{MIN_PATCH_SIZE, PatchCnn, PatchCnnConfig};
pub use recurrent::{LstmClassifier, LstmClassifierConfig, RecurrentCell, SequencePooling};
pub use tempcnn::{TempCnn, TempCnnConfig};
pub use temporal_conv::MatmulConv1d;
pub use unet::{UNET_WEIGHTS_FILE, UNet, UNetConfig, load_unet, save_unet};
