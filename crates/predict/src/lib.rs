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
pub mod detect;
pub mod nms;
pub mod uncertainty;

pub use block::{BlockOutput, BlockPredictor};
pub use engine::{predict_raster, ClassLegend, PredictSummary};
pub use error::{PredictError, Result};
pub use mosaic::mosaic;
pub use outputs::{OutputLayout, CLASS_NODATA};
pub use shard::{predict_shard, shard_from_env};
