//! TOML configuration of the land-cover / land-use pipeline (`kind = "lulc"`): several
//! methods — per-pixel random forest and MLP, patch CNN, OCNN, JDL and SS-JDL — trained on
//! the same labelled polygons and compared on the same per-object (spatially separated) test
//! set.
//!
//! ```toml
//! kind = "lulc"
//! name = "etat-major"
//! image = "${TERRADL_DATA_DIR}/museotoolbox/map_compress.tif"
//! labels = "${TERRADL_DATA_DIR}/museotoolbox/train.gpkg"
//! class_attribute = "Type"
//! band_names = ["red", "green", "blue"]
//! output = "../runs/lulc-etat-major"
//!
//! [split]
//! test_fraction = 0.3
//!
//! [segmentation]
//! method = "felzenszwalb"
//! scale = 300.0
//!
//! [land_use]
//! agricultural = ["Agriculture", "Soil"]
//!
//! [[methods]]
//! kind = "ocnn"
//! ```

use crate::error::{PipelineError, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use terradl_segment::{FelzenszwalbConfig, SlicConfig};
use terradl_train::lulc::{JdlConfig, OcnnConfig, PatchCnnSettings};
use terradl_train::pixel::{MlpPixelConfig, RandomForestConfig};

/// A land-cover / land-use pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LulcPipeline {
    /// Run name, shown in the report.
    pub name: String,
    /// Multi-band GeoTIFF to classify.
    pub image: PathBuf,
    /// Labelled polygons (GeoJSON, Shapefile or GeoPackage) in the image's CRS.
    pub labels: PathBuf,
    /// Attribute holding the land-cover class.
    pub class_attribute: String,
    /// One name per image band.
    pub band_names: Vec<String>,
    /// Run directory (created).
    pub output: PathBuf,
    /// Work on the labels' bounding box plus this many pixels instead of the whole image
    /// (the window is saved as `image.tif` in the run directory and mapped from there).
    #[serde(default)]
    pub label_margin: Option<usize>,
    /// Per-object train/test split.
    #[serde(default)]
    pub split: ObjectSplitConfig,
    /// Segmentation giving the objects of OCNN / JDL.
    #[serde(default)]
    pub segmentation: SegmentationConfig,
    /// Land-use classes as groups of land-cover classes (LU name -> LC names). Needed by JDL
    /// and by OCNN with `target = "land_use"`.
    #[serde(default)]
    pub land_use: BTreeMap<String, Vec<String>>,
    /// Methods, compared on the same test pixels.
    pub methods: Vec<LulcMethod>,
    /// Which methods' maps are written.
    #[serde(default)]
    pub map: LulcMapConfig,
}

/// Per-object hold-out: of each class's polygons, `test_fraction` (at least one when the
/// class has two or more) are test polygons; training never uses their pixels, not even as
/// patch context.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectSplitConfig {
    /// Share of each class's polygons held out for testing.
    pub test_fraction: f64,
    /// Seed of the split and the pixel subsampling.
    pub seed: u64,
    /// At most this many training pixels per class for the pixel and patch methods
    /// (random, seeded); 0 keeps all.
    pub max_pixels_per_class: usize,
    /// A segment is a training object when the majority training class covers at least this
    /// fraction of it (and it holds no test pixel).
    pub min_object_fraction: f64,
}

impl Default for ObjectSplitConfig {
    fn default() -> Self {
        ObjectSplitConfig { test_fraction: 0.3, seed: 3, max_pixels_per_class: 3000, min_object_fraction: 0.5 }
    }
}

/// Segmentation algorithm and parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum SegmentationConfig {
    /// Felzenszwalb graph-based segmentation.
    Felzenszwalb(FelzenszwalbConfig),
    /// SLIC superpixels.
    Slic(SlicConfig),
}

impl Default for SegmentationConfig {
    fn default() -> Self {
        SegmentationConfig::Felzenszwalb(FelzenszwalbConfig::default())
    }
}

/// Which labels an OCNN learns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Land-cover classes (the label file's classes).
    #[default]
    LandCover,
    /// Land-use classes (groups of land-cover classes, `[land_use]`).
    LandUse,
}

/// Patch CNN method.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchMethod {
    /// Patch CNN architecture and training settings.
    pub cnn: PatchCnnSettings,
}

/// OCNN method.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcnnMethod {
    /// Which labels the OCNN learns.
    pub target: Target,
    /// OCNN settings.
    pub ocnn: OcnnConfig,
}

/// One method to train and assess.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LulcMethod {
    /// Per-pixel random forest.
    RandomForest(RandomForestConfig),
    /// Per-pixel MLP.
    Mlp(MlpPixelConfig),
    /// Patch CNN classifying each pixel from the window around it.
    PatchCnn(PatchMethod),
    /// Object-based CNN (OCNN) on segments.
    Ocnn(OcnnMethod),
    /// JDL (`scales` empty) or SS-JDL (`scales` set).
    Jdl(JdlConfig),
}

