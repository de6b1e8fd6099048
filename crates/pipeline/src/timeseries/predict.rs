//! `terradl predict` on a time-series run: the dated imagery presented to the tiled engine as
//! one virtual date-major stack ([`SeriesSource`]), masked and gap-filled window by window
//! exactly as the training series were (raster nodata, cloud masks, the pipeline's `nodata` and
//! `valid_range`, linear interpolation in time on the real date spacing). The saved TempCNN /
//! LSTM / L-TAE apply their stored per-band normalisation themselves.
//!
//! The input given to `terradl predict` is either
//! - the date-major stack GeoTIFF itself (`dates x band_names` bands, the training dates), or
//! - a TOML file with the imagery keys of a time-series pipeline: `[[rasters]]` (`date`,
//!   `path`, optional `cloud_mask`) or `stack` + `dates`. Other keys are ignored, so the
//!   training pipeline TOML itself works; paths are resolved like the pipeline's (relative to
//!   the TOML's directory, `${TERRADL_DATA_DIR}/...` in the sample-data cache).

use super::config::{parse_date, DatedRaster};
use super::series::{apply_cloud_mask, clean_series};
use crate::model_store::ModelManifest;
use crate::spec::{resolve_path, PipelineSpec};
use crate::error::{Context, Result, bail, ensure};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use terradl_data::stack_dates;
use terradl_data::{Date, TimeSeriesDataset};
use terradl_geo::geotiff::RasterInfo;
use terradl_geo::RasterReader;
use terradl_geo::{DType, Raster, Window};
use terradl_predict::{PredictError, TileSource};

/// The imagery keys of a time-series pipeline TOML (everything else is ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ImageryToml {
    rasters: Vec<DatedRaster>,
    stack: Option<PathBuf>,
    dates: Vec<String>,
}

/// Where the dates' bands come from.
enum Inputs {
    /// One date-major stack.
    Stack(RasterReader),
    /// One GeoTIFF per date, each with an optional cloud mask.
    Dated(Vec<(RasterReader, Option<RasterReader>)>),
}

/// Dated imagery as one virtual `dates x bands` raster (float32, NaN where an observation is
/// missing on every date), cleaned like the training series; see the module documentation.
pub struct SeriesSource {
    inputs: Inputs,
    info: RasterInfo,
    dates: Vec<Date>,
    band_names: Vec<String>,
    nodata: Option<f32>,
    valid_range: Option<[f32; 2]>,
}

fn open(path: &Path, what: &str) -> Result<RasterReader> {
    RasterReader::open(path).with_context(|| format!("opening {what} {}", path.display()))
}

fn join_dates(d: &[Date]) -> String {
    d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
}

