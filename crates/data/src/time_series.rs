//! [`TimeSeriesDataset`]: per-sample series of multi-band observations on
//! known dates, e.g. per-pixel Sentinel-2 series cut from a dated stack.

use crate::error::{DataError, Result};
use serde::{Deserialize, Serialize};
use terradl_geo::Raster;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Date {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u8,
    /// Day of the month, 1–31.
    pub day: u8,
}

impl Date {
    /// From `YYYYMMDD` as an integer (e.g. `20180429`); `None` if invalid.
    pub fn from_yyyymmdd(v: u32) -> Option<Date> {
        let d = Date { year: (v / 10000) as i32, month: (v / 100 % 100) as u8, day: (v % 100) as u8 };
        (d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= d.days_in_month()).then_some(d)
    }

    fn is_leap(&self) -> bool {
        (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0
    }

    fn days_in_month(&self) -> u8 {
        match self.month {
            2 if self.is_leap() => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// A date written `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD` or `YYYYMMDD`; `None` otherwise.
    ///
    /// ```
    /// use terradl_data::Date;
    /// assert_eq!(Date::parse("2018-04-29"), Date::parse("20180429"));
    /// assert!(Date::parse("2018-02-30").is_none() && Date::parse("t12").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Date> {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let separators = text.chars().filter(|c| !c.is_ascii_digit()).all(|c| matches!(c, '-' | '/' | '.'));
        if digits.len() != 8 || !separators {
            return None;
        }
        Date::from_yyyymmdd(digits.parse().ok()?)
    }

    /// The date `days` after 1970-01-01 (the inverse of [`Date::days_since_epoch`]).
    pub fn from_days_since_epoch(days: i64) -> Date {
        // Howard Hinnant's civil_from_days.
        let z = days + 719468;
        let era = if z >= 0 { z } else { z - 146096 } / 146097;
        let doe = z - era * 146097;
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + (month <= 2) as i64) as i32;
        Date { year, month, day }
    }

    /// Day of year, 1-based.
    pub fn day_of_year(&self) -> u16 {
        const CUM: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let leap = (self.month > 2 && self.is_leap()) as u16;
        CUM[(self.month - 1) as usize] + self.day as u16 + leap
    }

    /// Days since 1970-01-01 (for spacing between dates across years).
    pub fn days_since_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = self.year as i64 - (self.month <= 2) as i64;
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = self.month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + self.day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146097 + doe - 719468
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Samples x dates x bands, row-major (`x[(s * n_dates + t) * n_bands + b]`).
/// Missing observations (clouds, nodata) are `NaN`.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeriesDataset {
    /// Observations, `x[(s * n_dates + t) * n_bands + b]`.
    pub x: Vec<f32>,
    /// Number of samples.
    pub n_samples: usize,
    /// Number of dates per series.
    pub n_dates: usize,
    /// Number of bands per observation.
    pub n_bands: usize,
    /// Name of each band.
    pub band_names: Vec<String>,
    /// Observation dates, in order.
    pub dates: Vec<Date>,
    /// Class id per sample; empty when the series are unlabelled.
    pub y: Vec<u32>,
    /// Class names, index = class id.
    pub class_names: Vec<String>,
    /// Row-major pixel index of each sample in its source raster, when it has one.
    pub pixel: Vec<usize>,
}

impl TimeSeriesDataset {
    /// Day of year of each date.
    pub fn day_of_year(&self) -> Vec<u16> {
        self.dates.iter().map(Date::day_of_year).collect()
    }

    /// Value of sample `s`, date `t`, band `b`.
    pub fn get(&self, s: usize, t: usize, b: usize) -> f32 {
        self.x[(s * self.n_dates + t) * self.n_bands + b]
    }

    /// The series (dates x bands) of sample `s`.
    pub fn series(&self, s: usize) -> &[f32] {
        let n = self.n_dates * self.n_bands;
        &self.x[s * n..(s + 1) * n]
    }

    /// Index of a band by name (case-insensitive).
    pub fn band(&self, name: &str) -> Option<usize> {
        self.band_names.iter().position(|b| b.eq_ignore_ascii_case(name))
    }

