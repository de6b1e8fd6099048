//! Sample arrays shared with the Python peers: `<name>.json` (sample shape, count, classes),
//! `<name>.x.f32` and `<name>.y.u32` (raw little-endian), so both sides train on the very same
//! values.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Shape and size of a stored sample set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ArrayMeta {
    /// Shape of one sample (`[C, P, P]`, `[T, C]`, `[F]`).
    pub shape: Vec<usize>,
    /// Number of samples.
    pub n: usize,
    /// Number of classes.
    pub n_classes: usize,
    /// Where the values and labels come from.
    pub source: String,
}

/// Samples with labels, row-major.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Arrays {
    pub meta: ArrayMeta,
    pub x: Vec<f32>,
    pub y: Vec<u32>,
}

impl Arrays {
    /// Checks sizes and builds the set.
    pub(crate) fn new(shape: Vec<usize>, x: Vec<f32>, y: Vec<u32>, source: &str) -> anyhow::Result<Self> {
        let per: usize = shape.iter().product();
        anyhow::ensure!(per > 0 && x.len() == per * y.len(), "{} values are not {} samples of {shape:?}", x.len(), y.len());
        let n_classes = y.iter().max().map_or(0, |m| *m as usize + 1);
        Ok(Arrays { meta: ArrayMeta { shape, n: y.len(), n_classes, source: source.into() }, x, y })
    }

    /// Writes the three files `dir/<name>.*`.
    pub(crate) fn save(&self, dir: &Path, name: &str) -> anyhow::Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let put = |ext: &str, bytes: Vec<u8>| -> anyhow::Result<()> {
            let path = dir.join(format!("{name}.{ext}"));
            let tmp = path.with_extension(format!("{ext}.tmp"));
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &path).with_context(|| format!("renaming to {}", path.display()))
        };
        put("x.f32", self.x.iter().flat_map(|v| v.to_le_bytes()).collect())?;
        put("y.u32", self.y.iter().flat_map(|v| v.to_le_bytes()).collect())?;
        put("json", serde_json::to_vec_pretty(&self.meta)?)
    }

    /// Reads a set written by [`save`](Self::save).
    pub(crate) fn load(dir: &Path, name: &str) -> anyhow::Result<Self> {
        let read = |ext: &str| {
            let path = dir.join(format!("{name}.{ext}"));
            std::fs::read(&path).with_context(|| format!("reading {} (run `terradl-bench data` first)", path.display()))
        };
        let meta: ArrayMeta = serde_json::from_slice(&read("json")?)?;
        let x: Vec<f32> = read("x.f32")?.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let y: Vec<u32> = read("y.u32")?.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        let a = Arrays::new(meta.shape.clone(), x, y, &meta.source)?;
        anyhow::ensure!(a.meta.n == meta.n, "{name}: {} samples stored, {} announced", a.meta.n, meta.n);
        Ok(Arrays { meta, ..a })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_load_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let a = Arrays::new(vec![2, 3], (0..12).map(|v| v as f32 * 0.5).collect(), vec![0, 2], "test").unwrap();
        a.save(dir.path(), "s").unwrap();
        assert_eq!(Arrays::load(dir.path(), "s").unwrap(), a);
        assert!(Arrays::new(vec![2, 3], vec![0.0; 5], vec![0], "bad").is_err());
    }
}
