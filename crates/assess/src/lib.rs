//! terradl-assess
