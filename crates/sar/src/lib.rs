//! SAR preprocessing and polarimetry for terradl.
//!
//! Everything here is pure arithmetic on single-band `f32` grids (row-major,
//! `rows x cols`) or on per-pixel polarimetric matrices; NaN marks nodata in
//! inputs and outputs.
//!
//! - [`db`]: linear power/amplitude <-> decibels.
//! - [`speckle`]: boxcar, Lee and refined-Lee speckle filters.
//! - [`dualpol`]: Sentinel-1 VV/VH ratios and indices.
//! - [`polsar`]: quad-pol scattering vectors, C3/T3 matrices with multilook,
//!   Pauli, Cloude–Pottier H/A/alpha and Freeman–Durden decompositions.
//! - [`io`]: reading real PolSAR covariance matrices (gzip'd numpy pickles).
//! - [`PolarimetricImage`] and [`SarOperation`]: a whole quad-pol or dual-pol
//!   image and one operation on it (decomposition, speckle filter, dB,
//!   ratios) giving named bands ([`SarProduct`]); what `terradl sar` runs.
//!
//! ```
//! use terradl_sar::db::{power_to_db, db_to_power};
//! let db = power_to_db(0.01);
//! assert!((db - -20.0).abs() < 1e-5);
//! assert!((db_to_power(db) - 0.01).abs() < 1e-7);
//! ```

pub mod db;
pub mod dualpol;
mod error;
mod grid;
mod image;
pub mod io;
mod operation;
pub mod polsar;
pub mod speckle;

pub use error::{Result, SarError};
pub use grid::GridShape;
pub use image::{C3_CHANNELS, DUAL_POL_CHANNELS, PolarimetricImage, QUAD_POL_SLC_CHANNELS};
pub use operation::{SarOperation, SarProduct};
