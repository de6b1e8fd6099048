//! The land-cover / land-use method comparison (`kind = "lulc"`): per-pixel random forest and
//! MLP, patch CNN, OCNN and JDL / SS-JDL on the same per-object split, and prediction with the
//! saved methods.

mod config;
mod data;
mod maps;
mod predict;
mod run;
mod saved;

pub use config::{LulcMapConfig, LulcMethod, LulcPipeline, ObjectSplitConfig, OcnnMethod, PatchMethod, SegmentationConfig, Target};
pub(crate) use predict::predict;
pub use saved::{LULC_FILE, LulcModelInfo};
