//! Land cover and land use beyond per-pixel classifiers:
//!
//! - [`ImageStack`]: in-memory band-major imagery, standardisation, patch extraction;
//! - [`PatchClassifier`]: a patch CNN on windows centred on pixels;
//! - [`Ocnn`]: the object-based CNN (Zhang et al. 2018) with shape-dependent patch placement
//!   and per-object voting;
//! - [`joint_deep_learning`]: JDL / SS-JDL (Zhang et al. 2019, 2020), alternating a per-pixel
//!   land-cover MLP and a per-object land-use OCNN that feed each other's probabilities.

pub mod jdl;
pub mod ocnn;
pub mod patch_cnn;
pub mod stack;

pub use jdl::{JdlConfig, JdlInputs, JdlIteration, JdlModel, JdlOutput, JdlStage, joint_deep_learning, map_accuracy, map_argmax};
pub use ocnn::{ObjectPlan, Ocnn, OcnnConfig, object_majority, object_probabilities_to_pixels, plan_objects};
pub use patch_cnn::{PatchClassifier, PatchCnnSettings};
pub use stack::{ImageStack, MaskIntegral};
