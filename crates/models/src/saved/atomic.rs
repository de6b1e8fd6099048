//! Atomic file writes for saved models.

use std::path::Path;

use super::SavedModelError;

/// Writes `bytes` to `path` through a temporary file (synced to disk) and a rename, so a
/// crash or kill leaves either the old file or the new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SavedModelError> {
    use std::io::Write;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(SavedModelError::io(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| SavedModelError::io(path, e))
}
