//! `TileGrid`: tiles with overlap/halo over a raster.
