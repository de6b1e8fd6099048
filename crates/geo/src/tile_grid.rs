//! `TileGrid`: a raster split into tiles whose cores partition it, each read
//! with a halo (extra context for a model's receptive field) and written back
//! core-only, so tiled processing reproduces whole-raster processing exactly.
//!
//! Tiles are numbered row-major (left to right, then top to bottom); the order
//! is deterministic, which `--shard i/N` relies on: shard `i` of `n` takes
//! tiles `k` with `k % n == i`.
//!
//! ```
//! use terradl_geo::TileGrid;
//! let grid = TileGrid::new(10, 7, 4, 1).unwrap();
//! assert_eq!((grid.tiles_across(), grid.tiles_down(), grid.len()), (3, 2, 6));
//! let t = grid.tile(4).unwrap(); // second row, middle column
//! assert_eq!((t.core.col, t.core.row, t.core.cols, t.core.rows), (4, 4, 4, 3));
//! assert_eq!((t.outer.col, t.outer.row, t.outer.cols, t.outer.rows), (3, 3, 6, 4)); // clipped at the bottom
//! ```

use crate::{GeoError, Raster, Result, Window};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A tiling of a `cols` x `rows` raster into `tile_cols` x `tile_rows`
/// cores, each with a `halo`-pixel margin on every side (clipped at the
/// raster edge). Edge tiles have smaller cores when the size does not divide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TileGrid {
    /// Raster width in pixels.
    pub cols: usize,
    /// Raster height in pixels.
    pub rows: usize,
    /// Core width of a tile.
    pub tile_cols: usize,
    /// Core height of a tile.
    pub tile_rows: usize,
    /// Margin in pixels around each core.
    pub halo: usize,
}

/// Pixels by which a tile's outer window falls short of the full
/// `(tile_cols + 2 halo) x (tile_rows + 2 halo)` size on each side (because
/// of clipping at the raster edge or a partial edge tile). A model that needs
/// fixed-size input pads by these amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Padding {
    /// Missing columns on the left.
    pub left: usize,
    /// Missing rows at the top.
    pub top: usize,
    /// Missing columns on the right.
    pub right: usize,
    /// Missing rows at the bottom.
    pub bottom: usize,
}

/// One tile of a [`TileGrid`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    /// Position in the grid's deterministic (row-major) order.
    pub index: usize,
    /// Tile column (0 = leftmost tile).
    pub col: usize,
    /// Tile row (0 = top tile).
    pub row: usize,
    /// The pixels this tile owns; cores partition the raster.
    pub core: Window,
    /// The core plus halo, clipped to the raster: what to read.
    pub outer: Window,
    /// Shortfall of `outer` from the full halo-padded tile size.
    pub padding: Padding,
}

impl Tile {
    /// The core as a window relative to the outer window's origin.
    pub fn core_in_outer(&self) -> Window {
        Window::new(self.core.col - self.outer.col, self.core.row - self.outer.row, self.core.cols, self.core.rows)
    }

    /// Copy the core of a tile buffer (band-sequential, `bands` x
    /// `outer.rows` x `outer.cols`) into `full` (band-sequential, `bands` x
    /// `full_rows` x `full_cols`) at the core's position.
    pub fn paste_core<T: Copy>(&self, tile: &[T], bands: usize, full: &mut [T], full_cols: usize, full_rows: usize) -> Result<()> {
        let (o, c, inner) = (self.outer, self.core, self.core_in_outer());
        if tile.len() != bands * o.rows * o.cols {
            return Err(GeoError::Invalid(format!(
                "tile {} buffer has {} values, expected {bands}x{}x{}",
                self.index,
                tile.len(),
                o.rows,
                o.cols
            )));
        }
        if full.len() != bands * full_rows * full_cols || !c.fits(full_cols, full_rows) {
            return Err(GeoError::WindowOutOfBounds { window: c, cols: full_cols, rows: full_rows });
        }
        for b in 0..bands {
            for r in 0..c.rows {
                let src = (b * o.rows + inner.row + r) * o.cols + inner.col;
                let dst = (b * full_rows + c.row + r) * full_cols + c.col;
                full[dst..dst + c.cols].copy_from_slice(&tile[src..src + c.cols]);
            }
        }
        Ok(())
    }

