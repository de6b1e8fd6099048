//! terradl-sar
