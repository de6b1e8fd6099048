//! Coordinate reference systems, identified by EPSG code where known.

use serde::{Deserialize, Serialize};

/// A coordinate reference system. terradl identifies CRSs by EPSG code (as
/// GeoTIFF's GeoKeyDirectory does); `citation` keeps any descriptive text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Crs {
    /// EPSG code, e.g. 32617 for WGS 84 / UTM zone 17N.
    pub epsg: Option<u32>,
    /// Whether the CRS is geographic (lat/lon degrees) rather than projected.
    pub geographic: bool,
    /// Free-text citation (GTCitation / PCSCitation) if present.
    pub citation: Option<String>,
}

impl Crs {
    /// A projected CRS from its EPSG code.
    pub fn projected(epsg: u32) -> Self {
        Crs { epsg: Some(epsg), geographic: false, citation: None }
    }
    /// A geographic CRS from its EPSG code (e.g. 4326).
    pub fn geographic(epsg: u32) -> Self {
        Crs { epsg: Some(epsg), geographic: true, citation: None }
    }
    /// `EPSG:xxxx` or `unknown`.
    pub fn label(&self) -> String {
        match self.epsg {
            Some(code) => format!("EPSG:{code}"),
            None => self.citation.clone().unwrap_or_else(|| "unknown".into()),
        }
    }
    /// True when both CRSs have EPSG codes and they differ. Unknown CRSs
    /// never conflict (there is nothing to compare).
    pub fn conflicts_with(&self, other: &Crs) -> bool {
        matches!((self.epsg, other.epsg), (Some(a), Some(b)) if a != b)
    }
}

impl std::fmt::Display for Crs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}
