//! Prediction: streaming tiled inference over rasters larger than memory,
//! sharded runs for array-job engines and their mosaic, uncertainty
//! measures, and scene-level tree-crown detection.

mod block;
mod cog;
mod engine;
mod error;
mod mosaic;
mod outputs;
mod shard;
mod source;
mod detect;
mod nms;
mod plants;
pub mod uncertainty;

pub use block::{BlockOutput, BlockPredictor};
pub use cog::convert_outputs_to_cog;
pub use detect::{
    detect_scene, detect_scene_with_progress, detect_tile, DetectConfig, DetectError, WindowSource,
};
pub use engine::{predict_raster, predict_source, ClassLegend, PredictSummary};
pub use error::{PredictError, Result};
pub use mosaic::{mosaic, mosaic_to, MosaicTargets};
pub use outputs::{OutputLayout, CLASS_NODATA, OUTPUT_TILE};
pub use plants::{
    plant_probability, probability_scene, segment_plants, segment_plants_with, Plant, PlantSegmentConfig,
};
pub use shard::{part_path, predict_shard, predict_shard_source, read_manifest, shard_from_env};
pub use source::{TileSource, WithNodata};
