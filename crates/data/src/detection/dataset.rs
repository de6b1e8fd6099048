//! A labelled detection image (RGB raster + boxes), loading helpers and crops.

use super::annotation::{BoxAnnotation, read_annotation_csv, read_voc};
use super::error::{DetectionDataError, Result};
use super::image::read_rgb_image;
use std::path::Path;
use terradl_geo::{Raster, Window};

/// One labelled image: a 3-band raster (0–255) and its boxes in pixel coordinates.
#[derive(Debug, Clone)]
pub struct DetectionImage {
    /// Identifier used for splitting and reporting (file stem).
    pub name: String,
    pub raster: Raster,
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
        let (w, h) = (raster.cols as f32, raster.rows as f32);
        let boxes = boxes
            .into_iter()
            .filter_map(|b| clip_box(&b, 0.0, 0.0, w, h, 0.0))
            .collect();
        Ok(DetectionImage { name: name.into(), raster, boxes })
    }

    /// A sub-image: the raster window and the boxes whose visible fraction inside it
    /// is at least `min_visible` (clipped, shifted to the window's origin).
    pub fn crop(&self, window: Window, min_visible: f32) -> Result<Self> {
        let raster = self
            .raster
            .window(window)
            .map_err(|e| DetectionDataError::Invalid(e.to_string()))?;
        let boxes = boxes_in_window(&self.boxes, window.col as f32, window.row as f32, window.cols as f32, window.rows as f32, min_visible);
        Ok(DetectionImage { name: format!("{}[{},{} {}x{}]", self.name, window.col, window.row, window.cols, window.rows), raster, boxes })
    }
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Clip a box to the rectangle [x0, x0+w) x [y0, y0+h); `None` if less than
/// `min_visible` of its area (and at least some area) remains.
pub fn clip_box(b: &BoxAnnotation, x0: f32, y0: f32, w: f32, h: f32, min_visible: f32) -> Option<BoxAnnotation> {
    let c = BoxAnnotation::new(b.xmin.max(x0), b.ymin.max(y0), b.xmax.min(x0 + w), b.ymax.min(y0 + h), b.label.clone());
    if !c.is_valid() || c.area() < min_visible * b.area() {
        return None;
    }
    Some(c)
}

/// Boxes of a window, clipped and shifted to window coordinates.
pub fn boxes_in_window(boxes: &[BoxAnnotation], x0: f32, y0: f32, w: f32, h: f32, min_visible: f32) -> Vec<BoxAnnotation> {
    boxes
        .iter()
        .filter_map(|b| clip_box(b, x0, y0, w, h, min_visible))
        .map(|b| BoxAnnotation::new(b.xmin - x0, b.ymin - y0, b.xmax - x0, b.ymax - y0, b.label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn crop_keeps_mostly_visible_boxes_shifted() {
        let raster = Raster::new(3, 10, 10, DType::U8);
        let boxes = vec![
            BoxAnnotation::new(1.0, 1.0, 3.0, 3.0, "t"),
            BoxAnnotation::new(4.0, 4.0, 8.0, 8.0, "t"),  // half inside a 6x6 window at (0,0)
            BoxAnnotation::new(5.0, 5.0, 12.0, 9.0, "t"), // clipped to the image first
        ];
        let img = DetectionImage::new("a", raster, boxes).unwrap();
        assert_eq!(img.boxes[2].xmax, 10.0);
        let c = img.crop(Window::new(2, 2, 6, 6), 0.5).unwrap();
        // box 0 keeps 1/4 of its area, box 2 keeps 9/20: both dropped at 0.5
        assert_eq!(c.boxes.len(), 1, "{:?}", c.boxes);
        assert_eq!(c.boxes[0], BoxAnnotation::new(2.0, 2.0, 6.0, 6.0, "t"));
        assert!(img.crop(Window::new(8, 8, 6, 6), 0.5).is_err());
    }
}
