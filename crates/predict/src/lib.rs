//! Prediction: streaming tiled inference over rasters larger than memory,
//! sharded runs for array-job engines and their mosaic, uncertainty
//! measures, and scene-level tree-crown detection.

pub mod block;
pub mod cog;
pub mod engine;
pub mod error;
pub mod mosaic;
pub mod outputs;
pub mod shard;
pub mod source;
pub mod detect;
pub mod nms;
pub mod plants;
pub mod uncertainty;

pub use block::{BlockOutput, BlockPredictor};
pub use engine::{predict_raster, predict_source, ClassLegend, PredictSummary};
pub use error::{PredictError, Result};
pub use mosaic::mosaic;
pub use outputs::{OutputLayout, CLASS_NODATA};
pub use shard::{predict_shard, predict_shard_source, shard_from_env};
pub use source::TileSource;
