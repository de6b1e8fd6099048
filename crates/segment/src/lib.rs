//! terradl-segment
