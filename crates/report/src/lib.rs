//! terradl-report
