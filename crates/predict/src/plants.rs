//! Individual plants from a plant-vs-background U-Net over a raster of any
//! size: tiles with overlap, the plant probability per tile, threshold, then
//! instance separation (exact distance transform, h-maxima markers,
//! marker-controlled watershed; [`terradl_segment::separate_instances`]).
//! A plant is kept by the one tile whose core holds its centroid, so plants on
//! tile seams are reported once as long as the overlap is at least the largest
//! plant's size. Memory is bounded by the tile size when the source reads
//! windows (e.g. a GeoTIFF reader).

use burn::tensor::{Device, Tensor, TensorData};
use terradl_geo::TileGrid;
use terradl_geo::{PixelBox, Raster};
use terradl_models::UNet;
use terradl_segment::{InstanceConfig, separate_instances};

use crate::detect::{DetectError, WindowSource, tile_input};

/// Settings of [`segment_plants`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlantSegmentConfig {
    /// Side of each tile's core in pixels.
    pub tile_size: usize,
    /// Context read around each core (pixels); at least the largest plant.
    pub overlap: usize,
    /// Plant probability at or above which a pixel is plant.
    pub threshold: f32,
    /// Markers, minimum area and polygon simplification of the instance separation.
    pub instances: InstanceConfig,
    /// Factor applied to each instance's outline and box about its centroid
    /// (`1 / core_scale` for a model trained on shrunken crown cores; 1 = as segmented).
    pub grow: f64,
}

impl Default for PlantSegmentConfig {
    fn default() -> Self {
        PlantSegmentConfig { tile_size: 384, overlap: 64, threshold: 0.5, instances: InstanceConfig::default(), grow: 1.0 }
    }
}

/// One separated plant, in scene pixel coordinates (x = column, y = row, pixel
/// corners at integers) and in the raster's CRS.
#[derive(Debug, Clone, PartialEq)]
pub struct Plant {
    /// 1-based, in scene order of the tiles and of the instances within a tile.
    pub id: usize,
    /// Pixels of the segmented instance (before `grow`).
    pub pixels: usize,
    /// Area in pixels after `grow` (`pixels * grow^2`).
    pub area_px: f64,
    /// `area_px` in CRS units squared (pixels for an identity transform).
    pub area_map: f64,
    /// Mean plant probability over the instance's pixels.
    pub score: f32,
    /// Bounding box in scene pixels (after `grow`), clipped to the scene.
    pub bbox: PixelBox,
    /// Closed outline ring in scene pixels.
    pub polygon_px: Vec<(f64, f64)>,
}

/// Round `n` up to a multiple of `m`.
fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

/// Plant probability (row-major `rows x cols`) of one RGB raster, padded to the
/// U-Net's input multiple with the model's mean (nodata / NaN pixels likewise).
pub fn plant_probability(model: &UNet, tile: &Raster, device: &Device) -> Result<Vec<f32>, DetectError> {
    let (h, w) = (tile.rows, tile.cols);
    let m = model.input_multiple();
    let (ph, pw) = (round_up(h.max(1), m), round_up(w.max(1), m));
    let data = tile_input(tile, model.input_mean(), ph, pw);
    let x = Tensor::<4>::from_data(TensorData::new(data, [1, 3, ph, pw]), device);
    let p: Vec<f32> = model
        .foreground_probability(x)
        .try_into_data()
        .map_err(|e| DetectError::Device(format!("{e:?}")))?
        .try_to_vec::<f32>()
        .map_err(|e| DetectError::Device(format!("{e:?}")))?;
    let mut out = Vec::with_capacity(h * w);
    for r in 0..h {
        out.extend_from_slice(&p[r * pw..r * pw + w]);
    }
    Ok(out)
}

fn check_source(source: &impl WindowSource, tile_size: usize, multiple: usize) -> Result<TileGrid, DetectError> {
    let (cols, rows, bands) = source.shape();
    if cols == 0 || rows == 0 {
        return Err(DetectError::Invalid("empty raster".into()));
    }
    if bands < 3 {
        return Err(DetectError::Invalid(format!("plant segmentation needs an RGB raster, got {bands} band(s)")));
    }
    if tile_size < multiple.max(8) {
        return Err(DetectError::Invalid(format!("tile size {tile_size} is below {}", multiple.max(8))));
    }
    Ok(TileGrid::new(cols, rows, tile_size, 0).map_err(DetectError::Tiling)?)
}

/// Plant probability over a whole scene (row-major `rows x cols`), tile by tile
/// with `overlap` pixels of context, each tile's core pasted into the result.
pub fn probability_scene(
    model: &UNet,
    source: &impl WindowSource,
    tile_size: usize,
    overlap: usize,
    device: &Device,
) -> Result<Vec<f32>, DetectError> {
    check_source(source, tile_size, model.input_multiple())?;
    let (cols, rows, _) = source.shape();
    let grid = TileGrid::new(cols, rows, tile_size, overlap).map_err(DetectError::Tiling)?;
    let mut full = vec![0f32; rows * cols];
    for tile in grid.tiles() {
        let p = plant_probability(model, &source.read(tile.outer)?, device)?;
        tile.paste_core(&p, 1, &mut full, cols, rows).map_err(DetectError::Tiling)?;
    }
    Ok(full)
}

