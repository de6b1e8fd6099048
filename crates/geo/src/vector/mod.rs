//! Vector labels: GeoJSON and Shapefile features with attributes.
