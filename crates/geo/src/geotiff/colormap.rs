//! Palette (colour table) of a single-band `u8` class map.

use serde::{Deserialize, Serialize};

/// RGB colour per class value (index = pixel value), at most 256 entries.
/// Written as a TIFF ColorMap so QGIS/GDAL show class maps in colour.
///
/// ```
/// use terradl_geo::geotiff::ColorMap;
/// let cm = ColorMap::new(vec![[0, 0, 0], [34, 139, 34]]).unwrap();
/// assert_eq!(cm.get(1), Some([34, 139, 34]));
/// let tag = cm.to_tiff_tag();
/// assert_eq!(tag.len(), 3 * 256);
/// let wide: Vec<u64> = tag.iter().map(|&v| v as u64).collect();
/// assert_eq!(ColorMap::from_tiff_tag(&wide).unwrap().get(1), Some([34, 139, 34]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColorMap {
    colors: Vec<[u8; 3]>,
}

impl ColorMap {
    /// A palette of up to 256 colours; `None` if there are more.
    pub fn new(colors: Vec<[u8; 3]>) -> Option<Self> {
        (colors.len() <= 256).then_some(ColorMap { colors })
    }

    /// Colour of class value `v`, if defined.
    pub fn get(&self, v: usize) -> Option<[u8; 3]> {
        self.colors.get(v).copied()
    }

    /// All defined colours, index = value.
    pub fn colors(&self) -> &[[u8; 3]] {
        &self.colors
    }

    /// TIFF ColorMap tag values: 256 reds, 256 greens, 256 blues, scaled to
    /// 16 bits (`v * 257`); undefined entries are black.
    pub fn to_tiff_tag(&self) -> Vec<u16> {
        let mut out = vec![0u16; 3 * 256];
        for (i, c) in self.colors.iter().enumerate() {
            for (ch, &v) in c.iter().enumerate() {
                out[ch * 256 + i] = v as u16 * 257;
            }
        }
        out
    }

    /// Parse a TIFF ColorMap tag (3 x 2^bits values). Like GDAL, a table
    /// whose values all fit in 8 bits is taken as 8-bit, else divided by 257.
    pub fn from_tiff_tag(values: &[u64]) -> Option<Self> {
        if values.is_empty() || values.len() % 3 != 0 {
            return None;
        }
        let n = values.len() / 3;
        let eight_bit = values.iter().all(|&v| v < 256);
        let scale = |v: u64| -> u8 {
            if eight_bit { v as u8 } else { ((v as f64) / 257.0).round().clamp(0.0, 255.0) as u8 }
        };
        let colors = (0..n.min(256))
            .map(|i| [scale(values[i]), scale(values[n + i]), scale(values[2 * n + i])])
            .collect();
        Some(ColorMap { colors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_too_many_and_parses_16_bit() {
        assert!(ColorMap::new(vec![[0; 3]; 257]).is_none());
        let mut tag = vec![0u64; 768];
        tag[5] = 65535;
        tag[256 + 5] = 257 * 100;
        let cm = ColorMap::from_tiff_tag(&tag).unwrap();
        assert_eq!(cm.get(5), Some([255, 100, 0]));
        assert_eq!(cm.colors().len(), 256);
        assert!(ColorMap::from_tiff_tag(&[1, 2]).is_none());
    }
}
