//! Box annotations: Pascal VOC XML and DeepForest-style CSV
//! (`image_path,xmin,ymin,xmax,ymax,label`).

use super::error::{DetectionDataError, Result};
use std::collections::BTreeMap;
use std::path::Path;
use terradl_geo::PixelBox;

/// One annotated object: its box in image pixel coordinates (x right, y down;
/// `xmax`/`ymax` exclusive edges, as in VOC files written by DeepForest) and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxAnnotation {
    /// The object's box.
    pub bbox: PixelBox,
    /// Class name (`Tree`, `Alive`, `Dead`, ...).
    pub label: String,
}

impl BoxAnnotation {
    /// An annotation of `bbox` as `label`.
    pub fn new(bbox: PixelBox, label: impl Into<String>) -> Self {
        BoxAnnotation { bbox, label: label.into() }
    }
}

/// A box from corners as written in an annotation file (single precision, the
/// precision annotations are read at).
fn annotated_box(xmin: f32, ymin: f32, xmax: f32, ymax: f32) -> PixelBox {
    PixelBox::new(xmin.into(), ymin.into(), xmax.into(), ymax.into())
}

/// All boxes of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageAnnotations {
    /// Image file name as written in the annotation (no directory).
    pub image: String,
    /// Image width and height when the annotation states them (VOC `<size>`).
    pub size: Option<(usize, usize)>,
    /// The boxes, in pixel coordinates of the image.
    pub boxes: Vec<BoxAnnotation>,
}

/// Parse a Pascal VOC annotation document.
///
/// ```
/// let xml = "<annotation><filename>a.png</filename><size><width>10</width><height>8</height></size>\
///   <object><name>Tree</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>6</ymax></bndbox></object></annotation>";
/// let a = terradl_data::detection::parse_voc(xml).unwrap();
/// assert_eq!(a.image, "a.png");
/// assert_eq!(a.size, Some((10, 8)));
/// assert_eq!(a.boxes[0].bbox.width(), 4.0);
/// ```
pub fn parse_voc(xml: &str) -> Result<ImageAnnotations> {
    parse_voc_with_context(xml, "")
}

/// Read and parse a Pascal VOC XML file.
pub fn read_voc(path: impl AsRef<Path>) -> Result<ImageAnnotations> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| DetectionDataError::io(path, e))?;
    let mut ann = parse_voc_with_context(&text, &format!(" in {}", path.display()))?;
    if ann.image.is_empty() {
        ann.image = path.with_extension("png").file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    }
    Ok(ann)
}

fn parse_voc_with_context(xml: &str, context: &str) -> Result<ImageAnnotations> {
    let err = |message: String| DetectionDataError::Voc { context: context.to_string(), message };
    let doc = roxmltree::Document::parse(xml).map_err(|source| DetectionDataError::VocXml { context: context.to_string(), source })?;
    let root = doc.root_element();
    if root.tag_name().name() != "annotation" {
        return Err(err(format!("root element is <{}>, expected <annotation>", root.tag_name().name())));
    }
    let child_text = |node: roxmltree::Node, name: &str| -> Option<String> {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
            .and_then(|c| c.text())
            .map(|t| t.trim().to_string())
    };
    let image = child_text(root, "filename").unwrap_or_default();
    let size = root
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == "size")
        .and_then(|s| {
            let w = child_text(s, "width")?.parse::<usize>().ok()?;
            let h = child_text(s, "height")?.parse::<usize>().ok()?;
            Some((w, h))
        });
    let mut boxes = Vec::new();
    for (i, obj) in root.children().filter(|c| c.is_element() && c.tag_name().name() == "object").enumerate() {
        let label = child_text(obj, "name").unwrap_or_else(|| "object".into());
        let bb = obj
            .children()
            .find(|c| c.is_element() && c.tag_name().name() == "bndbox")
            .ok_or_else(|| err(format!("object {i} has no <bndbox>")))?;
        let coord = |name: &str| -> Result<f32> {
            let t = child_text(bb, name).ok_or_else(|| err(format!("object {i} lacks <{name}>")))?;
            t.parse::<f32>().map_err(|_| err(format!("object {i}: <{name}> is not a number: {t:?}")))
        };
        let b = BoxAnnotation::new(annotated_box(coord("xmin")?, coord("ymin")?, coord("xmax")?, coord("ymax")?), label);
        if !b.bbox.is_valid() {
            return Err(err(format!("object {i} has an empty or inverted box {b:?}")));
        }
        boxes.push(b);
    }
    Ok(ImageAnnotations { image, size, boxes })
}