    /// Cut per-pixel series from a date-major stack (`bands = n_dates * n_bands`,
    /// all bands of date 0 first). `pixels` are row-major pixel indices;
    /// nodata values become `NaN`. Labels are attached separately.
    pub fn from_stack(stack: &Raster, dates: Vec<Date>, band_names: Vec<String>, pixels: &[usize]) -> Result<Self> {
        let (n_dates, n_bands) = (dates.len(), band_names.len());
        if n_dates * n_bands != stack.bands || n_dates == 0 {
            return Err(DataError::Invalid(format!(
                "{n_dates} dates x {n_bands} bands does not match a {}-band stack",
                stack.bands
            )));
        }
        if dates.windows(2).any(|w| w[0] >= w[1]) {
            return Err(DataError::Invalid("dates must be strictly increasing".into()));
        }
        let npix = stack.rows * stack.cols;
        if let Some(p) = pixels.iter().find(|&&p| p >= npix) {
            return Err(DataError::Invalid(format!("pixel {p} outside a {npix}-pixel raster")));
        }
        let mut x = Vec::with_capacity(pixels.len() * stack.bands);
        for &p in pixels {
            for band in 0..stack.bands {
                let v = stack.data[band * npix + p];
                x.push(if stack.is_nodata(v) || !v.is_finite() { f32::NAN } else { v });
            }
        }
        Ok(TimeSeriesDataset {
            x,
            n_samples: pixels.len(),
            n_dates,
            n_bands,
            band_names,
            dates,
            y: Vec::new(),
            class_names: Vec::new(),
            pixel: pixels.to_vec(),
        })
    }

    /// The samples `idx` (in that order), with their labels and pixel indices.
    pub fn subset(&self, idx: &[usize]) -> TimeSeriesDataset {
        let per = self.n_dates * self.n_bands;
        let pick = |v: &[u32]| if v.is_empty() { Vec::new() } else { idx.iter().map(|&s| v[s]).collect() };
        TimeSeriesDataset {
            x: idx.iter().flat_map(|&s| self.x[s * per..(s + 1) * per].iter().copied()).collect(),
            n_samples: idx.len(),
            n_dates: self.n_dates,
            n_bands: self.n_bands,
            band_names: self.band_names.clone(),
            dates: self.dates.clone(),
            y: pick(&self.y),
            class_names: self.class_names.clone(),
            pixel: if self.pixel.is_empty() { Vec::new() } else { idx.iter().map(|&s| self.pixel[s]).collect() },
        }
    }

    /// Attach labels (one per sample).
    pub fn with_labels(mut self, y: Vec<u32>, class_names: Vec<String>) -> Result<Self> {
        if y.len() != self.n_samples {
            return Err(DataError::Invalid(format!("{} labels for {} samples", y.len(), self.n_samples)));
        }
        if let Some(bad) = y.iter().find(|&&c| c as usize >= class_names.len()) {
            return Err(DataError::Invalid(format!("class id {bad} but {} classes", class_names.len())));
        }
        self.y = y;
        self.class_names = class_names;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn dates_day_of_year_and_epoch() {
        let d = Date::from_yyyymmdd(20180429).unwrap();
        assert_eq!(d.day_of_year(), 119);
        assert_eq!(Date::from_yyyymmdd(20201231).unwrap().day_of_year(), 366);
        assert_eq!(Date::from_yyyymmdd(19700101).unwrap().days_since_epoch(), 0);
        assert_eq!(Date::from_yyyymmdd(20000301).unwrap().days_since_epoch(), 11017);
        assert!(Date::from_yyyymmdd(20180230).is_none());
        assert_eq!(d.to_string(), "2018-04-29");
        for days in [-800_000, -1, 0, 11017, 17650, 20_000, 800_000] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(Date::from_days_since_epoch(17650), d);
    }

    #[test]
    fn stack_is_cut_date_major_with_nodata_as_nan() {
        // 2 dates x 2 bands, 1x2 pixels
        let mut r = Raster::from_vec(4, 1, 2, DType::I16, vec![1.0, 2.0, 3.0, 4.0, 5.0, -1.0, 7.0, 8.0]).unwrap();
        r.nodata = Some(-1.0);
        let dates = vec![Date::from_yyyymmdd(20180101).unwrap(), Date::from_yyyymmdd(20180201).unwrap()];
        let ts = TimeSeriesDataset::from_stack(&r, dates, vec!["red".into(), "nir".into()], &[1]).unwrap();
        assert_eq!(ts.get(0, 0, 0), 2.0);
        assert_eq!(ts.get(0, 0, 1), 4.0);
        assert!(ts.get(0, 1, 0).is_nan());
        assert_eq!(ts.get(0, 1, 1), 8.0);
        assert!(ts.clone().with_labels(vec![0, 1], vec!["a".into()]).is_err());
    }
}
