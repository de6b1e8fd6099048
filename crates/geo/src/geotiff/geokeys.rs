//! GeoKeyDirectory (GeoTIFF 1.1) decoding and encoding: CRS as EPSG code.

use crate::Crs;

/// GeoKey ids used here.
mod key {
    pub(super) const GT_MODEL_TYPE: u16 = 1024;
    pub(super) const GT_RASTER_TYPE: u16 = 1025;
    pub(super) const GT_CITATION: u16 = 1026;
    pub(super) const GEOGRAPHIC_TYPE: u16 = 2048;
    pub(super) const GEOG_CITATION: u16 = 2049;
    pub(super) const GEOG_ANGULAR_UNITS: u16 = 2054;
    pub(super) const PROJECTED_CS_TYPE: u16 = 3072;
    pub(super) const PCS_CITATION: u16 = 3073;
    pub(super) const PROJ_LINEAR_UNITS: u16 = 3076;
}

/// GeoKeyDirectory tag location of ASCII parameters.
const GEO_ASCII_PARAMS: u16 = 34737;
/// Code meaning "user-defined" in GeoKeys.
const USER_DEFINED: u64 = 32767;

/// What terradl takes from a GeoKeyDirectory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GeoKeys {
    /// 1 projected, 2 geographic, 3 geocentric.
    pub model_type: Option<u64>,
    /// True for RasterPixelIsPoint (GTRasterTypeGeoKey = 2).
    pub pixel_is_point: bool,
    /// GeographicTypeGeoKey (EPSG code of the geographic CRS).
    pub geographic_type: Option<u64>,
    /// ProjectedCSTypeGeoKey (EPSG code of the projected CRS).
    pub projected_type: Option<u64>,
    /// The most specific citation: projected, then general, then geographic.
    pub citation: Option<String>,
}

