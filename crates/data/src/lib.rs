//! terradl-data
pub mod detection;
