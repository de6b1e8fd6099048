//! terradl-data
