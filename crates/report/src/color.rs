//! Colours, class colour tables and perceptual colour ramps.

use serde::{Deserialize, Serialize};

/// An 8-bit RGBA colour (straight, not premultiplied, alpha).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// Fully transparent black.
    pub const TRANSPARENT: Rgba = Rgba([0, 0, 0, 0]);
    /// Opaque white.
    pub const WHITE: Rgba = Rgba([255, 255, 255, 255]);
    /// Opaque black.
    pub const BLACK: Rgba = Rgba([0, 0, 0, 255]);
    /// Dark grey used for text and axes.
    pub const INK: Rgba = Rgba([40, 40, 40, 255]);
    /// Light grey used for grid lines.
    pub const GRID: Rgba = Rgba([225, 225, 225, 255]);

    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Rgba {
        Rgba([r, g, b, 255])
    }
    /// The same colour with another alpha.
    pub const fn with_alpha(self, a: u8) -> Rgba {
        Rgba([self.0[0], self.0[1], self.0[2], a])
    }
    /// Relative luminance in 0..1 (sRGB weights, no linearisation) — enough to
    /// choose black or white text on top of a colour.
    pub fn luma(self) -> f32 {
        (0.299 * self.0[0] as f32 + 0.587 * self.0[1] as f32 + 0.114 * self.0[2] as f32) / 255.0
    }
    /// Black or white, whichever reads better on this colour.
    pub fn contrasting_text(self) -> Rgba {
        if self.luma() > 0.55 { Rgba::INK } else { Rgba::WHITE }
    }
}

/// One class of a classification: raster value, display name and colour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassColor {
    /// Class value stored in the class-map raster.
    pub value: u8,
    /// Human-readable class name.
    pub name: String,
    /// Display colour `[r, g, b]`.
    pub color: [u8; 3],
}

/// Colour table of a class map (also the JSON format of `classes.json`:
/// `{"classes": [{"value": 1, "name": "Forest", "color": [34, 139, 34]}, ...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ColorTable {
    /// One entry per class, in legend order.
    pub classes: Vec<ClassColor>,
}

/// A qualitative palette (Tableau 10 followed by lighter variants) used when a
/// class has no colour of its own.
pub(crate) const QUALITATIVE: [[u8; 3]; 20] = [
    [31, 119, 180],
    [255, 127, 14],
    [44, 160, 44],
    [214, 39, 40],
    [148, 103, 189],
    [140, 86, 75],
    [227, 119, 194],
    [127, 127, 127],
    [188, 189, 34],
    [23, 190, 207],
    [174, 199, 232],
    [255, 187, 120],
    [152, 223, 138],
    [255, 152, 150],
    [197, 176, 213],
    [196, 156, 148],
    [247, 182, 210],
    [199, 199, 199],
    [219, 219, 141],
    [158, 218, 229],
];

impl ColorTable {
    /// An empty table.
    pub fn new() -> Self {
        ColorTable::default()
    }
    /// Add a class (builder style).
    pub fn with(mut self, value: u8, name: impl Into<String>, color: [u8; 3]) -> Self {
        self.classes.push(ClassColor { value, name: name.into(), color });
        self
    }
    /// A table for the given class names, values `0..n`, qualitative colours.
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Self {
        Self::from_values_and_names(names.iter().enumerate().map(|(i, n)| (i as u8, n.as_ref())))
    }
    /// A table for `(value, name)` pairs with qualitative colours.
    pub fn from_values_and_names<'a>(pairs: impl IntoIterator<Item = (u8, &'a str)>) -> Self {
        let classes = pairs
            .into_iter()
            .enumerate()
            .map(|(i, (value, name))| ClassColor {
                value,
                name: name.to_string(),
                color: QUALITATIVE[i % QUALITATIVE.len()],
            })
            .collect();
        ColorTable { classes }
    }
    /// The entry of a class value, if any.
    pub fn get(&self, value: u8) -> Option<&ClassColor> {
        self.classes.iter().find(|c| c.value == value)
    }
    /// A 256-entry lookup table: opaque class colours, `None` for unknown values.
    pub fn lut(&self) -> [Option<Rgba>; 256] {
        let mut lut = [None; 256];
        for c in &self.classes {
            lut[c.value as usize] = Some(Rgba::rgb(c.color[0], c.color[1], c.color[2]));
        }
        lut
    }
}