impl GeoKeys {
    /// Decode the GeoKeyDirectory `dir` with its ASCII parameters. Malformed
    /// entries are skipped (as GDAL does) rather than failing the read.
    pub fn decode(dir: &[u64], ascii: Option<&str>) -> GeoKeys {
        let mut keys = GeoKeys::default();
        if dir.len() < 4 {
            return keys;
        }
        let n = dir[3] as usize;
        let mut citations: Vec<(u16, String)> = Vec::new();
        for k in 0..n {
            let Some(e) = dir.get(4 + 4 * k..8 + 4 * k) else { break };
            let (id, loc, count, value) = (e[0] as u16, e[1] as u16, e[2] as usize, e[3]);
            let short = (loc == 0).then_some(value);
            match id {
                key::GT_MODEL_TYPE => keys.model_type = short,
                key::GT_RASTER_TYPE => keys.pixel_is_point = short == Some(2),
                key::GEOGRAPHIC_TYPE => keys.geographic_type = short,
                key::PROJECTED_CS_TYPE => keys.projected_type = short,
                key::GT_CITATION | key::PCS_CITATION | key::GEOG_CITATION if loc == GEO_ASCII_PARAMS => {
                    let start = value as usize;
                    if let Some(s) = ascii.and_then(|a| a.get(start..(start + count).min(a.len()))) {
                        let s = s.trim_end_matches(['|', '\0']).trim();
                        if !s.is_empty() {
                            citations.push((id, s.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
        // Prefer the most specific citation: projected, then general, then geographic.
        for want in [key::PCS_CITATION, key::GT_CITATION, key::GEOG_CITATION] {
            if let Some((_, s)) = citations.iter().find(|(id, _)| *id == want) {
                keys.citation = Some(s.clone());
                break;
            }
        }
        keys
    }

    /// The CRS these keys describe.
    pub fn crs(&self) -> Crs {
        let valid = |c: Option<u64>| c.filter(|&c| c > 0 && c < USER_DEFINED).map(|c| c as u32);
        let geographic = self.model_type == Some(2)
            || (self.model_type.is_none() && self.projected_type.is_none() && self.geographic_type.is_some());
        let epsg = if geographic { valid(self.geographic_type) } else { valid(self.projected_type) };
        Crs { epsg, geographic, citation: self.citation.clone() }
    }

    /// Encode a CRS as (GeoKeyDirectory, GeoAsciiParams) tag values. Writes
    /// PixelIsArea; the EPSG code where known, else user-defined with the
    /// citation. Returns `None` for a fully unknown CRS (no keys written).
    pub fn encode(crs: &Crs) -> Option<(Vec<u16>, Option<String>)> {
        if crs.epsg.is_none() && crs.citation.is_none() {
            return None;
        }
        let mut ascii = String::new();
        let mut entries: Vec<[u16; 4]> = vec![
            [key::GT_MODEL_TYPE, 0, 1, if crs.geographic { 2 } else { 1 }],
            [key::GT_RASTER_TYPE, 0, 1, 1],
        ];
        if let Some(c) = &crs.citation {
            let c = c.replace('|', "/");
            entries.push([key::GT_CITATION, GEO_ASCII_PARAMS, (c.len() + 1) as u16, ascii.len() as u16]);
            ascii.push_str(&c);
            ascii.push('|');
        }
        let code = crs.epsg.filter(|&e| e < USER_DEFINED as u32).unwrap_or(USER_DEFINED as u32) as u16;
        if crs.geographic {
            entries.push([key::GEOGRAPHIC_TYPE, 0, 1, code]);
            entries.push([key::GEOG_ANGULAR_UNITS, 0, 1, 9102]);
        } else {
            entries.push([key::PROJECTED_CS_TYPE, 0, 1, code]);
            if crs.epsg.is_some() {
                // Metres: true of every projected EPSG CRS terradl writes in practice;
                // GDAL takes units from the EPSG code anyway.
                entries.push([key::PROJ_LINEAR_UNITS, 0, 1, 9001]);
            }
        }
        entries.sort_by_key(|e| e[0]);
        let mut dir = vec![1, 1, 0, entries.len() as u16];
        dir.extend(entries.iter().flatten());
        Some((dir, (!ascii.is_empty()).then_some(ascii)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widen(v: &[u16]) -> Vec<u64> {
        v.iter().map(|&x| x as u64).collect()
    }

    #[test]
    fn projected_round_trip() {
        let crs = Crs::projected(32617);
        let (dir, ascii) = GeoKeys::encode(&crs).unwrap();
        assert!(ascii.is_none());
        let keys = GeoKeys::decode(&widen(&dir), None);
        assert_eq!(keys.crs(), crs);
        assert!(!keys.pixel_is_point);
    }

    #[test]
    fn geographic_and_citation_round_trip() {
        let crs = Crs { epsg: Some(4326), geographic: true, citation: Some("WGS 84".into()) };
        let (dir, ascii) = GeoKeys::encode(&crs).unwrap();
        let keys = GeoKeys::decode(&widen(&dir), ascii.as_deref());
        assert_eq!(keys.crs(), crs);
        let user = Crs { epsg: None, geographic: false, citation: Some("local grid".into()) };
        let (dir, ascii) = GeoKeys::encode(&user).unwrap();
        assert_eq!(GeoKeys::decode(&widen(&dir), ascii.as_deref()).crs(), user);
        assert!(GeoKeys::encode(&Crs::default()).is_none());
    }

    #[test]
    fn decodes_gdal_style_directory_with_pixel_is_point() {
        // As GDAL writes EPSG:32613 with PixelIsPoint and a PCS citation.
        let dir = [1, 1, 0, 4, 1024, 0, 1, 1, 1025, 0, 1, 2, 1026, 34737, 22, 0, 3072, 0, 1, 32613];
        let keys = GeoKeys::decode(&dir, Some("WGS 84 / UTM zone 13N|"));
        assert!(keys.pixel_is_point);
        assert_eq!(keys.crs().epsg, Some(32613));
        assert_eq!(keys.crs().citation.as_deref(), Some("WGS 84 / UTM zone 13N"));
        // Truncated directory: no panic, whatever could be read is kept.
        let keys = GeoKeys::decode(&dir[..10], None);
        assert_eq!(keys.model_type, Some(1));
        assert_eq!(GeoKeys::decode(&[1, 1], None), GeoKeys::default());
    }
}
