//! A labelled detection image (RGB raster + boxes), loading helpers and crops.

use super::annotation::{BoxAnnotation, read_annotation_csv, read_voc};
use super::error::{DetectionDataError, Result};
use super::image::read_rgb_image;
use std::path::Path;
use terradl_geo::{PixelBox, Raster, Window};

/// One labelled image: a 3-band raster (0–255) and its boxes in pixel coordinates.
#[derive(Debug, Clone)]
pub struct DetectionImage {
    /// Identifier used for splitting and reporting (file stem).
    pub name: String,
    /// The 3-band image, values 0–255.
    pub raster: Raster,
    /// Boxes in pixel coordinates of the image.
    pub boxes: Vec<BoxAnnotation>,
}

impl DetectionImage {
    /// Load a Pascal VOC XML file and the image next to it: the image named in
    /// `<filename>` if it exists in the same directory, else the XML's stem with
    /// `.png`, `.tif` or `.tiff`.
    pub fn from_voc(xml_path: impl AsRef<Path>) -> Result<Self> {
        let xml_path = xml_path.as_ref();
        let ann = read_voc(xml_path)?;
        let dir = xml_path.parent().unwrap_or(Path::new("."));
        // Prefer a PNG sibling (always decodable), then the file the XML names.
        let candidates = [
            xml_path.with_extension("png"),
            dir.join(&ann.image),
            xml_path.with_extension("tif"),
            xml_path.with_extension("tiff"),
        ];
        let mut last_err = None;
        let mut raster = None;
        for p in candidates.iter().filter(|p| p.is_file()) {
            match read_rgb_image(p) {
                Ok(r) => {
                    raster = Some(r);
                    break;
                }
                Err(e) => last_err = Some(e),
            }
        }
        let raster = match (raster, last_err) {
            (Some(r), _) => r,
            (None, Some(e)) => return Err(e),
            (None, None) => {
                return Err(DetectionDataError::Invalid(format!("no image found for {}", xml_path.display())));
            }
        };
        let name = stem(xml_path);
        Self::new(name, raster, ann.boxes)
    }

    /// Load every image listed in a DeepForest-style CSV, images resolved
    /// relative to `image_dir`.
    pub fn from_csv(csv_path: impl AsRef<Path>, image_dir: impl AsRef<Path>) -> Result<Vec<Self>> {
        read_annotation_csv(csv_path)?
            .into_iter()
            .map(|a| {
                let path = image_dir.as_ref().join(&a.image);
                let raster = read_rgb_image(&path)?;
                Self::new(stem(&path), raster, a.boxes)
            })
            .collect()
    }

    /// Build from parts, clipping boxes to the raster and dropping those left empty.
    pub fn new(name: impl Into<String>, raster: Raster, boxes: Vec<BoxAnnotation>) -> Result<Self> {
        if raster.bands != 3 {
            return Err(DetectionDataError::Invalid(format!("detection images need 3 bands, got {}", raster.bands)));
        }
        let whole = PixelBox::new(0.0, 0.0, raster.cols as f64, raster.rows as f64);
        let boxes = boxes.into_iter().filter_map(|b| clip_box(&b, &whole, 0.0)).collect();
        Ok(DetectionImage { name: name.into(), raster, boxes })
    }

    /// A sub-image: the raster window and the boxes whose visible fraction inside it
    /// is at least `min_visible` (clipped, shifted to the window's origin).
    pub fn crop(&self, window: Window, min_visible: f32) -> Result<Self> {
        let raster = self
            .raster
            .window(window)?;
        let boxes = boxes_in_window(&self.boxes, &window_box(window), min_visible);
        Ok(DetectionImage { name: format!("{}[{},{} {}x{}]", self.name, window.col, window.row, window.cols, window.rows), raster, boxes })
    }
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The pixel box a raster window covers.
pub(crate) fn window_box(w: Window) -> PixelBox {
    PixelBox::new(w.col as f64, w.row as f64, (w.col + w.cols) as f64, (w.row + w.rows) as f64)
}

/// Clip an annotation's box to `window`; `None` if less than `min_visible` of
/// its area (and at least some area) remains.
pub fn clip_box(b: &BoxAnnotation, window: &PixelBox, min_visible: f32) -> Option<BoxAnnotation> {
    let clipped = b.bbox.clipped_to(window);
    if !clipped.is_valid() || clipped.area() < f64::from(min_visible) * b.bbox.area() {
        return None;
    }
    Some(BoxAnnotation::new(clipped, b.label.clone()))
}

/// Annotations of a window, clipped and shifted to window coordinates.
pub fn boxes_in_window(boxes: &[BoxAnnotation], window: &PixelBox, min_visible: f32) -> Vec<BoxAnnotation> {
    boxes
        .iter()
        .filter_map(|b| clip_box(b, window, min_visible))
        .map(|b| BoxAnnotation::new(b.bbox.translated(-window.xmin, -window.ymin), b.label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn crop_keeps_mostly_visible_boxes_shifted() {
        let raster = Raster::new(3, 10, 10, DType::U8);
        let ann = |x0, y0, x1, y1| BoxAnnotation::new(PixelBox::new(x0, y0, x1, y1), "t");
        let boxes = vec![
            ann(1.0, 1.0, 3.0, 3.0),
            ann(4.0, 4.0, 8.0, 8.0),  // half inside a 6x6 window at (0,0)
            ann(5.0, 5.0, 12.0, 9.0), // clipped to the image first
        ];
        let img = DetectionImage::new("a", raster, boxes).unwrap();
        assert_eq!(img.boxes[2].bbox.xmax, 10.0);
        let c = img.crop(Window::new(2, 2, 6, 6), 0.5).unwrap();
        // box 0 keeps 1/4 of its area, box 2 keeps 9/20: both dropped at 0.5
        assert_eq!(c.boxes.len(), 1, "{:?}", c.boxes);
        assert_eq!(c.boxes[0], ann(2.0, 2.0, 6.0, 6.0));
        assert!(img.crop(Window::new(8, 8, 6, 6), 0.5).is_err());
    }
}
