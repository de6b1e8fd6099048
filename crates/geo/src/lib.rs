//! terradl-geo
