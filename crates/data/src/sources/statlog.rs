//! Statlog (Landsat Satellite) from the UCI repository, as shipped in the R
//! package `mlbench` (Debian `r-cran-mlbench` 2.1-3-1, GPL-2): 6435 labelled
//! 3x3 neighbourhoods of a Landsat MSS scene, 4 bands each (36 features,
//! pixel-major: the 4 band values of the top-left pixel first; the centre
//! pixel is features 16..20), 6 classes. The rows are in random order and
//! the image cannot be rebuilt, so this set supports pixel/patch
//! classifiers but not spatially blocked validation. The original split is
//! the first 4435 rows (training) and the last 2000 (test).

use super::rdata::{read_rda, to_data_frame, Column};
use crate::error::{DataError, Result};
use crate::samples::LabelledSamples;

/// Rows of the original training split (the rest, 2000, are the test split).
pub const TRAIN_ROWS: usize = 4435;
/// Neighbourhood side and bands.
pub const PATCH: (usize, usize) = (3, 4);

/// Load the 6435 samples (features as stored: pixel-major, values 0..255).
pub fn statlog_landsat() -> Result<LabelledSamples> {
    let path = super::sample("mlbench", "Satellite.rda")?;
    let objects = read_rda(&path)?;
    let (_, obj) = objects
        .iter()
        .find(|(n, _)| n == "Satellite")
        .ok_or_else(|| DataError::Invalid(format!("{} holds no object named Satellite", path.display())))?;
    let df = to_data_frame(obj).map_err(|e| e.in_file(&path))?;
    let mut feats: Vec<(&String, &Vec<f64>)> = Vec::new();
    let mut labels = None;
    for (name, col) in df.names.iter().zip(&df.columns) {
        match col {
            Column::Numeric(v) => feats.push((name, v)),
            Column::Factor { codes, levels } => labels = Some((codes, levels)),
            Column::Text(_) => {}
        }
    }
    let (codes, levels) = labels.ok_or_else(|| DataError::Invalid("Satellite has no class column".into()))?;
    if feats.len() != PATCH.0 * PATCH.0 * PATCH.1 {
        return Err(DataError::Invalid(format!("Satellite has {} feature columns, expected 36", feats.len())));
    }
    let n = df.rows();
    let mut x = Vec::with_capacity(n * feats.len());
    for i in 0..n {
        x.extend(feats.iter().map(|(_, v)| v[i] as f32));
    }
    let y = codes
        .iter()
        .enumerate()
        .map(|(i, c)| c.ok_or_else(|| DataError::Invalid(format!("Satellite row {i} has no class"))))
        .collect::<Result<Vec<u32>>>()?;
    let names = (0..9).flat_map(|p| (1..=4).map(move |b| format!("p{}_b{b}", p + 1))).collect();
    LabelledSamples::new(x, feats.len(), names, y, levels.clone())
}

/// Reorder one 36-value row from pixel-major to band-major
/// (`bands x 3 x 3`), the layout a patch CNN expects.
pub fn to_band_major(row: &[f32]) -> Vec<f32> {
    let (side, bands) = PATCH;
    let mut out = vec![0.0; row.len()];
    for p in 0..side * side {
        for b in 0..bands {
            out[b * side * side + p] = row[p * bands + b];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn band_major_reorder() {
        let row: Vec<f32> = (0..36).map(|v| v as f32).collect();
        let bm = super::to_band_major(&row);
        assert_eq!(&bm[..3], &[0.0, 4.0, 8.0]);
        assert_eq!(bm[9], 1.0);
        assert_eq!(bm[35], 35.0);
    }
}
