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
use terradl_geo::stack::{Resampling, StackBand, StackOptions};
use terradl_segment::{FelzenszwalbConfig, SlicConfig};
use terradl_train::lulc::{JdlConfig, OcnnConfig, PatchCnnSettings};
use terradl_train::pixel::{MlpPixelConfig, RandomForestConfig};

/// A land-cover / land-use pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LulcPipeline {
    /// Run name, shown in the report.
    pub name: String,
    /// Multi-band raster to classify (GeoTIFF or JPEG 2000); omit it and give `[stack]` to
    /// build the image from single-band files.
    #[serde(default)]
    pub image: PathBuf,
    /// Build the image by stacking bands of several files and resolutions on one grid (e.g.
    /// Sentinel-2's 10, 20 and 60 m `.jp2` bands); written as `stack.tif` in the run
    /// directory and used as the image.
    #[serde(default)]
    pub stack: Option<ImageStack>,
    /// Labelled polygons (GeoJSON, Shapefile or GeoPackage) in the image's CRS.
    pub labels: PathBuf,
    /// Attribute holding each polygon's class.
    pub class_attribute: String,
    /// What the label classes are: land cover (default; `[land_use]` groups them into land
    /// use) or land use (`[land_cover]` groups them into land cover).
    #[serde(default)]
    pub labels_are: Target,
    /// One name per image band (default with `[stack]`: the stack's band names).
    #[serde(default)]
    pub band_names: Vec<String>,
    /// Run directory (created).
    pub output: PathBuf,
    /// Nodata value of the image when its file declares none (e.g. `0` for a scene's zero
    /// fill): such pixels are never trained on, tested, classified or counted in areas.
    #[serde(default)]
    pub nodata: Option<f64>,
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
    /// Land-cover classes as groups of land-use label classes (LC name -> LU names), when
    /// `labels_are = "land_use"`. Needed by JDL and by OCNN with `target = "land_cover"`.
    #[serde(default)]
    pub land_cover: BTreeMap<String, Vec<String>>,
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
    /// Spatially blocked split: square blocks of this many pixels; each polygon belongs to
    /// the block of its centroid and whole blocks go to test, so no test polygon has a
    /// training polygon in its block. Off (per-class random polygons) when omitted.
    pub block_size: Option<usize>,
}

impl Default for ObjectSplitConfig {
    fn default() -> Self {
        ObjectSplitConfig {
            test_fraction: 0.3,
            seed: 3,
            max_pixels_per_class: 3000,
            min_object_fraction: 0.5,
            block_size: None,
        }
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

/// Bands stacked into the pipeline's image (see [`terradl_geo::stack`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageStack {
    /// Input bands in order.
    pub bands: Vec<StackBand>,
    /// Output pixel size in CRS units; the finest band's when omitted.
    #[serde(default)]
    pub resolution: Option<f64>,
    /// Resampling of the bands on a coarser grid (default bilinear).
    #[serde(default)]
    pub resampling: Resampling,
}

impl ImageStack {
    /// Grid and resampling options.
    pub fn options(&self) -> StackOptions {
        StackOptions { resolution: self.resolution, resampling: self.resampling }
    }
}

/// A class target: land cover or land use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Land-cover classes.
    #[default]
    LandCover,
    /// Land-use classes.
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
        let mut paths = vec![&mut self.image, &mut self.labels, &mut self.output];
        if let Some(stack) = &mut self.stack {
            paths.extend(stack.bands.iter_mut().map(|b| &mut b.path));
        }
        paths
    }

    /// Check the values together.
    pub(crate) fn validate(&self) -> Result<()> {
        ensure!(!self.methods.is_empty(), "pipeline {}: `methods` is empty", self.name);
        match &self.stack {
            Some(s) => {
                ensure!(self.image.as_os_str().is_empty(), "give either `image` or `[stack]`, not both");
                ensure!(!s.bands.is_empty(), "[stack] lists no bands");
            }
            None => {
                ensure!(!self.image.as_os_str().is_empty(), "`image` is missing (or give `[stack]` bands)");
                ensure!(!self.band_names.is_empty(), "`band_names` is missing (one name per image band)");
            }
        }
        ensure!(self.split.block_size != Some(0), "split.block_size must be at least 1 pixel");
        ensure!(
            (0.0..1.0).contains(&self.split.test_fraction) && self.split.test_fraction > 0.0,
            "split.test_fraction must lie in (0, 1)"
        );
        // The target the labels do not give directly must be grouped from them.
        let other = match self.labels_are {
            Target::LandCover => Target::LandUse,
            Target::LandUse => Target::LandCover,
        };
        let needs_other =
            self.methods.iter().any(|m| matches!(m, LulcMethod::Jdl(_)) || matches!(m, LulcMethod::Ocnn(o) if o.target == other));
        let (table, wrong) = match self.labels_are {
            Target::LandCover => ("land_use", &self.land_cover),
            Target::LandUse => ("land_cover", &self.land_use),
        };
        ensure!(wrong.is_empty(), "labels_are = {:?}: the grouping table is [{table}], not the other one", self.labels_are);
        ensure!(
            !needs_other || !self.grouping().is_empty(),
            "JDL and OCNN with target = {other:?} need a [{table}] table grouping the label classes"
        );
        Ok(())
    }

    /// The grouping of label classes into the other target's classes.
    fn grouping(&self) -> &BTreeMap<String, Vec<String>> {
        match self.labels_are {
            Target::LandCover => &self.land_use,
            Target::LandUse => &self.land_cover,
        }
    }

    /// Group id of each label class (classes in `label_names` order) and the group names,
    /// from `[land_use]` or `[land_cover]`.
    pub fn grouping_of(&self, label_names: &[String]) -> Result<(Vec<u32>, Vec<String>)> {
        group_classes(self.grouping(), label_names)
    }

}

