//! Per-pixel series cleaning shared by training and `terradl predict`: cloud masks, missing
//! values and gap filling in time.

use terradl_data::mask_outside;
use terradl_data::{fill_gaps, mask_invalid, GapReport};
use terradl_data::TimeSeriesDataset;
use terradl_geo::Raster;

/// Set every band of `img` to NaN where the single-band `mask` (same grid) is non-zero and
/// not nodata (a cloudy pixel).
pub(super) fn apply_cloud_mask(img: &mut Raster, mask: &Raster) {
    let n = img.pixels();
    for (px, &c) in mask.band(0).iter().enumerate() {
        if c != 0.0 && !mask.is_nodata(c) {
            for b in 0..img.bands {
                img.data[b * n + px] = f32::NAN;
            }
        }
    }
}

/// Missing values of `ts` to NaN (the pipeline's extra `nodata`, values outside
/// `valid_range`), then linear interpolation in time; the same steps for training series and
/// for the maps of `terradl predict`. Returns the gap report and the out-of-range count.
pub(super) fn clean_series(ts: &mut TimeSeriesDataset, nodata: Option<f32>, valid_range: Option<[f32; 2]>) -> (GapReport, usize) {
    mask_invalid(ts, nodata, None);
    let out_of_range = valid_range.map_or(0, |[lo, hi]| mask_outside(ts, lo, hi));
    (fill_gaps(ts), out_of_range)
}