/// A continuous colour ramp mapping `t` in `0..=1` to a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorRamp {
    /// Matplotlib's perceptually uniform viridis (dark purple to yellow).
    #[default]
    Viridis,
    /// White to dark blue, for heat-maps with text on top.
    Blues,
    /// Black to white.
    Greys,
}

/// Viridis anchors at t = 0, 1/8, ..., 1 (matplotlib's table at those points).
const VIRIDIS: [[u8; 3]; 9] = [
    [0x44, 0x01, 0x54],
    [0x47, 0x2d, 0x7b],
    [0x3b, 0x52, 0x8b],
    [0x2c, 0x72, 0x8e],
    [0x21, 0x91, 0x8c],
    [0x28, 0xae, 0x80],
    [0x5e, 0xc9, 0x62],
    [0xad, 0xdc, 0x30],
    [0xfd, 0xe7, 0x25],
];

/// Blues anchors (ColorBrewer Blues, 5 classes), light to dark.
const BLUES: [[u8; 3]; 5] = [
    [0xf7, 0xfb, 0xff],
    [0xc6, 0xdb, 0xef],
    [0x6b, 0xae, 0xd6],
    [0x21, 0x71, 0xb5],
    [0x08, 0x30, 0x6b],
];

const GREYS: [[u8; 3]; 2] = [[0, 0, 0], [255, 255, 255]];

fn interpolate(anchors: &[[u8; 3]], t: f32) -> Rgba {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (anchors.len() - 1) as f32;
    let i = (pos.floor() as usize).min(anchors.len() - 2);
    let f = pos - i as f32;
    let a = anchors[i];
    let b = anchors[i + 1];
    let mix = |k: usize| (a[k] as f32 + (b[k] as f32 - a[k] as f32) * f).round() as u8;
    Rgba::rgb(mix(0), mix(1), mix(2))
}

impl ColorRamp {
    /// Colour at `t` (clamped to `0..=1`; NaN maps to the low end).
    pub fn at(self, t: f32) -> Rgba {
        match self {
            ColorRamp::Viridis => interpolate(&VIRIDIS, t),
            ColorRamp::Blues => interpolate(&BLUES, t),
            ColorRamp::Greys => interpolate(&GREYS, t),
        }
    }
    /// A 256-entry lookup table of the ramp.
    pub fn lut(self) -> Vec<Rgba> {
        (0..256).map(|i| self.at(i as f32 / 255.0)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_end_points_and_monotone_luma() {
        assert_eq!(ColorRamp::Viridis.at(0.0), Rgba::rgb(0x44, 0x01, 0x54));
        assert_eq!(ColorRamp::Viridis.at(1.0), Rgba::rgb(0xfd, 0xe7, 0x25));
        assert_eq!(ColorRamp::Viridis.at(0.5), Rgba::rgb(0x21, 0x91, 0x8c));
        let lut = ColorRamp::Viridis.lut();
        assert_eq!(lut.len(), 256);
        for w in lut.windows(2) {
            assert!(w[1].luma() + 1e-3 >= w[0].luma(), "viridis luma must not decrease");
        }
        assert_eq!(ColorRamp::Viridis.at(f32::NAN), ColorRamp::Viridis.at(0.0));
        assert_eq!(ColorRamp::Viridis.at(7.0), ColorRamp::Viridis.at(1.0));
    }

    #[test]
    fn color_table_lookup_and_defaults() {
        let t = ColorTable::from_names(&["water", "forest"]);
        assert_eq!(t.get(1).unwrap().name, "forest");
        assert_eq!(t.get(1).unwrap().color, QUALITATIVE[1]);
        assert!(t.get(2).is_none());
        let lut = t.lut();
        assert_eq!(lut[0], Some(Rgba::rgb(31, 119, 180)));
        assert_eq!(lut[5], None);
        let json = serde_json::to_string(&t).unwrap();
        let back: ColorTable = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }
}
