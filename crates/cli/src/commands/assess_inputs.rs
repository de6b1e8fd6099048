//! Reading and checking the inputs of `terradl assess`: class names, the
//! reference labels on the map's grid, the sample pixels, the mapped area per
//! class and the class probabilities at the samples.

use super::assess::AssessArgs;
use anyhow::Context;
use std::path::Path;
use terradl_data::{LabelledImage, UNLABELLED};
use terradl_geo::read_raster;
use terradl_geo::vector::read_vector_in;
use terradl_geo::{DType, Raster};
use terradl_predict::{OutputLayout, CLASS_NODATA};
use terradl_report::ColorTable;

/// Class names in id order: `--classes`, else `manifest.json` (prediction layout) or
/// `classes.json` (colour table) beside the map or in its parent directory, else
/// the ids `0..=max` found in the map.
pub(super) fn class_names(map_path: &Path, given: Option<&[String]>, map: &Raster) -> anyhow::Result<Vec<String>> {
    if let Some(names) = given {
        anyhow::ensure!(!names.is_empty(), "--classes is empty");
        return Ok(names.to_vec());
    }
    let dir = map_path.parent().unwrap_or(Path::new("."));
    for d in [dir.to_path_buf(), dir.join("..")] {
        if let Ok(text) = std::fs::read_to_string(d.join("manifest.json")) {
            if let Ok(layout) = serde_json::from_str::<OutputLayout>(&text) {
                return Ok(layout.class_names);
            }
        }
        if let Ok(text) = std::fs::read_to_string(d.join(terradl_report::run_files::CLASSES_FILE)) {
            let table: ColorTable =
                serde_json::from_str(&text).with_context(|| format!("parsing {}", d.join("classes.json").display()))?;
            anyhow::ensure!(!table.classes.is_empty(), "{} lists no classes", d.join("classes.json").display());
            let k = table.classes.iter().map(|c| c.value as usize + 1).max().unwrap_or(0);
            let mut names: Vec<String> = (0..k).map(|i| i.to_string()).collect();
            for c in &table.classes {
                names[c.value as usize] = c.name.clone();
            }
            return Ok(names);
        }
    }
    let max = map.data.iter().filter(|v| **v != CLASS_NODATA && v.is_finite()).fold(-1f32, |m, v| m.max(*v));
    anyhow::ensure!(max >= 0.0, "{} holds no class values", map_path.display());
    tracing::warn!("no class names found beside {}; using the class ids as names", map_path.display());
    Ok((0..=max as usize).map(|i| i.to_string()).collect())
}

fn is_raster(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "tif" | "tiff"))
}

/// Check that `other` lies on the map's grid (size, transform, CRS).
fn same_grid(map: &Raster, other: &Raster, what: &str, path: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !other.crs.conflicts_with(&map.crs),
        "CRS mismatch: {what} {} is in {} but the map is in {}",
        path.display(),
        other.crs.label(),
        map.crs.label()
    );
    anyhow::ensure!(
        other.rows == map.rows && other.cols == map.cols,
        "{what} {} is {}x{} pixels but the map is {}x{}",
        path.display(),
        other.cols,
        other.rows,
        map.cols,
        map.rows
    );
    let (a, b) = (other.transform.0, map.transform.0);
    let tol = 1e-6 * b[1].abs().max(b[5].abs()).max(1e-12);
    anyhow::ensure!(
        a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= tol),
        "{what} {} has geotransform {a:?} but the map has {b:?}: resample it onto the map's grid",
        path.display()
    );
    Ok(())
}

