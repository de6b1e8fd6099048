//! Band names in the GDAL_METADATA TIFF tag (42112), the XML GDAL writes and
//! reads for band descriptions:
//! `<GDALMetadata><Item name="DESCRIPTION" sample="0" role="description">red</Item>...</GDALMetadata>`.
//! rasterio shows them as `dataset.descriptions`, `gdalinfo` as band descriptions.

/// The GDAL_METADATA XML naming each band (band `i` is `sample="i"`).
pub(crate) fn encode_band_names(names: &[String]) -> String {
    let mut xml = String::from("<GDALMetadata>\n");
    for (i, name) in names.iter().enumerate() {
        xml.push_str(&format!("  <Item name=\"DESCRIPTION\" sample=\"{i}\" role=\"description\">{}</Item>\n", escape(name)));
    }
    xml.push_str("</GDALMetadata>");
    xml
}

/// Band names of a `bands`-band raster from GDAL_METADATA XML: one entry per
/// band (empty where a band has no description), or an empty vector when the
/// XML names no band or cannot be parsed.
pub(crate) fn decode_band_names(xml: &str, bands: usize) -> Vec<String> {
    let Ok(doc) = roxmltree::Document::parse(xml) else { return Vec::new() };
    let mut names = vec![String::new(); bands];
    let mut any = false;
    for item in doc.descendants().filter(|n| n.has_tag_name("Item")) {
        if item.attribute("role") != Some("description") {
            continue;
        }
        let Some(band) = item.attribute("sample").and_then(|s| s.parse::<usize>().ok()) else { continue };
        if let Some(slot) = names.get_mut(band) {
            *slot = item.text().unwrap_or_default().to_string();
            any = true;
        }
    }
    if any { names } else { Vec::new() }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_with_markup_characters() {
        let names = vec!["entropy".to_string(), "alpha <deg> & \"mean\"".to_string()];
        assert_eq!(decode_band_names(&encode_band_names(&names), 2), names);
    }

    #[test]
    fn reads_gdal_xml_with_other_items() {
        // As GDAL writes it, with dataset-level metadata besides the descriptions.
        let xml = r#"<GDALMetadata>
  <Item name="AREA_OR_POINT">Area</Item>
  <Item name="DESCRIPTION" sample="1" role="description">nir</Item>
</GDALMetadata>"#;
        assert_eq!(decode_band_names(xml, 3), vec!["", "nir", ""]);
        assert!(decode_band_names("<GDALMetadata/>", 3).is_empty());
        assert!(decode_band_names("not xml", 3).is_empty());
        // A sample index past the band count is ignored.
        let xml = r#"<GDALMetadata><Item name="DESCRIPTION" sample="5" role="description">x</Item></GDALMetadata>"#;
        assert!(decode_band_names(xml, 2).is_empty());
    }
}
