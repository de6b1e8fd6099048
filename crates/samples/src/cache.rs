//! Where the sample data lives: the cache directory and the files in it.

use crate::{Result, SamplesError};
use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variable that names the cache directory, overriding the default.
pub const DATA_DIR_ENV: &str = "TERRADL_DATA_DIR";

/// The cache directory (not created): `$TERRADL_DATA_DIR` when set, else
/// `$XDG_CACHE_HOME/terradl`, else `$HOME/.cache/terradl` (see
/// [`resolve_cache_dir`]). Never a path inside the source tree the binary
/// was built from.
pub fn cache_dir() -> Result<PathBuf> {
    resolve_cache_dir(
        std::env::var_os(DATA_DIR_ENV),
        std::env::var_os("XDG_CACHE_HOME"),
        std::env::var_os("HOME"),
    )
}

/// The cache directory from the values of `TERRADL_DATA_DIR`,
/// `XDG_CACHE_HOME` and `HOME` (each `None` when unset).
///
/// Empty values count as unset; a relative `XDG_CACHE_HOME` is ignored, as
/// the XDG base directory specification asks. `TERRADL_DATA_DIR` is taken
/// as given (relative paths are relative to the working directory).
///
/// ```
/// use std::path::PathBuf;
/// use terradl_samples::resolve_cache_dir;
/// let home = Some("/home/ada".into());
/// assert_eq!(resolve_cache_dir(None, None, home.clone()).unwrap(), PathBuf::from("/home/ada/.cache/terradl"));
/// assert_eq!(resolve_cache_dir(Some("/data".into()), None, home).unwrap(), PathBuf::from("/data"));
/// ```
pub fn resolve_cache_dir(
    data_dir: Option<OsString>,
    xdg_cache_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf> {
    let set = |v: Option<OsString>| v.filter(|s| !s.is_empty()).map(PathBuf::from);
    if let Some(dir) = set(data_dir) {
        return Ok(dir);
    }
    if let Some(xdg) = set(xdg_cache_home).filter(|p| p.is_absolute()) {
        return Ok(xdg.join("terradl"));
    }
    set(home).map(|h| h.join(".cache").join("terradl")).ok_or(SamplesError::NoCacheDir)
}

/// Path of a cached sample file, e.g. `sample_path("deepforest", "OSBS_029.tif")`,
/// or a [`SamplesError::Missing`] telling the user to run `terradl fetch-data`.
pub fn sample_path(package: &str, file: &str) -> Result<PathBuf> {
    let path = cache_dir()?.join(package).join(file);
    if path.is_file() { Ok(path) } else { Err(SamplesError::Missing { path }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(s.into())
    }

    #[test]
    fn data_dir_variable_wins_when_set() {
        let got = resolve_cache_dir(os("/srv/terradl"), os("/xdg"), os("/home/u")).unwrap();
        assert_eq!(got, PathBuf::from("/srv/terradl"));
        // Relative values are kept as given (the scripts pass absolute ones).
        assert_eq!(resolve_cache_dir(os("data/cache"), None, None).unwrap(), PathBuf::from("data/cache"));
    }

    #[test]
    fn unset_data_dir_falls_back_to_the_user_cache() {
        assert_eq!(resolve_cache_dir(None, os("/xdg"), os("/home/u")).unwrap(), PathBuf::from("/xdg/terradl"));
        assert_eq!(resolve_cache_dir(None, None, os("/home/u")).unwrap(), PathBuf::from("/home/u/.cache/terradl"));
    }

    #[test]
    fn empty_or_relative_values_count_as_unset() {
        let got = resolve_cache_dir(os(""), os("relative/xdg"), os("/home/u")).unwrap();
        assert_eq!(got, PathBuf::from("/home/u/.cache/terradl"));
        assert_eq!(resolve_cache_dir(None, os(""), os("/home/u")).unwrap(), PathBuf::from("/home/u/.cache/terradl"));
    }

    #[test]
    fn no_variable_at_all_is_an_error() {
        assert!(matches!(resolve_cache_dir(None, None, None), Err(SamplesError::NoCacheDir)));
        assert!(matches!(resolve_cache_dir(os(""), None, os("")), Err(SamplesError::NoCacheDir)));
    }

    #[test]
    fn never_inside_the_build_tree() {
        let got = resolve_cache_dir(None, None, os("/home/u")).unwrap();
        assert!(!got.starts_with(env!("CARGO_MANIFEST_DIR")));
    }

    #[test]
    fn missing_file_names_the_fetch_command() {
        let e = SamplesError::Missing { path: "/nowhere/x.tif".into() };
        assert!(e.to_string().contains("terradl fetch-data"), "{e}");
    }
}
