//! Detection metrics.
