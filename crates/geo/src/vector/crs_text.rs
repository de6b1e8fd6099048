//! Recognise EPSG codes in CRS text: GeoJSON `crs` names (URNs, `EPSG:xxxx`)
//! and the WKT of a shapefile's `.prj`.
//!
//! Limits: this is recognition, not a CRS engine. A WKT yields an EPSG code
//! when its root carries `AUTHORITY["EPSG","code"]` (WKT1) or `ID["EPSG",code]`
//! (WKT2), or when its root name is one of the common ones below (ESRI `.prj`
//! files carry no authority): WGS 84, NAD83, ETRS89 geographic; UTM zones on
//! WGS 84 (326zz/327zz), NAD83 (269zz) and ETRS89 (258zz); Web Mercator.
//! Anything else keeps the WKT root name as the citation with no EPSG code.

use crate::Crs;

/// Whether an EPSG code denotes a geographic (lat/lon) CRS, for the codes terradl meets.
pub fn is_geographic_epsg(code: u32) -> bool {
    matches!(code, 4326 | 4269 | 4258 | 4283 | 4167 | 4617 | 4230 | 4267 | 4674 | 4612 | 4301 | 4019 | 4322)
}

/// A `Crs` from an EPSG code, choosing geographic or projected by the code.
pub fn crs_from_epsg(code: u32) -> Crs {
    if is_geographic_epsg(code) { Crs::geographic(code) } else { Crs::projected(code) }
}

/// Parse a GeoJSON (2008 spec) CRS name: `urn:ogc:def:crs:EPSG::32617`,
/// `urn:ogc:def:crs:EPSG:6.6:4326`, `EPSG:4326`, `urn:ogc:def:crs:OGC:1.3:CRS84`.
pub fn crs_from_name(name: &str) -> Option<Crs> {
    let n = name.trim();
    let upper = n.to_ascii_uppercase();
    if upper.ends_with("CRS84") || upper.ends_with("CRS:84") {
        return Some(Crs::geographic(4326));
    }
    if !upper.contains("EPSG") {
        return None;
    }
    let code: String = upper.rsplit(':').next()?.chars().filter(|c| c.is_ascii_digit()).collect();
    code.parse().ok().map(crs_from_epsg)
}

/// Recognise a WKT string (WKT1, ESRI WKT or WKT2). Returns `None` only when
/// the text is not WKT at all.
pub fn crs_from_wkt(wkt: &str) -> Option<Crs> {
    let wkt = wkt.trim().trim_start_matches('\u{feff}');
    let open = wkt.find(['[', '('])?;
    let keyword = wkt[..open].trim().to_ascii_uppercase();
    let geographic = matches!(keyword.as_str(), "GEOGCS" | "GEOGCRS" | "GEODCRS" | "GEOGRAPHICCRS");
    let projected = matches!(keyword.as_str(), "PROJCS" | "PROJCRS" | "PROJECTEDCRS");
    if !geographic && !projected {
        return None;
    }
    let name = first_quoted(&wkt[open..]).unwrap_or_default();
    let epsg = root_authority(wkt).or_else(|| epsg_from_name(&name, geographic));
    let mut crs = match epsg {
        Some(code) => crs_from_epsg(code),
        None => Crs { epsg: None, geographic, citation: None },
    };
    crs.geographic = geographic;
    crs.citation = (!name.is_empty()).then_some(name);
    Some(crs)
}

fn first_quoted(s: &str) -> Option<String> {
    let start = s.find('"')? + 1;
    let len = s[start..].find('"')?;
    Some(s[start..start + len].to_owned())
}

/// The EPSG code in an `AUTHORITY[...]`/`ID[...]` that is a direct child of the root node.
fn root_authority(wkt: &str) -> Option<u32> {
    let mut depth = 0usize;
    let bytes = wkt.as_bytes();
    let mut found = None;
    let mut token_start = 0;
    let mut in_quote = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => in_quote = !in_quote,
            _ if in_quote => {}
            b'[' | b'(' => {
                let token = wkt[token_start..i].trim().to_ascii_uppercase();
                if depth == 1 && (token == "AUTHORITY" || token == "ID") {
                    found = parse_authority(&wkt[i + 1..]);
                }
                depth += 1;
                token_start = i + 1;
            }
            b']' | b')' => {
                depth = depth.saturating_sub(1);
                token_start = i + 1;
            }
            b',' => token_start = i + 1,
            _ => {}
        }
    }
    found
}

/// `"EPSG","4326"]` or `"EPSG",4326]` -> 4326.
fn parse_authority(rest: &str) -> Option<u32> {
    let end = rest.find([']', ')'])?;
    let mut parts = rest[..end].split(',').map(|p| p.trim().trim_matches('"'));
    if !parts.next()?.eq_ignore_ascii_case("EPSG") {
        return None;
    }
    parts.next()?.parse().ok()
}

