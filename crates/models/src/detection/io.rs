//! Saving and loading a trained detector: `<dir>/model.json` (the saved-model header,
//! holding the [`DetectorConfig`] with its normalisation statistics) and
//! `<dir>/detector.bpk` (weights, burnpack format).

use std::path::Path;

use burn::tensor::Device;

use super::detector::{CenterNetDetector, DetectorConfig};
use crate::saved::{ModelKind, load_config_and_weights, save_config_and_weights};
use crate::error::ModelError;

/// File name of the weights inside a detector directory.
pub(super) const DETECTOR_WEIGHTS_FILE: &str = "detector.bpk";

/// Write the configuration and weights of a detector into `dir` (created if needed).
pub fn save_detector(model: &CenterNetDetector, config: &DetectorConfig, dir: impl AsRef<Path>) -> Result<(), ModelError> {
    save_config_and_weights(model, config, ModelKind::Detector, dir.as_ref(), DETECTOR_WEIGHTS_FILE)
}

/// Load a detector saved by [`save_detector`] onto `device`.
pub fn load_detector(dir: impl AsRef<Path>, device: &Device) -> Result<(CenterNetDetector, DetectorConfig), ModelError> {
    load_config_and_weights(dir.as_ref(), ModelKind::Detector, DETECTOR_WEIGHTS_FILE, |c: &DetectorConfig| c.init(device))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Tensor;

    #[test]
    fn round_trip_reproduces_outputs() {
        let device = Device::default();
        let config = DetectorConfig::new().with_mean([90.0, 100.0, 80.0]);
        let model = config.init(&device).unwrap();
        let dir = std::env::temp_dir().join(format!("terradl-detector-io-{}", std::process::id()));
        save_detector(&model, &config, &dir).unwrap();
        let (loaded, cfg2) = load_detector(&dir, &device).unwrap();
        assert_eq!(cfg2.mean, config.mean);
        let x = Tensor::<4>::ones([1, 3, 32, 32], &device) * 120.0;
        let a: Vec<f32> = model.forward(x.clone()).heatmap.into_data().try_to_vec().unwrap();
        let b: Vec<f32> = loaded.forward(x).heatmap.into_data().try_to_vec().unwrap();
        assert_eq!(a, b);
        assert!(load_detector(dir.join("missing"), &device).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
