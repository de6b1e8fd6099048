//! terradl-train
