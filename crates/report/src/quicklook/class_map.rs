//! Class-map quick-look with a legend panel.

use super::layout::{LegendItem, MARGIN, MapPlacement, TEXT_SCALE, check_band, draw_title, paint_map, title_height};
use super::{Quicklook, QuicklookOptions};
use crate::canvas::{Align, Canvas};
use crate::color::{ColorTable, Rgba};
use crate::error::Result;
use crate::font;
use crate::resample;
use terradl_geo::Raster;

/// Colour of class values that the table does not list.
pub(super) const UNKNOWN_CLASS: Rgba = Rgba::rgb(255, 0, 255);

/// Side of a legend swatch in pixels.
pub(crate) const SWATCH: usize = 16;
/// Vertical distance between legend entries.
pub(crate) const LEGEND_ROW: usize = 24;

/// Render band `band` of a class raster (values are class codes 0..=255).
///
/// Nodata pixels (the raster's nodata value, NaN, or values outside 0..=255)
/// are transparent; values missing from `table` are magenta. A legend with one
/// swatch and name per table entry is drawn right of the map; the swatch
/// rectangles are returned in [`Quicklook::legend`].
pub fn class_map(raster: &Raster, band: usize, table: &ColorTable, opts: &QuicklookOptions) -> Result<Quicklook> {
    check_band(raster, band)?;
    let (rows, cols) = (raster.rows, raster.cols);
    let (out_rows, out_cols) = resample::display_size(rows, cols, opts.max_dim, opts.min_dim);
    let small = resample::nearest(raster.band(band), rows, cols, out_rows, out_cols);
    let lut = table.lut();

    let top = MARGIN + title_height(&opts.title);
    let legend_w = legend_width(table);
    let legend_h = table.classes.len() * LEGEND_ROW;
    let width = MARGIN + out_cols + MARGIN + legend_w + MARGIN;
    let height = top + out_rows.max(legend_h) + MARGIN;
    let mut c = Canvas::new(width, height, Rgba::WHITE);
    draw_title(&mut c, &opts.title);
    let map = MapPlacement { x: MARGIN, y: top, width: out_cols, height: out_rows, src_cols: cols, src_rows: rows };
    let colors = small.iter().map(|&v| {
        if raster.is_nodata(v) || !(0.0..=255.0).contains(&v) {
            Rgba::TRANSPARENT
        } else {
            lut[v.round() as usize].unwrap_or(UNKNOWN_CLASS)
        }
    });
    paint_map(&mut c, &map, colors);
    let legend = draw_legend(&mut c, map.x + out_cols + MARGIN, top, table);
    Ok(Quicklook { image: c, map, legend, color_bar: None })
}

fn legend_width(table: &ColorTable) -> usize {
    let longest = table.classes.iter().map(|e| font::text_width(&e.name, TEXT_SCALE)).max().unwrap_or(0);
    SWATCH + 8 + longest
}

fn draw_legend(c: &mut Canvas, x: usize, y: usize, table: &ColorTable) -> Vec<LegendItem> {
    let mut items = Vec::new();
    for (i, e) in table.classes.iter().enumerate() {
        let (sx, sy) = (x as i64, (y + i * LEGEND_ROW) as i64);
        let col = Rgba::rgb(e.color[0], e.color[1], e.color[2]);
        items.push(LegendItem { label: e.name.clone(), color: col, x: sx as usize, y: sy as usize, size: SWATCH });
        c.fill_rect(sx, sy, SWATCH as i64, SWATCH as i64, col);
        c.stroke_rect(sx, sy, SWATCH as i64, SWATCH as i64, 1, Rgba::rgb(120, 120, 120));
        let ty = sy + (SWATCH as i64 - font::text_height(TEXT_SCALE) as i64) / 2;
        c.text(sx + SWATCH as i64 + 8, ty, &e.name, TEXT_SCALE, Align::Left, Rgba::INK);
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    fn table() -> ColorTable {
        ColorTable::new().with(1, "Water", [0, 0, 255]).with(2, "Forest", [0, 128, 0])
    }

    #[test]
    fn class_colors_nodata_and_legend() {
        let mut r = Raster::new(1, 4, 4, DType::U8);
        r.nodata = Some(0.0);
        r.band_mut(0).copy_from_slice(&[1., 1., 2., 2., 1., 1., 2., 2., 0., 0., 7., 7., 0., 0., 7., 7.]);
        let q = class_map(&r, 0, &table(), &QuicklookOptions { min_dim: 0, ..Default::default() }).unwrap();
        let m = q.map;
        assert_eq!((m.width, m.height), (4, 4));
        assert_eq!(q.image.get(m.x, m.y), Some(Rgba::rgb(0, 0, 255)));
        assert_eq!(q.image.get(m.x + 3, m.y), Some(Rgba::rgb(0, 128, 0)));
        assert_eq!(q.image.get(m.x, m.y + 3).unwrap().0[3], 0, "nodata transparent");
        assert_eq!(q.image.get(m.x + 3, m.y + 3), Some(UNKNOWN_CLASS));
        // legend swatches right of the map
        let lx = m.x + m.width + MARGIN + SWATCH / 2;
        assert_eq!(q.image.get(lx, m.y + SWATCH / 2), Some(Rgba::rgb(0, 0, 255)));
        assert_eq!(q.image.get(lx, m.y + LEGEND_ROW + SWATCH / 2), Some(Rgba::rgb(0, 128, 0)));
        assert_eq!(q.legend.len(), 2);
        assert_eq!(q.legend[1].label, "Forest");
        assert_eq!(q.legend[1].y, m.y + LEGEND_ROW);
    }

    #[test]
    fn bad_band_is_an_error() {
        let r = Raster::new(1, 2, 2, DType::U8);
        assert!(class_map(&r, 1, &table(), &QuicklookOptions::default()).is_err());
    }
}
