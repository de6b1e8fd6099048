//! Object detection (tree crowns and other plants): the CenterNet-style
//! [`CenterNetDetector`], decoding its outputs into scored pixel boxes
//! ([`decode_detections`], [`nms`]) and saving / loading a trained detector
//! ([`save_detector`], [`load_detector`]).
//!
//! Boxes are the shared [`terradl_geo::PixelBox`] / [`terradl_geo::Scored`] types.

mod decode;
mod detector;
mod io;

pub use decode::{DecodeConfig, decode_detections, nms};
pub use detector::{CenterNetDetector, DETECTOR_INPUT_MULTIPLE, DETECTOR_STRIDE, DetectorConfig, DetectorOutput};
pub use io::{load_detector, save_detector};
