//! terradl-segment: image segmentation for object-based image analysis and
//! individual-plant mapping.
//!
//! - [`felzenszwalb`] graph-based segmentation and [`slic`] superpixels on
//!   multi-band images, returning a [`Segmentation`] (every pixel in exactly
//!   one 4-connected object, dense ids);
//! - object statistics ([`object_stats`]: area, centroid, moments ->
//!   orientation / elongation, perimeter), [`adjacency`], skeletons;
//! - OCNN patch placement ([`place_patches`]);
//! - instance separation of a binary mask ([`separate_instances`]: exact
//!   distance transform, h-maxima markers, marker-controlled watershed,
//!   outline polygons).

mod adjacency;
mod contour;
mod dsu;
mod edt;
mod error;
mod felzenszwalb;
mod image;
mod instances;
mod markers;
mod mask;
mod merge;
mod patches;
mod segmentation;
mod skeleton;
mod slic;
mod smooth;
mod stats;
mod watershed;

pub use adjacency::{adjacency, ObjectAdjacency};
pub use contour::{douglas_peucker, outline_ring, trace_boundary};
pub use dsu::DisjointSet;
pub use edt::{edt, squared_edt};
pub use error::{Result, SegmentError};
pub use felzenszwalb::{felzenszwalb, FelzenszwalbConfig};
pub use felzenszwalb::felzenszwalb_raster;
pub use image::ImageView;
pub use instances::{separate_instances, Instance, InstanceConfig, Instances};
pub use markers::{maxima_markers, MarkerConfig};
pub use mask::ObjectMask;
pub use merge::merge_small_objects;
pub use patches::{place_patches, PatchPlacementConfig, PatchSite};
pub use segmentation::{connected_components, Segmentation};
pub use skeleton::{zhang_suen, Skeleton};
pub use slic::{slic, SlicConfig, SlicGrid};
pub use slic::slic_raster;
pub use smooth::gaussian_smooth;
pub use stats::{object_stats, ObjectStats};
pub use watershed::watershed;