    /// Copy just the core out of a tile buffer laid out as in [`Tile::paste_core`].
    pub fn extract_core<T: Copy>(&self, tile: &[T], bands: usize) -> Result<Vec<T>> {
        let (o, inner) = (self.outer, self.core_in_outer());
        if tile.len() != bands * o.rows * o.cols {
            return Err(GeoError::Invalid(format!("tile {} buffer has {} values, expected {bands}x{}x{}", self.index, tile.len(), o.rows, o.cols)));
        }
        let mut out = Vec::with_capacity(bands * inner.rows * inner.cols);
        for b in 0..bands {
            for r in 0..inner.rows {
                let src = (b * o.rows + inner.row + r) * o.cols + inner.col;
                out.extend_from_slice(&tile[src..src + inner.cols]);
            }
        }
        Ok(out)
    }
}

/// Shard `index` of `count` (`--shard i/N`, 0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// A checked shard: `count >= 1` and `index < count`.
    pub fn new(index: usize, count: usize) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(GeoError::Invalid(format!("invalid shard {index}/{count}: need 0 <= i < N and N >= 1")));
        }
        Ok(Shard { index, count })
    }
}

impl FromStr for Shard {
    type Err = GeoError;
    /// Parse `"i/N"`, e.g. `"3/8"`.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || GeoError::Invalid(format!("invalid shard {s:?}: expected i/N, e.g. 0/4"));
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        Shard::new(i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?)
    }
}

impl TileGrid {
    /// Square tiles of `tile_size` with a `halo` margin.
    pub fn new(cols: usize, rows: usize, tile_size: usize, halo: usize) -> Result<Self> {
        Self::rectangular(cols, rows, tile_size, tile_size, halo)
    }

    /// Tiles of `tile_cols` x `tile_rows` with a `halo` margin.
    pub fn rectangular(cols: usize, rows: usize, tile_cols: usize, tile_rows: usize, halo: usize) -> Result<Self> {
        if cols == 0 || rows == 0 {
            return Err(GeoError::EmptyRaster { cols, rows, bands: 1 });
        }
        if tile_cols == 0 || tile_rows == 0 {
            return Err(GeoError::Invalid(format!("tile size must be positive, got {tile_cols}x{tile_rows}")));
        }
        Ok(TileGrid { cols, rows, tile_cols, tile_rows, halo })
    }

    /// Tiles per row of tiles.
    pub fn tiles_across(&self) -> usize {
        self.cols.div_ceil(self.tile_cols)
    }
    /// Rows of tiles.
    pub fn tiles_down(&self) -> usize {
        self.rows.div_ceil(self.tile_rows)
    }
    /// Number of tiles.
    pub fn len(&self) -> usize {
        self.tiles_across() * self.tiles_down()
    }
    /// Always false: a grid has at least one tile.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Tile number `index` in row-major order, `None` past the end.
    pub fn tile(&self, index: usize) -> Option<Tile> {
        if index >= self.len() {
            return None;
        }
        let (tcol, trow) = (index % self.tiles_across(), index / self.tiles_across());
        let (c0, r0) = (tcol * self.tile_cols, trow * self.tile_rows);
        let core = Window::new(c0, r0, self.tile_cols.min(self.cols - c0), self.tile_rows.min(self.rows - r0));
        let oc0 = c0.saturating_sub(self.halo);
        let or0 = r0.saturating_sub(self.halo);
        let oc1 = (core.col + core.cols + self.halo).min(self.cols);
        let or1 = (core.row + core.rows + self.halo).min(self.rows);
        let outer = Window::new(oc0, or0, oc1 - oc0, or1 - or0);
        let left = self.halo - (c0 - oc0);
        let top = self.halo - (r0 - or0);
        let padding = Padding {
            left,
            top,
            right: self.tile_cols + 2 * self.halo - left - outer.cols,
            bottom: self.tile_rows + 2 * self.halo - top - outer.rows,
        };
        Some(Tile { index, col: tcol, row: trow, core, outer, padding })
    }

    /// The tile whose core holds pixel (col, row).
    pub fn tile_containing(&self, col: usize, row: usize) -> Option<Tile> {
        if col >= self.cols || row >= self.rows {
            return None;
        }
        self.tile(row / self.tile_rows * self.tiles_across() + col / self.tile_cols)
    }

