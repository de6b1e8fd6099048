//! A per-process scratch file for readers that take a path.

use std::path::PathBuf;

/// Write `data` to a scratch file with extension `ext` (in /dev/shm when present) and
/// return its path.
pub fn scratch(data: &[u8], ext: &str) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() { PathBuf::from("/dev/shm") } else { std::env::temp_dir() };
    let p = dir.join(format!("terradl-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&p, data).expect("scratch file");
    p
}