/// Group id of each of `names` under `groups` (group name -> member names) and the group
/// names: every class in exactly one group, every member a class.
fn group_classes(groups: &BTreeMap<String, Vec<String>>, names: &[String]) -> Result<(Vec<u32>, Vec<String>)> {
    let group_names: Vec<String> = groups.keys().cloned().collect();
    let mut of = vec![u32::MAX; names.len()];
    for (u, members) in groups.values().enumerate() {
        for m in members {
            let c = names.iter().position(|n| n == m).ok_or_else(|| {
                PipelineError::Invalid(format!("the grouping lists {m:?}, which is not a label class ({names:?})"))
            })?;
            ensure!(of[c] == u32::MAX, "label class {m:?} is in two groups");
            of[c] = u as u32;
        }
    }
    if let Some(c) = of.iter().position(|&u| u == u32::MAX) {
        bail!("label class {:?} is in no group", names[c]);
    }
    Ok((of, group_names))
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
        let (of, lu) = p.grouping_of(&lc).unwrap();
        assert_eq!(lu, ["farm", "wild"]);
        assert_eq!(of, [0, 1, 0]);
        let missing: Vec<String> = ["Agriculture", "Forest", "Soil", "Water"].map(String::from).to_vec();
        assert!(p.grouping_of(&missing).is_err());
    }

    #[test]
    fn land_use_labels_with_a_land_cover_grouping_and_a_stack() {
        let text = r#"
kind = "lulc"
name = "s2"
labels = "osm.gpkg"
class_attribute = "fclass"
labels_are = "land_use"
output = "out"
[stack]
bands = [{ path = "B02.jp2" }, { path = "B05.jp2", name = "re1" }]
resampling = "average"
[split]
block_size = 64
[land_cover]
woody = ["forest", "scrub"]
herbaceous = ["meadow", "farm"]
[[methods]]
kind = "jdl"
"#;
        let p = parse(text, Path::new("/d")).unwrap();
        assert_eq!(p.labels_are, Target::LandUse);
        let stack = p.stack.as_ref().unwrap();
        assert_eq!(stack.bands[1].path, Path::new("/d/B05.jp2"));
        assert_eq!(stack.options().resampling, Resampling::Average);
        assert_eq!(p.split.block_size, Some(64));
        let lu: Vec<String> = ["farm", "forest", "meadow", "scrub"].map(String::from).to_vec();
        let (of, lc) = p.grouping_of(&lu).unwrap();
        assert_eq!((of, lc), (vec![0, 1, 0, 1], vec!["herbaceous".to_string(), "woody".to_string()]));
        // Both an image and a stack; the grouping table of the other direction.
        let both = text.replace("output = \"out\"", "output = \"out\"\nimage = \"x.tif\"");
        assert!(parse(&both, Path::new(".")).unwrap_err().to_string().contains("not both"));
        let wrong = text.replace("[land_cover]", "[land_use]");
        assert!(parse(&wrong, Path::new(".")).unwrap_err().to_string().contains("[land_cover]"));
    }

    #[test]
    fn land_use_methods_need_groups() {
        let text = TOML.replace("[land_use]\nfarm = [\"Agriculture\", \"Soil\"]\nwild = [\"Forest\"]\n", "");
        assert!(parse(&text, Path::new(".")).is_err());
    }
}
