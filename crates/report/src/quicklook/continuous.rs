//! Continuous-map quick-look (probability, entropy, uncertainty) with a colour bar.

use super::layout::{ColorBar, MARGIN, MapPlacement, TEXT_SCALE, check_band, draw_title, paint_map, title_height};
use super::{Quicklook, QuicklookOptions};
use crate::canvas::{Align, Canvas};
use crate::color::{ColorRamp, Rgba};
use crate::error::{ReportError, Result};
use crate::{font, numfmt, resample};
use terradl_geo::Raster;

/// Colour bar width in pixels.
const BAR_W: usize = 20;

/// How to colour a continuous band.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContinuousStyle {
    /// Colour ramp from low to high values.
    pub ramp: ColorRamp,
    /// Value range mapped to the ends of the ramp; `None` = data min/max.
    pub range: Option<(f64, f64)>,
    /// Label drawn above the colour bar (e.g. "entropy (nats)").
    pub label: Option<String>,
}

/// Render band `band` with a colour ramp (mean-downsampled when large).
/// Nodata pixels are transparent. A colour bar with min/max labels is drawn
/// right of the map and returned in [`Quicklook::color_bar`].
pub fn continuous_map(raster: &Raster, band: usize, style: &ContinuousStyle, opts: &QuicklookOptions) -> Result<Quicklook> {
    check_band(raster, band)?;
    let (rows, cols) = (raster.rows, raster.cols);
    let (out_rows, out_cols) = resample::display_size(rows, cols, opts.max_dim, opts.min_dim);
    let small = resample::mean(raster.band(band), rows, cols, out_rows, out_cols, |v| raster.is_nodata(v) || !v.is_finite());
    let (lo, hi) = match style.range {
        Some((lo, hi)) if lo.is_finite() && hi.is_finite() => (lo, hi),
        Some(r) => return Err(ReportError::Invalid(format!("colour range {r:?} is not finite"))),
        None => data_range(&small),
    };
    let span = if hi > lo { hi - lo } else { 1.0 };
    let fmt = |v: f64| numfmt::tick_label(v, span / 100.0);

    let label_w = [fmt(lo), fmt(hi), style.label.clone().unwrap_or_default()]
        .iter()
        .map(|s| font::text_width(s, TEXT_SCALE))
        .max()
        .unwrap_or(0);
    let th = font::text_height(TEXT_SCALE);
    let top = MARGIN + title_height(&opts.title);
    let bar_top = top + if style.label.is_some() { th + 8 } else { 0 } + th / 2;
    let bar_h = out_rows.max(150).saturating_sub(bar_top - top + th / 2).max(100);
    let width = MARGIN + out_cols + MARGIN + BAR_W + 8 + label_w + MARGIN;
    let height = top + out_rows.max(bar_top - top + bar_h + th / 2) + MARGIN;
    let mut c = Canvas::new(width, height, Rgba::WHITE);
    draw_title(&mut c, &opts.title);

    let map = MapPlacement { x: MARGIN, y: top, width: out_cols, height: out_rows, src_cols: cols, src_rows: rows };
    let lut = style.ramp.lut();
    paint_map(
        &mut c,
        &map,
        small.iter().map(|&v| {
            if v.is_nan() {
                Rgba::TRANSPARENT
            } else {
                let t = ((v as f64 - lo) / span).clamp(0.0, 1.0);
                lut[(t * 255.0).round() as usize]
            }
        }),
    );

    let bx = map.x + out_cols + MARGIN;
    if let Some(l) = &style.label {
        c.text(bx as i64, top as i64, l, TEXT_SCALE, Align::Left, Rgba::INK);
    }
    for y in 0..bar_h {
        let t = 1.0 - y as f32 / (bar_h - 1).max(1) as f32;
        let col = lut[(t * 255.0).round() as usize];
        c.fill_rect(bx as i64, (bar_top + y) as i64, BAR_W as i64, 1, col);
    }
    c.stroke_rect(bx as i64 - 1, bar_top as i64 - 1, BAR_W as i64 + 2, bar_h as i64 + 2, 1, Rgba::INK);
    let lx = (bx + BAR_W + 8) as i64;
    c.text(lx, (bar_top - th / 2) as i64, &fmt(hi), TEXT_SCALE, Align::Left, Rgba::INK);
    c.text(lx, (bar_top + bar_h - th / 2) as i64, &fmt(lo), TEXT_SCALE, Align::Left, Rgba::INK);
    let color_bar = ColorBar { x: bx, y: bar_top, width: BAR_W, height: bar_h, min: lo, max: hi };
    Ok(Quicklook { image: c, map, legend: Vec::new(), color_bar: Some(color_bar) })
}

/// Min and max of the non-NaN values (0..1 when there are none).
fn data_range(v: &[f32]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for &x in v.iter().filter(|x| !x.is_nan()) {
        lo = lo.min(x as f64);
        hi = hi.max(x as f64);
    }
    if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn ramp_ends_colour_bar_and_nodata() {
        let mut r = Raster::new(1, 2, 3, DType::F32);
        r.nodata = Some(-1.0);
        r.band_mut(0).copy_from_slice(&[0.0, 0.5, 1.0, -1.0, f32::NAN, 0.25]);
        let style = ContinuousStyle { label: Some("p".into()), ..Default::default() };
        let q = continuous_map(&r, 0, &style, &QuicklookOptions { min_dim: 0, ..Default::default() }).unwrap();
        let m = q.map;
        assert_eq!(q.image.get(m.x, m.y), Some(ColorRamp::Viridis.at(0.0)));
        assert_eq!(q.image.get(m.x + 2, m.y), Some(ColorRamp::Viridis.at(1.0)));
        assert_eq!(q.image.get(m.x, m.y + 1).unwrap().0[3], 0);
        assert_eq!(q.image.get(m.x + 1, m.y + 1).unwrap().0[3], 0);
        let bar = q.color_bar.unwrap();
        assert_eq!((bar.min, bar.max), (0.0, 1.0));
        assert_eq!(q.image.get(bar.x + 5, bar.y), Some(ColorRamp::Viridis.at(1.0)));
        assert_eq!(q.image.get(bar.x + 5, bar.y + bar.height - 1), Some(ColorRamp::Viridis.at(0.0)));
        assert!(bar.y + bar.height <= q.image.height());
    }

    #[test]
    fn explicit_range_clamps_and_rejects_nan() {
        let r = Raster::from_vec(1, 1, 2, DType::F32, vec![5.0, -5.0]).unwrap();
        let style = ContinuousStyle { range: Some((0.0, 1.0)), ..Default::default() };
        let q = continuous_map(&r, 0, &style, &QuicklookOptions { min_dim: 0, ..Default::default() }).unwrap();
        assert_eq!(q.image.get(q.map.x, q.map.y), Some(ColorRamp::Viridis.at(1.0)));
        assert_eq!(q.image.get(q.map.x + 1, q.map.y), Some(ColorRamp::Viridis.at(0.0)));
        let bad = ContinuousStyle { range: Some((f64::NAN, 1.0)), ..Default::default() };
        assert!(continuous_map(&r, 0, &bad, &QuicklookOptions::default()).is_err());
    }
}
