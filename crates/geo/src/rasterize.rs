//! Polygon/point rasterisation onto a raster grid.
