//! terradl-predict
pub mod detect;
pub mod nms;
pub mod uncertainty;
