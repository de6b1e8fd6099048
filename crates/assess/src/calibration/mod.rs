//! Calibration metrics.