/// EPSG code from a well-known CRS name (ESRI or EPSG spelling).
fn epsg_from_name(name: &str, geographic: bool) -> Option<u32> {
    let n: String = name.to_ascii_uppercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' }).collect();
    let words: Vec<&str> = n.split_whitespace().collect();
    let joined = words.join(" ");
    if geographic {
        return match joined.as_str() {
            "GCS WGS 1984" | "WGS 84" | "WGS84" => Some(4326),
            "GCS NORTH AMERICAN 1983" | "NAD83" => Some(4269),
            "GCS ETRS 1989" | "ETRS89" => Some(4258),
            _ => None,
        };
    }
    if joined.contains("WEB MERCATOR") || joined.contains("PSEUDO MERCATOR") {
        return Some(3857);
    }
    let zone_pos = words.iter().position(|w| *w == "ZONE")?;
    if !words.contains(&"UTM") {
        return None;
    }
    let zone_word = words.get(zone_pos + 1)?;
    let (digits, hemi): (String, String) = zone_word.chars().partition(|c| c.is_ascii_digit());
    let zone: u32 = digits.parse().ok().filter(|z| (1..=60).contains(z))?;
    let north = match hemi.as_str() {
        "N" => true,
        "S" => false,
        "" => match words.get(zone_pos + 2) {
            Some(&"N") | Some(&"NORTH") => true,
            Some(&"S") | Some(&"SOUTH") => false,
            _ => return None,
        },
        _ => return None,
    };
    let datum = &joined[..joined.find("UTM")?];
    if datum.contains("WGS 1984") || datum.contains("WGS 84") || datum.contains("WGS84") {
        Some(if north { 32600 + zone } else { 32700 + zone })
    } else if (datum.contains("NAD 1983") || datum.contains("NAD83")) && north && zone <= 23 && !datum.contains("HARN") && !datum.contains("CSRS") && !datum.contains("2011") {
        Some(26900 + zone)
    } else if (datum.contains("ETRS 1989") || datum.contains("ETRS89")) && north && (28..=38).contains(&zone) {
        Some(25800 + zone)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_names() {
        assert_eq!(crs_from_name("urn:ogc:def:crs:EPSG::32617"), Some(Crs::projected(32617)));
        assert_eq!(crs_from_name("urn:ogc:def:crs:EPSG:6.6:4326"), Some(Crs::geographic(4326)));
        assert_eq!(crs_from_name("EPSG:26913"), Some(Crs::projected(26913)));
        assert_eq!(crs_from_name("urn:ogc:def:crs:OGC:1.3:CRS84"), Some(Crs::geographic(4326)));
        assert_eq!(crs_from_name("local grid"), None);
    }

    #[test]
    fn esri_prj_names() {
        let wgs = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]]"#;
        let c = crs_from_wkt(wgs).unwrap();
        assert_eq!((c.epsg, c.geographic), (Some(4326), true));
        let utm = r#"PROJCS["WGS_1984_UTM_Zone_13N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["Degree",0.017453292519943295]],PROJECTION["Transverse_Mercator"],PARAMETER["central_meridian",-105],UNIT["Meter",1]]"#;
        let c = crs_from_wkt(utm).unwrap();
        assert_eq!((c.epsg, c.geographic), (Some(32613), false));
        assert_eq!(c.citation.as_deref(), Some("WGS_1984_UTM_Zone_13N"));
        let nad = r#"PROJCS["NAD_1983_UTM_Zone_10N",GEOGCS["GCS_North_American_1983"]]"#;
        assert_eq!(crs_from_wkt(nad).unwrap().epsg, Some(26910));
        let south = r#"PROJCS["WGS 84 / UTM zone 33S",GEOGCS["WGS 84"]]"#;
        assert_eq!(crs_from_wkt(south).unwrap().epsg, Some(32733));
    }

    #[test]
    fn root_authority_wins_over_nested_ones() {
        let wkt = r#"PROJCS["Some local name",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],AUTHORITY["EPSG","4326"]],PROJECTION["Albers_Conic_Equal_Area"],AUTHORITY["EPSG","5070"]]"#;
        let c = crs_from_wkt(wkt).unwrap();
        assert_eq!(c.epsg, Some(5070));
        let wkt2 = r#"PROJCRS["NAD83 / Conus Albers",BASEGEOGCRS["NAD83",ID["EPSG",4269]],ID["EPSG",5070]]"#;
        assert_eq!(crs_from_wkt(wkt2).unwrap().epsg, Some(5070));
    }

    #[test]
    fn unknown_names_keep_citation() {
        let c = crs_from_wkt(r#"PROJCS["My_Custom_Lambert",GEOGCS["GCS_WGS_1984"]]"#).unwrap();
        assert_eq!(c.epsg, None);
        assert!(!c.geographic);
        assert_eq!(c.label(), "My_Custom_Lambert");
        assert_eq!(crs_from_wkt("not wkt"), None);
    }
}
