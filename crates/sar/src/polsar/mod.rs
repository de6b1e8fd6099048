//! Quad-pol polarimetry: scattering vectors, C3/T3 matrices, decompositions.
//!
//! Conventions (Lee & Pottier 2009, "Polarimetric Radar Imaging"):
//! - lexicographic vector `Ω = [S_HH, √2 S_HV, S_VV]`, covariance `C3 = <Ω Ω^H>`;
//! - Pauli vector `k = [S_HH + S_VV, S_HH − S_VV, 2 S_HV] / √2`, coherency
//!   `T3 = <k k^H>`;
//! - reciprocity is imposed with `S_HV := (S_HV + S_VH) / 2`;
//! - `<.>` is a boxcar multilook ([`multilook`]).
//!
//! For reciprocal data `trace(C3) = trace(T3) = span = |HH|² + |HV|² + |VH|² + |VV|²`.

mod bands;
mod cloude_pottier;
mod eigen;
mod freeman_durden;
mod matrix;
mod multilook;
mod pauli;
mod scattering;

pub use bands::PolarimetricBands;
pub use cloude_pottier::{CloudePottier, cloude_pottier};
pub use eigen::{HermitianEigen, hermitian_eigen};
pub use freeman_durden::{FreemanDurden, freeman_durden};
pub use matrix::Hermitian3;
pub use multilook::multilook;
pub use pauli::PauliPowers;
pub use scattering::QuadPolPixel;

pub use num_complex::Complex64;
