//! [`ImageStack`]: a band-major image held in memory, with per-band standardisation and
//! square patch extraction (edge pixels replicated beyond the image border).

use terradl_data::NormStats;

use crate::error::TrainError;

/// `bands x rows x cols` values, band after band, row-major within a band.
#[derive(Clone, Debug, PartialEq)]
pub struct ImageStack {
    /// The values; NaN marks missing data.
    pub data: Vec<f32>,
    /// Number of bands (channels).
    pub bands: usize,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
}

impl ImageStack {
    /// Wraps `data`, checking its length.
    pub fn new(data: Vec<f32>, bands: usize, rows: usize, cols: usize) -> Result<Self, TrainError> {
        if bands == 0 || rows == 0 || cols == 0 || data.len() != bands * rows * cols {
            return Err(TrainError::Data(format!(
                "{} values do not make a {bands} x {rows} x {cols} image",
                data.len()
            )));
        }
        Ok(Self { data, bands, rows, cols })
    }

    /// Pixels per band.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// Value of `band` at row-major pixel `p`.
    pub fn get(&self, band: usize, p: usize) -> f32 {
        self.data[band * self.pixels() + p]
    }

    /// Band values of pixel `p`, appended to `out`.
    pub fn pixel_into(&self, p: usize, out: &mut Vec<f32>) {
        let n = self.pixels();
        out.extend((0..self.bands).map(|b| self.data[b * n + p]));
    }

    /// Mean and standard deviation of every band over its finite values (the statistics stored
    /// with a model), one feature per band named by `names`.
    pub fn band_stats(&self, names: &[String]) -> Result<NormStats, TrainError> {
        if names.len() != self.bands {
            return Err(TrainError::Data(format!("{} band names for {} bands", names.len(), self.bands)));
        }
        let n = self.pixels();
        let mut all: Option<NormStats> = None;
        for (b, name) in names.iter().enumerate() {
            let s = NormStats::fit(&self.data[b * n..(b + 1) * n], vec![name.clone()], None)?;
            if s.count[0] == 0 {
                return Err(TrainError::Data(format!("band {name} has no valid value")));
            }
            match &mut all {
                None => all = Some(s),
                Some(a) => {
                    a.names.extend(s.names);
                    a.mean.extend(s.mean);
                    a.std.extend(s.std);
                    a.count.extend(s.count);
                }
            }
        }
        all.ok_or_else(|| TrainError::Data("image has no band".into()))
    }

    /// Standardises every band with `stats`; missing values (NaN) become 0, the band mean.
    pub fn standardise(&mut self, stats: &NormStats) -> Result<(), TrainError> {
        if stats.mean.len() != self.bands {
            return Err(TrainError::Data(format!(
                "statistics for {} bands, image has {}",
                stats.mean.len(),
                self.bands
            )));
        }
        let n = self.pixels();
        for b in 0..self.bands {
            let (m, s) = (stats.mean[b], stats.std[b]);
            for v in &mut self.data[b * n..(b + 1) * n] {
                *v = if v.is_finite() && stats.nodata != Some(*v) { ((*v as f64 - m) / s) as f32 } else { 0.0 };
            }
        }
        Ok(())
    }

    /// A new stack with `extra` (`k x rows x cols`, band-major) appended as further bands.
    pub fn with_bands(&self, extra: &[f32]) -> Result<Self, TrainError> {
        let n = self.pixels();
        if extra.len() % n != 0 {
            return Err(TrainError::Data(format!(
                "{} extra values are not whole bands of {n} pixels",
                extra.len()
            )));
        }
        let mut data = Vec::with_capacity(self.data.len() + extra.len());
        data.extend_from_slice(&self.data);
        data.extend_from_slice(extra);
        Self::new(data, self.bands + extra.len() / n, self.rows, self.cols)
    }

    /// Appends the `[bands, size, size]` patch centred on `(row, col)` to `out`. The centre
    /// is pixel `size / 2` of the patch (so even sizes have one more pixel before the centre
    /// than after it); outside the image the nearest edge pixel is repeated.
    pub fn patch_into(&self, centre: (usize, usize), size: usize, out: &mut Vec<f32>) {
        let n = self.pixels();
        let half = (size / 2) as isize;
        let clamp = |v: isize, hi: usize| v.clamp(0, hi as isize - 1) as usize;
        let cols: Vec<usize> = (0..size as isize)
            .map(|j| clamp(centre.1 as isize - half + j, self.cols))
            .collect();
        out.reserve(self.bands * size * size);
        for b in 0..self.bands {
            let band = &self.data[b * n..(b + 1) * n];
            for i in 0..size as isize {
                let r = clamp(centre.0 as isize - half + i, self.rows);
                let row = &band[r * self.cols..(r + 1) * self.cols];
                out.extend(cols.iter().map(|&c| row[c]));
            }
        }
    }