/// Separate the plants of a whole scene (see the module docs); `on_tile(done, total)`
/// is called after each tile.
pub fn segment_plants(
    model: &UNet,
    source: &impl WindowSource,
    cfg: &PlantSegmentConfig,
    device: &Device,
    on_tile: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Plant>, DetectError> {
    check_source(source, cfg.tile_size, model.input_multiple())?;
    segment_plants_with(&mut |tile: &Raster| plant_probability(model, tile, device), source, cfg, on_tile)
}

/// [`segment_plants`] with any per-tile probability function (row-major
/// `rows x cols` of the tile it is given).
pub fn segment_plants_with(
    probability: &mut dyn FnMut(&Raster) -> Result<Vec<f32>, DetectError>,
    source: &impl WindowSource,
    cfg: &PlantSegmentConfig,
    on_tile: &mut dyn FnMut(usize, usize),
) -> Result<Vec<Plant>, DetectError> {
    check_source(source, cfg.tile_size, 1)?;
    if !(cfg.threshold > 0.0 && cfg.threshold < 1.0) {
        return Err(DetectError::Invalid(format!("probability threshold must be in (0, 1), got {}", cfg.threshold)));
    }
    if !(cfg.grow > 0.0 && cfg.grow.is_finite()) {
        return Err(DetectError::Invalid(format!("grow factor must be positive, got {}", cfg.grow)));
    }
    let (cols, rows, _) = source.shape();
    let grid = TileGrid::new(cols, rows, cfg.tile_size, cfg.overlap).map_err(DetectError::Tiling)?;
    let gt = source.geo_transform();
    let pixel_area = (gt.0[1] * gt.0[5] - gt.0[2] * gt.0[4]).abs();
    let mut plants = Vec::new();
    for tile in grid.tiles() {
        let outer = tile.outer;
        let prob = probability(&source.read(outer)?)?;
        if prob.len() != outer.rows * outer.cols {
            return Err(DetectError::Invalid(format!("{} probabilities for a {}x{} tile", prob.len(), outer.cols, outer.rows)));
        }
        let mask: Vec<bool> = prob.iter().map(|&p| p >= cfg.threshold).collect();
        let inst = separate_instances(&mask, outer.rows, outer.cols, &cfg.instances)
            .map_err(DetectError::Instances)?;
        let core = tile.core;
        let (ox, oy) = (outer.col as f64, outer.row as f64);
        let mut sums = vec![(0f64, 0usize); inst.instances.len() + 1];
        for (p, &l) in inst.labels.iter().enumerate() {
            if l != 0 {
                sums[l as usize].0 += prob[p] as f64;
                sums[l as usize].1 += 1;
            }
        }
        for i in &inst.instances {
            // centroid of pixel centres, in scene pixel-corner coordinates
            let (cy, cx) = (i.centroid.0 + 0.5 + oy, i.centroid.1 + 0.5 + ox);
            let in_core = cx >= core.col as f64
                && cx < (core.col + core.cols) as f64
                && cy >= core.row as f64
                && cy < (core.row + core.rows) as f64;
            if !in_core {
                continue;
            }
            let grow = |x: f64, y: f64| (cx + (x + ox - cx) * cfg.grow, cy + (y + oy - cy) * cfg.grow);
            let polygon_px: Vec<(f64, f64)> = i.polygon.iter().map(|&(x, y)| grow(x, y)).collect();
            let (x0, y0) = grow(i.bbox.xmin, i.bbox.ymin);
            let (x1, y1) = grow(i.bbox.xmax, i.bbox.ymax);
            let bbox = PixelBox::new(x0.max(0.0), y0.max(0.0), x1.min(cols as f64), y1.min(rows as f64));
            let area_px = i.area as f64 * cfg.grow * cfg.grow;
            let (s, n) = sums[i.id as usize];
            plants.push(Plant {
                id: plants.len() + 1,
                pixels: i.area,
                area_px,
                area_map: area_px * pixel_area,
                score: (s / n.max(1) as f64) as f32,
                bbox,
                polygon_px,
            });
        }
        tracing::debug!(tile = tile.index, of = grid.len(), found = plants.len(), "segmented tile");
        on_tile(tile.index + 1, grid.len());
    }
    Ok(plants)
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;
    use terradl_models::UNetConfig;

    #[test]
    fn probabilities_cover_odd_sizes_and_bad_input_is_an_error() {
        let device = Device::default();
        let model = UNetConfig::new().with_widths(vec![4, 8]).init(&device).unwrap();
        let scene = Raster::new(3, 37, 50, DType::U8);
        let p = probability_scene(&model, &scene, 16, 8, &device).unwrap();
        assert_eq!(p.len(), 37 * 50);
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        // tiling does not change the probabilities much away from the padding
        let whole = plant_probability(&model, &scene, &device).unwrap();
        assert_eq!(whole.len(), p.len());
        assert!(probability_scene(&model, &Raster::new(1, 8, 8, DType::U8), 16, 4, &device).is_err());
        let cfg = PlantSegmentConfig { tile_size: 16, overlap: 8, ..Default::default() };
        assert!(segment_plants(&model, &scene, &cfg, &device, &mut |_, _| {}).is_ok());
        let bad = PlantSegmentConfig { threshold: 1.5, ..cfg };
        assert!(segment_plants(&model, &scene, &bad, &device, &mut |_, _| {}).is_err());
        let bad = PlantSegmentConfig { tile_size: 2, ..cfg };
        assert!(segment_plants(&model, &scene, &bad, &device, &mut |_, _| {}).is_err());
    }

    /// A scene whose band 0 is 255 inside the given discs (row, col, radius), 0 elsewhere.
    fn disc_scene(rows: usize, cols: usize, discs: &[(f64, f64, f64)]) -> Raster {
        let mut r = Raster::new(3, rows, cols, DType::U8);
        r.transform = terradl_geo::GeoTransform::north_up(500_000.0, 4_000_000.0, 0.1, 0.1);
        for row in 0..rows {
            for col in 0..cols {
                let inside = discs.iter().any(|&(cr, cc, rad)| (row as f64 - cr).powi(2) + (col as f64 - cc).powi(2) <= rad * rad);
                r.set(0, row, col, if inside { 255.0 } else { 0.0 });
            }
        }
        r
    }

    fn band0(t: &Raster) -> Result<Vec<f32>, DetectError> {
        Ok(t.band(0).iter().map(|v| v / 255.0).collect())
    }

    #[test]
    fn touching_discs_split_and_seam_plants_are_kept_once() {
        // Two touching discs (centres 18 apart, radius 10) straddling the tile seam at
        // column 32, and one lone disc; tiles of 32 with 24 px overlap.
        let scene = disc_scene(64, 96, &[(30.0, 24.0, 10.0), (30.0, 42.0, 10.0), (20.0, 75.0, 8.0)]);
        let cfg = PlantSegmentConfig { tile_size: 32, overlap: 24, ..Default::default() };
        let mut tiles = 0;
        let plants = segment_plants_with(&mut band0, &scene, &cfg, &mut |d, _| tiles = d).unwrap();
        assert_eq!(tiles, 6);
        assert_eq!(plants.len(), 3, "{:?}", plants.iter().map(|p| p.bbox).collect::<Vec<_>>());
        let whole = PlantSegmentConfig { tile_size: 96, overlap: 0, ..cfg };
        let single = segment_plants_with(&mut band0, &scene, &whole, &mut |_, _| {}).unwrap();
        assert_eq!(single.len(), 3);
        let mut a: Vec<PixelBox> = plants.iter().map(|p| p.bbox).collect();
        let mut b: Vec<PixelBox> = single.iter().map(|p| p.bbox).collect();
        a.sort_by(|x, y| x.xmin.total_cmp(&y.xmin));
        b.sort_by(|x, y| x.xmin.total_cmp(&y.xmin));
        assert_eq!(a, b, "tiling changed the plants");
        // the lone disc: box around (75, 20) +- 8, area ~ pi 8^2 px = 2.01 m^2 at 0.1 m pixels
        let lone = plants.iter().find(|p| p.bbox.xmin > 60.0).unwrap();
        assert_eq!(lone.bbox, PixelBox::new(67.0, 12.0, 84.0, 29.0));
        assert!((lone.area_map - lone.pixels as f64 * 0.01).abs() < 1e-9);
        assert!((lone.area_px - std::f64::consts::PI * 64.0).abs() < 12.0, "{}", lone.area_px);
        assert!((lone.score - 1.0).abs() < 1e-6);
        assert_eq!(lone.polygon_px.first(), lone.polygon_px.last());
        let ids: Vec<usize> = plants.iter().map(|p| p.id).collect();
        assert_eq!(ids, vec![1, 2, 3]);
        // grow scales box and area about the centroid
        let grown = segment_plants_with(&mut band0, &scene, &PlantSegmentConfig { grow: 1.25, ..whole }, &mut |_, _| {}).unwrap();
        let g = grown.iter().find(|p| p.bbox.xmin > 55.0).unwrap();
        assert!((g.bbox.width() - 1.25 * 17.0).abs() < 1e-9);
        assert!((g.area_px - lone.area_px * 1.5625).abs() < 1e-9);
    }
}
