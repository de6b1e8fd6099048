//! Scene-level crown detection over arbitrarily large rasters: tiles with
//! overlap, the detector per tile, boxes shifted to scene pixels, then a
//! scene-wide NMS so crowns on tile seams are reported once. Memory is bounded
//! by the tile size when the source reads windows (e.g. a GeoTIFF reader).

use burn::tensor::{Device, Tensor, TensorData};
use terradl_geo::TileGrid;
use terradl_geo::{GeoTransform, PixelBox, Raster, RasterReader, Scored, Window};
use terradl_models::detection::{CenterNetDetector, DETECTOR_INPUT_MULTIPLE, DecodeConfig, decode_detections};

use crate::nms::scene_nms;

/// Errors of scene detection.
#[derive(Debug, thiserror::Error)]
pub enum DetectError {
    /// The detection settings are out of range.
    #[error("invalid detection settings: {0}")]
    Invalid(String),
    /// A raster window could not be read.
    #[error("cannot read raster window")]
    Read(#[source] terradl_geo::GeoError),
    /// The scene could not be cut into tiles.
    #[error("cannot tile the scene")]
    Tiling(#[source] terradl_geo::GeoError),
    /// Crown instances could not be separated.
    #[error("cannot separate crown instances")]
    Instances(#[source] terradl_segment::SegmentError),
    /// The compute device failed (a GPU out of memory, a lost device).
    #[error("the compute device failed: {0}")]
    Device(String),
}

/// A raster that can be read window by window.
pub trait WindowSource {
    /// (cols, rows, bands).
    fn shape(&self) -> (usize, usize, usize);
    /// Pixel-to-world transform of the full raster.
    fn geo_transform(&self) -> GeoTransform;
    /// Read all bands of a window.
    fn read(&self, window: Window) -> Result<Raster, DetectError>;
}

impl WindowSource for Raster {
    fn shape(&self) -> (usize, usize, usize) {
        (self.cols, self.rows, self.bands)
    }
    fn geo_transform(&self) -> GeoTransform {
        self.transform
    }
    fn read(&self, window: Window) -> Result<Raster, DetectError> {
        self.window(window).map_err(DetectError::Read)
    }
}

/// A GeoTIFF or JPEG 2000 file, read window by window.
impl WindowSource for RasterReader {
    fn shape(&self) -> (usize, usize, usize) {
        let i = self.info();
        (i.cols, i.rows, i.bands)
    }
    fn geo_transform(&self) -> GeoTransform {
        self.info().transform
    }
    fn read(&self, window: Window) -> Result<Raster, DetectError> {
        self.read_window(window).map_err(DetectError::Read)
    }
}

/// Settings of [`detect_scene`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectConfig {
    /// Side of each tile's core in pixels.
    pub tile_size: usize,
    /// Context read around each core (pixels); at least the largest expected
    /// object so every object lies wholly inside the tile whose core holds its centre.
    pub overlap: usize,
    /// Per-tile decoding (peak threshold, top-k, per-tile NMS).
    pub decode: DecodeConfig,
    /// IoU of the scene-wide NMS.
    pub scene_nms_iou: f64,
}

impl Default for DetectConfig {
    fn default() -> Self {
        DetectConfig { tile_size: 512, overlap: 96, decode: DecodeConfig::default(), scene_nms_iou: 0.4 }
    }
}

/// Round `n` up to a multiple of `m`.
fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

/// The `[3, ph, pw]` network input of a tile: its first three bands (the last band
/// repeated when there are fewer), padded with `mean`. Missing pixels become the
/// neutral mean: NaN in any band, or the nodata value in every band. One band at the
/// nodata value is kept: 8-bit RGB orthophotos often declare nodata 255, which is also
/// a saturated but valid channel value.
pub(crate) fn tile_input(tile: &Raster, mean: [f32; 3], ph: usize, pw: usize) -> Vec<f32> {
    let (h, w) = (tile.rows.min(ph), tile.cols.min(pw));
    let plane = ph * pw;
    let mut data = vec![0f32; 3 * plane];
    for b in 0..3 {
        let dst = &mut data[b * plane..(b + 1) * plane];
        dst.fill(mean[b]);
        if tile.bands == 0 {
            continue;
        }
        let src_band = b.min(tile.bands - 1);
        for r in 0..h {
            let s = tile.index(src_band, r, 0);
            dst[r * pw..r * pw + w].copy_from_slice(&tile.data[s..s + w]);
        }
    }
    if tile.bands > 0 {
        for r in 0..h {
            for c in r * pw..r * pw + w {
                let all_nodata = tile.nodata.is_some() && (0..3).all(|b| tile.is_nodata(data[b * plane + c]));
                for b in 0..3 {
                    let v = &mut data[b * plane + c];
                    if v.is_nan() || all_nodata {
                        *v = mean[b];
                    }
                }
            }
        }
    }
    data
}

/// Run the detector on one RGB raster (any size; padded to a multiple of 16 with
/// the model's mean), returning boxes in the raster's pixel coordinates.
pub fn detect_tile(model: &CenterNetDetector, tile: &Raster, decode: &DecodeConfig, device: &Device) -> Vec<Scored<PixelBox>> {
    let (h, w) = (tile.rows, tile.cols);
    let (ph, pw) = (round_up(h.max(1), DETECTOR_INPUT_MULTIPLE), round_up(w.max(1), DETECTOR_INPUT_MULTIPLE));
    let data = tile_input(tile, model.input_mean(), ph, pw);
    let x = Tensor::<4>::from_data(TensorData::new(data, [1, 3, ph, pw]), device);
    let out = model.forward(x);
    decode_detections(&out, decode).into_iter().next().unwrap_or_default()
}

/// Detect objects over a whole scene read window by window.
///
/// Tiles of `tile_size` (cores partition the scene) are read with `overlap`
/// pixels of context; boxes whose centre falls in a tile's core are kept,
/// shifted to scene pixels, and a scene-wide NMS removes duplicates across
/// seams. Only one tile is in memory at a time. The boxes are in scene pixels
/// (clipped to the scene), with score and class; [`PixelBox::to_world`] maps
/// them into the raster's CRS.
pub fn detect_scene(
    model: &CenterNetDetector,
    source: &impl WindowSource,
    cfg: &DetectConfig,
    device: &Device,
) -> Result<Vec<Scored<PixelBox>>, DetectError> {
    detect_scene_with_progress(model, source, cfg, device, &mut |_, _| {})
}

/// [`detect_scene`] calling `on_tile(done, total)` after each tile (for progress bars).
pub fn detect_scene_with_progress(
    model: &CenterNetDetector,
    source: &impl WindowSource,
    cfg: &DetectConfig,
    device: &Device,
    on_tile: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Scored<PixelBox>>, DetectError> {
    let (cols, rows, bands) = source.shape();
    if cols == 0 || rows == 0 {
        return Err(DetectError::Invalid("empty raster".into()));
    }
    if bands < 3 {
        return Err(DetectError::Invalid(format!("detection needs an RGB raster, got {bands} band(s)")));
    }
    if cfg.tile_size < DETECTOR_INPUT_MULTIPLE {
        return Err(DetectError::Invalid(format!("tile size {} is below {DETECTOR_INPUT_MULTIPLE}", cfg.tile_size)));
    }
    let grid = TileGrid::new(cols, rows, cfg.tile_size, cfg.overlap).map_err(DetectError::Tiling)?;
    let mut boxes = Vec::new();
    for tile in grid.tiles() {
        let raster = source.read(tile.outer)?;
        let core = tile.core;
        let (ox, oy) = (tile.outer.col as f64, tile.outer.row as f64);
        for mut b in detect_tile(model, &raster, &cfg.decode, device) {
            // Clipped to the scene before the NMS, so the reported (clipped) boxes are
            // the ones whose overlap the NMS bounded.
            b.bbox = clamp_to_scene(b.bbox.translated(ox, oy), cols as f64, rows as f64);
            let (cx, cy) = b.bbox.center();
            let in_core = cx >= core.col as f64
                && cx < (core.col + core.cols) as f64
                && cy >= core.row as f64
                && cy < (core.row + core.rows) as f64;
            if in_core {
                boxes.push(b);
            }
        }
        tracing::debug!(tile = tile.index, of = grid.len(), found = boxes.len(), "detected tile");
        on_tile(tile.index + 1, grid.len());
    }
    Ok(scene_nms(boxes, cfg.scene_nms_iou, 128.0))
}

/// Every corner of `b` moved into the scene `[0, cols] x [0, rows]`.
fn clamp_to_scene(b: PixelBox, cols: f64, rows: f64) -> PixelBox {
    PixelBox::new(b.xmin.clamp(0.0, cols), b.ymin.clamp(0.0, rows), b.xmax.clamp(0.0, cols), b.ymax.clamp(0.0, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;
    use terradl_models::detection::DetectorConfig;

    #[test]
    fn boxes_are_clamped_into_the_scene() {
        let b = clamp_to_scene(PixelBox::new(-5.0, 20.0, 30.0, 450.0), 400.0, 400.0);
        assert_eq!(b, PixelBox::new(0.0, 20.0, 30.0, 400.0));
    }

    #[test]
    fn scene_detection_runs_on_odd_sizes_and_rejects_bad_input() {
        let device = Device::default();
        let model = DetectorConfig::new().init(&device).unwrap();
        let scene = Raster::new(3, 70, 45, DType::U8);
        let cfg = DetectConfig { tile_size: 32, overlap: 8, ..Default::default() };
        let dets = detect_scene(&model, &scene, &cfg, &device).unwrap();
        assert!(dets.iter().all(|d| d.bbox.xmax <= 45.0 && d.bbox.ymax <= 70.0));
        assert!(detect_scene(&model, &Raster::new(1, 8, 8, DType::U8), &cfg, &device).is_err());
        let tiny = DetectConfig { tile_size: 4, ..cfg };
        assert!(detect_scene(&model, &scene, &tiny, &device).is_err());
    }

    #[test]
    fn input_keeps_saturated_channels_and_fills_all_band_nodata() {
        let mut t = Raster::new(3, 1, 3, DType::U8);
        t.nodata = Some(255.0);
        // pixel 0: one saturated band (valid); pixel 1: nodata in every band; pixel 2: NaN in one band
        let px = [[255.0, 10.0, 20.0], [255.0, 255.0, 255.0], [f32::NAN, 30.0, 40.0]];
        for (c, v) in px.iter().enumerate() {
            for b in 0..3 {
                let i = t.index(b, 0, c);
                t.data[i] = v[b];
            }
        }
        let mean = [1.0, 2.0, 3.0];
        let x = tile_input(&t, mean, 16, 16);
        let at = |b: usize, c: usize| x[b * 256 + c];
        assert_eq!([at(0, 0), at(1, 0), at(2, 0)], [255.0, 10.0, 20.0]);
        assert_eq!([at(0, 1), at(1, 1), at(2, 1)], mean);
        assert_eq!([at(0, 2), at(1, 2), at(2, 2)], [1.0, 30.0, 40.0]);
        assert_eq!([at(0, 16), at(1, 255)], [1.0, 2.0], "padding is the mean");
    }
}
