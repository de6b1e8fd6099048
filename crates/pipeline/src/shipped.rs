//! Models this project trained itself and ships inside the binary: the crown detector used
//! by `terradl detect` and the plant segmenter used by `terradl segment-plants` when no
//! `--model` is given, and the starting point of fine-tuning (`--init shipped`).
//!
//! Their files live in the repository's `models/` folder, each beside a `PROVENANCE.md`
//! (data, command, seed, commit, figures). The binary carries them; on first use they are
//! written into the cache (`<cache>/models/<name>-<digest>/`, through a temporary folder and
//! one rename, so an interrupted write leaves nothing half-written) and loaded from there
//! like any saved model.

use std::path::{Path, PathBuf};

use crate::{PipelineError, Result};

/// A model shipped inside the binary.
#[derive(Debug, Clone, Copy)]
pub struct ShippedModel {
    /// Short name (`crowns`, `plants`): the folder under `models/`.
    pub name: &'static str,
    /// One line for the user: what the model is and how well it does.
    pub summary: &'static str,
    /// File name and contents of each file of the saved-model folder.
    files: &'static [(&'static str, &'static [u8])],
}

/// The shipped tree-crown detector (CenterNet, NEON 10 cm RGB); see `models/crowns/PROVENANCE.md`.
pub const CROWN_DETECTOR: ShippedModel = ShippedModel {
    name: "crowns",
    summary: "shipped crown detector (models/crowns: NEON RGB, trained from scratch on the YELL crops; \
              held-out OSBS_029 F1@0.4 in PROVENANCE.md)",
    files: &[
        ("model.json", include_bytes!("../../../models/crowns/model.json")),
        ("detector.bpk", include_bytes!("../../../models/crowns/detector.bpk")),
        ("PROVENANCE.md", include_bytes!("../../../models/crowns/PROVENANCE.md")),
    ],
};

/// The shipped plant segmenter (Res U-Net, NEON 10 cm RGB); see `models/plants/PROVENANCE.md`.
pub const PLANT_SEGMENTER: ShippedModel = ShippedModel {
    name: "plants",
    summary: "shipped plant segmenter (models/plants: Res U-Net on NEON RGB, trained from scratch on the \
              YELL crops; held-out OSBS_029 per-plant F1@0.4 in PROVENANCE.md)",
    files: &[
        ("model.json", include_bytes!("../../../models/plants/model.json")),
        ("unet.bpk", include_bytes!("../../../models/plants/unet.bpk")),
        ("segmenter.json", include_bytes!("../../../models/plants/segmenter.json")),
        ("PROVENANCE.md", include_bytes!("../../../models/plants/PROVENANCE.md")),
    ],
};

impl ShippedModel {
    /// The model's folder in the sample-data cache, written there on first use.
    pub fn dir(&self) -> Result<PathBuf> {
        self.dir_in(&terradl_samples::cache_dir()?)
    }

    /// The model's folder under `cache` (`cache/models/<name>-<digest>/`), written there
    /// when missing or incomplete.
    pub fn dir_in(&self, cache: &Path) -> Result<PathBuf> {
        let root = cache.join("models");
        let dir = root.join(format!("{}-{:016x}", self.name, self.digest()));
        if self.is_complete(&dir) {
            return Ok(dir);
        }
        let io = |what: &str, path: &Path, e: std::io::Error| PipelineError::Step {
            step: format!("writing the {} model ({what} {})", self.name, path.display()),
            source: Box::new(e),
        };
        let tmp = root.join(format!(".{}-{}.tmp", self.name, std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir_all(&tmp).map_err(|e| io("creating", &tmp, e))?;
        for (name, bytes) in self.files {
            let path = tmp.join(name);
            std::fs::write(&path, bytes).map_err(|e| io("writing", &path, e))?;
        }
        if self.is_complete(&dir) {
            // Another process finished first.
            let _ = std::fs::remove_dir_all(&tmp);
            return Ok(dir);
        }
        let _ = std::fs::remove_dir_all(&dir);
        if let Err(e) = std::fs::rename(&tmp, &dir) {
            let _ = std::fs::remove_dir_all(&tmp);
            if !self.is_complete(&dir) {
                return Err(io("renaming into", &dir, e));
            }
        }
        Ok(dir)
    }

    /// The provenance text (data, command, seed, commit, figures).
    pub fn provenance(&self) -> &'static str {
        self.files
            .iter()
            .find(|(n, _)| *n == "PROVENANCE.md")
            .and_then(|(_, b)| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// Total size of the model's files in bytes.
    pub fn size(&self) -> usize {
        self.files.iter().map(|(_, b)| b.len()).sum()
    }

    /// Whether `dir` holds every file with the shipped size.
    fn is_complete(&self, dir: &Path) -> bool {
        self.files
            .iter()
            .all(|(name, bytes)| std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() == bytes.len() as u64))
    }

    /// FNV-1a over the file names and contents: a new model gets a new folder.
    fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for (name, bytes) in self.files {
            for &b in name.as_bytes().iter().chain(bytes.iter()) {
                h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
            }
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_once_complete_and_rewritten_when_damaged() {
        let cache = std::env::temp_dir().join(format!("terradl-shipped-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&cache);
        for model in [CROWN_DETECTOR, PLANT_SEGMENTER] {
            let dir = model.dir_in(&cache).unwrap();
            assert!(dir.starts_with(cache.join("models")));
            for (name, bytes) in model.files {
                assert_eq!(std::fs::read(dir.join(name)).unwrap(), *bytes, "{name}");
            }
            // A damaged file is noticed and the folder written again.
            std::fs::write(dir.join("model.json"), b"{").unwrap();
            assert_eq!(model.dir_in(&cache).unwrap(), dir);
            assert_eq!(std::fs::read(dir.join("model.json")).unwrap(), model.files[0].1);
            assert!(model.provenance().contains("Command"), "{}", model.name);
            assert!(model.size() <= 25 << 20);
        }
        // No temporary folders left behind.
        let left: Vec<_> = std::fs::read_dir(cache.join("models")).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
        assert!(left.is_empty());
        let _ = std::fs::remove_dir_all(&cache);
    }
}
