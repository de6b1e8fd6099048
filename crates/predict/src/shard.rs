//! Sharded prediction for array-job engines (Slurm job arrays, Kubernetes
//! Indexed Jobs): shard `i` of `N` predicts tiles `k` with `k % N == i` and
//! writes each as a part file; [`mosaic`](crate::mosaic) assembles them.
//! Parts are written atomically and finished parts are skipped, so a killed
//! shard is simply rerun.

use crate::engine::{grid_of, layout_for, predict_tile, ClassLegend, PredictSummary};
use crate::outputs::{OutputLayout, TileOutputs};
use crate::source::TileSource;
use crate::{BlockPredictor, PredictError, Result};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use terradl_geo::RasterReader;
use terradl_geo::Shard;

/// File name of the layout shared by all shards.
pub(crate) const MANIFEST: &str = "manifest.json";

/// Path of tile `k`'s part in a parts directory.
pub fn part_path(parts_dir: &Path, k: usize) -> PathBuf {
    parts_dir.join(format!("tile-{k:07}.part"))
}

/// The shard given explicitly, else from the array-job engine's environment:
/// `JOB_COMPLETION_INDEX` (+ `TERRADL_SHARD_COUNT`), `SLURM_ARRAY_TASK_ID` /
/// `SLURM_ARRAY_TASK_COUNT`, or `AWS_BATCH_JOB_ARRAY_INDEX` (+ `TERRADL_SHARD_COUNT`).
pub fn shard_from_env() -> Result<Option<Shard>> {
    let var = |k: &str| std::env::var(k).ok().and_then(|v| v.trim().parse::<usize>().ok());
    let count = var("TERRADL_SHARD_COUNT");
    let found = if let Some(i) = var("SLURM_ARRAY_TASK_ID") {
        Some((i - var("SLURM_ARRAY_TASK_MIN").unwrap_or(0), var("SLURM_ARRAY_TASK_COUNT").or(count)))
    } else if let Some(i) = var("JOB_COMPLETION_INDEX") {
        Some((i, count))
    } else {
        var("AWS_BATCH_JOB_ARRAY_INDEX").map(|i| (i, count))
    };
    match found {
        None => Ok(None),
        Some((_, None)) => Err(PredictError::Invalid(
            "array index found in the environment but no shard count: set TERRADL_SHARD_COUNT".into(),
        )),
        Some((i, Some(n))) => Ok(Some(Shard::new(i, n)?)),
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| PredictError::io(&tmp, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| PredictError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| PredictError::io(path, e))
}

/// Run one shard: predict its tiles into `parts_dir`, skipping finished parts.
pub fn predict_shard(
    input: &Path,
    model: &dyn BlockPredictor,
    legend: &ClassLegend,
    parts_dir: &Path,
    shard: Shard,
    on_tile: impl FnMut(),
) -> Result<PredictSummary> {
    predict_shard_source(&RasterReader::open(input)?, model, legend, parts_dir, shard, on_tile)
}

/// [`predict_shard`] over any [`TileSource`] (e.g. a virtual stack of dated GeoTIFFs).
pub fn predict_shard_source(
    reader: &dyn TileSource,
    model: &dyn BlockPredictor,
    legend: &ClassLegend,
    parts_dir: &Path,
    shard: Shard,
    mut on_tile: impl FnMut(),
) -> Result<PredictSummary> {
    let layout = layout_for(reader, model, legend)?;
    std::fs::create_dir_all(parts_dir).map_err(|e| PredictError::io(parts_dir, e))?;
    let manifest = parts_dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&layout).map_err(|source| PredictError::Json { path: manifest.clone(), source })?;
    match std::fs::read(&manifest) {
        Ok(existing) if existing != json => {
            return Err(PredictError::Invalid(format!(
                "{} was written for a different input or model; use a fresh parts directory",
                manifest.display()
            )));
        }
        Ok(_) => {}
        Err(_) => write_atomic(&manifest, &json)?,
    }
    let grid = grid_of(&layout)?;
    let tiles = grid.tiles_for_shard(shard.index, shard.count)?;
    let mut skipped = 0;
    for tile in &tiles {
        let path = part_path(parts_dir, tile.index);
        if path.is_file() {
            skipped += 1;
            on_tile();
            continue;
        }
        let out = predict_tile(reader, model, &layout, tile)?;
        write_atomic(&path, &encode_part(&out))?;
        on_tile();
    }
    let pixels = tiles.iter().map(|t| t.core.cols * t.core.rows).sum();
    Ok(PredictSummary { tiles: tiles.len(), tiles_skipped: skipped, pixels })
}

/// Part file: three little-endian u64 lengths then the f32 samples.
fn encode_part(out: &TileOutputs) -> Vec<u8> {
    let parts = [&out.classes, &out.probabilities, &out.uncertainty];
    let mut bytes = Vec::with_capacity(24 + 4 * parts.iter().map(|p| p.len()).sum::<usize>());
    for p in parts {
        bytes.extend_from_slice(&(p.len() as u64).to_le_bytes());
    }
    for p in parts {
        for v in p.iter() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
    }
    bytes
}

pub(crate) fn read_part(path: &Path) -> Result<TileOutputs> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| PredictError::io(path, e))?;
    let corrupt = || PredictError::Invalid(format!("corrupt part file {}: delete it and rerun its shard", path.display()));
    if bytes.len() < 24 {
        return Err(corrupt());
    }
    let len = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap_or([0; 8])) as usize;
    let (a, b, c) = (len(0), len(1), len(2));
    if bytes.len() != 24 + 4 * (a + b + c) {
        return Err(corrupt());
    }
    let floats: Vec<f32> =
        bytes[24..].chunks_exact(4).map(|ch| f32::from_le_bytes([ch[0], ch[1], ch[2], ch[3]])).collect();
    Ok(TileOutputs {
        classes: floats[..a].to_vec(),
        probabilities: floats[a..a + b].to_vec(),
        uncertainty: floats[a + b..].to_vec(),
    })
}

/// The layout recorded by the shards in `parts_dir`.
pub fn read_manifest(parts_dir: &Path) -> Result<OutputLayout> {
    let path = parts_dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(|e| PredictError::io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| PredictError::Json { path, source })
}
