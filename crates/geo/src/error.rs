//! Error type shared by the geo crate.

use std::path::PathBuf;

/// Errors raised while reading, writing or transforming geospatial data.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// A file could not be read or written.
    #[error("I/O error on {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a readable TIFF.
    #[error("not a valid TIFF file {path}: {reason}")]
    InvalidTiff {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A strip or tile could not be read or decompressed.
    #[error("corrupt TIFF chunk {index} (at byte {offset}) in {path}")]
    CorruptChunk {
        /// The file.
        path: PathBuf,
        /// Index of the strip or tile.
        index: usize,
        /// Byte offset of the chunk in the file.
        offset: u64,
        /// The read or decoder error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The TIFF uses a feature this reader does not support.
    #[error("unsupported TIFF feature in {path}: {what}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The feature.
        what: String,
    },
    /// The file is not a readable JPEG 2000 image (JP2 file or raw codestream):
    /// wrong signature, truncated or malformed boxes or codestream header.
    #[error("not a valid JPEG 2000 file {path}: {reason}")]
    InvalidJp2 {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The JPEG 2000 codestream could not be decoded (corrupt or truncated
    /// packet data, or a decoder failure).
    #[error("cannot decode JPEG 2000 image {path}: {reason}")]
    Jp2Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        reason: String,
    },
    /// The JPEG 2000 file uses a feature terradl does not read, or is larger
    /// than the reader accepts.
    #[error("unsupported JPEG 2000 file {path}: {what}")]
    UnsupportedJp2 {
        /// The file.
        path: PathBuf,
        /// The feature or limit.
        what: String,
    },
    /// A JPEG 2000 georeferencing box (GMLJP2 XML or GeoJP2 UUID) is present
    /// but cannot be used.
    #[error("invalid {kind} georeferencing in {path}: {reason}")]
    Jp2Georef {
        /// The file.
        path: PathBuf,
        /// Which box: `GMLJP2` or `GeoJP2`.
        kind: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The file is neither a GeoTIFF nor a JPEG 2000 image.
    #[error("unsupported raster format {path}: {reason}")]
    UnknownRasterFormat {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// A raster with zero columns, rows or bands.
    #[error("raster has zero size ({cols}x{rows}x{bands})")]
    EmptyRaster {
        /// Columns.
        cols: usize,
        /// Rows.
        rows: usize,
        /// Bands.
        bands: usize,
    },
    /// A window does not fit inside the raster.
    #[error("window {window:?} lies outside the raster ({cols}x{rows})")]
    WindowOutOfBounds {
        /// The window.
        window: crate::Window,
        /// Raster columns.
        cols: usize,
        /// Raster rows.
        rows: usize,
    },
    /// A read would bring more samples into memory than terradl allows at once.
    #[error(
        "reading {cols} x {rows} pixels x {bands} band(s) at once exceeds the in-memory limit of {limit} samples \
         (TERRADL_MAX_READ_SAMPLES): read the raster by window, as `terradl predict` does"
    )]
    ReadTooLarge {
        /// Columns asked for.
        cols: usize,
        /// Rows asked for.
        rows: usize,
        /// Bands asked for.
        bands: usize,
        /// The limit in samples.
        limit: u64,
    },
    /// A band index at or past the band count.
    #[error("band {band} requested but the raster has {bands} band(s)")]
    MissingBand {
        /// The requested band (0-based).
        band: usize,
        /// Bands of the raster.
        bands: usize,
    },
    /// Two inputs that must share a CRS do not.
    #[error("CRS mismatch: {what} is in {found}, expected {expected}")]
    CrsMismatch {
        /// The input with the other CRS.
        what: String,
        /// Its CRS.
        found: String,
        /// The CRS it should have.
        expected: String,
    },
    /// Coordinates cannot be transformed from one CRS to another; the
    /// source says why (a CRS terradl cannot transform, a coordinate outside
    /// the transformation's domain).
    #[error("cannot reproject {what} from {from} to {to}")]
    Reproject {
        /// The data being reprojected, e.g. the labels' file.
        what: String,
        /// Its CRS.
        from: String,
        /// The CRS asked for.
        to: String,
        /// Why not.
        #[source]
        source: crate::ReprojectError,
    },
    /// A vector file's structure is wrong.
    #[error("invalid vector data in {path}: {reason}")]
    InvalidVector {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
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
        /// The file.
        path: PathBuf,
        /// What could not be decoded.
        what: String,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A vector file holds no features.
    #[error("no features found in {path}")]
    EmptyVector {
        /// The file.
        path: PathBuf,
    },
    /// A feature's geometry cannot be used.
    #[error("invalid geometry (feature {index}): {reason}")]
    InvalidGeometry {
        /// Index of the feature.
        index: usize,
        /// What is wrong.
        reason: String,
    },
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
    /// A band cannot be stacked with the others (rotated grid, missing band).
    #[error("cannot stack {path}: {reason}")]
    Stack {
        /// The input file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Any other invalid input, described by the message.
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