    /// All tiles in deterministic row-major order.
    pub fn tiles(&self) -> impl ExactSizeIterator<Item = Tile> + '_ {
        (0..self.len()).map(|i| self.tile(i).expect("index in range"))
    }

    /// The tiles of shard `i` of `n`: tiles `k` with `k % n == i`.
    pub fn tiles_for_shard(&self, i: usize, n: usize) -> Result<Vec<Tile>> {
        let shard = Shard::new(i, n)?;
        Ok(self.tiles().filter(|t| t.index % shard.count == shard.index).collect())
    }

    /// Read a tile's outer window from an in-memory raster.
    pub fn read_outer(&self, raster: &Raster, tile: &Tile) -> Result<Raster> {
        self.check_raster(raster)?;
        raster.window(tile.outer)
    }

    /// Paste the core of `tile_raster` (the outer window of `tile`, e.g. a
    /// model's output for it) into `full`, which has this grid's size.
    pub fn paste_core(&self, tile: &Tile, tile_raster: &Raster, full: &mut Raster) -> Result<()> {
        self.check_raster(full)?;
        if tile_raster.bands != full.bands || tile_raster.cols != tile.outer.cols || tile_raster.rows != tile.outer.rows {
            return Err(GeoError::Invalid(format!(
                "tile {} raster is {}x{}x{}, expected {}x{}x{} (bands x rows x cols)",
                tile.index, tile_raster.bands, tile_raster.rows, tile_raster.cols, full.bands, tile.outer.rows, tile.outer.cols
            )));
        }
        let (cols, rows, bands) = (full.cols, full.rows, full.bands);
        tile.paste_core(&tile_raster.data, bands, &mut full.data, cols, rows)
    }

    fn check_raster(&self, raster: &Raster) -> Result<()> {
        if raster.cols != self.cols || raster.rows != self.rows {
            return Err(GeoError::Invalid(format!(
                "raster is {}x{} but the tile grid was built for {}x{}",
                raster.cols, raster.rows, self.cols, self.rows
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_accounts_for_clipping_and_partial_tiles() {
        let grid = TileGrid::new(10, 10, 4, 2).unwrap();
        let first = grid.tile(0).unwrap();
        assert_eq!(first.outer, Window::new(0, 0, 6, 6));
        assert_eq!(first.padding, Padding { left: 2, top: 2, right: 0, bottom: 0 });
        let last = grid.tile(grid.len() - 1).unwrap();
        assert_eq!(last.core, Window::new(8, 8, 2, 2));
        assert_eq!(last.outer, Window::new(6, 6, 4, 4));
        // Full padded size is 8: 2 halo on the left/top present, 4 short on the right/bottom.
        assert_eq!(last.padding, Padding { left: 0, top: 0, right: 4, bottom: 4 });
        assert_eq!(last.core_in_outer(), Window::new(2, 2, 2, 2));
    }

    #[test]
    fn shard_parsing_and_errors() {
        assert_eq!("2/8".parse::<Shard>().unwrap(), Shard { index: 2, count: 8 });
        assert!("8/8".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().unwrap_err().to_string().contains("i/N"));
        let grid = TileGrid::new(5, 5, 2, 0).unwrap();
        assert!(grid.tiles_for_shard(3, 3).is_err());
        let s: Vec<usize> = grid.tiles_for_shard(1, 4).unwrap().iter().map(|t| t.index).collect();
        assert_eq!(s, vec![1, 5]);
    }

    #[test]
    fn rejects_zero_sizes_and_bad_buffers() {
        assert!(TileGrid::new(0, 5, 2, 0).is_err());
        assert!(TileGrid::rectangular(5, 5, 2, 0, 0).is_err());
        let grid = TileGrid::new(4, 4, 2, 1).unwrap();
        let t = grid.tile(0).unwrap();
        let mut full = vec![0u8; 16];
        assert!(t.paste_core(&[1u8; 3], 1, &mut full, 4, 4).is_err());
        assert!(grid.tile_containing(4, 0).is_none());
        assert_eq!(grid.tile_containing(3, 1).unwrap().index, 1);
    }
}