/// Parse a DeepForest-style CSV (`image_path,xmin,ymin,xmax,ymax,label`, header
/// required, columns in any order). Rows are grouped per image, in file order.
pub fn parse_annotation_csv(text: &str) -> Result<Vec<ImageAnnotations>> {
    parse_csv_with_context(text, "")
}

/// Read a DeepForest-style annotation CSV file.
pub fn read_annotation_csv(path: impl AsRef<Path>) -> Result<Vec<ImageAnnotations>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| DetectionDataError::io(path, e))?;
    parse_csv_with_context(&text, &format!(" {}", path.display()))
}

fn parse_csv_with_context(text: &str, context: &str) -> Result<Vec<ImageAnnotations>> {
    let err = |line: usize, message: String| DetectionDataError::Csv { context: context.to_string(), line, message };
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| err(1, "empty file".into()))?;
    let cols: Vec<String> = header.split(',').map(|c| c.trim().trim_matches('"').to_ascii_lowercase()).collect();
    let find = |name: &str| cols.iter().position(|c| c == name).ok_or_else(|| err(1, format!("missing column {name:?}")));
    let (ci, cx0, cy0, cx1, cy1) = (find("image_path")?, find("xmin")?, find("ymin")?, find("xmax")?, find("ymax")?);
    let cl = cols.iter().position(|c| c == "label");
    let mut order: Vec<String> = Vec::new();
    let mut by_image: BTreeMap<String, Vec<BoxAnnotation>> = BTreeMap::new();
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(|f| f.trim().trim_matches('"')).collect();
        let get = |c: usize| fields.get(c).copied().ok_or_else(|| err(n + 1, format!("only {} fields", fields.len())));
        let num = |c: usize| -> Result<f32> {
            let f = get(c)?;
            f.parse::<f32>().map_err(|_| err(n + 1, format!("not a number: {f:?}")))
        };
        let image = get(ci)?.to_string();
        let label = match cl {
            Some(c) => get(c)?.to_string(),
            None => "object".into(),
        };
        let b = BoxAnnotation::new(annotated_box(num(cx0)?, num(cy0)?, num(cx1)?, num(cy1)?), label);
        if !b.bbox.is_valid() {
            return Err(err(n + 1, format!("empty or inverted box {b:?}")));
        }
        if !by_image.contains_key(&image) {
            order.push(image.clone());
        }
        by_image.entry(image).or_default().push(b);
    }
    Ok(order
        .into_iter()
        .map(|image| {
            let boxes = by_image.remove(&image).unwrap_or_default();
            ImageAnnotations { image, size: None, boxes }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voc_rejects_bad_documents() {
        assert!(parse_voc("<notannotation/>").is_err());
        assert!(parse_voc("<annotation><object><name>a</name></object></annotation>").is_err());
        let bad_num = "<annotation><object><bndbox><xmin>x</xmin><ymin>0</ymin><xmax>1</xmax><ymax>1</ymax></bndbox></object></annotation>";
        assert!(parse_voc(bad_num).is_err());
        let inverted = "<annotation><object><bndbox><xmin>5</xmin><ymin>0</ymin><xmax>1</xmax><ymax>1</ymax></bndbox></object></annotation>";
        assert!(parse_voc(inverted).is_err());
        assert!(parse_voc("<annotation").is_err());
    }

    #[test]
    fn csv_groups_rows_by_image_in_file_order() {
        let csv = "image_path,xmin,ymin,xmax,ymax,label\nb.tif,1,2,3,4,Tree\na.tif,0,0,2,2,Tree\nb.tif,5,5,9,9,Dead\n";
        let anns = parse_annotation_csv(csv).unwrap();
        assert_eq!(anns.len(), 2);
        assert_eq!(anns[0].image, "b.tif");
        assert_eq!(anns[0].boxes.len(), 2);
        assert_eq!(anns[0].boxes[1].label, "Dead");
        assert_eq!(anns[1].boxes[0], BoxAnnotation::new(PixelBox::new(0.0, 0.0, 2.0, 2.0), "Tree"));
    }

    #[test]
    fn csv_errors_name_the_line() {
        let e = parse_annotation_csv("image_path,xmin,ymin,xmax,ymax\na,1,2,x,4\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(parse_annotation_csv("image,xmin\n").is_err());
        assert!(parse_annotation_csv("").is_err());
    }
}
