//! Error type shared by the geo crate.

use std::path::PathBuf;

/// Errors raised while reading, writing or transforming geospatial data.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("I/O error on {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a valid TIFF file {path}: {reason}")]
    InvalidTiff { path: PathBuf, reason: String },
    #[error("corrupt TIFF chunk {index} (at byte {offset}) in {path}")]
    CorruptChunk {
        path: PathBuf,
        index: usize,
        offset: u64,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("unsupported TIFF feature in {path}: {what}")]
    Unsupported { path: PathBuf, what: String },
    #[error("raster has zero size ({cols}x{rows}x{bands})")]
    EmptyRaster { cols: usize, rows: usize, bands: usize },
    #[error("window {window:?} lies outside the raster ({cols}x{rows})")]
    WindowOutOfBounds {
        window: crate::Window,
        cols: usize,
        rows: usize,
    },
    #[error("band {band} requested but the raster has {bands} band(s)")]
    MissingBand { band: usize, bands: usize },
    #[error("CRS mismatch: {what} is in {found}, expected {expected}")]
    CrsMismatch {
        what: String,
        found: String,
        expected: String,
    },
    #[error("invalid vector data in {path}: {reason}")]
    InvalidVector { path: PathBuf, reason: String },
    /// A GeoPackage's SQLite queries failed: not an SQLite file, a GeoPackage
    /// table missing, corrupt pages.
    #[error("cannot read GeoPackage {path}: {what}: {source}")]
    GeoPackage {
        /// The GeoPackage file.
        path: PathBuf,
        /// The step that failed, e.g. "listing feature layers in gpkg_geometry_columns".
        what: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// One feature's geometry blob in a GeoPackage is malformed.
    #[error("invalid geometry in GeoPackage {path}, layer {layer:?}, row {row}: {source}")]
    GeoPackageGeometry {
        /// The GeoPackage file.
        path: PathBuf,
        /// The feature table (layer) being read.
        layer: String,
        /// 0-based row of the layer's table, in table order.
        row: usize,
        /// What is wrong with the blob.
        #[source]
        source: crate::vector::GpkgGeometryError,
    },
    /// A vector file's contents could not be decoded.
    #[error("invalid vector data in {path}: {what}")]
    VectorDecode {
        path: PathBuf,
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("no features found in {path}")]
    EmptyVector { path: PathBuf },
    #[error("invalid geometry (feature {index}): {reason}")]
    InvalidGeometry { index: usize, reason: String },
    /// A feature's geometry cannot be converted to a `geo_types` geometry.
    #[error("cannot convert the {type_name} geometry of feature {index}")]
    GeometryConversion {
        /// 0-based feature index.
        index: usize,
        /// The geometry type read, e.g. `GeometryCollection`.
        type_name: String,
        /// The converter's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A layer cannot be serialised as GeoJSON.
    #[error("cannot serialise GeoJSON")]
    GeoJsonEncode(#[source] serde_json::Error),
    /// A GeoTIFF tile (or strip) cannot be compressed.
    #[error("compressing tile ({col}, {row})")]
    EncodeTile {
        /// Tile column.
        col: usize,
        /// Tile row.
        row: usize,
        /// The encoder's error.
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Result alias for the geo crate.
pub type Result<T> = std::result::Result<T, GeoError>;

impl GeoError {
    /// Wrap an `std::io::Error` with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        GeoError::Io { path: path.into(), source }
    }
}