impl SeriesSource {
    /// Open the imagery `input` (a stack GeoTIFF or an imagery TOML) for the time-series run
    /// described by `manifest`, checking dates, band counts, grids and CRS against it.
    pub fn open(manifest: &ModelManifest, input: &Path) -> Result<SeriesSource> {
        let stored = PipelineSpec::parse(&manifest.config_toml, Path::new(".")).context("the run's stored pipeline TOML")?;
        let PipelineSpec::TimeSeries(p) = stored else {
            bail!("the run's stored pipeline is a {} pipeline, not a time-series one", stored.kind())
        };
        let trained = p.parsed_dates()?;
        let nb = p.band_names.len();
        let is_toml = input.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let (inputs, dates) = if is_toml {
            let text = std::fs::read_to_string(input).with_context(|| format!("reading imagery {}", input.display()))?;
            let mut t: ImageryToml =
                toml::from_str(&text).with_context(|| format!("invalid imagery TOML {}", input.display()))?;
            let base = input.parent().unwrap_or(Path::new("."));
            let data_dir = terradl_samples::cache_dir().context("finding the sample-data directory for ${TERRADL_DATA_DIR}")?;
            let fix = |f: &Path| resolve_path(f, base, &data_dir);
            match (t.stack.take(), t.rasters.is_empty()) {
                (Some(_), false) => bail!("{}: give either `stack` + `dates` or `[[rasters]]`, not both", input.display()),
                (None, true) => bail!("{}: no imagery; list `[[rasters]]` (date, path) or `stack` + `dates`", input.display()),
                (Some(stack), true) => {
                    ensure!(!t.dates.is_empty(), "{}: `stack` needs `dates`", input.display());
                    let dates = t.dates.iter().map(|d| parse_date(d)).collect::<Result<Vec<_>>>()?;
                    (Inputs::Stack(open(&fix(&stack), "stack")?), dates)
                }
                (None, false) => {
                    let dates = t.rasters.iter().map(|r| parse_date(&r.date)).collect::<Result<Vec<_>>>()?;
                    let mut readers = Vec::with_capacity(t.rasters.len());
                    for r in &t.rasters {
                        let mask = r.cloud_mask.as_ref().map(|m| open(&fix(m), "cloud mask")).transpose()?;
                        readers.push((open(&fix(&r.path), "raster")?, mask));
                    }
                    (Inputs::Dated(readers), dates)
                }
            }
        } else {
            (Inputs::Stack(open(input, "stack")?), trained.clone())
        };
        ensure!(dates.windows(2).all(|w| w[0] < w[1]), "{}: dates must be strictly increasing", input.display());
        if dates.len() != trained.len() {
            let missing: Vec<Date> = trained.iter().filter(|d| !dates.contains(d)).copied().collect();
            bail!(
                "the model was trained on {} dates ({}) but {} gives {}{}",
                trained.len(),
                join_dates(&trained),
                input.display(),
                dates.len(),
                if missing.is_empty() { String::new() } else { format!("; missing: {}", join_dates(&missing)) }
            );
        }
        if dates != trained {
            tracing::warn!(
                imagery = %join_dates(&dates),
                trained = %join_dates(&trained),
                "the imagery's dates differ from the training dates; the models see the same number of dates in order \
                 (L-TAE keeps the training days as positions)"
            );
        }
        let info = match &inputs {
            Inputs::Stack(r) => {
                let i = r.info();
                ensure!(
                    i.bands == dates.len() * nb,
                    "{} has {} bands but the model needs {} dates x {} bands ({}) = {}",
                    r.path().display(),
                    i.bands,
                    dates.len(),
                    nb,
                    p.band_names.join(", "),
                    dates.len() * nb
                );
                i.clone()
            }
            Inputs::Dated(readers) => {
                let first = readers[0].0.info();
                for (r, mask) in readers {
                    let i = r.info();
                    ensure!(
                        i.bands == nb,
                        "{} has {} bands but the model was trained on {} per date ({})",
                        r.path().display(),
                        i.bands,
                        nb,
                        p.band_names.join(", ")
                    );
                    ensure!(
                        (i.cols, i.rows) == (first.cols, first.rows) && i.transform == first.transform,
                        "{} is not on the grid of {} (size or geotransform differ)",
                        r.path().display(),
                        readers[0].0.path().display()
                    );
                    ensure!(
                        !i.crs.conflicts_with(&first.crs),
                        "{} is in {} but {} is in {}",
                        r.path().display(),
                        i.crs,
                        readers[0].0.path().display(),
                        first.crs
                    );
                    if let Some(m) = mask {
                        let mi = m.info();
                        ensure!(
                            (mi.cols, mi.rows) == (i.cols, i.rows) && mi.transform == i.transform,
                            "cloud mask {} is not on the grid of {}",
                            m.path().display(),
                            r.path().display()
                        );
                    }
                }
                first.clone()
            }
        };
        let info = RasterInfo { bands: dates.len() * nb, dtype: DType::F32, nodata: None, colormap: None, ..info };
        Ok(SeriesSource { inputs, info, dates, band_names: p.band_names, nodata: p.nodata, valid_range: p.valid_range })
    }

    fn read(&self, window: Window) -> Result<Raster> {
        let stack = match &self.inputs {
            Inputs::Stack(r) => r.read_window(window)?,
            Inputs::Dated(readers) => {
                let mut rasters = Vec::with_capacity(readers.len());
                for (r, mask) in readers {
                    let mut img = r.read_window(window)?;
                    if let Some(m) = mask {
                        apply_cloud_mask(&mut img, &m.read_window(window)?);
                    }
                    rasters.push(img);
                }
                stack_dates(&rasters)?
            }
        };
        let pixels: Vec<usize> = (0..stack.pixels()).collect();
        let mut ts = TimeSeriesDataset::from_stack(&stack, self.dates.clone(), self.band_names.clone(), &pixels)?;
        clean_series(&mut ts, self.nodata, self.valid_range);
        // back to band-sequential; a band missing on every date stays NaN (pixel invalid)
        let (n, nf) = (pixels.len(), self.info.bands);
        let mut data = vec![0f32; nf * n];
        for (p, series) in ts.x.chunks_exact(nf).enumerate() {
            for (band, &v) in series.iter().enumerate() {
                data[band * n + p] = v;
            }
        }
        let mut out = Raster::from_vec(nf, stack.rows, stack.cols, DType::F32, data)?.with_georef_of(&stack);
        out.nodata = None;
        Ok(out)
    }
}

