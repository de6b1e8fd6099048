//! Trained models as [`terradl_predict::BlockPredictor`]s for streaming tiled prediction.

pub mod patch;
pub mod pixel;
pub mod standardised;
pub mod uncertain;
