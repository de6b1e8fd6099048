//! terradl-models
