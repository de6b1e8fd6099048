//! Axis-aligned boxes in a named coordinate space, and boxes with a score.
//!
//! One vocabulary for every detection-like result: [`BBox<S>`] is a box in
//! coordinate space `S` — [`Pixel`] (x = column, y = row, pixel corners at
//! integers) or [`World`] (the raster's CRS) — with area, intersection and IoU;
//! moving between the spaces takes a [`GeoTransform`](crate::GeoTransform)
//! ([`PixelBox::to_world`], [`WorldBox::to_pixel`]), so a pixel box can never be
//! compared with a world box by accident. [`Scored`] adds a confidence and an
//! optional class index.
//!
//! ```
//! use terradl_geo::{GeoTransform, PixelBox, Scored};
//! let a = PixelBox::new(0.0, 0.0, 2.0, 2.0);
//! let b = PixelBox::new(1.0, 1.0, 3.0, 3.0);
//! assert!((a.iou(&b) - 1.0 / 7.0).abs() < 1e-12);
//! let world = a.to_world(&GeoTransform::north_up(100.0, 50.0, 10.0, 10.0));
//! assert_eq!((world.xmin, world.ymin, world.xmax, world.ymax), (100.0, 30.0, 120.0, 50.0));
//! let crown = Scored::new(a, 0.9).with_class(0);
//! assert_eq!(crown.class, Some(0));
//! ```

mod bbox;
mod scored;
mod space;

pub use bbox::{BBox, PixelBox, WorldBox};
pub use scored::Scored;
pub use space::{Pixel, World};