impl LulcMethod {
    /// Short name for tables and directories.
    pub fn name(&self) -> &'static str {
        match self {
            LulcMethod::RandomForest(_) => "random_forest",
            LulcMethod::Mlp(_) => "mlp",
            LulcMethod::PatchCnn(_) => "patch_cnn",
            LulcMethod::Ocnn(m) if m.target == Target::LandUse => "ocnn_lu",
            LulcMethod::Ocnn(_) => "ocnn",
            LulcMethod::Jdl(c) if !c.scales.is_empty() => "ss_jdl",
            LulcMethod::Jdl(_) => "jdl",
        }
    }
}

/// Which maps to write.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LulcMapConfig {
    /// Write no map (accuracy figures only).
    pub skip: bool,
    /// Methods (by name, e.g. "patch_cnn", "jdl") whose maps are written; empty = all.
    pub methods: Vec<String>,
}

impl LulcPipeline {
    /// The `kind` selecting this pipeline.
    pub const KIND: &'static str = "lulc";

    /// Every path field.
    pub(crate) fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        vec![&mut self.image, &mut self.labels, &mut self.output]
    }

    /// Check the values together.
    pub(crate) fn validate(&self) -> Result<()> {
        ensure!(!self.methods.is_empty(), "pipeline {}: `methods` is empty", self.name);
        ensure!(
            (0.0..1.0).contains(&self.split.test_fraction) && self.split.test_fraction > 0.0,
            "split.test_fraction must lie in (0, 1)"
        );
        let needs_lu = self.methods.iter().any(|m| {
            matches!(m, LulcMethod::Jdl(_)) || matches!(m, LulcMethod::Ocnn(o) if o.target == Target::LandUse)
        });
        ensure!(
            !needs_lu || !self.land_use.is_empty(),
            "JDL and land-use OCNN need a [land_use] table grouping land-cover classes"
        );
        Ok(())
    }

    /// Land-use id of each land-cover class (classes in `lc_names` order) and the LU names.
    pub fn land_use_of(&self, lc_names: &[String]) -> Result<(Vec<u32>, Vec<String>)> {
        let lu_names: Vec<String> = self.land_use.keys().cloned().collect();
        let mut of = vec![u32::MAX; lc_names.len()];
        for (u, members) in self.land_use.values().enumerate() {
            for m in members {
                let c = lc_names.iter().position(|n| n == m).ok_or_else(|| {
                    PipelineError::Invalid(format!("land_use lists {m:?}, which is not a land-cover class ({lc_names:?})"))
                })?;
                ensure!(of[c] == u32::MAX, "land-cover class {m:?} is in two land-use groups");
                of[c] = u as u32;
            }
        }
        if let Some(c) = of.iter().position(|&u| u == u32::MAX) {
            bail!("land-cover class {:?} is in no land-use group", lc_names[c]);
        }
        Ok((of, lu_names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PipelineSpec;
    use std::path::Path;

    fn parse(text: &str, base: &Path) -> Result<LulcPipeline> {
        match PipelineSpec::parse(text, base)? {
            PipelineSpec::Lulc(p) => Ok(p),
            other => bail!("parsed as {}", other.kind()),
        }
    }

    const TOML: &str = r#"
kind = "lulc"
name = "t"
image = "a.tif"
labels = "b.gpkg"
class_attribute = "Type"
band_names = ["r", "g", "b"]
output = "out"
[segmentation]
method = "slic"
compactness = 10.0
[land_use]
farm = ["Agriculture", "Soil"]
wild = ["Forest"]
[[methods]]
kind = "random_forest"
n_trees = 10
[[methods]]
kind = "jdl"
scales = [16, 24]
[[methods]]
kind = "ocnn"
target = "land_use"
"#;

    #[test]
    fn parses_methods_and_groups() {
        let p = parse(TOML, Path::new("/x")).unwrap();
        assert_eq!(p.image, Path::new("/x/a.tif"));
        let names: Vec<_> = p.methods.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["random_forest", "ss_jdl", "ocnn_lu"]);
        assert!(matches!(p.segmentation, SegmentationConfig::Slic(_)));
        let lc: Vec<String> = ["Agriculture", "Forest", "Soil"].map(String::from).to_vec();
        let (of, lu) = p.land_use_of(&lc).unwrap();
        assert_eq!(lu, ["farm", "wild"]);
        assert_eq!(of, [0, 1, 0]);
        let missing: Vec<String> = ["Agriculture", "Forest", "Soil", "Water"].map(String::from).to_vec();
        assert!(p.land_use_of(&missing).is_err());
    }

    #[test]
    fn land_use_methods_need_groups() {
        let text = TOML.replace("[land_use]\nfarm = [\"Agriculture\", \"Soil\"]\nwild = [\"Forest\"]\n", "");
        assert!(parse(&text, Path::new(".")).is_err());
    }
}
