//! GeoTIFF reading and writing (pure Rust, `tiff` crate + our GeoKey handling).
