//! `terradl-bench`: terradl's side of the benchmarks that `bench/run.sh` runs against
//! PyTorch, scikit-learn and rasterio on the same machine and inputs. Each measuring
//! subcommand prints one JSON line on stdout; `bench/report.py` turns them into the CSV.
//! Build it with `--release`: debug figures mean nothing.

mod arrays;
mod conv_ops;
mod datasets;
mod forest_bench;
mod gemm_conv;
mod predict_bench;
mod tile_raster;
mod train_bench;
mod detector_bench;
mod unet_bench;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use train_bench::BenchModel;

#[derive(Parser)]
#[command(name = "terradl-bench", about = "terradl benchmark driver (see bench/run.sh)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the real sample sets (patches, series, Statlog split) into DIR for both sides.
    Data {
        dir: PathBuf,
        /// Number of Sentinel-2 pixel series.
        #[arg(long, default_value_t = 8192)]
        series_samples: usize,
    },
    /// Training throughput of one model (JSON line).
    Train {
        #[arg(value_enum)]
        model: BenchModel,
        /// Directory written by `data`.
        dir: PathBuf,
        #[arg(long, default_value_t = 4)]
        epochs: usize,
        #[arg(long, default_value_t = 64)]
        batch_size: usize,
    },
    /// Random-forest fit/predict time and test accuracy on Statlog (JSON line).
    Forest {
        dir: PathBuf,
        #[arg(long, default_value_t = 100)]
        trees: usize,
        /// Maximum depth; omit for fully grown trees.
        #[arg(long)]
        max_depth: Option<u16>,
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        /// The 2000 test rows are predicted this many times over.
        #[arg(long, default_value_t = 10)]
        predict_copies: usize,
    },
    /// Res U-Net training step, inference, or its convolutions alone (JSON line), on the
    /// compute device (`TERRADL_DEVICE`, default cpu).
    Unet {
        /// train, infer or convs.
        mode: String,
        #[arg(long, value_delimiter = ',', default_value = "32,64,128,256")]
        widths: Vec<usize>,
        #[arg(long, default_value_t = 8)]
        batch: usize,
        #[arg(long, default_value_t = 256)]
        side: usize,
        #[arg(long, default_value_t = 3)]
        reps: usize,
    },
    /// Crown detector training step or inference (JSON line), on the compute device.
    Detector {
        /// train or infer.
        mode: String,
        #[arg(long, value_delimiter = ',', default_value = "16,32,64,96")]
        widths: Vec<usize>,
        #[arg(long, default_value_t = 32)]
        head: usize,
        #[arg(long, default_value_t = 8)]
        batch: usize,
        #[arg(long, default_value_t = 256)]
        side: usize,
        #[arg(long, default_value_t = 3)]
        reps: usize,
    },
    /// FP32 GEMM peak of this CPU with the `gemm` crate (JSON line).
    GemmPeak {
        #[arg(long, default_value_t = 2048)]
        n: usize,
        #[arg(long, default_value_t = 5)]
        reps: usize,
        #[arg(long, default_value_t = 1)]
        threads: usize,
    },
    /// Write the GeoTIFF SRC repeated FACTOR x FACTOR times to DST.
    Tile { src: PathBuf, factor: usize, dst: PathBuf },
    /// Time each convolution kernel of one training step at the benchmark's shapes (JSON lines).
    Ops {
        #[arg(long, default_value_t = 20)]
        reps: usize,
    },
    /// Candidate fix: im2col + matmul convolution vs burn's conv2d, forward + backward.
    ConvFix {
        #[arg(long, default_value_t = 10)]
        reps: usize,
    },
    /// Full-raster MLP prediction with the streaming engine (JSON line).
    Predict {
        input: PathBuf,
        out_dir: PathBuf,
        /// Where the MLP's standardisation statistics are written for the Python peer.
        #[arg(long)]
        stats: PathBuf,
        /// Hidden layer widths.
        #[arg(long, value_delimiter = ',', default_value = "128,64")]
        hidden: Vec<usize>,
        /// Label of the raster in the output (e.g. 1x, 4x).
        #[arg(long, default_value = "1x")]
        label: String,
    },
}

/// Large buffers (image-chip activations) are reused on 2 MiB pages instead of being
/// mapped afresh every step; see [`terradl_train::LargeBlockAllocator`].
#[global_allocator]
static ALLOCATOR: terradl_train::LargeBlockAllocator = terradl_train::LargeBlockAllocator::new();

fn main() -> anyhow::Result<()> {
    // As the `terradl` binary does: freed buffers stay in the heap for the next step.
    terradl_train::keep_freed_memory();
    match Cli::parse().command {
        Command::Data { dir, series_samples } => datasets::write_all(&dir, series_samples),
        Command::Train { model, dir, epochs, batch_size } => train_bench::run(model, &dir, epochs, batch_size),
        Command::Forest { dir, trees, max_depth, repeats, predict_copies } => {
            forest_bench::run(&dir, trees, max_depth, repeats, predict_copies)
        }
        Command::Ops { reps } => conv_ops::run(reps),
        Command::ConvFix { reps } => gemm_conv::run(reps),
        Command::Unet { mode, widths, batch, side, reps } => unet_bench::run(&mode, &widths, batch, side, reps),
        Command::Detector { mode, widths, head, batch, side, reps } => {
            let widths: [usize; 4] = widths.try_into().map_err(|_| anyhow::anyhow!("--widths needs four numbers"))?;
            detector_bench::run(&mode, widths, head, batch, side, reps)
        }
        Command::GemmPeak { n, reps, threads } => {
            unet_bench::gemm_peak(n, reps, threads);
            Ok(())
        }
        Command::Tile { src, factor, dst } => tile_raster::run(&src, factor, &dst),
        Command::Predict { input, out_dir, stats, hidden, label } => {
            predict_bench::run(&input, &out_dir, &hidden, &stats, &label)
        }
    }
}
