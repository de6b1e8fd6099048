//! Atomic file writes for saved models.

use std::path::Path;

use super::SavedModelError;

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SavedModelError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| SavedModelError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| SavedModelError::io(path, e))
}