impl TileSource for SeriesSource {
    fn info(&self) -> &RasterInfo {
        &self.info
    }
    fn read_window(&self, window: Window) -> terradl_predict::Result<Raster> {
        self.read(window).map_err(|e| PredictError::predictor("reading the block's series", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model_store::FORMAT;
    use terradl_geo::geotiff::{write_geotiff, WriteOptions};
    use terradl_geo::{Crs, GeoTransform};

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("terradl-ts-predict-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn manifest(extra: &str) -> ModelManifest {
        let toml = format!(
            "kind = \"time_series\"\nname = \"t\"\nband_names = [\"red\", \"nir\"]\nlabels = \"f.geojson\"\n\
             class_attribute = \"c\"\noutput = \"out\"\nstack = \"s.tif\"\ndates = [\"2018-01-01\", \"2018-01-11\", \"2018-01-21\"]\n\
             {extra}[[models]]\nkind = \"ltae\"\n"
        );
        ModelManifest {
            format: FORMAT,
            kind: crate::model_store::RunKind::TimeSeries,
            band_names: (0..6).map(|i| format!("b{i}")).collect(),
            indices: vec![],
            class_names: vec!["a".into(), "b".into()],
            colors: vec![[0, 0, 0], [1, 1, 1]],
            crs: Crs::projected(32631),
            best: 0,
            models: vec![],
            config_toml: toml,
            nodata: None,
        }
    }

    /// A 2-band date raster (2 x 3 pixels) with value `v` everywhere but band 0 of pixel (1, 0), nodata.
    fn date_raster(path: &Path, v: f32) {
        let mut r = Raster::new(2, 2, 3, DType::I16);
        r.data.fill(v);
        r.set(0, 1, 0, -1.0);
        r.nodata = Some(-1.0);
        r.transform = GeoTransform([500000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0]);
        r.crs = Crs::projected(32631);
        write_geotiff(path, &r, &WriteOptions::default()).unwrap();
    }

    #[test]
    fn dated_rasters_are_masked_and_gap_filled_like_training() {
        let d = dir("dated");
        date_raster(&d.join("a.tif"), 100.0);
        date_raster(&d.join("b.tif"), 5000.0);
        date_raster(&d.join("c.tif"), 300.0);
        // cloud on pixel (0, 1) of the middle date
        let mut m = Raster::new(1, 2, 3, DType::U8);
        m.set(0, 0, 1, 1.0);
        m.transform = GeoTransform([500000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0]);
        write_geotiff(d.join("m.tif"), &m, &WriteOptions::default()).unwrap();
        std::fs::write(
            d.join("imagery.toml"),
            "[[rasters]]\ndate = \"2018-01-01\"\npath = \"a.tif\"\n[[rasters]]\ndate = \"2018-01-11\"\npath = \"b.tif\"\n\
             cloud_mask = \"m.tif\"\n[[rasters]]\ndate = \"2018-01-21\"\npath = \"c.tif\"\n",
        )
        .unwrap();
        let src = SeriesSource::open(&manifest("valid_range = [1, 4000]\n"), &d.join("imagery.toml")).unwrap();
        assert_eq!(src.info().bands, 6);
        let w = src.read_window(Window::new(0, 0, 3, 2)).unwrap();
        // the middle date is out of range everywhere -> interpolated halfway (100 -> 300)
        assert_eq!(w.get(2, 0, 0), 200.0);
        assert_eq!(w.get(3, 1, 2), 200.0);
        assert_eq!((w.get(0, 0, 1), w.get(5, 0, 1)), (100.0, 300.0));
        // band 0 of pixel (1, 0) is nodata on dates 0 and 2 and out of range on date 1: missing
        // on every date, so it stays NaN (the engine writes class nodata); band 1 is filled
        assert!((0..3).all(|t| w.get(2 * t, 1, 0).is_nan()));
        assert_eq!((w.get(1, 1, 0), w.get(3, 1, 0)), (100.0, 200.0));
        assert_eq!(w.transform, GeoTransform([500000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0]));
        // a date missing
        std::fs::write(d.join("short.toml"), "[[rasters]]\ndate = \"2018-01-01\"\npath = \"a.tif\"\n").unwrap();
        let e = SeriesSource::open(&manifest(""), &d.join("short.toml")).err().unwrap().to_string();
        assert!(e.contains("trained on 3 dates") && e.contains("missing: 2018-01-11, 2018-01-21"), "{e}");
        // a stack with the wrong band count
        let e = SeriesSource::open(&manifest(""), &d.join("a.tif")).err().unwrap().to_string();
        assert!(e.contains("has 2 bands but the model needs 3 dates x 2 bands"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
