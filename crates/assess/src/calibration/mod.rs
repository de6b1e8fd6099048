//! Probability calibration: expected calibration error, reliability curve,
//! and temperature scaling (Guo et al. 2017, "On calibration of modern neural
//! networks", ICML).

mod reliability;
mod temperature;

pub use reliability::{ReliabilityBin, expected_calibration_error, reliability_curve, top_label_confidence};
pub use temperature::{TemperatureScaling, negative_log_likelihood, softmax_with_temperature};