/// Reference class id per map pixel ([`UNLABELLED`] where none).
pub(super) fn reference_labels(args: &AssessArgs, map: &Raster, names: &[String]) -> anyhow::Result<Vec<u32>> {
    let path = &args.reference;
    let k = names.len();
    if is_raster(path) {
        let r = read_raster(path).with_context(|| format!("reading reference raster {}", path.display()))?;
        same_grid(map, &r, "reference raster", path)?;
        return r.band(0)
            .iter()
            .map(|&v| {
                if r.is_nodata(v) || !v.is_finite() {
                    return Ok(UNLABELLED);
                }
                anyhow::ensure!(
                    v >= 0.0 && v.fract() == 0.0 && (v as usize) < k,
                    "reference raster {} holds value {v}, not a class id below {k} ({names:?})",
                    path.display()
                );
                Ok(v as u32)
            })
            .collect();
    }
    let field = args
        .class_field
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("--class-field is required for a vector reference ({})", path.display()))?;
    let layer = read_vector_in(path, &map.crs).with_context(|| format!("reading reference labels {}", path.display()))?;
    anyhow::ensure!(!layer.features.is_empty(), "reference {} has no features (empty labels)", path.display());
    // Burn the layer onto the map's grid (checks the CRS), then translate the
    // layer's own class list into the map's class ids.
    let grid = Raster::new(1, map.rows, map.cols, DType::U8).with_georef_of(map);
    let burnt = LabelledImage::from_layer(grid, &layer, field, vec!["class".into()])
        .with_context(|| format!("burning {} onto the map grid", path.display()))?;
    let to_map: Vec<u32> = burnt
        .class_names
        .iter()
        .map(|label| {
            if args.class_ids {
                let id: usize = label
                    .parse()
                    .with_context(|| format!("--class-ids given but reference class {label:?} is not an integer"))?;
                anyhow::ensure!(id < k, "reference class id {id} is not below the map's {k} classes {names:?}");
                Ok(id as u32)
            } else {
                names.iter().position(|n| n == label).map(|i| i as u32).ok_or_else(|| {
                    anyhow::anyhow!(
                        "reference class {label:?} (attribute {field:?}) is missing from the map's classes {names:?}; \
                         pass --classes, or --class-ids if the attribute holds class ids"
                    )
                })
            }
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(burnt.labels.iter().map(|&l| if l == UNLABELLED { UNLABELLED } else { to_map[l as usize] }).collect())
}

/// Pixels with a reference label and a valid map class; errors when there are none or
/// when the map holds a value that is neither a class nor nodata.
pub(super) fn sample_pixels(map: &Raster, reference: &[u32], k: usize, map_path: &Path) -> anyhow::Result<Vec<usize>> {
    let mut out = Vec::new();
    let mut on_nodata = 0usize;
    for (p, &r) in reference.iter().enumerate() {
        if r == UNLABELLED {
            continue;
        }
        let v = map.data[p];
        if v == CLASS_NODATA || map.is_nodata(v) || !v.is_finite() {
            on_nodata += 1;
            continue;
        }
        anyhow::ensure!(
            v >= 0.0 && (v as usize) < k,
            "map {} holds class {v} but only {k} classes are named",
            map_path.display()
        );
        out.push(p);
    }
    anyhow::ensure!(
        !out.is_empty(),
        "no reference pixel falls on a valid map pixel ({on_nodata} fall on nodata): empty labels or labels outside the map"
    );
    if on_nodata > 0 {
        tracing::warn!(on_nodata, "reference pixels on map nodata were skipped");
    }
    Ok(out)
}

/// Mapped area per class: hectares for projected maps (metre units assumed),
/// pixel counts for geographic ones (degree areas are not areas).
pub(super) fn mapped_area(map: &Raster, k: usize) -> (Vec<f64>, &'static str) {
    let mut counts = vec![0f64; k];
    for &v in &map.data {
        if v.is_finite() && v >= 0.0 && (v as usize) < k && v != CLASS_NODATA && !map.is_nodata(v) {
            counts[v as usize] += 1.0;
        }
    }
    if map.crs.geographic || map.crs.epsg.is_none() {
        (counts, "pixels")
    } else {
        let ha = map.transform.pixel_area() / 10_000.0;
        (counts.into_iter().map(|c| c * ha).collect(), "ha")
    }
}

/// Class probabilities at `pixels`, pixel-major (`pixels.len() x k`).
pub(super) fn read_probabilities(path: &Path, map: &Raster, k: usize, pixels: &[usize]) -> anyhow::Result<Vec<f64>> {
    let r = read_raster(path).with_context(|| format!("reading probabilities {}", path.display()))?;
    same_grid(map, &r, "probability raster", path)?;
    anyhow::ensure!(r.bands == k, "{} has {} bands but the map has {k} classes", path.display(), r.bands);
    let n = r.rows * r.cols;
    let mut out = Vec::with_capacity(pixels.len() * k);
    for &p in pixels {
        for b in 0..k {
            let v = r.data[b * n + p];
            anyhow::ensure!(
                v.is_finite() && (0.0..=1.0 + 1e-4).contains(&v),
                "{}: probability {v} at pixel (row {}, col {}) band {b} under a reference label (NaN/nodata or out of [0, 1])",
                path.display(),
                p / r.cols,
                p % r.cols
            );
            out.push((v as f64).min(1.0));
        }
    }
    Ok(out)
}
