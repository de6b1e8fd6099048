//! EPSG code -> proj string, from the `crs-definitions` table.

/// Codes that name EPSG:3857 under another authority or an old number:
/// ESRI's 102100 and 102113 and the unofficial 900913.
const WEB_MERCATOR_ALIASES: [u32; 3] = [102_100, 102_113, 900_913];

/// The proj string of an EPSG code, from the `crs-definitions` table (the
/// one `proj4rs` reads), or `None` when the code is not in it. ESRI's
/// 102100 / 102113 and 900913 resolve to EPSG:3857.
///
/// ```
/// use terradl_geo::proj_definition;
/// assert_eq!(proj_definition(32733), Some("+proj=utm +zone=33 +south +datum=WGS84 +units=m +no_defs"));
/// assert_eq!(proj_definition(102_100), proj_definition(3857));
/// assert_eq!(proj_definition(999_999), None);
/// ```
pub fn proj_definition(epsg: u32) -> Option<&'static str> {
    let code = if WEB_MERCATOR_ALIASES.contains(&epsg) { 3857 } else { epsg };
    let code = u16::try_from(code).ok()?;
    crs_definitions::from_code(code).map(|def| def.proj4)
}
