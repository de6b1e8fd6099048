//! `terradl`: deep learning for Earth-observation imagery, from the command line.

mod commands;

use clap::Parser;
use std::process::ExitCode;

/// Large buffers (image-chip activations) are reused on 2 MiB pages instead of being
/// mapped afresh every step; see [`terradl_train::LargeBlockAllocator`].
#[global_allocator]
static ALLOCATOR: terradl_train::LargeBlockAllocator = terradl_train::LargeBlockAllocator::new();

fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    init_tracing(cli.verbose);
    terradl_train::keep_freed_memory();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(verbose: u8) {
    // wgpu probes its OpenGL ES backend too and logs an error where there is no EGL driver
    // (headless machines, software Vulkan); the Vulkan adapter it then uses is unaffected.
    let default = match verbose {
        0 => "warn,terradl=info,wgpu_hal::gles=off",
        1 => "info,wgpu_hal::gles=off",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TERRADL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