    /// Patches centred on `centres`, one after another (`[n, bands, size, size]` flattened).
    pub fn patches(&self, centres: &[(usize, usize)], size: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(centres.len() * self.bands * size * size);
        for &c in centres {
            self.patch_into(c, size, &mut out);
        }
        out
    }
}

/// Summed-area table of a boolean mask, to ask whether a window holds any marked pixel.
#[derive(Clone, Debug)]
pub struct MaskIntegral {
    sums: Vec<u32>,
    rows: usize,
    cols: usize,
}

impl MaskIntegral {
    /// Integral of `mask` (`rows x cols`, row-major).
    pub fn new(mask: &[bool], rows: usize, cols: usize) -> Self {
        let w = cols + 1;
        let mut sums = vec![0u32; (rows + 1) * w];
        for r in 0..rows {
            let mut run = 0u32;
            for c in 0..cols {
                run += mask[r * cols + c] as u32;
                sums[(r + 1) * w + c + 1] = sums[r * w + c + 1] + run;
            }
        }
        Self { sums, rows, cols }
    }

    /// Number of marked pixels in the `size x size` window centred on `centre` (the window
    /// of [`ImageStack::patch_into`], clipped to the image).
    pub fn count_in_window(&self, centre: (usize, usize), size: usize) -> u32 {
        let half = size / 2;
        let r0 = centre.0.saturating_sub(half);
        let c0 = centre.1.saturating_sub(half);
        let r1 = (centre.0 + size - half).min(self.rows);
        let c1 = (centre.1 + size - half).min(self.cols);
        if r0 >= r1 || c0 >= c1 {
            return 0;
        }
        let w = self.cols + 1;
        self.sums[r1 * w + c1] + self.sums[r0 * w + c0] - self.sums[r0 * w + c1] - self.sums[r1 * w + c0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp() -> ImageStack {
        // 2 bands, 3 x 4: band 0 = p, band 1 = 100 + p.
        let data: Vec<f32> = (0..12).map(|p| p as f32).chain((0..12).map(|p| 100.0 + p as f32)).collect();
        ImageStack::new(data, 2, 3, 4).unwrap()
    }

    #[test]
    fn patch_replicates_edges_and_is_band_major() {
        let img = ramp();
        let p = img.patches(&[(0, 0)], 3);
        // Rows -1, 0, 1 -> 0, 0, 1; cols -1, 0, 1 -> 0, 0, 1.
        assert_eq!(&p[..9], &[0., 0., 1., 0., 0., 1., 4., 4., 5.]);
        assert_eq!(p[9], 100.0);
        assert_eq!(p.len(), 18);
        // Even size: centre is index size/2.
        let q = img.patches(&[(1, 1)], 2);
        assert_eq!(&q[..4], &[0., 1., 4., 5.]);
    }

    #[test]
    fn standardise_and_extra_bands() {
        let mut img = ramp();
        img.data[3] = f32::NAN;
        let s = img.band_stats(&["a".into(), "b".into()]).unwrap();
        assert!((s.mean[1] - 105.5).abs() < 1e-4);
        assert_eq!(s.count, vec![11, 12]);
        img.standardise(&s).unwrap();
        assert_eq!(img.data[3], 0.0);
        let more = img.with_bands(&[1.0; 12]).unwrap();
        assert_eq!(more.bands, 3);
        assert!(img.with_bands(&[1.0; 5]).is_err());
    }

    #[test]
    fn mask_integral_counts_window_pixels() {
        let mut mask = vec![false; 5 * 6];
        mask[2 * 6 + 3] = true;
        mask[4 * 6 + 5] = true;
        let m = MaskIntegral::new(&mask, 5, 6);
        assert_eq!(m.count_in_window((2, 3), 1), 1);
        assert_eq!(m.count_in_window((0, 0), 3), 0);
        assert_eq!(m.count_in_window((3, 4), 3), 2);
        assert_eq!(m.count_in_window((4, 5), 50), 2);
    }
}
